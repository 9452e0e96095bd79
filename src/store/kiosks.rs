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
    /// The last day the tablet sent a rating (a day, never a time).
    pub last_seen_day: Option<NaiveDate>,
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
    /// The officer who had the counter open at the tap (none when nobody had, or when the
    /// counter changed hands between the tap and its arrival).
    pub officer_id: Option<i64>,
    /// Rewritten with the rest of its day after the day closed (no order within a day).
    pub settled: bool,
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

/// The ratings of the days `from`..=`to` (of one unit).
pub fn scored_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<Scored>, StoreError> {
    let q = desk_ratings::table
        .filter(desk_ratings::day.between(from, to))
        .select((
            desk_ratings::unit_code,
            desk_ratings::counter,
            desk_ratings::score,
            desk_ratings::reasons,
            desk_ratings::flag,
        ));
    Ok(match unit {
        Some(u) => q.filter(desk_ratings::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    })
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
        .order((desk_ratings::day.desc(), desk_ratings::id))
        .select((
            desk_ratings::day,
            desk_ratings::counter,
            desk_ratings::score,
            desk_ratings::comment.assume_not_null(),
        ))
        .limit(200)
        .load(conn)?)
}

/// Notes the day a tablet last sent a rating (once a day: nothing when already noted).
pub fn seen_on(conn: &mut DbConnection, id: i64, day: NaiveDate) -> Result<usize, StoreError> {
    Ok(diesel::update(
        kiosks::table.filter(kiosks::id.eq(id)).filter(
            kiosks::last_seen_day
                .is_null()
                .or(kiosks::last_seen_day.ne(day)),
        ),
    )
    .set(kiosks::last_seen_day.eq(day))
    .execute(conn)?)
}

/// The live tablets of a counter: not revoked (paired or waiting for their pairing).
pub fn live_at(
    conn: &mut DbConnection,
    unit: &str,
    counter: &str,
) -> Result<Vec<KioskRow>, StoreError> {
    Ok(kiosks::table
        .filter(kiosks::unit_code.eq(unit))
        .filter(kiosks::counter.eq(counter))
        .filter(kiosks::revoked_at.is_null())
        .select(KioskRow::as_select())
        .load(conn)?)
}

