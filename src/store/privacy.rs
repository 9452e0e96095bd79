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
