//! Counters open now (METHODOLOGY "Officers and counters"): an officer opens the counter they
//! sit at, and the desk ratings of its tablets go to them until they close it, open another,
//! sign out, are disabled, or 12 hours pass. Another officer opening the same counter takes it
//! over (the one sitting there is the one rated).
//!
//! Only the open counters are stored: closing deletes the row, so no stored time places a
//! rating within its day (a rating keeps its day and its officer, nothing finer).

use chrono::{DateTime, Duration, Utc};

use crate::domain::user::Role;
use crate::service::users::Staff;
use crate::store::counters as store_counters;
pub use crate::store::counters::CounterSession;
use crate::store::{kiosks as store_kiosks, DbConnection, Store, StoreError};

/// A counter left open closes by itself after this many hours.
pub const OPEN_HOURS: i64 = 12;

#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    #[error("counters are opened by a unit's officers")]
    NotAnOfficer,
    #[error("\"{0}\" is not a counter of your unit with a rating tablet")]
    UnknownCounter(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn oldest_open(now: DateTime<Utc>) -> chrono::NaiveDateTime {
    (now - Duration::hours(OPEN_HOURS)).naive_utc()
}

/// The officer a rating tapped at `tap` and arriving at `now` goes to: the one who has this
/// counter open now (a session older than 12 hours is closed) and had opened it by the tap.
/// A tap from before the current holder opened it (a queue sent late, after a take-over or a
/// closing) goes to nobody (METHODOLOGY "Officers and counters").
pub fn holder(
    conn: &mut DbConnection,
    unit: &str,
    counter: &str,
    tap: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    Ok(store_counters::at(conn, unit, counter)?
        .filter(|s| s.opened_at >= oldest_open(now) && s.opened_at <= tap.naive_utc())
        .map(|s| s.officer_id))
}

/// The counters of an officer's unit that have a tablet (not revoked), by name.
pub fn counters_of(store: &Store, staff: &Staff) -> Result<Vec<String>, StoreError> {
    let Some(unit) = staff
        .unit
        .as_deref()
        .filter(|_| staff.role == Role::Officer)
    else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = store
        .read(|c| store_kiosks::list(c, Some(unit)))?
        .into_iter()
        .filter(|k| k.revoked_at.is_none())
        .map(|k| k.counter)
        .collect();
    names.dedup();
    Ok(names)
}

/// What opening a counter did: the session, and the officer it was taken over from.
#[derive(Debug, Clone)]
pub struct Opened {
    pub session: CounterSession,
    pub taken_from: Option<String>,
}

/// Opens a counter of the officer's unit for them.
pub fn open(
    store: &Store,
    staff: &Staff,
    counter: &str,
    now: DateTime<Utc>,
) -> Result<Opened, CounterError> {
    let unit = match (staff.role, staff.unit.as_deref()) {
        (Role::Officer, Some(u)) => u.to_string(),
        _ => return Err(CounterError::NotAnOfficer),
    };
    let counter = counter.trim();
    if !counters_of(store, staff)?.iter().any(|c| c == counter) {
        return Err(CounterError::UnknownCounter(
            counter.chars().take(40).collect(),
        ));
    }
    let session = CounterSession {
        unit_code: unit,
        counter: counter.to_string(),
        officer_id: staff.id,
        opened_at: now.naive_utc(),
    };
    store.write(|c| -> Result<Opened, CounterError> {
        store_counters::expire(c, oldest_open(now))?;
        let closed = store_counters::open(c, &session)?;
        let other: Vec<i64> = closed
            .iter()
            .filter(|s| s.officer_id != staff.id)
            .map(|s| s.officer_id)
            .collect();
        // A take-over is told to the officer displaced and audited, with its day only: no
        // stored time places a rating between two holders.
        let day = crate::domain::local_date(now);
        for from in &other {
            store_counters::note_takeover(c, day, &session.unit_code, counter, staff.id, *from)?;
            let names = crate::store::users::names(c, &[*from])?;
            let target = format!(
                "{} {} {day} from {}",
                session.unit_code,
                counter,
                names.first().map_or("?", |(_, n)| n.as_str())
            );
            crate::service::audit::write(
                c,
                day_start(day),
                &staff.username,
                "counter.takeover",
                &target,
                "ok",
            )?;
        }
        let taken_from = crate::store::users::shown_names(c, &other)?
            .into_iter()
            .map(|(_, name)| name)
            .next();
        Ok(Opened {
            session: session.clone(),
            taken_from,
        })
    })
}

/// The first instant of a local day, as the audit log's time of a day-only event.
fn day_start(day: chrono::NaiveDate) -> DateTime<Utc> {
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    local
        .and_local_timezone(crate::domain::local_offset())
        .single()
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

/// The take-overs of this officer's counters they were not told of yet (told now): day,
/// counter, and who took it.
pub fn untold_takeovers(
    store: &Store,
    staff: &Staff,
) -> Result<Vec<(chrono::NaiveDate, String, String)>, StoreError> {
    if staff.role != Role::Officer || !store.read(|c| store_counters::any_untold(c, staff.id))? {
        return Ok(Vec::new());
    }
    store.write(|c| store_counters::untold_takeovers(c, staff.id))
}

/// Closes the officer's counter; the counter closed, if one was open.
pub fn close(store: &Store, staff: &Staff) -> Result<Option<String>, StoreError> {
    Ok(store
        .write(|c| store_counters::close(c, staff.id))?
        .map(|s| s.counter))
}

/// The counter an officer has open now.
pub fn current(
    store: &Store,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<Option<CounterSession>, StoreError> {
    Ok(store
        .read(|c| store_counters::of_officer(c, staff.id))?
        .filter(|s| s.opened_at >= oldest_open(now)))
}

/// The counters open now in a unit (all units: None), with their officers' names.
pub fn open_now(
    store: &Store,
    unit: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<(CounterSession, String)>, StoreError> {
    let oldest = oldest_open(now);
    Ok(store
        .read(|c| store_counters::list(c, unit))?
        .into_iter()
        .filter(|(s, _)| s.opened_at >= oldest)
        .collect())
}
