//! Personal data (SPEC §13): the breaches recorded by admins.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::breaches;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = breaches)]
pub struct BreachRow {
    pub id: i64,
    pub found_at: NaiveDateTime,
    pub what: String,
    pub people: i64,
    pub measures: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    pub notified_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = breaches)]
pub struct NewBreach {
    pub found_at: NaiveDateTime,
    pub what: String,
    pub people: i64,
    pub measures: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Stores a breach; its id (the newest of this admin's at this instant, in this transaction).
pub fn insert_breach(conn: &mut DbConnection, row: &NewBreach) -> Result<i64, StoreError> {
    diesel::insert_into(breaches::table)
        .values(row)
        .execute(conn)?;
    Ok(breaches::table
        .filter(breaches::recorded_by.eq(&row.recorded_by))
        .filter(breaches::recorded_at.eq(row.recorded_at))
        .select(diesel::dsl::max(breaches::id))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or_default())
}

/// The breaches, newest found first.
pub fn breaches(conn: &mut DbConnection, limit: i64) -> Result<Vec<BreachRow>, StoreError> {
    Ok(breaches::table
        .order(breaches::found_at.desc())
        .limit(limit)
        .select(BreachRow::as_select())
        .load(conn)?)
}

/// Records that the authority was notified; `false` when it was recorded already.
pub fn mark_notified(
    conn: &mut DbConnection,
    id: i64,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        breaches::table
            .filter(breaches::id.eq(id))
            .filter(breaches::notified_at.is_null()),
    )
    .set(breaches::notified_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// The breaches not yet notified (for the dashboard).
pub fn unnotified(conn: &mut DbConnection) -> Result<Vec<BreachRow>, StoreError> {
    Ok(breaches::table
        .filter(breaches::notified_at.is_null())
        .order(breaches::found_at)
        .select(BreachRow::as_select())
        .load(conn)?)
}

use super::schema::privacy_requests;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = privacy_requests)]
pub struct RequestRow {
    pub id: i64,
    pub kind: String,
    /// The feedback item whose data it is (proved by its tracking code), or
    pub feedback_id: Option<i64>,
    /// the keyed hash of the phone an invitation went to (proved by a one-time code).
    pub number_hash: Option<String>,
    pub correction: Option<String>,
    pub received_date: chrono::NaiveDate,
    pub acknowledged_date: Option<chrono::NaiveDate>,
    pub extended_reason: Option<String>,
    pub completed_date: Option<chrono::NaiveDate>,
}

/// Whose data a request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Feedback(i64),
    Number(String),
}

/// Stores a request; its id.
pub fn insert_request(
    conn: &mut DbConnection,
    kind: &str,
    subject: &Subject,
    correction: Option<&str>,
    day: chrono::NaiveDate,
) -> Result<i64, StoreError> {
    let (feedback_id, number_hash) = match subject {
        Subject::Feedback(id) => (Some(*id), None),
        Subject::Number(hash) => (None, Some(hash.as_str())),
    };
    diesel::insert_into(privacy_requests::table)
        .values((
            privacy_requests::kind.eq(kind),
            privacy_requests::feedback_id.eq(feedback_id),
            privacy_requests::number_hash.eq(number_hash),
            privacy_requests::correction.eq(correction),
            privacy_requests::received_date.eq(day),
        ))
        .execute(conn)?;
    let newest = privacy_requests::table
        .select(diesel::dsl::max(privacy_requests::id))
        .into_boxed();
    let newest = match subject {
        Subject::Feedback(id) => newest.filter(privacy_requests::feedback_id.eq(*id)),
        Subject::Number(hash) => newest.filter(privacy_requests::number_hash.eq(hash.clone())),
    };
    Ok(newest.get_result::<Option<i64>>(conn)?.unwrap_or_default())
}

/// A number is forgotten by every request about it once a deletion was carried out.
pub fn forget_request_number(conn: &mut DbConnection, number_hash: &str) -> Result<(), StoreError> {
    diesel::update(privacy_requests::table.filter(privacy_requests::number_hash.eq(number_hash)))
        .set(privacy_requests::number_hash.eq(None::<String>))
        .execute(conn)?;
    Ok(())
}

/// Deletes the requests completed before `before` (their retention). How many.
pub fn purge_requests(
    conn: &mut DbConnection,
    before: chrono::NaiveDate,
) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(privacy_requests::table.filter(privacy_requests::completed_date.lt(before)))
            .execute(conn)?,
    )
}

/// The requests, open ones first, oldest first.
pub fn requests(conn: &mut DbConnection) -> Result<Vec<RequestRow>, StoreError> {
    let mut all: Vec<RequestRow> = privacy_requests::table
        .order(privacy_requests::id)
        .limit(500)
        .select(RequestRow::as_select())
        .load(conn)?;
    all.sort_by_key(|r| r.completed_date.is_some());
    Ok(all)
}

