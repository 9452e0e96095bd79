//! Retention (METHODOLOGY §6, SPEC §13): free-text comments older than the configured period
//! are deleted by the service itself; answers without identifiers are kept (the running
//! tallies hold no comments, so no figure moves). A closed feedback item's contact goes after
//! its period, and audit rows after theirs. Each sweep that deletes is audited with counts.

use crate::service::audit::write as audit;
use crate::store::{responses, Store, StoreError};
use chrono::{DateTime, Duration, Utc};

/// Blanks the comments of responses submitted before `now - days`. Returns how many.
pub fn purge_comments(store: &Store, days: i64, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let cutoff = (now - Duration::days(days)).naive_utc();
    store.write(|c| -> Result<usize, StoreError> {
        let n = responses::purge_comments(c, cutoff)?;
        if n > 0 {
            audit(
                c,
                now,
                "system",
                "retention.comments",
                &format!("{n} comments older than {days} days"),
                "deleted",
            )?;
        }
        Ok(n)
    })
}

/// How long each category is kept (the record of processing names the same numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// 0: comments are kept.
    pub comment_days: i64,
    pub contact_days: i64,
    /// Requests about personal data, from their completion.
    pub request_days: i64,
    pub audit_years: i64,
}

/// One sweep of every category; how many things were deleted.
pub fn sweep(store: &Store, r: Retention, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let comments = if r.comment_days > 0 {
        purge_comments(store, r.comment_days, now)?
    } else {
        0
    };
    let contact_cutoff = crate::domain::local_date(now) - Duration::days(r.contact_days);
    let request_cutoff = crate::domain::local_date(now) - Duration::days(r.request_days);
    let audit_cutoff = (now - Duration::days(365 * r.audit_years)).naive_utc();
    let today = crate::domain::local_date(now);
    let deleted = store.write(|c| -> Result<usize, StoreError> {
        let contacts = crate::store::privacy::purge_contacts(c, contact_cutoff)?;
        let requests = crate::store::privacy::purge_requests(c, request_cutoff)?;
        // A phone's one-time codes live ten minutes: yesterday's are gone with their count.
        let codes = crate::store::privacy::purge_codes(c, today)?;
        let audits = crate::store::users::purge_audit(c, audit_cutoff)?;
        if contacts + requests + codes + audits > 0 {
            let what = format!(
                "{contacts} contacts of feedback closed over {} days ago; {requests} requests completed over {} days ago; {codes} expired verification codes; {audits} audit rows over {} years old",
                r.contact_days, r.request_days, r.audit_years
            );
            audit(c, now, "system", "retention.personal_data", &what, "deleted")?;
        }
        Ok(contacts + requests + codes + audits)
    })?;
    Ok(comments + deleted)
}
