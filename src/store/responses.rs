//! Responses as stored: one row each, answers as a JSON object keyed by question code,
//! the comment apart. No column can hold an IP address, a device or a name, and none leads
//! to a ticket (whose dossier reference may name someone): the time is kept to the day.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::responses;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = responses)]
pub struct NewResponseRow {
    pub submission_id: String,
    pub unit_code: String,
    pub form_id: String,
    pub form_version: i32,
    pub source: String,
    pub via_ticket: bool,
    pub submitted_at: NaiveDateTime,
    pub local_date: NaiveDate,
    pub answers: String,
    pub comment: Option<String>,
    pub digest: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = responses)]
pub struct ResponseRow {
    pub id: i64,
    pub submission_id: String,
    pub unit_code: String,
    pub form_id: String,
    pub form_version: i32,
    pub source: String,
    pub via_ticket: bool,
    pub submitted_at: NaiveDateTime,
    pub local_date: NaiveDate,
    pub answers: String,
    pub comment: Option<String>,
    pub digest: String,
    pub synthetic: bool,
}

pub fn insert(conn: &mut DbConnection, rows: &[NewResponseRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        crate::on_backend!(&mut *conn, |c| diesel::insert_into(responses::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

pub fn by_submission_id(
    conn: &mut DbConnection,
    submission_id: &str,
) -> Result<Option<ResponseRow>, StoreError> {
    Ok(responses::table
        .filter(responses::submission_id.eq(submission_id))
        .select(ResponseRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn id_of(conn: &mut DbConnection, submission_id: &str) -> Result<Option<i64>, StoreError> {
    Ok(responses::table
        .filter(responses::submission_id.eq(submission_id))
        .select(responses::id)
        .get_result(conn)
        .optional()?)
}

pub fn count(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(responses::table.count().get_result(conn)?)
}

pub fn count_for_form(
    conn: &mut DbConnection,
    form_id: &str,
    version: i32,
) -> Result<i64, StoreError> {
    Ok(responses::table
        .filter(responses::form_id.eq(form_id))
        .filter(responses::form_version.eq(version))
        .count()
        .get_result(conn)?)
}

pub fn list_for_unit(conn: &mut DbConnection, unit: &str) -> Result<Vec<ResponseRow>, StoreError> {
    Ok(responses::table
        .filter(responses::unit_code.eq(unit))
        .order(responses::id)
        .select(ResponseRow::as_select())
        .load(conn)?)
}
