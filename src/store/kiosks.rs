//! Rating tablets (kiosks) and the ratings they send.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{desk_ratings, kiosks};
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = kiosks)]
pub struct NewKiosk {
    pub unit_code: String,
    pub counter: String,
    pub pairing_hash: Option<String>,
    pub pairing_expires_at: Option<NaiveDateTime>,
    pub secret_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub paired_at: Option<NaiveDateTime>,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kiosks)]
pub struct KioskRow {
    pub id: i64,
    pub unit_code: String,
    pub counter: String,
    pub pairing_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub paired_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Adds a kiosk; its id.
pub fn insert(conn: &mut DbConnection, row: &NewKiosk) -> Result<i64, StoreError> {
    diesel::insert_into(kiosks::table)
        .values(row)
        .execute(conn)?;
    // Found again by its pairing code or device secret, both unique.
    let q = kiosks::table.select(kiosks::id);
    Ok(match (&row.pairing_hash, &row.secret_hash) {
        (Some(h), _) => q.filter(kiosks::pairing_hash.eq(h)).get_result(conn)?,
        (None, Some(h)) => q.filter(kiosks::secret_hash.eq(h)).get_result(conn)?,
        (None, None) => {
            return Err(StoreError::corrupt(
                "a kiosk",
                "a kiosk needs a code or a secret",
            ))
        }
    })
}

/// The kiosk waiting for this pairing code (not revoked, not yet paired); its expiry is the
/// caller's to check.
pub fn by_pairing_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> Result<Option<KioskRow>, StoreError> {
    Ok(kiosks::table
        .filter(kiosks::pairing_hash.eq(hash))
        .filter(kiosks::revoked_at.is_null())
        .select(KioskRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Pairs: the device's secret replaces the pairing code, which can never be used again.
pub fn pair(
    conn: &mut DbConnection,
    id: i64,
    secret_hash: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        kiosks::table
            .filter(kiosks::id.eq(id))
            .filter(kiosks::pairing_hash.is_not_null())
            .filter(kiosks::revoked_at.is_null()),
    )
    .set((
        kiosks::pairing_hash.eq(None::<String>),
        kiosks::pairing_expires_at.eq(None::<NaiveDateTime>),
        kiosks::secret_hash.eq(secret_hash),
        kiosks::paired_at.eq(now),
    ))
    .execute(conn)?)
}

/// The paired, unrevoked kiosk whose device secret hashes to `hash`.
pub fn by_secret_hash(conn: &mut DbConnection, hash: &str) -> Result<Option<KioskRow>, StoreError> {
    Ok(kiosks::table
        .filter(kiosks::secret_hash.eq(hash))
        .filter(kiosks::revoked_at.is_null())
        .select(KioskRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<KioskRow>, StoreError> {
    Ok(kiosks::table
        .filter(kiosks::id.eq(id))
        .select(KioskRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Every kiosk (of one unit), by unit and counter.
pub fn list(conn: &mut DbConnection, unit: Option<&str>) -> Result<Vec<KioskRow>, StoreError> {
    let q = kiosks::table
        .order((kiosks::unit_code, kiosks::counter, kiosks::id))
        .select(KioskRow::as_select());
    Ok(match unit {
        Some(u) => q.filter(kiosks::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    })
}

/// Revokes a kiosk (and forgets its secret and any pairing code); the number changed.
pub fn revoke(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::update(
        kiosks::table
            .filter(kiosks::id.eq(id))
            .filter(kiosks::revoked_at.is_null()),
    )
    .set((
        kiosks::revoked_at.eq(now),
        kiosks::secret_hash.eq(None::<String>),
        kiosks::pairing_hash.eq(None::<String>),
    ))
    .execute(conn)?)
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = desk_ratings)]
pub struct RatingRow {
    pub id: String,
    pub kiosk_id: i64,
    pub unit_code: String,
    pub counter: String,
    pub day: NaiveDate,
    pub score: i16,
    pub reasons: String,
    pub comment: Option<String>,
    pub flag: Option<String>,
    pub synthetic: bool,
    /// The officer who had the counter open when the rating arrived.
    pub officer_id: Option<i64>,
}

pub fn rating(conn: &mut DbConnection, id: &str) -> Result<Option<RatingRow>, StoreError> {
    Ok(desk_ratings::table
        .filter(desk_ratings::id.eq(id))
        .select(RatingRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn insert_ratings(conn: &mut DbConnection, rows: &[RatingRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        crate::on_backend!(&mut *conn, |c| diesel::insert_into(desk_ratings::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Adds the reasons and comment to a rating stored with its face alone.
pub fn amend(
    conn: &mut DbConnection,
    id: &str,
    reasons: &str,
    comment: Option<&str>,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        desk_ratings::table
            .filter(desk_ratings::id.eq(id))
            .filter(desk_ratings::reasons.eq(""))
            .filter(desk_ratings::comment.is_null()),
    )
    .set((
        desk_ratings::reasons.eq(reasons),
        desk_ratings::comment.eq(comment),
    ))
    .execute(conn)?)
}

/// A rating as the figures read it: unit, counter, score, reasons, flag.
pub type Scored = (String, String, i16, String, Option<String>);

/// The ratings of the days `from`..=`to`.
pub fn scored_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Scored>, StoreError> {
    Ok(desk_ratings::table
        .filter(desk_ratings::day.between(from, to))
        .select((
            desk_ratings::unit_code,
            desk_ratings::counter,
            desk_ratings::score,
            desk_ratings::reasons,
            desk_ratings::flag,
        ))
        .load(conn)?)
}

/// The comments left with low ratings in the days `from`..=`to` (for the unit's staff).
pub fn comments_between(
    conn: &mut DbConnection,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, String, i16, String)>, StoreError> {
    Ok(desk_ratings::table
        .filter(desk_ratings::unit_code.eq(unit))
        .filter(desk_ratings::day.between(from, to))
        .filter(desk_ratings::comment.is_not_null())
        .order(desk_ratings::day.desc())
        .select((
            desk_ratings::day,
            desk_ratings::counter,
            desk_ratings::score,
            desk_ratings::comment.assume_not_null(),
        ))
        .load(conn)?)
}

/// A rating as the officers' figures read it: unit, counter, officer, score, flag.
pub type Attributed = (String, String, Option<i64>, i16, Option<String>);

/// The ratings of the days `from`..=`to` (of one unit) with their officers.
pub fn attributed_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<Attributed>, StoreError> {
    let q = desk_ratings::table
        .filter(desk_ratings::day.between(from, to))
        .select((
            desk_ratings::unit_code,
            desk_ratings::counter,
            desk_ratings::officer_id,
            desk_ratings::score,
            desk_ratings::flag,
        ));
    Ok(match unit {
        Some(u) => q.filter(desk_ratings::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    })
}

/// The comments left with one officer's low ratings in the days `from`..=`to`: day, counter,
/// score, comment (masked by the caller before anyone reads them).
pub fn comments_of_officer(
    conn: &mut DbConnection,
    officer_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, String, i16, String)>, StoreError> {
    Ok(desk_ratings::table
        .filter(desk_ratings::officer_id.eq(officer_id))
        .filter(desk_ratings::day.between(from, to))
        .filter(desk_ratings::comment.is_not_null())
        .filter(desk_ratings::flag.is_null())
        .order(desk_ratings::day.desc())
        .select((
            desk_ratings::day,
            desk_ratings::counter,
            desk_ratings::score,
            desk_ratings::comment.assume_not_null(),
        ))
        .limit(200)
        .load(conn)?)
}
