//! Returned dossiers (SPEC §11): one row a dossier, keyed by its reference's keyed hash, so
//! that the same dossier sent twice is stored once. No phone, nothing that points to a
//! response.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::returned_dossiers;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = returned_dossiers)]
pub struct ReturnedRow {
    pub ref_hash: String,
    pub unit_code: String,
    pub procedure_code: Option<String>,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub returned_on: NaiveDate,
    pub channel: String,
}

/// Stores a dossier not seen before; `false` when its reference was stored already (the
/// row is left as it was).
pub fn insert_new(conn: &mut DbConnection, row: &ReturnedRow) -> Result<bool, StoreError> {
    let n = crate::on_backend!(conn, |c| diesel::insert_into(returned_dossiers::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// How many dossiers a unit returned on a day.
pub fn returned_on(
    conn: &mut DbConnection,
    unit_code: &str,
    day: NaiveDate,
) -> Result<i64, StoreError> {
    Ok(returned_dossiers::table
        .filter(returned_dossiers::unit_code.eq(unit_code))
        .filter(returned_dossiers::returned_on.eq(day))
        .count()
        .get_result(conn)?)
}

/// Every stored row (tests and the demo).
pub fn all(conn: &mut DbConnection) -> Result<Vec<ReturnedRow>, StoreError> {
    Ok(returned_dossiers::table
        .select(ReturnedRow::as_select())
        .order(returned_dossiers::ref_hash)
        .load(conn)?)
}

/// Per unit, the dossiers returned in the days from `from` to `to` and how many of them by
/// their due day: (unit, returned, on time).
pub fn timeliness_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let in_period = returned_dossiers::returned_on
        .ge(from)
        .and(returned_dossiers::returned_on.le(to));
    let all: Vec<(String, i64)> = returned_dossiers::table
        .filter(in_period)
        .group_by(returned_dossiers::unit_code)
        .select((returned_dossiers::unit_code, diesel::dsl::count_star()))
        .load(conn)?;
    let on_time: std::collections::HashMap<String, i64> = returned_dossiers::table
        .filter(in_period)
        .filter(returned_dossiers::returned_on.le(returned_dossiers::due_on))
        .group_by(returned_dossiers::unit_code)
        .select((returned_dossiers::unit_code, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(all
        .into_iter()
        .map(|(unit, n)| {
            let t = on_time.get(&unit).copied().unwrap_or(0);
            (unit, n, t)
        })
        .collect())
}
