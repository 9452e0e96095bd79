//! The audit log (nhật ký): who did what to which record, and how it ended. The service that
//! makes a change writes its entry in the same transaction, so a change is never kept without
//! its entry, nor an entry without its change. A refused change (rolled back) is written on
//! its own afterwards.

use chrono::{DateTime, Utc};

use crate::store::users::{self as user_store, AuditRow};
use crate::store::{DbConnection, Store, StoreError};

/// Writes one entry on `conn`, inside the caller's transaction.
pub fn write(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    user_store::audit(conn, now.naive_utc(), actor, action, target, outcome)
}

/// A change that was refused and rolled back: its entry, in a transaction of its own. A
/// failure to write it is logged, not raised: the caller answers for the refusal.
pub fn refused(store: &Store, now: DateTime<Utc>, actor: &str, action: &str, reason: &str) {
    if let Err(e) = store.write(|c| write(c, now, actor, action, reason, "refused")) {
        tracing::error!(error = %e, action, "writing the audit log failed");
    }
}

/// The latest `limit` entries, newest first.
pub fn recent(store: &Store, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    store.read(|c| user_store::audit_recent(c, limit))
}

/// The whole log, for download; the download itself is written to the log first, in the
/// same transaction.
pub fn export(store: &Store, actor: &str, now: DateTime<Utc>) -> Result<Vec<AuditRow>, StoreError> {
    store.write(|c| {
        write(c, now, actor, "audit.export", "audit_log", "ok")?;
        user_store::audit_recent(c, i64::MAX)
    })
}
