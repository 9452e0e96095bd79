//! Citizens' feedback, as a use case: a citizen files an item and follows it by its code;
//! staff of the unit decide, answer and publish it within the deadlines; the public read the
//! published replies; the Home Affairs Office reads the figures. Every staff step is checked
//! (`service::access`), written with its audit entry in one transaction, and refused if the
//! item moved meanwhile.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::OsRng;
use rand::TryRngCore;

use crate::domain::feedback::{
    self, Calendar, Deadlines, DueMemo, ExportItem, FeedbackProblem, FigureInput, Figures, Overdue,
    Status, Step, Timeline,
};
use crate::domain::local_date;
use crate::domain::period::Period;
use crate::domain::ticket::TicketCode;
use crate::domain::unit::Unit;
use crate::service::access::{self, Action, Caller, Denied};
use crate::service::audit;
use crate::service::submit::ClosedUnit;
use crate::service::users::Staff;
use crate::service::{units, webhook};
use crate::store::feedback::{self as fb, FeedbackDates, FeedbackRow, NewFeedback, StepChange};
use crate::store::units as unit_store;
use crate::store::{Store, StoreError};

/// What the service needs beyond the store: the deadlines, whether a webhook listens, and
/// the cap on new items a unit takes in a window (over all addresses: a flood from many
/// addresses stops there; none: no cap).
#[derive(Debug, Clone, Default)]
pub struct FeedbackSettings {
    pub deadlines: Deadlines,
    pub webhook: bool,
    pub unit_cap: Option<UnitCap>,
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
    #[error("this unit has received too many items in the last hour: try again later")]
    UnitBusy,
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
    if let Some(cap) = settings.unit_cap {
        let since = now.naive_utc() - chrono::Duration::seconds(cap.window_secs);
        if fb::received_since(c, &row.unit_code, since)? >= i64::from(cap.max) {
            return Err(FeedbackError::UnitBusy);
        }
    }
    let id = fb::insert(c, row)?;
    if settings.webhook {
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
        };
        insert_and_notify(c, settings, &row, now)
    })
}

fn dates_timeline(d: &FeedbackDates) -> Timeline {
    Timeline {
        status: Status::parse(&d.status).unwrap_or(Status::Received),
        received: d.received_date,
        decided: d.decided_date,
        answered: d.answered_date,
        published: d.published_date,
    }
}

fn timeline(row: &FeedbackRow) -> Timeline {
    dates_timeline(&FeedbackDates::from(row))
}

/// The calendar of working days (weekends and the imported holidays), kept 5 s in the memo.
pub fn calendar(store: &Store) -> Result<Calendar, StoreError> {
    store.memo("holidays", "all", |s| {
        s.read(fb::holidays)
            .map(|days| Calendar::new(days.into_iter().map(|(d, _)| d)))
    })
}

/// An item as its citizen follows it (a merged duplicate shows the item kept).
#[derive(Debug, Clone)]
pub struct Tracked {
    pub code: String,
    pub unit: Option<Unit>,
    pub subject: String,
    pub status: Status,
    pub received: NaiveDate,
    pub decided: Option<NaiveDate>,
    pub decline_reason: Option<String>,
    pub answered: Option<NaiveDate>,
    pub reply: Option<String>,
    pub published: Option<NaiveDate>,
    pub answer_due: NaiveDate,
    pub merged: bool,
    /// The citizen may rate the reply now.
    pub rateable: bool,
    pub rated: Option<bool>,
}

/// The longest merge chain followed (merges now keep chains one step long; older data may not).
const MERGE_HOPS: usize = 8;

/// The citizen's own item, the item kept (the end of its merge chain) and the code as read.
fn followed(
    store: &Store,
    code: &str,
) -> Result<Option<(FeedbackRow, FeedbackRow, TicketCode)>, StoreError> {
    let Ok(code) = TicketCode::parse(code) else {
        return Ok(None);
    };
    store.read(|c| {
        let Some(own) = fb::by_code_hash(c, &code.hash())? else {
            return Ok(None);
        };
        let mut kept = own.clone();
        for _ in 0..MERGE_HOPS {
            match kept.merged_into {
                Some(id) if id != kept.id => match fb::by_id(c, id)? {
                    Some(next) => kept = next,
                    None => break,
                },
                _ => break,
            }
        }
        Ok(Some((own, kept, code)))
    })
}

