//! Feedback items, the subjects units offer, the holiday list and the webhook outbox.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{feedback, feedback_subjects, holidays, responses, webhook_outbox};
use super::{DbConnection, MultiBackend, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feedback)]
pub struct FeedbackRow {
    pub id: i64,
    /// SHA-256 of the tracking code (`TicketCode::hash`); the code itself is never stored.
    pub code_hash: String,
    pub unit_code: String,
    pub subject: String,
    pub body: String,
    pub contact: Option<String>,
    pub consent_publish: bool,
    pub from_survey: bool,
    pub status: String,
    pub received_at: NaiveDateTime,
    pub received_date: NaiveDate,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_date: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decline_reason: Option<String>,
    pub reply: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_date: Option<NaiveDate>,
    pub answered_by: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub published_date: Option<NaiveDate>,
    pub published_question: Option<String>,
    pub merged_into: Option<i64>,
    pub reply_satisfied: Option<bool>,
    pub rated_at: Option<NaiveDateTime>,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = feedback)]
pub struct NewFeedback {
    pub code_hash: String,
    pub unit_code: String,
    pub subject: String,
    pub body: String,
    pub contact: Option<String>,
    pub consent_publish: bool,
    pub from_survey: bool,
    pub status: String,
    pub received_at: NaiveDateTime,
    pub received_date: NaiveDate,
    pub synthetic: bool,
    /// The privacy notice shown when a contact was given (none without a contact).
    pub notice_version: Option<String>,
}

/// What a step changes; `None` leaves a column as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = feedback)]
pub struct StepChange {
    pub status: Option<String>,
    /// A held item released: its deadlines run from that day.
    pub received_date: Option<NaiveDate>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_date: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decline_reason: Option<String>,
    pub reply: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_date: Option<NaiveDate>,
    pub answered_by: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub published_date: Option<NaiveDate>,
    pub published_question: Option<String>,
    pub merged_into: Option<i64>,
}

pub fn insert(conn: &mut DbConnection, row: &NewFeedback) -> Result<i64, StoreError> {
    diesel::insert_into(feedback::table)
        .values(row)
        .execute(conn)?;
    Ok(feedback::table
        .filter(feedback::code_hash.eq(&row.code_hash))
        .select(feedback::id)
        .get_result(conn)?)
}

