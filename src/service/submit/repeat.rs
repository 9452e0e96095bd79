//! A submission id seen before: the same answers are answered as the first time, other
//! answers are a conflict. What makes two submissions the same is a digest of them.

use sha2::{Digest, Sha256};

use super::{Receipt, Submission, SubmitError, Target};
use crate::domain::form::{Answers, Form};
use crate::service::forms::FormRegistry;
use crate::store::responses;
use crate::store::StoreError;

pub(super) struct Stored {
    receipt: Receipt,
    digest: String,
    form_id: String,
    form_version: i32,
    via_ticket: bool,
}

pub(super) fn repeat_of(
    conn: &mut crate::store::DbConnection,
    submission_id: &str,
) -> Result<Option<Stored>, StoreError> {
    Ok(
        responses::by_submission_id(conn, submission_id)?.map(|r| Stored {
            receipt: Receipt {
                response_id: r.id,
                submission_id: r.submission_id,
                unit_code: r.unit_code,
                created: false,
            },
            digest: r.digest,
            form_id: r.form_id,
            form_version: r.form_version,
            via_ticket: r.via_ticket,
        }),
    )
}

/// A submission id seen before: the same answers are a repeat (answered as the first time),
/// different answers are a conflict (409).
pub(super) fn check_repeat(
    forms: &FormRegistry,
    submission: &Submission,
    stored: Stored,
) -> Result<Receipt, SubmitError> {
    let unit_code = stored.receipt.unit_code.clone();
    let conflict = || SubmitError::Conflict(stored.receipt.submission_id.clone());
    let (target_unit, target_ticket) = match &submission.target {
        Target::Unit(u) => (Some(u.as_str()), None),
        Target::Ticket(t) => (None, Some(t.as_str())),
        Target::Both { unit, ticket } => (Some(unit.as_str()), Some(ticket.as_str())),
    };
    if target_unit.is_some_and(|u| u != unit_code) {
        return Err(conflict());
    }
    // Which ticket a response came through is not kept (anonymity), only that it came
    // through one: a ticket's repeat must be a ticket response of the same unit.
    if target_ticket.is_some() && !stored.via_ticket {
        return Err(conflict());
    }
    let version = u32::try_from(stored.form_version).unwrap_or_default();
    let form = forms
        .get(&stored.form_id, version)
        .ok_or_else(|| SubmitError::UnknownForm(format!("{}@{version}", stored.form_id)))?;
    let answers = form
        .validate(&submission.pairs)
        .ok()
        .ok_or_else(&conflict)?;
    if digest_for(&unit_code, &form, &answers) != stored.digest {
        return Err(conflict());
    }
    Ok(stored.receipt)
}

/// What makes two submissions the same: unit, form version, answers and comment.
pub fn digest_for(unit: &str, form: &Form, answers: &Answers) -> String {
    let mut h = Sha256::new();
    h.update(unit.as_bytes());
    h.update([0]);
    h.update(form.id.as_bytes());
    h.update(form.version.to_be_bytes());
    h.update(answers.digest().as_bytes());
    hex::encode(h.finalize())
}