pub fn track(
    store: &Store,
    settings: &FeedbackSettings,
    code: &str,
) -> Result<Option<Tracked>, FeedbackError> {
    let Some((own, kept, code)) = followed(store, code)? else {
        return Ok(None);
    };
    let cal = calendar(store)?;
    let t = timeline(&kept);
    let unit = units::cached(store, &kept.unit_code)?;
    let answered = matches!(t.status, Status::Answered | Status::Published);
    // Every text this page shows is masked: the reply or the reason may quote a contact or a
    // personal number, and a merged duplicate's citizen reads another citizen's item.
    let masked = |text: &Option<String>| {
        text.as_deref()
            .map(|x| mask_for(x, &[own.contact.as_deref(), kept.contact.as_deref()]))
    };
    Ok(Some(Tracked {
        code: code.as_str().to_string(),
        unit,
        subject: own.subject.clone(),
        status: t.status,
        received: own.received_date,
        decided: kept.decided_date,
        decline_reason: masked(&kept.decline_reason),
        answered: kept.answered_date,
        reply: if answered { masked(&kept.reply) } else { None },
        published: kept.published_date,
        answer_due: t.due(&cal, &settings.deadlines).answer,
        merged: own.merged_into.is_some(),
        rateable: answered && own.reply_satisfied.is_none(),
        rated: own.reply_satisfied,
    }))
}

/// A text masked as for publication, with every given contact masked too.
fn mask_for(text: &str, contacts: &[Option<&str>]) -> String {
    let once = contacts
        .iter()
        .flatten()
        .fold(text.to_string(), |t, c| feedback::public_text(&t, Some(c)));
    feedback::public_text(&once, None)
}

/// The citizen's rating of the reply, once per item (a merged duplicate's citizen rates the
/// reply they were given, on their own item).
pub fn rate(
    store: &Store,
    code: &str,
    satisfied: bool,
    now: DateTime<Utc>,
) -> Result<(), FeedbackError> {
    let Some((own, kept, _)) = followed(store, code)? else {
        return Err(FeedbackError::NotFound);
    };
    if !matches!(kept.status.as_str(), "answered" | "published") {
        return Err(FeedbackError::NotRateable);
    }
    let done = store.write(|c| -> Result<bool, StoreError> {
        // A merged duplicate's citizen rates the reply of the item kept, on their own item.
        fb::rate(c, own.id, satisfied, now.naive_utc())
    })?;
    if done {
        Ok(())
    } else {
        Err(FeedbackError::NotRateable)
    }
}

/// One row of the staff queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub row: FeedbackRow,
    pub overdue: Option<Overdue>,
    pub due: feedback::Due,
}

/// Rows on one page of the staff queue.
pub const QUEUE_PAGE: i64 = 100;

/// A page of the staff queue: its items, how many match in all, how many of the scope's
/// items are past a deadline, and the id to pass as `before` for the next page.
#[derive(Debug, Clone)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub total: i64,
    pub overdue: usize,
    pub next_before: Option<i64>,
}