/// The item whose tracking code hashes to `hash`.
pub fn by_code_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> Result<Option<FeedbackRow>, StoreError> {
    Ok(feedback::table
        .filter(feedback::code_hash.eq(hash))
        .select(FeedbackRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> Result<Option<FeedbackRow>, StoreError> {
    Ok(feedback::table
        .filter(feedback::id.eq(id))
        .select(FeedbackRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Replaces tracking codes stored in the clear (rows written before codes were hashed) by
/// their hash; returns how many. A hash is 64 hex digits, a code 15 symbols.
pub fn hash_plain_codes(conn: &mut DbConnection) -> Result<usize, StoreError> {
    use diesel::dsl::sql;
    use diesel::sql_types::Bool;
    let plain: Vec<(i64, String)> = feedback::table
        .filter(sql::<Bool>("length(code_hash) <> 64"))
        .select((feedback::id, feedback::code_hash))
        .load(conn)?;
    for (id, code) in &plain {
        use crate::domain::ticket::{hash_secret, TicketCode};
        // A text that is not a code of ours is hashed as it is: it stops being readable.
        let hash = TicketCode::parse(code)
            .map(|c| c.hash())
            .unwrap_or_else(|_| hash_secret(code));
        diesel::update(feedback::table.filter(feedback::id.eq(id)))
            .set(feedback::code_hash.eq(hash))
            .execute(conn)?;
    }
    Ok(plain.len())
}

/// Applies a step only if the item is still in `from` (a concurrent step loses, not overwrites).
pub fn apply(
    conn: &mut DbConnection,
    id: i64,
    from: &str,
    change: &StepChange,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        feedback::table
            .filter(feedback::id.eq(id))
            .filter(feedback::status.eq(from)),
    )
    .set(change)
    .execute(conn)?;
    Ok(n == 1)
}

/// An item's dates and status without its texts: what deadlines and figures need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feedback)]
pub struct FeedbackDates {
    pub id: i64,
    pub unit_code: String,
    pub status: String,
    pub received_date: NaiveDate,
    pub decided_date: Option<NaiveDate>,
    pub answered_date: Option<NaiveDate>,
    pub published_date: Option<NaiveDate>,
    pub reply_satisfied: Option<bool>,
}

impl From<&FeedbackRow> for FeedbackDates {
    fn from(r: &FeedbackRow) -> Self {
        FeedbackDates {
            id: r.id,
            unit_code: r.unit_code.clone(),
            status: r.status.clone(),
            received_date: r.received_date,
            decided_date: r.decided_date,
            answered_date: r.answered_date,
            published_date: r.published_date,
            reply_satisfied: r.reply_satisfied,
        }
    }
}

/// Items of one unit (or all) older than `before` (an id; none: from the newest), newest
/// first, at most `limit`; and how many match in all.
/// The items a queue lists: of a unit (or all), of a status (or all but the held ones, which
/// are shown apart, only when asked for).
fn listed<'a>(unit: Option<&str>, status: Option<&str>) -> feedback::BoxedQuery<'a, MultiBackend> {
    let mut q = feedback::table.into_boxed();
    if let Some(unit) = unit {
        q = q.filter(feedback::unit_code.eq(unit.to_string()));
    }
    match status {
        Some(status) => q.filter(feedback::status.eq(status.to_string())),
        None => q.filter(feedback::status.ne("held")),
    }
}

pub fn queue(
    conn: &mut DbConnection,
    unit: Option<&str>,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<FeedbackRow>, i64), StoreError> {
    let base = || listed(unit, status);
    let total = base().count().get_result(conn)?;
    let mut q = base()
        .select(FeedbackRow::as_select())
        .order(feedback::id.desc())
        .limit(limit);
    if let Some(before) = before {
        q = q.filter(feedback::id.lt(before));
    }
    Ok((q.load(conn)?, total))
}

/// The subject and text of the items a queue lists (same unit and status filters), newest
/// first: what a topic filter tags.
pub fn queue_texts(
    conn: &mut DbConnection,
    unit: Option<&str>,
    status: Option<&str>,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    Ok(listed(unit, status)
        .select((feedback::id, feedback::subject, feedback::body))
        .order(feedback::id.desc())
        .load(conn)?)
}

/// Whole items by id, newest first.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<FeedbackRow>, StoreError> {
    Ok(feedback::table
        .filter(feedback::id.eq_any(ids))
        .select(FeedbackRow::as_select())
        .order(feedback::id.desc())
        .load(conn)?)
}

/// Items still owed a step (not declined, published or merged), of one unit or all: their
/// dates only.
pub fn open_items(
    conn: &mut DbConnection,
    unit: Option<&str>,
) -> Result<Vec<FeedbackDates>, StoreError> {
    let mut q = feedback::table
        .select(FeedbackDates::as_select())
        .filter(feedback::status.eq_any(["received", "accepted", "answered"]))
        .order(feedback::id.desc())
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(feedback::unit_code.eq(unit.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Items of a unit received since `since`, held ones aside (the per-unit cap on new items).
pub fn received_since(
    conn: &mut DbConnection,
    unit: &str,
    since: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(feedback::table
        .filter(feedback::unit_code.eq(unit))
        .filter(feedback::received_at.ge(since))
        .filter(feedback::status.ne("held"))
        .count()
        .get_result(conn)?)
}

/// Held items of one unit or all (taken over the unit's cap, waiting for staff).
pub fn held_count(conn: &mut DbConnection, unit: Option<&str>) -> Result<i64, StoreError> {
    let mut q = feedback::table
        .filter(feedback::status.eq("held"))
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(feedback::unit_code.eq(unit.to_string()));
    }
    Ok(q.count().get_result(conn)?)
}

/// Published items of one unit (or all), newest first: a page of them and the count.
pub fn published(
    conn: &mut DbConnection,
    unit: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<FeedbackRow>, i64), StoreError> {
    let base = || {
        let mut q = feedback::table
            .filter(feedback::status.eq("published"))
            .into_boxed();
        if let Some(unit) = unit {
            q = q.filter(feedback::unit_code.eq(unit.to_string()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base()
        .select(FeedbackRow::as_select())
        .order((feedback::published_at.desc(), feedback::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Items received between two local dates (inclusive), of one unit or all, with an id above
/// `after`, by id, at most `limit`: a page of an export.
pub fn received_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<FeedbackRow>, StoreError> {
    let mut q = feedback::table
        .select(FeedbackRow::as_select())
        .filter(feedback::received_date.ge(from))
        .filter(feedback::received_date.le(to))
        .filter(feedback::id.gt(after))
        .order(feedback::id)
        .limit(limit)
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(feedback::unit_code.eq(unit.to_string()));
    }
    Ok(q.load(conn)?)
}

/// The dates of the items received between two local dates (inclusive): the figures.
pub fn dates_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<FeedbackDates>, StoreError> {
    let mut q = feedback::table
        .select(FeedbackDates::as_select())
        .filter(feedback::received_date.ge(from))
        .filter(feedback::received_date.le(to))
        .order(feedback::id)
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(feedback::unit_code.eq(unit.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Records the citizen's rating of the reply, once.
pub fn rate(
    conn: &mut DbConnection,
    id: i64,
    satisfied: bool,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        feedback::table
            .filter(feedback::id.eq(id))
            .filter(feedback::reply_satisfied.is_null())
            .filter(feedback::status.eq_any(["answered", "published", "merged"])),
    )
    .set((
        feedback::reply_satisfied.eq(Some(satisfied)),
        feedback::rated_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The items merged into `id` follow it.
pub fn merged_into(conn: &mut DbConnection, id: i64) -> Result<Vec<FeedbackRow>, StoreError> {
    Ok(feedback::table
        .filter(feedback::merged_into.eq(id))
        .select(FeedbackRow::as_select())
        .load(conn)?)
}

pub fn subjects(conn: &mut DbConnection, unit: &str) -> Result<Vec<String>, StoreError> {
    Ok(feedback_subjects::table
        .filter(feedback_subjects::unit_code.eq(unit))
        .order(feedback_subjects::position)
        .select(feedback_subjects::subject)
        .load(conn)?)
}

pub fn set_subjects(
    conn: &mut DbConnection,
    unit: &str,
    subjects: &[String],
) -> Result<(), StoreError> {
    diesel::delete(feedback_subjects::table.filter(feedback_subjects::unit_code.eq(unit)))
        .execute(conn)?;
    for (i, s) in subjects.iter().enumerate() {
        diesel::insert_into(feedback_subjects::table)
            .values((
                feedback_subjects::unit_code.eq(unit),
                feedback_subjects::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                feedback_subjects::subject.eq(s),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn holidays(conn: &mut DbConnection) -> Result<Vec<(NaiveDate, String)>, StoreError> {
    Ok(holidays::table
        .order(holidays::day)
        .select((holidays::day, holidays::name))
        .load(conn)?)
}

/// Adds holidays, replacing the name of a day already listed.
pub fn put_holidays(
    conn: &mut DbConnection,
    days: &[(NaiveDate, String)],
) -> Result<(), StoreError> {
    for (day, name) in days {
        diesel::delete(holidays::table.filter(holidays::day.eq(day))).execute(conn)?;
        diesel::insert_into(holidays::table)
            .values((holidays::day.eq(day), holidays::name.eq(name)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete_holidays(conn: &mut DbConnection, days: &[NaiveDate]) -> Result<(), StoreError> {
    for chunk in days.chunks(200) {
        diesel::delete(holidays::table.filter(holidays::day.eq_any(chunk))).execute(conn)?;
    }
    Ok(())
}

/// Marks a survey response's comment as turned into feedback and returns its unit and
/// comment, once (a second call finds nothing), if `offered(comment, answers)` says the
/// thank-you page offered it; `answers` is the response's JSON.
pub fn take_survey_comment(
    conn: &mut DbConnection,
    submission_id: &str,
    offered: impl Fn(&str, &str) -> bool,
) -> Result<Option<(String, String)>, StoreError> {
    let found: Option<(i64, String, Option<String>, String)> = responses::table
        .filter(responses::submission_id.eq(submission_id))
        .filter(responses::feedback_filed.eq(false))
        .select((
            responses::id,
            responses::unit_code,
            responses::comment,
            responses::answers,
        ))
        .get_result(conn)
        .optional()?;
    let Some((id, unit, Some(comment), answers)) = found else {
        return Ok(None);
    };
    if !offered(&comment, &answers) {
        return Ok(None);
    }
    let n = diesel::update(
        responses::table
            .filter(responses::id.eq(id))
            .filter(responses::feedback_filed.eq(false)),
    )
    .set(responses::feedback_filed.eq(true))
    .execute(conn)?;
    Ok((n == 1).then_some((unit, comment)))
}

/// Points the items merged into `from` at `to` (a merge keeps chains one step long).
pub fn repoint_merged(conn: &mut DbConnection, from: i64, to: i64) -> Result<usize, StoreError> {
    Ok(
        diesel::update(feedback::table.filter(feedback::merged_into.eq(from)))
            .set(feedback::merged_into.eq(Some(to)))
            .execute(conn)?,
    )
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub event: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub attempts: i32,
    pub delivered_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

pub fn enqueue(
    conn: &mut DbConnection,
    event: &str,
    payload: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(webhook_outbox::table)
        .values((
            webhook_outbox::event.eq(event),
            webhook_outbox::payload.eq(payload),
            webhook_outbox::created_at.eq(at),
            webhook_outbox::next_attempt_at.eq(at),
            webhook_outbox::attempts.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deliveries due at `now`, oldest first.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(webhook_outbox::table
        .filter(webhook_outbox::delivered_at.is_null())
        .filter(webhook_outbox::next_attempt_at.le(now))
        .order(webhook_outbox::id)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// A delivery made: its row goes (the outbox keeps nothing it no longer needs).
pub fn delivered(conn: &mut DbConnection, id: i64) -> Result<(), StoreError> {
    diesel::delete(webhook_outbox::table.filter(webhook_outbox::id.eq(id))).execute(conn)?;
    Ok(())
}

/// Removes deliveries given up (after `attempts` tries) that were written before `before`.
pub fn purge_given_up(
    conn: &mut DbConnection,
    attempts: i32,
    before: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        webhook_outbox::table
            .filter(webhook_outbox::delivered_at.is_null())
            .filter(webhook_outbox::attempts.ge(attempts))
            .filter(webhook_outbox::created_at.lt(before)),
    )
    .execute(conn)?)
}

pub fn failed(
    conn: &mut DbConnection,
    id: i64,
    next: NaiveDateTime,
    error: &str,
) -> Result<(), StoreError> {
    diesel::update(webhook_outbox::table.filter(webhook_outbox::id.eq(id)))
        .set((
            webhook_outbox::next_attempt_at.eq(next),
            webhook_outbox::attempts.eq(webhook_outbox::attempts + 1),
            webhook_outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deliveries not yet made (for the dashboard and the metrics).
pub fn pending_count(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(webhook_outbox::table
        .filter(webhook_outbox::delivered_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Takes a delivery for this process until `until`, if no other took it since it was read.
pub fn lease(
    conn: &mut DbConnection,
    id: i64,
    seen_next: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        webhook_outbox::table
            .filter(webhook_outbox::id.eq(id))
            .filter(webhook_outbox::next_attempt_at.eq(seen_next))
            .filter(webhook_outbox::delivered_at.is_null()),
    )
    .set(webhook_outbox::next_attempt_at.eq(until))
    .execute(conn)?;
    Ok(n == 1)
}
