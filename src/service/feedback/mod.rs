//! Citizens' feedback, as a use case: a citizen files an item and follows it by its code;
//! staff of the unit decide, answer and publish it within the deadlines; the public read the
//! published replies; the Home Affairs Office reads the figures. Every staff step is checked
//! (`service::access`), written with its audit entry in one transaction, and refused if the
//! item moved meanwhile.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use rand::TryRngCore;

use crate::domain::feedback::{self, Calendar, Deadlines, FeedbackProblem, Status, Timeline};
use crate::domain::local_date;
use crate::domain::ticket::TicketCode;
use crate::domain::unit::Unit;
use crate::service::access::Denied;
use crate::service::audit;
use crate::service::submit::ClosedUnit;
use crate::service::users::Staff;
use crate::service::{units, webhook};
use crate::store::feedback::{self as fb, FeedbackDates, FeedbackRow, NewFeedback};
use crate::store::units as unit_store;
use crate::store::{Store, StoreError};

mod figures;
mod follow;
mod holidays;
mod queue;

pub use figures::*;
pub use follow::*;
pub use holidays::*;
pub use queue::*;

/// What the service needs beyond the store: the deadlines, whether a webhook listens, and
/// the cap on new items a unit takes in a window over all addresses, past which new items
/// are held for staff (none: no cap).
#[derive(Debug, Clone, Default)]
pub struct FeedbackSettings {
    pub deadlines: Deadlines,
    pub webhook: bool,
    pub unit_cap: Option<UnitCap>,
    /// The version of the privacy notice a citizen giving a contact was shown (recorded with
    /// the item, SPEC §13).
    pub notice_version: String,
}

