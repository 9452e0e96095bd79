//! The long reads of the raw export: the form versions and rows of a period, read in pages
//! (SQLite: one statement read row by row; PostgreSQL: keyset pages on `(local_date, id)`),
//! so memory stays flat however long the period.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::responses;
use super::{DbConnection, StoreError};

/// Rows a PostgreSQL page holds.
pub const BATCH: i64 = 20_000;

/// One response as exported: id, unit, form, version, source, local day, answers (JSON),
/// comment, synthetic.
pub type ExportRow = (
    i64,
    String,
    String,
    i32,
    String,
    NaiveDate,
    String,
    Option<String>,
    bool,
);

/// The form versions answered in a period (of one unit, or all).
pub fn versions_in(
    conn: &mut DbConnection,
    start: NaiveDate,
    end: NaiveDate,
    only_unit: Option<&str>,
) -> Result<Vec<(String, i32)>, StoreError> {
    let mut q = responses::table
        .filter(responses::local_date.ge(start))
        .filter(responses::local_date.le(end))
        .select((responses::form_id, responses::form_version))
        .distinct()
        .into_boxed();
    if let Some(u) = only_unit {
        q = q.filter(responses::unit_code.eq(u));
    }
    Ok(q.load(conn)?)
}

/// Reads the period's responses in order of (day, id), handing each page to `send`; stops
/// early when `send` answers false (the writer stopped: its error is the one to report).
pub fn read_pages(
    conn: &mut DbConnection,
    start: NaiveDate,
    end: NaiveDate,
    only_unit: Option<&str>,
    mut send: impl FnMut(Vec<ExportRow>) -> bool,
) -> Result<(), StoreError> {
    // One query, read row by row (PostgreSQL in row-by-row mode): constant memory, no re-sorting.
    macro_rules! query {
        () => {{
            let mut q = responses::table
                .filter(responses::local_date.ge(start))
                .filter(responses::local_date.le(end))
                .order((responses::local_date, responses::id))
                .select((
                    responses::id,
                    responses::unit_code,
                    responses::form_id,
                    responses::form_version,
                    responses::source,
                    responses::local_date,
                    responses::answers,
                    responses::comment,
                    responses::synthetic,
                ))
                .into_boxed();
            if let Some(u) = only_unit {
                q = q.filter(responses::unit_code.eq(u));
            }
            q
        }};
    }
    // Both backends read in keyset pages of BATCH rows, each found on the (local_date, id)
    // index after the last one sent, each its own short read: a slow client never holds a
    // transaction open (on SQLite one would pin the WAL, which then grows without bound).
    macro_rules! pages {
        ($c:expr) => {{
            let (mut after_day, mut after_id) = (start, 0i64);
            loop {
                let key = diesel::dsl::sql::<diesel::sql_types::Bool>("(local_date, id) > (")
                    .bind::<diesel::sql_types::Date, _>(after_day)
                    .sql(", ")
                    .bind::<diesel::sql_types::BigInt, _>(after_id)
                    .sql(")");
                let page: Vec<ExportRow> = query!().filter(key).limit(BATCH).load($c)?;
                let full = crate::domain::num::i64_of(page.len()) == BATCH;
                if let Some(last) = page.last() {
                    (after_day, after_id) = (last.5, last.0);
                }
                if !send(page) || !full {
                    return Ok(());
                }
            }
        }};
    }
    match conn {
        DbConnection::Sqlite(c) => pages!(c),
        DbConnection::Pg(c) => pages!(c),
    }
}