/// The queue a member of staff may see: officers their unit's, admins every unit's, viewers
/// none (they read figures, not citizens' texts). A page of `QUEUE_PAGE` items older than
/// `before`; every item is reachable page by page.
#[allow(clippy::too_many_arguments)]
pub fn queue(
    store: &Store,
    settings: &FeedbackSettings,
    staff: &Staff,
    unit: Option<&str>,
    status: Option<Status>,
    only_overdue: bool,
    before: Option<i64>,
    now: DateTime<Utc>,
) -> Result<QueuePage, FeedbackError> {
    let scope = access::unit_for(&Caller::Staff(staff.clone()), Action::HandleFeedback, unit)?;
    let cal = calendar(store)?;
    let today = local_date(now);
    // The open items' dates (no texts): which are overdue, for the count and the filter.
    let mut memo = DueMemo::default();
    let overdue_ids: Vec<i64> = store
        .read(|c| fb::open_items(c, scope.as_deref()))?
        .iter()
        .filter(|d| {
            status.is_none_or(|s| d.status == s.as_str())
                && memo
                    .overdue(&dates_timeline(d), today, &cal, &settings.deadlines)
                    .is_some()
        })
        .map(|d| d.id)
        .collect();
    let (rows, total) = if only_overdue {
        let page: Vec<i64> = overdue_ids
            .iter()
            .copied()
            .filter(|id| before.is_none_or(|b| *id < b))
            .take(QUEUE_PAGE as usize)
            .collect();
        (
            store.read(|c| fb::by_ids(c, &page))?,
            overdue_ids.len() as i64,
        )
    } else {
        store.read(|c| {
            fb::queue(
                c,
                scope.as_deref(),
                status.map(Status::as_str),
                before,
                QUEUE_PAGE,
            )
        })?
    };
    let next_before = (rows.len() as i64 == QUEUE_PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|row| {
            let t = timeline(&row);
            QueueItem {
                overdue: t.overdue(today, &cal, &settings.deadlines),
                due: t.due(&cal, &settings.deadlines),
                row,
            }
        })
        .collect();
    Ok(QueuePage {
        items,
        total,
        overdue: overdue_ids.len(),
        next_before,
    })
}

/// Items past a deadline, of the caller's scope (for the dashboard).
pub fn overdue_count(
    store: &Store,
    settings: &FeedbackSettings,
    scope: Option<&str>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let cal = calendar(store)?;
    let today = local_date(now);
    let rows = store.read(|c| fb::open_items(c, scope))?;
    let mut memo = DueMemo::default();
    Ok(rows
        .iter()
        .filter(|r| {
            memo.overdue(&dates_timeline(r), today, &cal, &settings.deadlines)
                .is_some()
        })
        .count())
}

/// One item for staff of its unit: everything, the contact included, and the text as it
/// would be published.
#[derive(Debug, Clone)]
pub struct StaffItem {
    pub item: QueueItem,
    pub public_question: Option<String>,
    /// The numbers of the items merged into this one.
    pub merged: Vec<i64>,
}

fn load_for(store: &Store, staff: &Staff, id: i64) -> Result<FeedbackRow, FeedbackError> {
    let row = store
        .read(|c| fb::by_id(c, id))?
        .ok_or(FeedbackError::NotFound)?;
    access::unit_for(
        &Caller::Staff(staff.clone()),
        Action::HandleFeedback,
        Some(&row.unit_code),
    )?;
    Ok(row)
}

pub fn item(
    store: &Store,
    settings: &FeedbackSettings,
    staff: &Staff,
    id: i64,
    now: DateTime<Utc>,
) -> Result<StaffItem, FeedbackError> {
    let row = load_for(store, staff, id)?;
    let cal = calendar(store)?;
    let t = timeline(&row);
    let merged = store
        .read(|c| fb::merged_into(c, id))?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let public_question = row
        .consent_publish
        .then(|| feedback::public_text(&row.body, row.contact.as_deref()));
    Ok(StaffItem {
        item: QueueItem {
            overdue: t.overdue(local_date(now), &cal, &settings.deadlines),
            due: t.due(&cal, &settings.deadlines),
            row,
        },
        public_question,
        merged,
    })
}

/// A step by staff: accept, decline (reason), answer (reply), publish, merge (into the item
/// whose number is given, `#12` or `12`; staff never see a tracking code). Audited in the
/// same transaction.
pub fn step(
    store: &Store,
    staff: &Staff,
    id: i64,
    step: Step,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), FeedbackError> {
    let result = step_on(store, staff, id, step, text, now);
    audit_refusal(
        store,
        staff,
        &format!("feedback.{}", step.as_str()),
        &format!("#{id}: "),
        now,
        result,
    )
}

