//! One-time survey codes as stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::tickets;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tickets)]
pub struct TicketRow {
    pub code: String,
    pub unit_code: String,
    pub issued_at: NaiveDateTime,
    pub issued_date: NaiveDate,
    pub expires_at: NaiveDateTime,
    pub dossier_ref: Option<String>,
    pub field: Option<String>,
    pub used_at: Option<NaiveDateTime>,
    pub synthetic: bool,
    /// The officer who printed the slip (a code slip printed by a signed-in officer).
    pub officer_id: Option<i64>,
    /// The route that carried an invitation's code (`zns`, `sms`, `demo`); none for others.
    pub invite_route: Option<String>,
    /// An invitation's number, as a keyed hash, until the code is used (for the opt-out).
    pub number_hash: Option<String>,
}

pub fn insert(conn: &mut DbConnection, rows: &[TicketRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        crate::on_backend!(&mut *conn, |c| diesel::insert_into(tickets::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

pub fn get(conn: &mut DbConnection, code: &str) -> Result<Option<TicketRow>, StoreError> {
    Ok(tickets::table
        .find(code)
        .select(TicketRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Marks a ticket used if, and only if, it is unused and unexpired at `now`. The single
/// conditional UPDATE is what keeps a ticket to one response under concurrent submissions
/// (PostgreSQL re-checks the condition after waiting on the row lock; SQLite has one writer).
/// A used ticket keeps only that it was used, and the day: its dossier reference (and an
/// invitation's number hash) is dropped,
/// so nothing leads from a dossier (or a name) to the answers given for it.
pub fn claim(conn: &mut DbConnection, code: &str, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(
        tickets::table
            .filter(tickets::code.eq(code))
            .filter(tickets::used_at.is_null())
            .filter(tickets::expires_at.gt(now)),
    )
    .set((
        tickets::used_at.eq(Some(crate::domain::day_of(now))),
        tickets::dossier_ref.eq(None::<String>),
        tickets::number_hash.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Invitations' codes that expired unused forget their number's hash (it was kept only so
/// that the page could stop further invitations).
pub fn forget_expired_numbers(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        tickets::table
            .filter(tickets::number_hash.is_not_null())
            .filter(tickets::expires_at.le(now)),
    )
    .set(tickets::number_hash.eq(None::<String>))
    .execute(conn)?)
}

/// Tickets used at or after `from` and before `to` (both cut to the day).
pub fn used_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<TicketRow>, StoreError> {
    Ok(tickets::table
        .filter(tickets::used_at.ge(from))
        .filter(tickets::used_at.lt(to))
        .select(TicketRow::as_select())
        .load(conn)?)
}

/// The first day (its midnight, as stored) a ticket was used at or after `from` and before `to`.
pub fn first_used_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(tickets::table
        .filter(tickets::used_at.ge(from))
        .filter(tickets::used_at.lt(to))
        .select(diesel::dsl::min(tickets::used_at))
        .get_result::<Option<NaiveDateTime>>(conn)?)
}

pub fn delete(conn: &mut DbConnection, codes: &[String]) -> Result<usize, StoreError> {
    let mut n = 0;
    for chunk in codes.chunks(500) {
        n += diesel::delete(tickets::table.filter(tickets::code.eq_any(chunk))).execute(conn)?;
    }
    Ok(n)
}

/// Tickets issued per unit between two days (inclusive): a denominator of participation.
pub fn issued_by_unit(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
    let rows: Vec<(String, i64)> = tickets::table
        .filter(tickets::issued_date.ge(from))
        .filter(tickets::issued_date.le(to))
        .group_by(tickets::unit_code)
        .select((tickets::unit_code, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(u, n)| (u, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Checks the references to tickets (paper sheets, responses) at the end of the current
/// transaction instead of at each statement, so that a day's tickets can be deleted and written
/// again within it.
/// Keeps two nodes from sealing at once (PostgreSQL: an advisory lock held to the end of the
/// transaction; SQLite has one writer anyway). C-11: two nodes started together both sealed
/// the same day and one failed on a duplicate key.
pub fn lock_sealing(conn: &mut DbConnection) -> Result<(), StoreError> {
    if let DbConnection::Pg(_) = conn {
        // "SEAL" in the high bits: apart from the other advisory locks.
        let key = 0x5345_414c_i64 << 24;
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(key)
            .execute(conn)?;
    }
    Ok(())
}

pub fn defer_references(conn: &mut DbConnection) -> Result<(), StoreError> {
    let sql = match conn {
        DbConnection::Pg(_) => "SET CONSTRAINTS ALL DEFERRED",
        DbConnection::Sqlite(_) => "PRAGMA defer_foreign_keys = ON",
    };
    diesel::sql_query(sql).execute(conn)?;
    Ok(())
}
