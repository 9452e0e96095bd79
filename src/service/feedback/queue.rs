//! The staff queue and the steps staff take on an item, each audited.

use chrono::{DateTime, Utc};

use super::{audit_refusal, calendar, dates_timeline, timeline, FeedbackError, FeedbackSettings};
use crate::domain::feedback::{self, DueMemo, Overdue, Status, Step};
use crate::domain::local_date;
use crate::domain::topics::Rules;
use crate::service::access::{self, Action, Caller};
use crate::service::audit;
use crate::service::users::Staff;
use crate::store::feedback::{self as fb, FeedbackRow, StepChange};
use crate::store::{Store, StoreError};

/// One row of the staff queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub row: FeedbackRow,
    /// The row's status, read (an unknown stored one is an error, never a default).
    pub status: Status,
    pub overdue: Option<Overdue>,
    pub due: feedback::Due,
}

/// Rows on one page of the staff queue.
pub const QUEUE_PAGE: i64 = 100;

/// A page of the staff queue: its items, how many match in all, how many of the scope's
/// items are past a deadline or held, and the id to pass as `before` for the next page.
#[derive(Debug, Clone)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub total: i64,
    pub overdue: usize,
    /// Items of the scope held over the unit's cap (listed only when asked for).
    pub held: i64,
    pub next_before: Option<i64>,
}

/// The items of the queue (unit, status) whose text, masked, is about `topic`
/// by `rules`, newest first.
fn on_topic(
    store: &Store,
    scope: Option<&str>,
    status: Option<Status>,
    rules: &Rules,
    topic: &str,
) -> Result<Vec<i64>, StoreError> {
    let texts = store.read(|c| fb::queue_texts(c, scope, status.map(Status::as_str)))?;
    Ok(texts
        .into_iter()
        .filter_map(|(id, _subject, body)| {
            let masked = crate::domain::privacy::mask(&body);
            rules
                .tag(&masked)
                .iter()
                .any(|t| t.topic == topic)
                .then_some(id)
        })
        .collect())
}

