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
    pub feedback_id: i64,
    pub correction: Option<String>,
    pub received_date: chrono::NaiveDate,
    pub acknowledged_date: Option<chrono::NaiveDate>,
    pub extended_reason: Option<String>,
    pub completed_date: Option<chrono::NaiveDate>,
}

/// Stores a request; its id.
pub fn insert_request(
    conn: &mut DbConnection,
    kind: &str,
    feedback_id: i64,
    correction: Option<&str>,
    day: chrono::NaiveDate,
) -> Result<i64, StoreError> {
    diesel::insert_into(privacy_requests::table)
        .values((
            privacy_requests::kind.eq(kind),
            privacy_requests::feedback_id.eq(feedback_id),
            privacy_requests::correction.eq(correction),
            privacy_requests::received_date.eq(day),
        ))
        .execute(conn)?;
    Ok(privacy_requests::table
        .filter(privacy_requests::feedback_id.eq(feedback_id))
        .select(diesel::dsl::max(privacy_requests::id))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or_default())
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
