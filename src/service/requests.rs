//! Citizens' requests about their personal data (SPEC §13): filed with a feedback item's
//! tracking code (never by name alone), queued for admins with their deadlines in working
//! days, acknowledged, extended once with a reason, completed — and carried out on completion:
//! access gives the item's data as JSON, correction sets the contact, deletion removes the
//! contact and the text (a published reply stays, masked), withdrawal removes the contact and
//! the consent to publish. Every step audited with the request's number only.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::feedback::check_contact;
use crate::domain::local_date;
use crate::domain::requests::{check_reason, RequestDates, RequestDeadlines, RequestKind};
use crate::domain::ticket::TicketCode;
use crate::service::audit;
use crate::service::users::Staff;
use crate::store::feedback as fb;
use crate::store::privacy::{self as sp, PersonalChange, RequestRow, RequestStep};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No item has this code — said the same way for every wrong proof (no enumeration).
    #[error("no item has this tracking code")]
    NotFound,
    #[error("a correction needs the new phone number or e-mail address")]
    BadCorrection,
    #[error("an extension needs a reason of 5 to 500 characters")]
    BadReason,
    #[error("requests are handled by admins")]
    NotAdmin,
    #[error("this step was taken already")]
    Taken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a citizen is told: the request's number and its two deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub id: i64,
    pub ack_by: NaiveDate,
    pub done_by: NaiveDate,
}

/// A request as the queue shows it.
#[derive(Debug, Clone)]
pub struct Queued {
    pub row: RequestRow,
    pub ack_by: NaiveDate,
    pub done_by: NaiveDate,
    /// `ack` or `done` when that step is past its deadline.
    pub overdue: Option<&'static str>,
}

/// A citizen's request, proved by a feedback item's tracking code.
pub fn file(
    store: &Store,
    d: RequestDeadlines,
    kind: RequestKind,
    code: &str,
    correction: &str,
    now: DateTime<Utc>,
) -> Result<Filed, RequestError> {
    let code = TicketCode::parse(code).map_err(|_e| RequestError::NotFound)?;
    let correction = match kind {
        RequestKind::Correction => Some(
            check_contact(correction)
                .ok()
                .flatten()
                .ok_or(RequestError::BadCorrection)?,
        ),
        _ => None,
    };
    let day = local_date(now);
    let cal = crate::service::feedback::calendar(store)?;
    store.write(|c| -> Result<Filed, RequestError> {
        let item = fb::by_code_hash(c, &code.hash())?.ok_or(RequestError::NotFound)?;
        let id = sp::insert_request(c, kind.as_str(), item.id, correction.as_deref(), day)?;
        let target = format!("request #{id} ({})", kind.as_str());
        audit::write(c, now, "citizen", "privacy.request", &target, "received")?;
        let dates = RequestDates {
            received: day,
            acknowledged: None,
            extended: false,
            completed: None,
        };
        let (ack_by, done_by) = dates.due(&cal, d);
        Ok(Filed {
            id,
            ack_by,
            done_by,
        })
    })
}

fn admin(staff: &Staff) -> Result<(), RequestError> {
    (staff.role == crate::domain::user::Role::Admin)
        .then_some(())
        .ok_or(RequestError::NotAdmin)
}

/// The queue, open requests first, with deadlines and overdue marks on `today`.
pub fn queue(
    store: &Store,
    staff: &Staff,
    d: RequestDeadlines,
    today: NaiveDate,
) -> Result<Vec<Queued>, RequestError> {
    admin(staff)?;
    let cal = crate::service::feedback::calendar(store)?;
    let rows = store.read(sp::requests)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let dates = RequestDates {
                received: row.received_date,
                acknowledged: row.acknowledged_date,
                extended: row.extended_reason.is_some(),
                completed: row.completed_date,
            };
            let (ack_by, done_by) = dates.due(&cal, d);
            let overdue = dates.overdue(today, &cal, d);
            Queued {
                row,
                ack_by,
                done_by,
                overdue,
            }
        })
        .collect())
}

/// What an admin does to a request.
#[derive(Debug, Clone)]
pub enum Action {
    Acknowledge,
    Extend(String),
    Complete,
}

/// Takes a step; completing carries the request out on the item, in the same transaction.
pub fn act(
    store: &Store,
    staff: &Staff,
    id: i64,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), RequestError> {
    admin(staff)?;
    let day = local_date(now);
    let (step, name) = match action {
        Action::Acknowledge => (RequestStep::Acknowledge(day), "acknowledged"),
        Action::Extend(reason) => (
            RequestStep::Extend(check_reason(&reason).ok_or(RequestError::BadReason)?),
            "extended",
        ),
        Action::Complete => (RequestStep::Complete(day), "completed"),
    };
    let completing = matches!(step, RequestStep::Complete(_));
    store.write(|c| -> Result<(), RequestError> {
        let request = sp::request(c, id)?.ok_or(RequestError::NotFound)?;
        if !sp::step(c, id, step)? {
            return Err(RequestError::Taken);
        }
        if completing {
            carry_out(c, &request)?;
        }
        let target = format!("request #{id} ({})", request.kind);
        audit::write(c, now, &staff.username, "privacy.request", &target, name)?;
        Ok(())
    })
}

/// The text left where a deleted feedback text was.
pub const ERASED: &str = "[Đã xoá theo yêu cầu của người gửi / deleted at the sender's request]";

fn carry_out(c: &mut crate::store::DbConnection, r: &RequestRow) -> Result<(), StoreError> {
    let change = match RequestKind::parse(&r.kind) {
        Some(RequestKind::Correction) => PersonalChange {
            contact: Some(r.correction.clone()),
            ..Default::default()
        },
        Some(RequestKind::Deletion) => PersonalChange {
            contact: Some(None),
            body: Some(ERASED.to_string()),
            ..Default::default()
        },
        Some(RequestKind::Withdrawal) => PersonalChange {
            contact: Some(None),
            consent_publish: Some(false),
            ..Default::default()
        },
        Some(RequestKind::Access) | None => return Ok(()),
    };
    sp::change_personal(c, r.feedback_id, &change)
}

/// The data a request's item holds about its sender, as JSON (the answer to an access
/// request): that item only.
pub fn data_of(store: &Store, staff: &Staff, id: i64) -> Result<serde_json::Value, RequestError> {
    admin(staff)?;
    let (request, item) = store.read(|c| -> Result<_, RequestError> {
        let request = sp::request(c, id)?.ok_or(RequestError::NotFound)?;
        let item = fb::by_id(c, request.feedback_id)?.ok_or(RequestError::NotFound)?;
        Ok((request, item))
    })?;
    Ok(serde_json::json!({
        "request": request.id,
        "feedback": {
            "unit": item.unit_code,
            "subject": item.subject,
            "text": item.body,
            "contact": item.contact,
            "consent_to_publish": item.consent_publish,
            "received": item.received_date.to_string(),
            "status": item.status,
            "reply": item.reply,
            "answered": item.answered_date.map(|d| d.to_string()),
            "published_question": item.published_question,
        },
    }))
}