/// How many ratings, and how many of them flagged, each tablet (of one unit) sent on each of
/// the days `from`..=`to`: kiosk id, day, ratings, flagged.
pub fn counts_by_kiosk_day(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<(i64, NaiveDate, i64, i64)>, StoreError> {
    use diesel::dsl::count_star;
    let q = desk_ratings::table
        .filter(desk_ratings::day.between(from, to))
        .group_by((desk_ratings::kiosk_id, desk_ratings::day))
        .select((desk_ratings::kiosk_id, desk_ratings::day, count_star()));
    let all: Vec<(i64, NaiveDate, i64)> = match unit {
        Some(u) => q.filter(desk_ratings::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    };
    let fq = desk_ratings::table
        .filter(desk_ratings::day.between(from, to))
        .filter(desk_ratings::flag.is_not_null())
        .group_by((desk_ratings::kiosk_id, desk_ratings::day))
        .select((desk_ratings::kiosk_id, desk_ratings::day, count_star()));
    let flagged: Vec<(i64, NaiveDate, i64)> = match unit {
        Some(u) => fq.filter(desk_ratings::unit_code.eq(u)).load(conn)?,
        None => fq.load(conn)?,
    };
    let flagged: std::collections::HashMap<(i64, NaiveDate), i64> =
        flagged.into_iter().map(|(k, d, n)| ((k, d), n)).collect();
    Ok(all
        .into_iter()
        .map(|(k, d, n)| (k, d, n, flagged.get(&(k, d)).copied().unwrap_or(0)))
        .collect())
}

/// The earliest day before `before` that holds a rating not yet rewritten with its day.
pub fn first_unsettled_day(
    conn: &mut DbConnection,
    before: NaiveDate,
) -> Result<Option<NaiveDate>, StoreError> {
    use diesel::dsl::min;
    Ok(desk_ratings::table
        .filter(desk_ratings::settled.eq(false))
        .filter(desk_ratings::day.lt(before))
        .select(min(desk_ratings::day))
        .get_result(conn)?)
}

/// Every rating of one day.
pub fn ratings_of_day(
    conn: &mut DbConnection,
    day: NaiveDate,
) -> Result<Vec<RatingRow>, StoreError> {
    Ok(desk_ratings::table
        .filter(desk_ratings::day.eq(day))
        .select(RatingRow::as_select())
        .load(conn)?)
}

/// Deletes every rating of one day (to write them again); how many.
pub fn delete_day(conn: &mut DbConnection, day: NaiveDate) -> Result<usize, StoreError> {
    Ok(diesel::delete(desk_ratings::table.filter(desk_ratings::day.eq(day))).execute(conn)?)
}

/// The advisory lock that keeps two nodes from judging taps of one tablet at once (held to
/// the end of the transaction).
fn lock_taps(conn: &mut DbConnection, kiosk: i64) -> Result<(), StoreError> {
    // 0x4b5450 ("KTP") in the high bits: apart from the other advisory locks.
    let key = (0x4b5450_i64 << 40) | (kiosk & 0xff_ffff_ffff);
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(key)
        .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct TapRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    tapped_ms: i64,
}

/// PostgreSQL: the tablet's taps from `from_ms` on (Unix milliseconds), under the tablet's
/// lock, after the expired rows of every tablet are removed. Call in a transaction of its
/// own, then `record_tap` in the same one.
pub fn recent_taps(
    conn: &mut DbConnection,
    kiosk: i64,
    from_ms: i64,
    now_s: i64,
) -> Result<Vec<i64>, StoreError> {
    lock_taps(conn, kiosk)?;
    diesel::sql_query("DELETE FROM kiosk_taps WHERE expires_s < $1")
        .bind::<diesel::sql_types::BigInt, _>(now_s)
        .execute(conn)?;
    let rows: Vec<TapRow> = diesel::sql_query(
        "SELECT tapped_ms FROM kiosk_taps WHERE kiosk_id = $1 AND tapped_ms >= $2",
    )
    .bind::<diesel::sql_types::BigInt, _>(kiosk)
    .bind::<diesel::sql_types::BigInt, _>(from_ms)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.tapped_ms).collect())
}

/// PostgreSQL: notes a tap of a tablet (a time, no rating), kept until `expires_s`.
pub fn record_tap(
    conn: &mut DbConnection,
    kiosk: i64,
    tapped_ms: i64,
    expires_s: i64,
) -> Result<(), StoreError> {
    diesel::sql_query(
        "INSERT INTO kiosk_taps (kiosk_id, tapped_ms, expires_s) VALUES ($1, $2, $3)",
    )
    .bind::<diesel::sql_types::BigInt, _>(kiosk)
    .bind::<diesel::sql_types::BigInt, _>(tapped_ms)
    .bind::<diesel::sql_types::BigInt, _>(expires_s)
    .execute(conn)?;
    Ok(())
}

/// PostgreSQL: forgets one noted tap of a tablet (its rating was not stored after all).
pub fn forget_tap(conn: &mut DbConnection, kiosk: i64, tapped_ms: i64) -> Result<(), StoreError> {
    diesel::sql_query(
        "DELETE FROM kiosk_taps WHERE ctid IN (SELECT ctid FROM kiosk_taps WHERE kiosk_id = $1 AND tapped_ms = $2 LIMIT 1)",
    )
    .bind::<diesel::sql_types::BigInt, _>(kiosk)
    .bind::<diesel::sql_types::BigInt, _>(tapped_ms)
    .execute(conn)?;
    Ok(())
}

/// The comments left at the counters in the days `from`..=`to` (of one unit): unit, comment.
pub fn unit_comments_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let q = desk_ratings::table
        .filter(desk_ratings::day.between(from, to))
        .filter(desk_ratings::comment.is_not_null())
        .select((
            desk_ratings::unit_code,
            desk_ratings::comment.assume_not_null(),
        ))
        .into_boxed();
    Ok(match unit {
        Some(u) => q
            .filter(desk_ratings::unit_code.eq(u.to_string()))
            .load(conn)?,
        None => q.load(conn)?,
    })
}
