//! Invitations as stored: the outbox (a number and a code, sealed, until the provider takes
//! the message), the counts per unit, day, route and outcome, the times each number (by
//! keyed hash) was sent one, and the numbers that opted out.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{invite_optouts, invite_outbox, invite_sends, invite_tallies};
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invite_outbox)]
pub struct InviteRow {
    pub id: i64,
    pub unit_code: String,
    pub sealed: String,
    pub number_hash: String,
    pub route: String,
    pub tracking_id: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub attempts: i32,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = invite_outbox)]
pub struct NewInvite {
    pub unit_code: String,
    pub sealed: String,
    pub number_hash: String,
    pub route: String,
    pub tracking_id: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub attempts: i32,
}

pub fn queue(conn: &mut DbConnection, rows: &[NewInvite]) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        crate::on_backend!(&mut *conn, |c| diesel::insert_into(invite_outbox::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Invitations whose time has come, oldest first.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<InviteRow>, StoreError> {
    Ok(invite_outbox::table
        .filter(invite_outbox::next_attempt_at.le(now))
        .order(invite_outbox::id)
        .limit(limit)
        .select(InviteRow::as_select())
        .load(conn)?)
}

/// Takes an invitation for `until` if no other process took it since it was read (its
/// next attempt is still the one seen): one sender at a time across nodes.
pub fn lease(
    conn: &mut DbConnection,
    id: i64,
    seen_next: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        invite_outbox::table
            .filter(invite_outbox::id.eq(id))
            .filter(invite_outbox::next_attempt_at.eq(seen_next)),
    )
    .set(invite_outbox::next_attempt_at.eq(until))
    .execute(conn)?;
    Ok(n == 1)
}

/// An attempt that did not get through: tried again at `next`, by `route`.
pub fn retry(
    conn: &mut DbConnection,
    id: i64,
    next: NaiveDateTime,
    route: &str,
    error: &str,
) -> Result<(), StoreError> {
    diesel::update(invite_outbox::table.filter(invite_outbox::id.eq(id)))
        .set((
            invite_outbox::next_attempt_at.eq(next),
            invite_outbox::route.eq(route),
            invite_outbox::attempts.eq(invite_outbox::attempts + 1),
            invite_outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The invitation leaves the outbox (sent, given up or held): its sealed number goes with
/// it. `false` when another process removed it first.
pub fn remove(conn: &mut DbConnection, id: i64) -> Result<bool, StoreError> {
    let n = diesel::delete(invite_outbox::table.filter(invite_outbox::id.eq(id))).execute(conn)?;
    Ok(n == 1)
}

/// Invitations waiting, per unit and route.
pub fn waiting(conn: &mut DbConnection) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(invite_outbox::table
        .group_by((invite_outbox::unit_code, invite_outbox::route))
        .select((
            invite_outbox::unit_code,
            invite_outbox::route,
            diesel::dsl::count_star(),
        ))
        .load(conn)?)
}

/// Adds `n` to a count.
pub fn tally(
    conn: &mut DbConnection,
    unit: &str,
    day: NaiveDate,
    route: &str,
    outcome: &str,
    n: i64,
) -> Result<(), StoreError> {
    let key = invite_tallies::table
        .filter(invite_tallies::unit_code.eq(unit))
        .filter(invite_tallies::day.eq(day))
        .filter(invite_tallies::route.eq(route))
        .filter(invite_tallies::outcome.eq(outcome));
    let add = |conn: &mut DbConnection| -> Result<usize, StoreError> {
        Ok(diesel::update(key)
            .set(invite_tallies::n.eq(invite_tallies::n + n))
            .execute(conn)?)
    };
    if add(conn)? == 1 {
        return Ok(());
    }
    let row = (
        invite_tallies::unit_code.eq(unit),
        invite_tallies::day.eq(day),
        invite_tallies::route.eq(route),
        invite_tallies::outcome.eq(outcome),
        invite_tallies::n.eq(n),
    );
    let inserted = crate::on_backend!(&mut *conn, |c| diesel::insert_into(invite_tallies::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    // Another transaction made the row between the two statements: add to it.
    if inserted == 0 {
        add(conn)?;
    }
    Ok(())
}

/// A count as stored: unit, day, route, outcome, n.
pub type TallyRow = (String, NaiveDate, String, String, i64);

/// The counts of the days from `from` to `to` (inclusive): unit, day, route, outcome, n.
pub fn tallies_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TallyRow>, StoreError> {
    Ok(invite_tallies::table
        .filter(invite_tallies::day.ge(from))
        .filter(invite_tallies::day.le(to))
        .order((invite_tallies::unit_code, invite_tallies::day))
        .select((
            invite_tallies::unit_code,
            invite_tallies::day,
            invite_tallies::route,
            invite_tallies::outcome,
            invite_tallies::n,
        ))
        .load(conn)?)
}

/// When a number was sent invitations since `since`.
pub fn sent_since(
    conn: &mut DbConnection,
    number_hash: &str,
    since: NaiveDateTime,
) -> Result<Vec<NaiveDateTime>, StoreError> {
    Ok(invite_sends::table
        .filter(invite_sends::number_hash.eq(number_hash))
        .filter(invite_sends::sent_at.gt(since))
        .select(invite_sends::sent_at)
        .load(conn)?)
}

pub fn record_send(
    conn: &mut DbConnection,
    number_hash: &str,
    at: NaiveDateTime,
    outbox_id: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(invite_sends::table)
        .values((
            invite_sends::number_hash.eq(number_hash),
            invite_sends::sent_at.eq(at),
            invite_sends::outbox_id.eq(Some(outbox_id)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes back the sending recorded for an invitation being sent (it did not go, or a sender
/// was killed sending it and it is tried again).
pub fn unreserve(conn: &mut DbConnection, outbox_id: i64) -> Result<(), StoreError> {
    diesel::delete(invite_sends::table.filter(invite_sends::outbox_id.eq(Some(outbox_id))))
        .execute(conn)?;
    Ok(())
}

/// A sending made: it no longer names its invitation (whose row is gone).
pub fn settle(conn: &mut DbConnection, outbox_id: i64) -> Result<(), StoreError> {
    diesel::update(invite_sends::table.filter(invite_sends::outbox_id.eq(Some(outbox_id))))
        .set(invite_sends::outbox_id.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}

/// Forgets sendings older than every cap's window.
pub fn prune_sends(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(invite_sends::table.filter(invite_sends::sent_at.le(before)))
            .execute(conn)?,
    )
}

pub fn opted_out(conn: &mut DbConnection, number_hash: &str) -> Result<bool, StoreError> {
    Ok(invite_optouts::table
        .find(number_hash)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Puts a number on the opt-out list; `false` when it was on it already.
pub fn opt_out(
    conn: &mut DbConnection,
    number_hash: &str,
    day: NaiveDate,
) -> Result<bool, StoreError> {
    let n = crate::on_backend!(conn, |c| diesel::insert_into(invite_optouts::table)
        .values((
            invite_optouts::number_hash.eq(number_hash),
            invite_optouts::opted_on.eq(day),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Holds a number for the rest of the transaction (PostgreSQL: an advisory lock on its hash;
/// SQLite has one writer at a time already), so that two nodes checking its caps at once
/// take turns.
pub fn lock_number(conn: &mut DbConnection, number_hash: &str) -> Result<(), StoreError> {
    if let DbConnection::Pg(c) = conn {
        let key = number_hash
            .get(..16)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .map_or(0, |k| i64::from_ne_bytes(k.to_ne_bytes()));
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(key)
            .execute(c)?;
    }
    Ok(())
}

/// What is held about one number (by its keyed hash): the answer to its owner's access
/// request, and whether there is anything at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberHeld {
    /// When it was sent an invitation (within the caps' window).
    pub sent: Vec<NaiveDateTime>,
    /// Invitations waiting to be sent to it: unit, route.
    pub waiting: Vec<(String, String)>,
    /// Its unused invitations' codes: unit, issued day, end of validity.
    pub codes: Vec<(String, NaiveDate, NaiveDateTime)>,
    /// The day it asked for no more invitations.
    pub opted_on: Option<NaiveDate>,
}

impl NumberHeld {
    pub fn is_empty(&self) -> bool {
        *self == NumberHeld::default()
    }
}

pub fn held_about(conn: &mut DbConnection, number_hash: &str) -> Result<NumberHeld, StoreError> {
    use super::schema::tickets;
    Ok(NumberHeld {
        sent: invite_sends::table
            .filter(invite_sends::number_hash.eq(number_hash))
            .filter(invite_sends::outbox_id.is_null())
            .order(invite_sends::sent_at)
            .select(invite_sends::sent_at)
            .load(conn)?,
        waiting: invite_outbox::table
            .filter(invite_outbox::number_hash.eq(number_hash))
            .order(invite_outbox::id)
            .select((invite_outbox::unit_code, invite_outbox::route))
            .load(conn)?,
        codes: tickets::table
            .filter(tickets::number_hash.eq(number_hash))
            .order(tickets::issued_date)
            .select((
                tickets::unit_code,
                tickets::issued_date,
                tickets::expires_at,
            ))
            .load(conn)?,
        opted_on: invite_optouts::table
            .find(number_hash)
            .select(invite_optouts::opted_on)
            .get_result(conn)
            .optional()?,
    })
}

/// Forgets a number everywhere but the opt-out list: its sendings, its invitations not yet
/// sent (unit and route of each, to count them) and its unused codes' link to it.
pub fn forget_number(
    conn: &mut DbConnection,
    number_hash: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    use super::schema::tickets;
    diesel::delete(invite_sends::table.filter(invite_sends::number_hash.eq(number_hash)))
        .execute(conn)?;
    let pending = invite_outbox::table.filter(invite_outbox::number_hash.eq(number_hash));
    let dropped: Vec<(String, String)> = pending
        .select((invite_outbox::unit_code, invite_outbox::route))
        .load(conn)?;
    diesel::delete(pending).execute(conn)?;
    diesel::update(tickets::table.filter(tickets::number_hash.eq(number_hash)))
        .set(tickets::number_hash.eq(None::<String>))
        .execute(conn)?;
    Ok(dropped)
}
