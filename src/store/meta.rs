//! Small facts about the database itself: settings, and the fingerprints of form versions
//! that the version guard compares.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{form_versions, settings};
use super::{DbConnection, StoreError};

/// The setting that marks a database holding the synthetic demo district.
pub const SYNTHETIC_KEY: &str = "synthetic_data";

/// Whether the database holds the synthetic demo district (its figures are marked so).
pub fn is_demo(conn: &mut DbConnection) -> Result<bool, StoreError> {
    Ok(setting(conn, SYNTHETIC_KEY)?.is_some())
}

pub fn setting(conn: &mut DbConnection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(settings::table
        .find(key)
        .select(settings::value)
        .get_result(conn)
        .optional()?)
}

pub fn set_setting(conn: &mut DbConnection, key: &str, value: &str) -> Result<(), StoreError> {
    let n = diesel::update(settings::table.find(key))
        .set(settings::value.eq(value))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves a setting from `old` to `new` only if it still holds `old`: false when another
/// process moved it first (the caller's work was done there).
pub fn swap_setting(
    conn: &mut DbConnection,
    key: &str,
    old: &str,
    new: &str,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        settings::table
            .filter(settings::key.eq(key))
            .filter(settings::value.eq(old)),
    )
    .set(settings::value.eq(new))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn form_fingerprint(
    conn: &mut DbConnection,
    form_id: &str,
    version: i32,
) -> Result<Option<String>, StoreError> {
    Ok(form_versions::table
        .find((form_id, version))
        .select(form_versions::fingerprint)
        .get_result(conn)
        .optional()?)
}

pub fn set_form_fingerprint(
    conn: &mut DbConnection,
    form_id: &str,
    version: i32,
    fingerprint: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let n = diesel::update(form_versions::table.find((form_id, version)))
        .set(form_versions::fingerprint.eq(fingerprint))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(form_versions::table)
            .values((
                form_versions::form_id.eq(form_id),
                form_versions::version.eq(version),
                form_versions::fingerprint.eq(fingerprint),
                form_versions::first_seen.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// SQLite: writes a consistent copy of the database to `to` (`VACUUM INTO`, one snapshot;
/// WAL readers never block writers). False on PostgreSQL, which has its own tools.
pub fn vacuum_into(conn: &mut DbConnection, to: &std::path::Path) -> Result<bool, StoreError> {
    use diesel::connection::SimpleConnection;
    let target = to.to_string_lossy().replace('\'', "''");
    match conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute(&format!("VACUUM INTO '{target}'"))?;
            Ok(true)
        }
        DbConnection::Pg(_) => Ok(false),
    }
}