/// At most `max` new items per unit in `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitCap {
    pub max: u32,
    pub window_secs: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("there is no unit \"{0}\"")]
    UnknownUnit(String),
    #[error("the unit \"{}\" no longer takes feedback", .0.unit.code)]
    UnitClosed(Box<ClosedUnit>),
    #[error("{}", problems_text(.0))]
    Invalid(Vec<(&'static str, FeedbackProblem)>),
    #[error("there is no such feedback item")]
    NotFound,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("this item is {0}: it cannot be {1} now")]
    WrongStep(&'static str, &'static str),
    #[error("the item moved on meanwhile: reload it and try again")]
    Moved,
    #[error("this reply cannot be rated (not answered yet, or rated already)")]
    NotRateable,
    #[error("{0}")]
    BadInput(String),
    #[error("merge into: there is no item number \"{0}\" (write the number shown as #N)")]
    MergeTarget(String),
    #[error("merge into another item of the same unit that is not itself merged")]
    MergeInto,
    #[error("line {line}: \"{value}\" is not a date written YYYY-MM-DD between 2000 and 2100")]
    HolidayLine { line: usize, value: String },
    #[error("line {line}: {value} has passed; a day that has passed cannot be added or taken away (deadlines counted over it would move)")]
    HolidayPast { line: usize, value: String },
    #[error("at most {0} holidays can be listed")]
    HolidayTooMany(usize),
    #[error("line {0}: a subject is at most 200 characters and not \"other\"")]
    SubjectLine(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn problems_text(p: &[(&'static str, FeedbackProblem)]) -> String {
    p.iter()
        .map(|(field, problem)| format!("{field}: {problem}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The subjects offered when a unit keeps no list of its own.
pub const DEFAULT_SUBJECTS: [&str; 5] = [
    "Thủ tục hành chính",
    "Thái độ, tác phong cán bộ",
    "Thời gian giải quyết hồ sơ",
    "Phí, lệ phí",
    "Cơ sở vật chất nơi tiếp nhận",
];

/// A unit that takes feedback today, and the subjects it offers ("other" is added by the page).
pub fn open_unit(
    store: &Store,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(Unit, Vec<String>), FeedbackError> {
    let unit =
        units::cached(store, code)?.ok_or_else(|| FeedbackError::UnknownUnit(code.to_string()))?;
    if !unit.is_valid_on(local_date(now)) {
        let successors = store.read(|c| unit_store::successors(c, code))?;
        return Err(FeedbackError::UnitClosed(Box::new(ClosedUnit {
            unit,
            successors,
        })));
    }
    let subjects = subjects_of(store, code)?;
    Ok((unit, subjects))
}

/// The unit's list, or the default one.
pub fn subjects_of(store: &Store, code: &str) -> Result<Vec<String>, StoreError> {
    let own = store.read(|c| fb::subjects(c, code))?;
    Ok(if own.is_empty() {
        DEFAULT_SUBJECTS.iter().map(|s| s.to_string()).collect()
    } else {
        own
    })
}

/// What a citizen sent on the feedback page.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub unit: String,
    pub subject: String,
    pub text: String,
    pub contact: String,
    pub consent: bool,
}

/// Checks a filing against the unit's subjects; every problem at once, by field.
pub fn check(
    filing: &Filing,
    subjects: &[String],
) -> Result<(String, String, Option<String>), FeedbackError> {
    let mut problems = Vec::new();
    let subject = filing.subject.trim();
    let subject_ok = subject == feedback::OTHER || subjects.iter().any(|s| s == subject);
    if !subject_ok {
        problems.push(("subject", FeedbackProblem::Subject));
    }
    let text = feedback::check_text(&filing.text, feedback::BODY_MAX)
        .map_err(|p| problems.push(("text", p)))
        .ok();
    let contact = feedback::check_contact(&filing.contact)
        .map_err(|p| problems.push(("contact", p)))
        .ok();
    match (text, contact) {
        (Some(text), Some(contact)) if problems.is_empty() => {
            Ok((subject.to_string(), text, contact))
        }
        _ => Err(FeedbackError::Invalid(problems)),
    }
}

fn new_code() -> Result<TicketCode, FeedbackError> {
    let mut rng = OsRng.unwrap_err();
    Ok(TicketCode::generate(&mut rng))
}

/// Files a citizen's feedback; returns its tracking code.
pub fn file(
    store: &Store,
    settings: &FeedbackSettings,
    filing: &Filing,
    now: DateTime<Utc>,
) -> Result<TicketCode, FeedbackError> {
    let (unit, subjects) = open_unit(store, &filing.unit, now)?;
    let (subject, text, contact) = check(filing, &subjects)?;
    let row = NewFeedback {
        code_hash: String::new(),
        unit_code: unit.code.to_string(),
        subject,
        body: text,
        contact,
        consent_publish: filing.consent,
        from_survey: false,
        status: Status::Received.as_str().to_string(),
        received_at: now.naive_utc(),
        received_date: local_date(now),
        synthetic: false,
        notice_version: None,
    };
    insert_new(store, settings, row, now)
}

fn insert_new(
    store: &Store,
    settings: &FeedbackSettings,
    row: NewFeedback,
    now: DateTime<Utc>,
) -> Result<TicketCode, FeedbackError> {
    with_fresh_code(store, |c, code| {
        let row = NewFeedback {
            code_hash: code.hash(),
            ..row.clone()
        };
        insert_and_notify(c, settings, &row, now)
    })
}

/// Writes an item and, when a webhook listens, its event, on `c` (one transaction).
fn insert_and_notify(
    c: &mut crate::store::DbConnection,
    settings: &FeedbackSettings,
    row: &NewFeedback,
    now: DateTime<Utc>,
) -> Result<(), FeedbackError> {
    // A contact is given under the notice the service runs with (SPEC §13): its version is
    // recorded with the item, whose received day is the consent's day.
    let row = &NewFeedback {
        notice_version: row
            .contact
            .as_ref()
            .map(|_| settings.notice_version.clone()),
        ..row.clone()
    };
    // Over the unit's cap the item is taken and held (C-1: a flood from one address must not
    // close the form to everyone else): not notified, no deadline, until staff release it.
    let held = match settings.unit_cap {
        Some(cap) => {
            let since = now.naive_utc() - chrono::Duration::seconds(cap.window_secs);
            fb::received_since(c, &row.unit_code, since)? >= i64::from(cap.max)
        }
        None => false,
    };
    let row = &NewFeedback {
        status: if held { Status::Held } else { Status::Received }
            .as_str()
            .to_string(),
        ..row.clone()
    };
    let id = fb::insert(c, row)?;
    if settings.webhook && !held {
        webhook::enqueue_feedback(c, id, &row.unit_code, now)?;
    }
    Ok(())
}

/// Runs `write` in a transaction with a new tracking code, drawing again if the code is
/// taken (69 random bits: a clash is next to impossible, but a second draw costs nothing).
fn with_fresh_code(
    store: &Store,
    write: impl Fn(&mut crate::store::DbConnection, &TicketCode) -> Result<(), FeedbackError>,
) -> Result<TicketCode, FeedbackError> {
    for _ in 0..3 {
        let code = new_code()?;
        match store.write(|c| write(c, &code)) {
            Ok(()) => return Ok(code),
            Err(FeedbackError::Store(e)) if e.is_unique_violation() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(FeedbackError::BadInput("no free tracking code".into()))
}

/// Turns a survey comment into feedback (once per response; nothing retyped).
pub fn file_from_survey(
    store: &Store,
    settings: &FeedbackSettings,
    submission_id: &str,
    contact: &str,
    consent: bool,
    now: DateTime<Utc>,
) -> Result<TicketCode, FeedbackError> {
    let contact = feedback::check_contact(contact)
        .map_err(|p| FeedbackError::Invalid(vec![("contact", p)]))?;
    with_fresh_code(store, |c, code| {
        // Only a response whose thank-you page offered it (the same rule as the page).
        let offered = |comment: &str, answers: &str| {
            use crate::domain::form::{AnswerValue, Answers};
            let overall =
                Answers::from_json(answers)
                    .ok()
                    .and_then(|values| match values.get("overall") {
                        Some(AnswerValue::Score(s)) => Some(s.to_string()),
                        Some(AnswerValue::Choice(c)) => Some(c.clone()),
                        _ => None,
                    });
            feedback::offers_feedback(Some(comment), overall.as_deref())
        };
        let Some((unit, comment)) = fb::take_survey_comment(c, submission_id, offered)? else {
            return Err(FeedbackError::NotFound);
        };
        let row = NewFeedback {
            code_hash: code.hash(),
            unit_code: unit,
            subject: feedback::OTHER.to_string(),
            body: comment,
            contact: contact.clone(),
            consent_publish: consent,
            from_survey: true,
            status: Status::Received.as_str().to_string(),
            received_at: now.naive_utc(),
            received_date: local_date(now),
            synthetic: false,
            notice_version: None,
        };
        insert_and_notify(c, settings, &row, now)
    })
}

/// An item's status and dates; an unknown stored status is an error naming the item (it used
/// to read as `received`).
fn dates_timeline(d: &FeedbackDates) -> Result<Timeline, StoreError> {
    let status = Status::parse(&d.status)
        .map_err(|e| StoreError::corrupt("feedback status", format!("item #{}: {e}", d.id)))?;
    Ok(Timeline {
        status,
        received: d.received_date,
        decided: d.decided_date,
        answered: d.answered_date,
        published: d.published_date,
    })
}

fn timeline(row: &FeedbackRow) -> Result<Timeline, StoreError> {
    dates_timeline(&FeedbackDates::from(row))
}

/// The calendar of working days (weekends and the imported holidays), kept 5 s in the memo.
pub fn calendar(store: &Store) -> Result<Calendar, StoreError> {
    store.memo("holidays", "all", |s| {
        s.read(fb::holidays)
            .map(|days| Calendar::new(days.into_iter().map(|(d, _)| d)))
    })
}

/// Writes a refused change to the audit log (the reason after `prefix`) and hands the result
/// on; a store failure is not a refusal and is not written.
fn audit_refusal<T>(
    store: &Store,
    staff: &Staff,
    action: &str,
    prefix: &str,
    now: DateTime<Utc>,
    result: Result<T, FeedbackError>,
) -> Result<T, FeedbackError> {
    if let Err(e) = &result {
        if !matches!(e, FeedbackError::Store(_)) {
            audit::refused(store, now, &staff.username, action, &format!("{prefix}{e}"));
        }
    }
    result
}
