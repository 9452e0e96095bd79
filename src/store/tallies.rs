//! The running tallies per unit, local day and form version (see `domain::index::Tally`).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::schema::{tallies, tally_months};
use super::{DbConnection, StoreError};
use crate::domain::index::Tally;

/// Which tally a response adds to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TallyKey {
    pub unit_code: String,
    pub day: NaiveDate,
    pub form_id: String,
    pub form_version: i32,
}

fn decode(text: &str) -> Result<Tally, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt("a tally", e))
}

fn encode(t: &Tally) -> Result<String, StoreError> {
    serde_json::to_string(t).map_err(|e| StoreError::corrupt("a tally", e))
}

/// Generates, for the daily table and the monthly one, the read-merge-write of one tally.
/// A tally's stored text, as PostgreSQL's upsert returns it.
#[derive(diesel::QueryableByName)]
struct Current {
    #[diesel(sql_type = diesel::sql_types::Text)]
    data: String,
}

/// On PostgreSQL the row is created if missing and then locked, so concurrent submissions to
/// one unit and day add up instead of overwriting each other; SQLite has one writer.
macro_rules! add_into {
    ($name:ident, $table:ident, $date:ident, $sql:literal) => {
        fn $name(
            conn: &mut DbConnection,
            unit: &str,
            date: NaiveDate,
            form_id: &str,
            version: i32,
            delta: &Tally,
        ) -> Result<(), StoreError> {
            let filter = $table::table.find((unit, date, form_id, version));
            let current: Option<String> = match conn {
                DbConnection::Pg(pg) => {
                    // One round trip: created if missing, locked, and read.
                    let row: Current = diesel::sql_query($sql)
                        .bind::<diesel::sql_types::Text, _>(unit)
                        .bind::<diesel::sql_types::Date, _>(date)
                        .bind::<diesel::sql_types::Text, _>(form_id)
                        .bind::<diesel::sql_types::Integer, _>(version)
                        .get_result(pg)?;
                    Some(row.data)
                }
                DbConnection::Sqlite(lite) => {
                    filter.select($table::data).get_result(lite).optional()?
                }
            };
            match current {
                Some(text) => {
                    let mut tally = if text == "{}" {
                        Tally::default()
                    } else {
                        decode(&text)?
                    };
                    tally.merge(delta);
                    diesel::update(filter)
                        .set($table::data.eq(encode(&tally)?))
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into($table::table)
                        .values((
                            $table::unit_code.eq(unit),
                            $table::$date.eq(date),
                            $table::form_id.eq(form_id),
                            $table::form_version.eq(version),
                            $table::data.eq(encode(delta)?),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(())
        }
    };
}

add_into!(
    add_day,
    tallies,
    day,
    "INSERT INTO tallies AS t (unit_code, day, form_id, form_version, data) VALUES ($1, $2, $3, $4, '{}') ON CONFLICT (unit_code, day, form_id, form_version) DO UPDATE SET data = t.data RETURNING t.data"
);
add_into!(
    add_month,
    tally_months,
    month,
    "INSERT INTO tally_months AS t (unit_code, month, form_id, form_version, data) VALUES ($1, $2, $3, $4, '{}') ON CONFLICT (unit_code, month, form_id, form_version) DO UPDATE SET data = t.data RETURNING t.data"
);

/// The first day of a date's month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Adds `delta` to the stored tallies of `key`, its day's and its month's, inside the
/// caller's transaction.
pub fn add(conn: &mut DbConnection, key: &TallyKey, delta: &Tally) -> Result<(), StoreError> {
    let (u, f, v) = (&key.unit_code, &key.form_id, key.form_version);
    add_day(conn, u, key.day, f, v, delta)?;
    add_month(conn, u, month_of(key.day), f, v, delta)
}

/// The monthly sums of daily tallies.
fn by_month(all: &BTreeMap<TallyKey, Tally>) -> BTreeMap<TallyKey, Tally> {
    let mut months: BTreeMap<TallyKey, Tally> = BTreeMap::new();
    for (k, t) in all {
        months
            .entry(TallyKey {
                day: month_of(k.day),
                ..k.clone()
            })
            .or_default()
            .merge(t);
    }
    months
}

fn insert_rows(
    conn: &mut DbConnection,
    all: &BTreeMap<TallyKey, Tally>,
    monthly: bool,
) -> Result<(), StoreError> {
    let rows: Vec<(String, NaiveDate, String, i32, String)> = all
        .iter()
        .map(|(k, t)| {
            Ok((
                k.unit_code.clone(),
                k.day,
                k.form_id.clone(),
                k.form_version,
                encode(t)?,
            ))
        })
        .collect::<Result<_, StoreError>>()?;
    // The same multi-row insert into either table.
    macro_rules! insert_chunk {
        ($chunk:expr, $table:ident, $date:ident) => {{
            let values: Vec<_> = $chunk
                .iter()
                .map(|(u, d, f, v, data)| {
                    (
                        $table::unit_code.eq(u),
                        $table::$date.eq(*d),
                        $table::form_id.eq(f),
                        $table::form_version.eq(*v),
                        $table::data.eq(data),
                    )
                })
                .collect();
            crate::on_backend!(&mut *conn, |c| diesel::insert_into($table::table)
                .values(&values)
                .execute(c))?;
        }};
    }
    for chunk in rows.chunks(500) {
        if monthly {
            insert_chunk!(chunk, tally_months, month);
        } else {
            insert_chunk!(chunk, tallies, day);
        }
    }
    Ok(())
}

/// Writes many fresh daily tallies at once, and their monthly sums (the demo loader and the
/// rebuild, on empty tables). Months already stored are merged into.
pub fn insert_all(
    conn: &mut DbConnection,
    all: &BTreeMap<TallyKey, Tally>,
) -> Result<(), StoreError> {
    insert_rows(conn, all, false)?;
    let months = by_month(all);
    let existing: i64 = tally_months::table.count().get_result(conn)?;
    if existing == 0 {
        insert_rows(conn, &months, true)
    } else {
        for (k, t) in &months {
            add_month(conn, &k.unit_code, k.day, &k.form_id, k.form_version, t)?;
        }
        Ok(())
    }
}

/// Fills the monthly sums from the daily tallies (a database from before they existed).
pub fn build_months(conn: &mut DbConnection) -> Result<usize, StoreError> {
    diesel::delete(tally_months::table).execute(conn)?;
    let rows: Vec<(String, NaiveDate, String, i32, String)> = tallies::table
        .select((
            tallies::unit_code,
            tallies::day,
            tallies::form_id,
            tallies::form_version,
            tallies::data,
        ))
        .load(conn)?;
    let mut months: BTreeMap<TallyKey, Tally> = BTreeMap::new();
    for (unit_code, day, form_id, form_version, data) in rows {
        if data == "{}" {
            continue;
        }
        months
            .entry(TallyKey {
                unit_code,
                day: month_of(day),
                form_id,
                form_version,
            })
            .or_default()
            .merge(&decode(&data)?);
    }
    insert_rows(conn, &months, true)?;
    Ok(months.len())
}

pub fn months_count(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(tally_months::table.count().get_result(conn)?)
}

pub type Summed = BTreeMap<(String, String, i32), Tally>;

fn merge_rows(
    out: &mut Summed,
    rows: Vec<(String, String, i32, String)>,
) -> Result<(), StoreError> {
    for (unit, form, version, data) in rows {
        if data == "{}" {
            continue;
        }
        let t = decode(&data)?;
        match out.get_mut(&(unit.clone(), form.clone(), version)) {
            Some(acc) => acc.merge(&t),
            None => {
                out.insert((unit, form, version), t);
            }
        }
    }
    Ok(())
}

/// The same from the daily tallies only (the reference the monthly sums are tested against).
pub fn sum_days(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Summed, StoreError> {
    let mut out = Summed::new();
    merge_rows(&mut out, day_rows(conn, from, to)?)?;
    Ok(out)
}

/// The stored daily tallies of the days `from..=to`: unit, form, version, data.
fn day_rows(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, String, i32, String)>, StoreError> {
    Ok(tallies::table
        .filter(tallies::day.ge(from))
        .filter(tallies::day.le(to))
        .select((
            tallies::unit_code,
            tallies::form_id,
            tallies::form_version,
            tallies::data,
        ))
        .load(conn)?)
}

/// The tallies of every unit and form version over the days `from..=to`, merged: whole
/// calendar months from the monthly sums, the days before and after them from the daily ones.
pub fn sum_range(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Summed, StoreError> {
    let mut out = Summed::new();
    // The whole months inside the range: [first_month, end_month) by their first days.
    let first_month = if from.day() == 1 {
        from
    } else {
        month_of(from)
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(from)
    };
    let after_to = to.succ_opt().unwrap_or(to);
    let end_month = if after_to.day() == 1 {
        after_to
    } else {
        month_of(to)
    };
    if first_month < end_month {
        let rows = tally_months::table
            .filter(tally_months::month.ge(first_month))
            .filter(tally_months::month.lt(end_month))
            .select((
                tally_months::unit_code,
                tally_months::form_id,
                tally_months::form_version,
                tally_months::data,
            ))
            .load(conn)?;
        merge_rows(&mut out, rows)?;
        if from < first_month {
            let rows = day_rows(conn, from, first_month.pred_opt().unwrap_or(first_month))?;
            merge_rows(&mut out, rows)?;
        }
        if end_month <= to {
            let rows = day_rows(conn, end_month, to)?;
            merge_rows(&mut out, rows)?;
        }
    } else {
        let rows = day_rows(conn, from, to)?;
        merge_rows(&mut out, rows)?;
    }
    Ok(out)
}

pub fn count(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(tallies::table.count().get_result(conn)?)
}

pub fn delete_all(conn: &mut DbConnection) -> Result<(), StoreError> {
    diesel::delete(tallies::table).execute(conn)?;
    diesel::delete(tally_months::table).execute(conn)?;
    Ok(())
}

/// Which of `codes` have ever had an answer or a code issued: a unit with a desk of its own.
pub fn with_desk(conn: &mut DbConnection, codes: &[String]) -> Result<Vec<String>, StoreError> {
    use super::schema::{tally_months, tickets};
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<String> = tally_months::table
        .filter(tally_months::unit_code.eq_any(codes))
        .select(tally_months::unit_code)
        .distinct()
        .load(conn)?;
    found.extend(
        tickets::table
            .filter(tickets::unit_code.eq_any(codes))
            .select(tickets::unit_code)
            .distinct()
            .load::<String>(conn)?,
    );
    found.sort();
    found.dedup();
    Ok(found)
}