/// The ids a filtered queue lists (overdue, about a topic, or both), newest first; none when
/// the queue is not filtered so.
fn chosen(
    store: &Store,
    scope: Option<&str>,
    status: Option<Status>,
    overdue_ids: &[i64],
    (only_overdue, topic): (bool, Option<(&Rules, &str)>),
) -> Result<Option<Vec<i64>>, StoreError> {
    let overdue = only_overdue.then(|| overdue_ids.to_vec());
    let Some((rules, topic)) = topic else {
        return Ok(overdue);
    };
    let on_topic = on_topic(store, scope, status, rules, topic)?;
    Ok(Some(match overdue {
        Some(overdue) => {
            let overdue: std::collections::HashSet<i64> = overdue.into_iter().collect();
            on_topic
                .into_iter()
                .filter(|id| overdue.contains(id))
                .collect()
        }
        None => on_topic,
    }))
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
    (only_overdue, topic): (bool, Option<(&Rules, &str)>),
    before: Option<i64>,
    now: DateTime<Utc>,
) -> Result<QueuePage, FeedbackError> {
    let scope = access::unit_for(&Caller::Staff(staff.clone()), Action::HandleFeedback, unit)?;
    let cal = calendar(store)?;
    let today = local_date(now);
    // The open items' dates (no texts): which are overdue, for the count and the filter.
    let mut memo = DueMemo::default();
    let mut overdue_ids: Vec<i64> = Vec::new();
    for d in store.read(|c| fb::open_items(c, scope.as_deref()))? {
        let t = dates_timeline(&d)?;
        if status.is_none_or(|s| t.status == s)
            && memo.overdue(&t, today, &cal, &settings.deadlines).is_some()
        {
            overdue_ids.push(d.id);
        }
    }
    let chosen = chosen(
        store,
        scope.as_deref(),
        status,
        &overdue_ids,
        (only_overdue, topic),
    )?;
    let (rows, total) = if let Some(chosen) = chosen {
        let page: Vec<i64> = chosen
            .iter()
            .copied()
            .filter(|id| before.is_none_or(|b| *id < b))
            .take(usize::try_from(QUEUE_PAGE).unwrap_or(usize::MAX))
            .collect();
        (
            store.read(|c| fb::by_ids(c, &page))?,
            crate::domain::num::i64_of(chosen.len()),
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
    let next_before = (crate::domain::num::i64_of(rows.len()) == QUEUE_PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|row| {
            let t = timeline(&row)?;
            Ok(QueueItem {
                overdue: t.overdue(today, &cal, &settings.deadlines),
                due: t.due(&cal, &settings.deadlines),
                status: t.status,
                row,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(QueuePage {
        items,
        total,
        overdue: overdue_ids.len(),
        held: store.read(|c| fb::held_count(c, scope.as_deref()))?,
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
    let mut n = 0;
    for r in &rows {
        if memo
            .overdue(&dates_timeline(r)?, today, &cal, &settings.deadlines)
            .is_some()
        {
            n += 1;
        }
    }
    Ok(n)
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
    let t = timeline(&row)?;
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
            status: t.status,
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
    if result.is_ok() {
        // A reply published (or withdrawn) changes the public pages kept ready.
        store.forget("public");
    }
    audit_refusal(
        store,
        staff,
        &format!("feedback.{}", step.as_str()),
        &format!("#{id}: "),
        now,
        result,
    )
}

/// One step on several items of a queue page: declined with one reason (a flood of junk, so
/// that it does not count against the unit's on-time share) or released from hold. Each is a
/// step of its own, audited; an item that cannot take the step any more (answered, merged,
/// moved meanwhile) is left as it is. At most `QUEUE_PAGE` at once; returns how many took it.
pub fn step_many(
    store: &Store,
    staff: &Staff,
    ids: &[i64],
    step_taken: Step,
    text: &str,
    now: DateTime<Utc>,
) -> Result<usize, FeedbackError> {
    match step_taken {
        Step::Decline => {
            feedback::check_text(text, feedback::REASON_MAX)
                .map_err(|p| FeedbackError::Invalid(vec![("reason", p)]))?;
        }
        Step::Release => {}
        _ => return Err(FeedbackError::BadInput("decline or release".into())),
    }
    if crate::domain::num::i64_of(ids.len()) > QUEUE_PAGE {
        return Err(FeedbackError::BadInput(format!(
            "at most {QUEUE_PAGE} items at once"
        )));
    }
    let mut taken = 0;
    for id in ids {
        match step(store, staff, *id, step_taken, text, now) {
            Ok(()) => taken += 1,
            Err(FeedbackError::WrongStep(..) | FeedbackError::Moved | FeedbackError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(taken)
}

/// Held items of the scope (for the dashboard and the queue).
pub fn held_count(store: &Store, scope: Option<&str>) -> Result<i64, StoreError> {
    store.read(|c| fb::held_count(c, scope))
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
    let status = timeline(&row)?.status;
    let Some(next) = step.from(status) else {
        return Err(FeedbackError::WrongStep(status.as_str(), step.as_str()));
    };
    let change = change_for(store, staff, &row, step, next, text, now)?;
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

/// What a step changes in an item (`next`: the status it moves to).
fn change_for(
    store: &Store,
    staff: &Staff,
    row: &fb::FeedbackRow,
    step: Step,
    next: Status,
    text: &str,
    now: DateTime<Utc>,
) -> Result<StepChange, FeedbackError> {
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
        Step::Release => change.received_date = Some(today),
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
                .ok()
                .ok_or_else(|| FeedbackError::MergeTarget(asked.to_string()))?;
            let kept = store
                .read(|c| fb::by_id(c, target))?
                .ok_or_else(|| FeedbackError::MergeTarget(asked.to_string()))?;
            if kept.id == row.id || kept.unit_code != row.unit_code || kept.merged_into.is_some() {
                return Err(FeedbackError::MergeInto);
            }
            change.merged_into = Some(kept.id);
        }
    }
    Ok(change)
}