pub fn request(conn: &mut DbConnection, id: i64) -> Result<Option<RequestRow>, StoreError> {
    Ok(privacy_requests::table
        .find(id)
        .select(RequestRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// One step of an open request; `false` when it was taken already (or the request is done).
pub fn step(conn: &mut DbConnection, id: i64, step: RequestStep) -> Result<bool, StoreError> {
    let open = privacy_requests::table
        .filter(privacy_requests::id.eq(id))
        .filter(privacy_requests::completed_date.is_null());
    let n = match step {
        RequestStep::Acknowledge(day) => {
            diesel::update(open.filter(privacy_requests::acknowledged_date.is_null()))
                .set(privacy_requests::acknowledged_date.eq(Some(day)))
                .execute(conn)?
        }
        RequestStep::Extend(reason) => {
            diesel::update(open.filter(privacy_requests::extended_reason.is_null()))
                .set(privacy_requests::extended_reason.eq(Some(reason)))
                .execute(conn)?
        }
        RequestStep::Complete(day) => diesel::update(open)
            .set(privacy_requests::completed_date.eq(Some(day)))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// A step of a request.
#[derive(Debug, Clone)]
pub enum RequestStep {
    Acknowledge(chrono::NaiveDate),
    Extend(String),
    Complete(chrono::NaiveDate),
}

// The personal data of feedback items: retention, consent's notice, a request carried out.
use super::schema::feedback;

/// Forgets the contact of every item closed (declined, answered, published or merged) on a
/// day before `before`: the reply went, the number is no longer needed. How many.
pub fn purge_contacts(
    conn: &mut DbConnection,
    before: chrono::NaiveDate,
) -> Result<usize, StoreError> {
    let closed = ["declined", "answered", "published", "merged"];
    let last_step = feedback::answered_date
        .lt(before)
        .or(feedback::answered_date
            .is_null()
            .and(feedback::decided_date.lt(before)));
    Ok(diesel::update(
        feedback::table
            .filter(feedback::contact.is_not_null())
            .filter(feedback::status.eq_any(closed))
            .filter(last_step),
    )
    .set(feedback::contact.eq(None::<String>))
    .execute(conn)?)
}

/// The privacy notice's version recorded with an item's contact (SPEC §13).
pub fn notice_version_of(
    conn: &mut DbConnection,
    code_hash: &str,
) -> Result<Option<String>, StoreError> {
    Ok(feedback::table
        .filter(feedback::code_hash.eq(code_hash))
        .select(feedback::notice_version)
        .get_result::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// A citizen's request carried out on their item (SPEC §13): the contact set (a correction)
/// or removed, the text replaced by `body` (a deletion), the consent to publish withdrawn.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = feedback)]
pub struct PersonalChange {
    pub contact: Option<Option<String>>,
    pub body: Option<String>,
    pub consent_publish: Option<bool>,
}

pub fn change_personal(
    conn: &mut DbConnection,
    id: i64,
    change: &PersonalChange,
) -> Result<(), StoreError> {
    diesel::update(feedback::table.filter(feedback::id.eq(id)))
        .set(change)
        .execute(conn)?;
    Ok(())
}

// The one-time codes that prove a phone.
use super::schema::privacy_codes;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = privacy_codes)]
pub struct CodeRow {
    pub number_hash: String,
    pub code_hash: String,
    pub expires_at: NaiveDateTime,
    pub tries: i32,
    pub sent_on: chrono::NaiveDate,
    pub sends: i32,
}

pub fn code_of(conn: &mut DbConnection, number_hash: &str) -> Result<Option<CodeRow>, StoreError> {
    Ok(privacy_codes::table
        .find(number_hash)
        .select(CodeRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Replaces a number's code (one per number: the latest).
pub fn put_code(conn: &mut DbConnection, row: &CodeRow) -> Result<(), StoreError> {
    drop_code(conn, &row.number_hash)?;
    diesel::insert_into(privacy_codes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// One more wrong try at a number's code.
pub fn count_wrong(conn: &mut DbConnection, number_hash: &str) -> Result<(), StoreError> {
    diesel::update(privacy_codes::table.find(number_hash))
        .set(privacy_codes::tries.eq(privacy_codes::tries + 1))
        .execute(conn)?;
    Ok(())
}

pub fn drop_code(conn: &mut DbConnection, number_hash: &str) -> Result<(), StoreError> {
    diesel::delete(privacy_codes::table.find(number_hash)).execute(conn)?;
    Ok(())
}

/// Deletes the codes sent before `day` (expired long since; the day's count goes with them).
pub fn purge_codes(conn: &mut DbConnection, day: chrono::NaiveDate) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(privacy_codes::table.filter(privacy_codes::sent_on.lt(day)))
            .execute(conn)?,
    )
}

/// A number's code is spent (used once): it expires now, the day's count stays.
pub fn spend_code(
    conn: &mut DbConnection,
    number_hash: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(privacy_codes::table.find(number_hash))
        .set(privacy_codes::expires_at.eq(at))
        .execute(conn)?;
    Ok(())
}
