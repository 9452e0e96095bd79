//! Retention (METHODOLOGY §6): free-text comments older than the configured period are
//! deleted by the service itself; answers without identifiers are kept. The running tallies
//! hold no comments, so no figure moves.

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
