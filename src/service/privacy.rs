//! Personal data (SPEC §13, issue 34): the record of processing the running service works
//! under. The service stores the register it starts with, so that `hailong privacy register`
//! prints what the service runs by, not what the command line would guess.

use crate::domain::personal::{Processing, Register};
use crate::store::{meta, Store, StoreError};

/// The settings key of the register the service last started with.
const STORED: &str = "privacy.register";

/// The register of `p`, stored as the running one.
pub fn start_with(store: &Store, p: &Processing) -> Result<Register, StoreError> {
    let register = Register::of(p);
    let json = serde_json::to_string(&register)
        .map_err(|e| StoreError::writer("(the privacy register)", Some(crate::store::cause(e))))?;
    store.write(|c| meta::set_setting(c, STORED, &json))?;
    Ok(register)
}

/// The register the service last started with (its JSON), if it has started.
pub fn stored(store: &Store) -> Result<Option<String>, StoreError> {
    store.read(|c| meta::setting(c, STORED))
}

use chrono::{DateTime, Utc};

use crate::domain::personal::{check_breach, BreachProblem};
use crate::service::users::Staff;
pub use crate::store::privacy::BreachRow;
use crate::store::privacy::{self as store_privacy, NewBreach};

#[derive(Debug, thiserror::Error)]
pub enum BreachError {
    #[error("breaches are recorded by admins")]
    NotAdmin,
    #[error("the breach cannot be recorded as typed")]
    Invalid(Vec<BreachProblem>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn admin(staff: &Staff) -> Result<(), BreachError> {
    if staff.role == crate::domain::user::Role::Admin {
        Ok(())
    } else {
        Err(BreachError::NotAdmin)
    }
}

/// What an admin typed about a breach: checked, stored and audited (without its text).
pub fn record_breach(
    store: &Store,
    staff: &Staff,
    fields: [&str; 4],
    now: DateTime<Utc>,
) -> Result<i64, BreachError> {
    admin(staff)?;
    let [found_at, what, people, measures] = fields;
    let b = check_breach(found_at, what, people, measures, now).map_err(BreachError::Invalid)?;
    let row = NewBreach {
        found_at: b.found_at.naive_utc(),
        what: b.what,
        people: b.people,
        measures: b.measures,
        recorded_by: staff.username.clone(),
        recorded_at: now.naive_utc(),
    };
    Ok(store.write(|c| -> Result<i64, StoreError> {
        let id = store_privacy::insert_breach(c, &row)?;
        let target = format!("breach #{id}: {} people", row.people);
        crate::service::audit::write(
            c,
            now,
            &staff.username,
            "privacy.breach",
            &target,
            "recorded",
        )?;
        Ok(id)
    })?)
}

/// The authority was notified of breach `id` (once).
pub fn breach_notified(
    store: &Store,
    staff: &Staff,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, BreachError> {
    admin(staff)?;
    Ok(store.write(|c| -> Result<bool, StoreError> {
        let done = store_privacy::mark_notified(c, id, now.naive_utc())?;
        if done {
            let target = format!("breach #{id}");
            crate::service::audit::write(
                c,
                now,
                &staff.username,
                "privacy.breach_notified",
                &target,
                "ok",
            )?;
        }
        Ok(done)
    })?)
}

/// The breaches, newest first (admins).
pub fn breaches(store: &Store, staff: &Staff) -> Result<Vec<BreachRow>, BreachError> {
    admin(staff)?;
    Ok(store.read(|c| store_privacy::breaches(c, 200))?)
}

/// The breaches not notified yet, for the admins' dashboard.
pub fn unnotified(store: &Store) -> Result<Vec<BreachRow>, StoreError> {
    store.read(store_privacy::unnotified)
}
