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
    pub via_predecessor: bool,
    /// The officer whose code slip the citizen answered with (staff, not the citizen).
    pub officer_id: Option<i64>,
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

/// The answers given with officers' code slips in the days `from`..=`to` (of one unit):
/// officer, form, form version, answers (JSON).
pub fn by_officers_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<(i64, String, i32, String)>, StoreError> {
    let q = responses::table
        .filter(responses::local_date.between(from, to))
        .filter(responses::officer_id.is_not_null())
        .select((
            responses::officer_id.assume_not_null(),
            responses::form_id,
            responses::form_version,
            responses::answers,
        ));
    Ok(match unit {
        Some(u) => q.filter(responses::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    })
}

/// A count of responses: unit, form, form version, source, how many.
pub type SourceCount = (String, String, i32, String, i64);

/// Responses of the days `from`..=`to` per unit, form version and source.
pub fn count_by_source(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SourceCount>, StoreError> {
    Ok(responses::table
        .filter(responses::local_date.between(from, to))
        .group_by((
            responses::unit_code,
            responses::form_id,
            responses::form_version,
            responses::source,
        ))
        .select((
            responses::unit_code,
            responses::form_id,
            responses::form_version,
            responses::source,
            diesel::dsl::count_star(),
        ))
        .load(conn)?)
}

/// Every response's answers as stored (tests and checks).
pub fn answers_of_all(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    Ok(responses::table.select(responses::answers).load(conn)?)
}

/// Every response's officer (tests and checks).
pub fn officers_of_all(conn: &mut DbConnection) -> Result<Vec<Option<i64>>, StoreError> {
    Ok(responses::table.select(responses::officer_id).load(conn)?)
}

pub fn insert(conn: &mut DbConnection, rows: &[NewResponseRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        crate::on_backend!(&mut *conn, |c| diesel::insert_into(responses::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// PostgreSQL: inserts `rows` in one statement, skipping a row whose submission id is already
/// stored (or repeated among `rows`); returns the new ids by submission id.
pub fn insert_new(
    conn: &mut diesel::PgConnection,
    rows: &[NewResponseRow],
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let mut ids = std::collections::HashMap::with_capacity(rows.len());
    // PostgreSQL takes at most 65,535 parameters in a statement (15 a row).
    for chunk in rows.chunks(1000) {
        let stored: Vec<(i64, String)> = diesel::insert_into(responses::table)
            .values(chunk)
            .on_conflict(responses::submission_id)
            .do_nothing()
            .returning((responses::id, responses::submission_id))
            .get_results(conn)?;
        ids.extend(stored.into_iter().map(|(id, s)| (s, id)));
    }
    Ok(ids)
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

/// Responses given through a merged unit's old poster, by the unit they were counted for.
pub fn via_predecessor_by_unit(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
    let rows: Vec<(String, i64)> = responses::table
        .filter(responses::via_predecessor.eq(true))
        .filter(responses::local_date.ge(from))
        .filter(responses::local_date.le(to))
        .group_by(responses::unit_code)
        .select((responses::unit_code, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The newest response's id (0 when there is none).
pub fn max_id(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(responses::table
        .select(diesel::dsl::max(responses::id))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0))
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

/// One batch of responses after `after_id`, as the tallies are recounted from them:
/// id, unit, form, version, local day, through a ticket, answers.
pub type TallySource = (i64, String, String, i32, NaiveDate, bool, String);

pub fn tally_batch(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> Result<Vec<TallySource>, StoreError> {
    Ok(responses::table
        .filter(responses::id.gt(after_id))
        .order(responses::id)
        .limit(limit)
        .select((
            responses::id,
            responses::unit_code,
            responses::form_id,
            responses::form_version,
            responses::local_date,
            responses::via_ticket,
            responses::answers,
        ))
        .load(conn)?)
}

/// Blanks the comments of real (not synthetic) responses submitted before `cutoff`.
pub fn purge_comments(conn: &mut DbConnection, cutoff: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::update(
        responses::table
            .filter(responses::submitted_at.lt(cutoff))
            .filter(responses::comment.is_not_null())
            // Synthetic (demo) rows hold no one's words.
            .filter(responses::synthetic.eq(false)),
    )
    .set(responses::comment.eq(None::<String>))
    .execute(conn)?)
}

/// Responses per unit on one local day (the staff dashboard's "today").
pub fn count_by_unit_on(
    conn: &mut DbConnection,
    day: NaiveDate,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(responses::table
        .filter(responses::local_date.eq(day))
        .group_by(responses::unit_code)
        .select((responses::unit_code, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The comments of the days `from`..=`to` (of one unit): unit, comment.
pub fn comments_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let q = responses::table
        .filter(responses::local_date.between(from, to))
        .filter(responses::comment.is_not_null())
        .select((responses::unit_code, responses::comment.assume_not_null()))
        .into_boxed();
    Ok(match unit {
        Some(u) => q
            .filter(responses::unit_code.eq(u.to_string()))
            .load(conn)?,
        None => q.load(conn)?,
    })
}
