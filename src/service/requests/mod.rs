//! Citizens' requests about their personal data (SPEC §13): filed with a feedback item's
//! tracking code or with the phone an invitation went to and a code sent to it (never by
//! name alone), queued for admins with their deadlines in working
//! days, acknowledged, extended once with a reason, completed — and carried out on completion:
//! access gives the item's data as JSON, correction sets the contact, deletion removes the
//! contact and the text (a published reply stays, masked), withdrawal removes the contact and
//! the consent to publish. A phone's request is about what is held under the number's keyed
//! hash: access lists it, deletion forgets it (but for the opt-out list), withdrawal puts it on
//! the opt-out list. Every step audited with the request's number only.

pub mod phone;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::feedback::check_contact;
use crate::domain::local_date;
use crate::domain::requests::{check_reason, RequestDates, RequestDeadlines, RequestKind};
use crate::domain::returned::Mobile;
use crate::domain::ticket::TicketCode;
use crate::secret::DataKey;
use crate::service::audit;
use crate::service::users::Staff;
use crate::store::feedback as fb;
use crate::store::privacy::{self as sp, PersonalChange, RequestRow, RequestStep, Subject};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No item has this code — said the same way for every wrong proof (no enumeration).
    #[error("no item has this tracking code")]
    NotFound,
    #[error("a correction needs the new phone number or e-mail address")]
    BadCorrection,
    /// A phone's request asks for a correction: only a feedback item's contact can be corrected.
    #[error("a correction is made to a feedback item's contact, with its tracking code")]
    NoCorrectionByPhone,
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

/// How a citizen proves the data is theirs.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// A feedback item's tracking code.
    Tracking(&'a str),
    /// The phone an invitation went to, and the code just sent to it.
    Phone { phone: &'a str, code: &'a str },
}

/// A citizen's request, proved by a tracking code or a phone's code.
pub fn file(
    store: &Store,
    key: &DataKey,
    d: RequestDeadlines,
    kind: RequestKind,
    proof: Proof<'_>,
    correction: &str,
    now: DateTime<Utc>,
) -> Result<Filed, RequestError> {
    let correction = match (kind, proof) {
        (RequestKind::Correction, Proof::Phone { .. }) => {
            return Err(RequestError::NoCorrectionByPhone)
        }
        (RequestKind::Correction, Proof::Tracking(_)) => Some(
            check_contact(correction)
                .ok()
                .flatten()
                .ok_or(RequestError::BadCorrection)?,
        ),
        _ => None,
    };
    let day = local_date(now);
    let cal = crate::service::feedback::calendar(store)?;
    let filed = store.write(|c| -> Result<Result<Filed, RequestError>, StoreError> {
        let Some(subject) = subject_of(c, key, proof, now)? else {
            return Ok(Err(RequestError::NotFound));
        };
        let id = sp::insert_request(c, kind.as_str(), &subject, correction.as_deref(), day)?;
        let target = format!("request #{id} ({})", kind.as_str());
        audit::write(c, now, "citizen", "privacy.request", &target, "received")?;
        let dates = RequestDates {
            received: day,
            acknowledged: None,
            extended: false,
            completed: None,
        };
        let (ack_by, done_by) = dates.due(&cal, d);
        Ok(Ok(Filed {
            id,
            ack_by,
            done_by,
        }))
    })?;
    filed
}

/// Whose data a proof shows: none for a wrong code (a wrong phone code is counted — the
/// transaction commits either way).
fn subject_of(
    c: &mut crate::store::DbConnection,
    key: &DataKey,
    proof: Proof<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Subject>, StoreError> {
    match proof {
        Proof::Tracking(code) => {
            let Ok(code) = TicketCode::parse(code) else {
                return Ok(None);
            };
            Ok(fb::by_code_hash(c, &code.hash())?.map(|item| Subject::Feedback(item.id)))
        }
        Proof::Phone { phone, code } => {
            let Ok(phone) = Mobile::parse(phone) else {
                return Ok(None);
            };
            Ok(phone::check_code(c, key, &phone, code, now)?.map(Subject::Number))
        }
    }
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
            carry_out(c, &request, now)?;
        }
        let target = format!("request #{id} ({})", request.kind);
        audit::write(c, now, &staff.username, "privacy.request", &target, name)?;
        Ok(())
    })
}

/// The text left where a deleted feedback text was.
pub const ERASED: &str = "[Đã xoá theo yêu cầu của người gửi / deleted at the sender's request]";

fn carry_out(
    c: &mut crate::store::DbConnection,
    r: &RequestRow,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let kind = RequestKind::parse(&r.kind);
    let feedback_id = match (r.feedback_id, &r.number_hash) {
        (Some(id), _) => id,
        (None, Some(hash)) => return phone::carry_out(c, kind, hash, now),
        (None, None) => return Ok(()),
    };
    let change = match kind {
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
    sp::change_personal(c, feedback_id, &change)
}

/// The data held about a request's sender, as JSON (the answer to an access request): the
/// request's item only, or what is held under the request's number.
pub fn data_of(store: &Store, staff: &Staff, id: i64) -> Result<serde_json::Value, RequestError> {
    admin(staff)?;
    store.read(|c| -> Result<_, RequestError> {
        let request = sp::request(c, id)?.ok_or(RequestError::NotFound)?;
        match (request.feedback_id, &request.number_hash) {
            (Some(item), _) => item_data(c, id, item),
            (None, Some(hash)) => Ok(phone::data(c, id, hash)?),
            (None, None) => Err(RequestError::NotFound),
        }
    })
}

fn item_data(
    c: &mut crate::store::DbConnection,
    request: i64,
    item: i64,
) -> Result<serde_json::Value, RequestError> {
    let item = fb::by_id(c, item)?.ok_or(RequestError::NotFound)?;
    Ok(serde_json::json!({
        "request": request,
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