/// Declines several items with one reason (a flood of junk, so that it does not count against
/// the unit's on-time share): each is a step of its own, audited; an item that cannot be
/// declined any more (answered, merged, moved meanwhile) is left as it is. At most
/// `QUEUE_PAGE` at once; returns how many were declined.
pub fn decline_many(
    store: &Store,
    staff: &Staff,
    ids: &[i64],
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize, FeedbackError> {
    feedback::check_text(reason, feedback::REASON_MAX)
        .map_err(|p| FeedbackError::Invalid(vec![("reason", p)]))?;
    if ids.len() > QUEUE_PAGE as usize {
        return Err(FeedbackError::BadInput(format!(
            "at most {QUEUE_PAGE} items at once"
        )));
    }
    let mut declined = 0;
    for id in ids {
        match step(store, staff, *id, Step::Decline, reason, now) {
            Ok(()) => declined += 1,
            Err(FeedbackError::WrongStep(..) | FeedbackError::Moved | FeedbackError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(declined)
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

fn step_on(
    store: &Store,
    staff: &Staff,
    id: i64,
    step: Step,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), FeedbackError> {
    let row = load_for(store, staff, id)?;
    let status = Status::parse(&row.status).unwrap_or(Status::Received);
    let Some(next) = step.from(status) else {
        return Err(FeedbackError::WrongStep(status.as_str(), step.as_str()));
    };
    let at = now.naive_utc();
    let today = local_date(now);
    let who = Some(staff.username.clone());
    let mut change = StepChange {
        status: Some(next.as_str().to_string()),
        ..StepChange::default()
    };
    let invalid = |field, p| FeedbackError::Invalid(vec![(field, p)]);
    // Accepting, declining and a first answer all decide the item.
    let decide = |change: &mut StepChange| {
        change.decided_at = Some(at);
        change.decided_date = Some(today);
        change.decided_by = who.clone();
    };
    match step {
        Step::Accept => decide(&mut change),
        Step::Decline => {
            let reason = feedback::check_text(text, feedback::REASON_MAX)
                .map_err(|p| invalid("reason", p))?;
            decide(&mut change);
            change.decline_reason = Some(reason);
        }
        Step::Answer => {
            let reply =
                feedback::check_text(text, feedback::REPLY_MAX).map_err(|p| invalid("reply", p))?;
            if row.decided_at.is_none() {
                decide(&mut change);
            }
            change.reply = Some(reply);
            // A corrected reply keeps the date of the first answer (the deadline was met then).
            if row.answered_at.is_none() {
                change.answered_at = Some(at);
                change.answered_date = Some(today);
            }
            change.answered_by = who.clone();
        }
        Step::Publish => {
            change.published_at = Some(at);
            change.published_date = Some(today);
            change.published_question = row
                .consent_publish
                .then(|| feedback::public_text(&row.body, row.contact.as_deref()));
        }
        Step::Merge => {
            let asked = text.trim();
            let target = asked
                .trim_start_matches('#')
                .trim()
                .parse::<i64>()
                .map_err(|_| FeedbackError::MergeTarget(asked.to_string()))?;
            let kept = store
                .read(|c| fb::by_id(c, target))?
                .ok_or_else(|| FeedbackError::MergeTarget(asked.to_string()))?;
            if kept.id == row.id || kept.unit_code != row.unit_code || kept.merged_into.is_some() {
                return Err(FeedbackError::MergeInto);
            }
            change.merged_into = Some(kept.id);
        }
    }
    let action = format!("feedback.{}", step.as_str());
    store.write(|c| -> Result<(), FeedbackError> {
        if !fb::apply(c, id, &row.status, &change)? {
            return Err(FeedbackError::Moved);
        }
        if let Some(kept) = change.merged_into {
            // Items merged into this one follow it to the item kept.
            fb::repoint_merged(c, id, kept)?;
        }
        audit::write(c, now, &staff.username, &action, &format!("#{id}"), "ok")?;
        Ok(())
    })
}

/// A published item as the public sees it: no code, no contact; the question only if its
/// citizen agreed, masked.
#[derive(Debug, Clone)]
pub struct PublicItem {
    pub unit_code: String,
    pub unit_name: String,
    pub subject: String,
    pub question: Option<String>,
    pub reply: String,
    pub received: NaiveDate,
    pub answered: Option<NaiveDate>,
    pub published: Option<NaiveDate>,
}

pub const PUBLIC_PAGE: i64 = 20;

/// A page (from 1) of published items of a unit or all, and how many pages there are.
pub fn published(
    store: &Store,
    unit: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<(Vec<PublicItem>, i64), FeedbackError> {
    if let Some(u) = unit {
        if units::cached(store, u)?.is_none() {
            return Err(FeedbackError::UnknownUnit(u.to_string()));
        }
    }
    let page = page.max(1);
    let (rows, total) = store.read(|c| fb::published(c, unit, (page - 1) * per_page, per_page))?;
    // The names of the page's units only, from the memo (not every unit of a province).
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for r in &rows {
        if !names.contains_key(&r.unit_code) {
            let name = units::cached(store, &r.unit_code)?
                .map(|u| u.name)
                .unwrap_or_default();
            names.insert(r.unit_code.clone(), name);
        }
    }
    let items = rows
        .into_iter()
        .map(|r| PublicItem {
            unit_name: names.get(&r.unit_code).cloned().unwrap_or_default(),
            unit_code: r.unit_code,
            subject: r.subject,
            // Masked again at reading: a rule made stricter later applies to old items too.
            question: r
                .published_question
                .map(|q| feedback::public_text(&q, r.contact.as_deref())),
            reply: feedback::public_text(&r.reply.unwrap_or_default(), r.contact.as_deref()),
            received: r.received_date,
            answered: r.answered_date,
            published: r.published_date,
        })
        .collect();
    let pages = ((total + per_page - 1) / per_page).max(1);
    Ok((items, pages))
}

/// Figures per unit for items received in the period, and for all units together.
pub fn figures(
    store: &Store,
    settings: &FeedbackSettings,
    period: &Period,
    unit: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(BTreeMap<String, Figures>, Figures), StoreError> {
    let rows = store.read(|c| fb::dates_between(c, period.start, period.end, unit))?;
    let cal = calendar(store)?;
    let today = local_date(now);
    let mut by_unit: BTreeMap<String, Vec<FigureInput>> = BTreeMap::new();
    for r in &rows {
        by_unit
            .entry(r.unit_code.clone())
            .or_default()
            .push(FigureInput {
                timeline: dates_timeline(r),
                reply_satisfied: r.reply_satisfied,
            });
    }
    let all: Vec<FigureInput> = by_unit.values().flatten().cloned().collect();
    let total = Figures::compute(&all, today, &cal, &settings.deadlines);
    let per = by_unit
        .into_iter()
        .map(|(u, items)| {
            (
                u,
                Figures::compute(&items, today, &cal, &settings.deadlines),
            )
        })
        .collect();
    Ok((per, total))
}

/// The most items one page of an export holds.
pub const EXPORT_PAGE_MAX: i64 = 1000;
/// Items on a page of `/api/v1/feedback` unless the caller asks for more (texts of 4,000
/// characters: a page of 200 is at most about 2.5 MB).
pub const API_PAGE_DEFAULT: i64 = 200;

/// What part of a period's items to export: those with an id above `after`, at most `limit`
/// (up to `EXPORT_PAGE_MAX`).
#[derive(Debug, Clone, Copy)]
pub struct ExportPage {
    pub after: i64,
    pub limit: i64,
}

impl Default for ExportPage {
    fn default() -> Self {
        ExportPage {
            after: 0,
            limit: EXPORT_PAGE_MAX,
        }
    }
}

/// A page of the items received in the period, by id, for a caller that may read feedback.
/// Contacts only with `with_contacts`, which only an admin may ask; an export is written to
/// the audit log once, with its first page.
#[allow(clippy::too_many_arguments)]
pub fn export(
    store: &Store,
    settings: &FeedbackSettings,
    caller: &Caller,
    period: &Period,
    unit: Option<&str>,
    with_contacts: bool,
    page: ExportPage,
    now: DateTime<Utc>,
) -> Result<Vec<ExportItem>, FeedbackError> {
    let scope = access::unit_for(caller, Action::ReadFeedback, unit)?;
    if with_contacts {
        let admin =
            matches!(caller, Caller::Staff(s) if s.role == crate::domain::user::Role::Admin);
        if !admin {
            return Err(FeedbackError::Denied(Denied::Role(
                "only an admin may export citizens' contacts",
            )));
        }
    }
    let cal = calendar(store)?;
    let today = local_date(now);
    let target = format!(
        "{} {}{}",
        period.label,
        scope.as_deref().unwrap_or("all units"),
        if with_contacts { " with contacts" } else { "" }
    );
    let limit = page.limit.clamp(1, EXPORT_PAGE_MAX);
    let read = |c: &mut crate::store::DbConnection| {
        fb::received_between(
            c,
            period.start,
            period.end,
            scope.as_deref(),
            page.after,
            limit,
        )
    };
    let rows = if page.after == 0 {
        store.write(|c| -> Result<_, StoreError> {
            audit::write(c, now, &caller.name(), "feedback.export", &target, "ok")?;
            read(c)
        })?
    } else {
        store.read(read)?
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let t = timeline(&r);
            ExportItem {
                answer_due: t.due(&cal, &settings.deadlines).answer,
                overdue: t
                    .overdue(today, &cal, &settings.deadlines)
                    .map(Overdue::as_str),
                answered_on_time: t.answered_on_time(&cal, &settings.deadlines),
                text_masked: feedback::public_text(&r.body, r.contact.as_deref()),
                reply: r
                    .reply
                    .as_deref()
                    .map(|x| feedback::public_text(x, r.contact.as_deref())),
                decline_reason: r
                    .decline_reason
                    .as_deref()
                    .map(|x| feedback::public_text(x, r.contact.as_deref())),
                contact: if with_contacts { r.contact } else { None },
                id: r.id,
                unit: r.unit_code,
                subject: r.subject,
                status: r.status,
                received: r.received_date,
                decided: r.decided_date,
                answered: r.answered_date,
                published: r.published_date,
                reply_satisfied: r.reply_satisfied,
                from_survey: r.from_survey,
            }
        })
        .collect())
}

/// What the feedback API gives for a period: the figures of every unit and in all, and a page
/// of the items (for a caller that may read feedback; an unknown unit is refused).
#[allow(clippy::type_complexity)]
pub fn of_period(
    store: &Store,
    settings: &FeedbackSettings,
    caller: &Caller,
    period: &Period,
    unit: Option<&str>,
    page: ExportPage,
    now: DateTime<Utc>,
) -> Result<(BTreeMap<String, Figures>, Figures, Vec<ExportItem>), FeedbackError> {
    if let Some(u) = unit {
        if units::cached(store, u)?.is_none() {
            return Err(FeedbackError::UnknownUnit(u.to_string()));
        }
    }
    let items = export(store, settings, caller, period, unit, false, page, now)?;
    let (figures, total) = figures(store, settings, period, unit, now)?;
    Ok((figures, total, items))
}

/// The most holidays the list may hold from today on (about ten years of them).
pub const HOLIDAYS_MAX: usize = 200;
/// The longest holiday name kept (longer ones are cut).
pub const HOLIDAY_NAME_MAX: usize = 100;

/// Sets the holidays from CSV `date,name` (a header line is optional): the days after today
/// become exactly those listed (a day left out is taken away, a day listed again renamed).
/// A day that has passed may stay listed (or be renamed) but is never added or taken away:
/// deadlines already counted over it, and the figures published from them, do not move.
/// Dates are `YYYY-MM-DD` in 2000–2100; all or nothing, the first bad line named; every
/// refusal is written to the audit log.
pub fn import_holidays_by(
    store: &Store,
    staff: &Staff,
    text: &str,
    now: DateTime<Utc>,
) -> Result<usize, FeedbackError> {
    let result = import_holidays(store, staff, text, now);
    audit_refusal(store, staff, "holidays.import", "", now, result)
}

fn import_holidays(
    store: &Store,
    staff: &Staff,
    text: &str,
    now: DateTime<Utc>,
) -> Result<usize, FeedbackError> {
    if !access::role_may(staff.role, Action::ManageUnits) {
        return Err(Denied::Role("only an admin may import holidays").into());
    }
    let today = local_date(now);
    let stored: BTreeMap<NaiveDate, String> = store.read(fb::holidays)?.into_iter().collect();
    let text = crate::service::csv_input(text);
    let mut days: BTreeMap<NaiveDate, String> = BTreeMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let line = i + 1;
        let rec = rec.map_err(|e| FeedbackError::BadInput(format!("line {line}: {e}")))?;
        let day = rec.get(0).unwrap_or_default().trim();
        if line == 1 && day.eq_ignore_ascii_case("date") {
            continue;
        }
        if day.is_empty() && rec.len() <= 1 {
            continue;
        }
        let bad = || FeedbackError::HolidayLine {
            line,
            value: day.chars().take(40).collect(),
        };
        let strict = day.len() == 10
            && day.bytes().enumerate().all(|(k, b)| {
                if k == 4 || k == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !strict {
            return Err(bad());
        }
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| bad())?;
        if !(2000..=2100).contains(&chrono::Datelike::year(&date)) {
            return Err(bad());
        }
        if date <= today && !stored.contains_key(&date) {
            return Err(FeedbackError::HolidayPast {
                line,
                value: day.to_string(),
            });
        }
        let name: String = rec
            .get(1)
            .unwrap_or_default()
            .trim()
            .chars()
            .take(HOLIDAY_NAME_MAX)
            .collect();
        days.insert(date, name);
        if days.range(today..).count() > HOLIDAYS_MAX {
            return Err(FeedbackError::HolidayTooMany(HOLIDAYS_MAX));
        }
    }
    // Days that have passed and are not in the text stay; future ones not in it go.
    let removed: Vec<NaiveDate> = stored
        .keys()
        .filter(|d| **d > today && !days.contains_key(d))
        .copied()
        .collect();
    let changed: Vec<(NaiveDate, String)> = days
        .iter()
        .filter(|(d, n)| stored.get(d) != Some(n))
        .map(|(d, n)| (*d, n.clone()))
        .collect();
    let n = days.len();
    let target = format!(
        "{n} days listed, {} added or renamed, {} taken away",
        changed.len(),
        removed.len()
    );
    store.write(|c| -> Result<(), StoreError> {
        fb::delete_holidays(c, &removed)?;
        fb::put_holidays(c, &changed)?;
        audit::write(c, now, &staff.username, "holidays.import", &target, "ok")
    })?;
    store.forget("holidays");
    Ok(n)
}

pub fn holidays(store: &Store) -> Result<Vec<(NaiveDate, String)>, StoreError> {
    store.read(fb::holidays)
}

/// The units whose subjects a member of staff may set, the one shown (`chosen` if allowed,
/// else the first) and its subjects.
pub fn subjects_for(
    store: &Store,
    staff: &Staff,
    chosen: Option<String>,
) -> Result<(Vec<Unit>, String, Vec<String>), FeedbackError> {
    let caller = Caller::Staff(staff.clone());
    let units: Vec<Unit> = units::list(store)?
        .into_iter()
        .filter(|u| {
            access::unit_for(&caller, Action::HandleFeedback, Some(u.code.as_str())).is_ok()
        })
        .collect();
    let unit = chosen
        .filter(|c| units.iter().any(|u| u.code.as_str() == c))
        .or_else(|| units.first().map(|u| u.code.to_string()))
        .unwrap_or_default();
    let current = subjects_of(store, &unit)?;
    Ok((units, unit, current))
}

/// Sets the subjects a unit offers (one per line; empty: the default list).
pub fn set_subjects_by(
    store: &Store,
    staff: &Staff,
    unit: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<usize, FeedbackError> {
    access::unit_for(
        &Caller::Staff(staff.clone()),
        Action::HandleFeedback,
        Some(unit),
    )?;
    if units::cached(store, unit)?.is_none() {
        return Err(FeedbackError::UnknownUnit(unit.to_string()));
    }
    let mut list: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let s = line.trim();
        if s.is_empty() {
            continue;
        }
        if s.chars().count() > feedback::SUBJECT_MAX || s == feedback::OTHER {
            return Err(FeedbackError::SubjectLine(i + 1));
        }
        if !list.iter().any(|x| x == s) {
            list.push(s.to_string());
        }
    }
    let n = list.len();
    store.write(|c| -> Result<(), StoreError> {
        fb::set_subjects(c, unit, &list)?;
        audit::write(c, now, &staff.username, "feedback.subjects", unit, "ok")
    })?;
    Ok(n)
}
