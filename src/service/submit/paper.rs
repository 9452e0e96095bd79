//! A paper sheet typed twice and agreed, stored as a response in the paper check's own
//! transaction.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{prepare, resolve, Source, Submission, SubmitError, Target, Write};
use crate::service::forms::FormRegistry;
use crate::store::responses;
use crate::store::tickets;
use crate::store::Store;

/// A paper sheet typed twice and agreed, checked against its code and form and ready to be
/// stored in the caller's transaction (`store_in`): source `paper`, dated `at`'s day.
pub struct PaperWrite {
    write: Write,
    at: DateTime<Utc>,
}

pub fn paper(
    store: &Store,
    forms: &FormRegistry,
    code: &str,
    form: &str,
    pairs: Vec<(String, String)>,
    at: DateTime<Utc>,
) -> Result<PaperWrite, SubmitError> {
    let submission = Submission {
        target: Target::Ticket(code.to_string()),
        form: Some(form.to_string()),
        pairs,
        submission_id: None,
        source: Source::Paper,
        grace_days: 0,
    };
    let resolved = resolve(
        store,
        forms,
        &submission.target,
        submission.form.as_deref(),
        0,
        at,
    )?;
    let id = Uuid::new_v4().hyphenated().to_string();
    let write = prepare(&resolved, &submission, &id, at, false)?;
    Ok(PaperWrite { write, at })
}

impl PaperWrite {
    /// Claims the code, stores the response and adds it to the day's tally; the response's id.
    pub fn store_in(self, conn: &mut crate::store::DbConnection) -> Result<i64, SubmitError> {
        let Write {
            row,
            tally_key,
            delta,
            ticket_code,
            invite_route,
        } = self.write;
        if let Some(t) = &ticket_code {
            if !tickets::claim(conn, t, self.at.naive_utc())? {
                return Err(SubmitError::TicketUsed);
            }
            if let Some(route) = &invite_route {
                crate::service::invite::count_answer(conn, &row.unit_code, route, self.at)?;
            }
        }
        responses::insert(conn, std::slice::from_ref(&row))?;
        crate::store::tallies::add(conn, &tally_key, &delta)?;
        crate::telemetry::count_submission(Source::Paper.as_str());
        Ok(responses::id_of(conn, &row.submission_id)?.unwrap_or_default())
    }
}
