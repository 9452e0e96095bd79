//! The counters open now: which officer sits at which counter of a unit.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{counter_sessions, users};
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = counter_sessions)]
pub struct CounterSession {
    pub unit_code: String,
    pub counter: String,
    pub officer_id: i64,
    pub opened_at: NaiveDateTime,
}

/// Opens a counter for an officer: whatever the officer had open, and whoever had this
/// counter open, is closed first. The sessions closed (the officer's own, another's).
pub fn open(
    conn: &mut DbConnection,
    row: &CounterSession,
) -> Result<Vec<CounterSession>, StoreError> {
    let mine = counter_sessions::officer_id.eq(row.officer_id);
    let here = counter_sessions::unit_code
        .eq(&row.unit_code)
        .and(counter_sessions::counter.eq(&row.counter));
    let closed: Vec<CounterSession> = counter_sessions::table
        .filter(mine.or(here))
        .select(CounterSession::as_select())
        .load(conn)?;
    diesel::delete(counter_sessions::table.filter(mine.or(here))).execute(conn)?;
    diesel::insert_into(counter_sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(closed)
}

/// Closes the officer's counter; the session closed, if one was open.
pub fn close(
    conn: &mut DbConnection,
    officer_id: i64,
) -> Result<Option<CounterSession>, StoreError> {
    let open = of_officer(conn, officer_id)?;
    diesel::delete(counter_sessions::table.filter(counter_sessions::officer_id.eq(officer_id)))
        .execute(conn)?;
    Ok(open)
}

/// The counter an officer has open.
pub fn of_officer(
    conn: &mut DbConnection,
    officer_id: i64,
) -> Result<Option<CounterSession>, StoreError> {
    Ok(counter_sessions::table
        .filter(counter_sessions::officer_id.eq(officer_id))
        .select(CounterSession::as_select())
        .get_result(conn)
        .optional()?)
}

/// Who has this counter open.
pub fn at(
    conn: &mut DbConnection,
    unit: &str,
    counter: &str,
) -> Result<Option<CounterSession>, StoreError> {
    Ok(counter_sessions::table
        .filter(counter_sessions::unit_code.eq(unit))
        .filter(counter_sessions::counter.eq(counter))
        .select(CounterSession::as_select())
        .get_result(conn)
        .optional()?)
}

/// The counters open in a unit (all units: None), with their officers' names.
pub fn list(
    conn: &mut DbConnection,
    unit: Option<&str>,
) -> Result<Vec<(CounterSession, String)>, StoreError> {
    let q = counter_sessions::table
        .inner_join(users::table.on(users::id.eq(counter_sessions::officer_id)))
        .order((counter_sessions::unit_code, counter_sessions::counter))
        .select((
            CounterSession::as_select(),
            users::username,
            users::display_name,
        ));
    let rows: Vec<(CounterSession, String, String)> = match unit {
        Some(u) => q.filter(counter_sessions::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    };
    // The name staff pages show: the display name, else the login.
    Ok(rows
        .into_iter()
        .map(|(s, login, name)| (s, super::users::shown(&login, &name).to_string()))
        .collect())
}

/// Removes the sessions opened before `before` (the 12-hour close); how many.
pub fn expire(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(counter_sessions::table.filter(counter_sessions::opened_at.lt(before)))
            .execute(conn)?,
    )
}

/// Notes that `by` took `counter` over from `from` on `day` (the day only).
pub fn note_takeover(
    conn: &mut DbConnection,
    day: chrono::NaiveDate,
    unit: &str,
    counter: &str,
    by: i64,
    from: i64,
) -> Result<(), StoreError> {
    use super::schema::counter_takeovers as t;
    diesel::insert_into(t::table)
        .values((
            t::day.eq(day),
            t::unit_code.eq(unit),
            t::counter.eq(counter),
            t::taken_by.eq(by),
            t::taken_from.eq(from),
            t::seen.eq(false),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether an officer has take-overs they were not told of (a read, before any write).
pub fn any_untold(conn: &mut DbConnection, officer_id: i64) -> Result<bool, StoreError> {
    use super::schema::counter_takeovers as t;
    Ok(diesel::select(diesel::dsl::exists(
        t::table
            .filter(t::taken_from.eq(officer_id))
            .filter(t::seen.eq(false)),
    ))
    .get_result(conn)?)
}

/// The take-overs of an officer's counters they have not been told of: day, counter, and
/// who took it; marked told.
pub fn untold_takeovers(
    conn: &mut DbConnection,
    officer_id: i64,
) -> Result<Vec<(chrono::NaiveDate, String, String)>, StoreError> {
    use super::schema::counter_takeovers as t;
    let untold = t::table
        .filter(t::taken_from.eq(officer_id))
        .filter(t::seen.eq(false));
    let rows: Vec<(chrono::NaiveDate, String, String, String)> = untold
        .inner_join(users::table.on(users::id.eq(t::taken_by)))
        .order((t::day, t::counter))
        .select((t::day, t::counter, users::username, users::display_name))
        .load(conn)?;
    let found: Vec<(chrono::NaiveDate, String, String)> = rows
        .into_iter()
        .map(|(day, counter, login, name)| {
            (day, counter, super::users::shown(&login, &name).to_string())
        })
        .collect();
    if !found.is_empty() {
        diesel::update(untold).set(t::seen.eq(true)).execute(conn)?;
    }
    Ok(found)
}

/// A take-over as stored: unit, day, counter, who took it, from whom.
pub type TakeoverRow = (String, chrono::NaiveDate, String, i64, i64);

/// The take-overs of the days `from`..=`to` (of one unit), per day and counter.
pub fn takeovers_between(
    conn: &mut DbConnection,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<TakeoverRow>, StoreError> {
    use super::schema::counter_takeovers as t;
    let q = t::table
        .filter(t::day.between(from, to))
        .order((t::unit_code, t::day, t::counter))
        .select((t::unit_code, t::day, t::counter, t::taken_by, t::taken_from));
    Ok(match unit {
        Some(u) => q.filter(t::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    })
}
