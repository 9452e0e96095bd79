//! The running tallies per unit, local day and form version (see `domain::index::Tally`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::tallies;
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
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("tally: {e}")))
}

fn encode(t: &Tally) -> Result<String, StoreError> {
    serde_json::to_string(t).map_err(|e| StoreError::Corrupt(format!("tally: {e}")))
}

/// Adds `delta` to the stored tally of `key`, inside the caller's transaction. On
/// PostgreSQL the row is created if missing and then locked, so concurrent submissions to
/// one unit and day add up instead of overwriting each other; SQLite has one writer.
pub fn add(conn: &mut DbConnection, key: &TallyKey, delta: &Tally) -> Result<(), StoreError> {
    let filter = tallies::table.find((&key.unit_code, key.day, &key.form_id, key.form_version));
    let current: Option<String> = match conn {
        DbConnection::Pg(pg) => {
            diesel::sql_query(
                "INSERT INTO tallies (unit_code, day, form_id, form_version, data) VALUES ($1, $2, $3, $4, '{}') \
                 ON CONFLICT DO NOTHING",
            )
            .bind::<diesel::sql_types::Text, _>(&key.unit_code)
            .bind::<diesel::sql_types::Date, _>(key.day)
            .bind::<diesel::sql_types::Text, _>(&key.form_id)
            .bind::<diesel::sql_types::Integer, _>(key.form_version)
            .execute(pg)?;
            Some(filter.select(tallies::data).for_update().get_result(pg)?)
        }
        DbConnection::Sqlite(lite) => filter.select(tallies::data).get_result(lite).optional()?,
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
                .set(tallies::data.eq(encode(&tally)?))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(tallies::table)
                .values((
                    tallies::unit_code.eq(&key.unit_code),
                    tallies::day.eq(key.day),
                    tallies::form_id.eq(&key.form_id),
                    tallies::form_version.eq(key.form_version),
                    tallies::data.eq(encode(delta)?),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Writes many fresh tallies at once (the demo loader and the rebuild, on an empty table).
pub fn insert_all(
    conn: &mut DbConnection,
    all: &BTreeMap<TallyKey, Tally>,
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
    for chunk in rows.chunks(500) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(u, d, f, v, data)| {
                (
                    tallies::unit_code.eq(u),
                    tallies::day.eq(*d),
                    tallies::form_id.eq(f),
                    tallies::form_version.eq(*v),
                    tallies::data.eq(data),
                )
            })
            .collect();
        crate::on_backend!(&mut *conn, |c| diesel::insert_into(tallies::table)
            .values(&values)
            .execute(c))?;
    }
    Ok(())
}

/// The tallies of every unit and form version over the days `from..=to`, merged.
pub fn sum_range(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<(String, String, i32), Tally>, StoreError> {
    let rows: Vec<(String, String, i32, String)> = tallies::table
        .filter(tallies::day.ge(from))
        .filter(tallies::day.le(to))
        .select((
            tallies::unit_code,
            tallies::form_id,
            tallies::form_version,
            tallies::data,
        ))
        .load(conn)?;
    let mut out: BTreeMap<(String, String, i32), Tally> = BTreeMap::new();
    for (unit, form, version, data) in rows {
        if data == "{}" {
            continue;
        }
        out.entry((unit, form, version))
            .or_default()
            .merge(&decode(&data)?);
    }
    Ok(out)
}

pub fn count(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(tallies::table.count().get_result(conn)?)
}

pub fn delete_all(conn: &mut DbConnection) -> Result<(), StoreError> {
    diesel::delete(tallies::table).execute(conn)?;
    Ok(())
}
