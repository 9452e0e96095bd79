//! Returned dossiers from the one-stop software (SPEC §11, issue 33): each row checked on its
//! own — a bad row is refused by its index with the reason, the others are taken — stored
//! once per dossier under its reference's keyed hash, and counted as the unit's dossiers of
//! the day it was returned.
//!
//! The phone number and the citizen's consent are checked here; invitations (which would
//! use them) are not built yet, so no number is kept.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::returned::{self, SentRow};
use crate::service::audit;
use crate::store::dossiers::{self, DossierCountRow};
use crate::store::returned::{self as store_returned, ReturnedRow};
use crate::store::{DbConnection, Store, StoreError};

/// The most rows one call may send; rows past it are refused by their index.
pub const MAX_ROWS: usize = 1000;

/// The setting that holds the key of the references' hashes (made on first use).
pub const REF_KEY: &str = "returned_ref_key";

/// What a call did: rows taken, rows already known (the same dossier sent before), and the
/// refused rows by their index (from 0) with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub taken: usize,
    pub already: usize,
    pub refused: Vec<(usize, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReturnedError {
    /// A row names a unit the caller may not write for: nothing is taken.
    #[error("row {index}: this token may not send dossiers of unit \"{unit}\"")]
    OtherUnit { index: usize, unit: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The rows of a JSON array, each a dossier or the reason it is not one; an error when the
/// body is not an array.
pub fn rows_of_json(text: &str) -> Result<Vec<Result<SentRow, String>>, String> {
    let items: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| format!("the body is not a JSON array of returned dossiers: {e}"))?;
    Ok(items
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(|e| e.to_string()))
        .collect())
}

/// Takes the rows that are good (a row sent as `Err` is refused with its reason). `scope`:
/// the caller's unit (a unit's token), or none for every unit.
pub fn import(
    store: &Store,
    rows: &[Result<SentRow, String>],
    scope: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, ReturnedError> {
    if let Some(scope) = scope {
        let other = rows.iter().enumerate().find_map(|(index, r)| {
            let r = r.as_ref().ok()?;
            (r.unit.trim() != scope).then_some((index, r))
        });
        if let Some((index, row)) = other {
            return Err(ReturnedError::OtherUnit {
                index,
                unit: row.unit.trim().to_string(),
            });
        }
    }
    let key = crate::service::users::stored_secret(store, REF_KEY)?;
    let known: BTreeSet<String> = crate::service::units::list(store)?
        .into_iter()
        .map(|u| u.code.to_string())
        .collect();
    let mut outcome = Outcome::default();
    let mut good = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if index >= MAX_ROWS {
            outcome
                .refused
                .push((index, format!("at most {MAX_ROWS} rows a call")));
            continue;
        }
        let checked = row.as_ref().map_err(Clone::clone).and_then(returned::check);
        match checked {
            Ok(r) if !known.contains(&r.unit) => outcome
                .refused
                .push((index, format!("unit \"{}\" is not known", r.unit))),
            Ok(r) => good.push(ReturnedRow {
                ref_hash: ref_hash(&key, &r.reference),
                unit_code: r.unit,
                procedure_code: r.procedure,
                received_on: r.received_on,
                due_on: r.due_on,
                returned_on: r.returned_on,
                channel: r.channel.as_str().to_string(),
                invite: r.invite,
            }),
            Err(reason) => outcome.refused.push((index, reason)),
        }
    }
    let target = format!("{} rows", rows.len());
    let (taken, already) = store.write(|c| -> Result<(usize, usize), StoreError> {
        let counted = store_rows(c, &good)?;
        audit::write(c, now, actor, "dossiers.returned", &target, "ok")?;
        Ok(counted)
    })?;
    outcome.taken = taken;
    outcome.already = already;
    Ok(outcome)
}

/// Stores the new rows and sets the dossier count of every day they touch to the number of
/// dossiers returned that day; (taken, already known).
fn store_rows(conn: &mut DbConnection, rows: &[ReturnedRow]) -> Result<(usize, usize), StoreError> {
    let (mut taken, mut already) = (0, 0);
    let mut days: BTreeSet<(String, NaiveDate)> = BTreeSet::new();
    for row in rows {
        if store_returned::insert_new(conn, row)? {
            taken += 1;
            days.insert((row.unit_code.clone(), row.returned_on));
        } else {
            already += 1;
        }
    }
    for (unit_code, day) in days {
        let n = store_returned::returned_on(conn, &unit_code, day)?;
        dossiers::replace(
            conn,
            &DossierCountRow {
                unit_code,
                day,
                dossiers: i32::try_from(n).unwrap_or(i32::MAX),
                synthetic: false,
            },
        )?;
    }
    Ok((taken, already))
}

/// A dossier reference as stored: HMAC-SHA256 under the installation's key, in hex. The same
/// reference gives the same hash (a call sent twice changes nothing); the reference itself
/// is not kept.
pub fn ref_hash(key: &[u8], reference: &str) -> String {
    crate::secret::hmac_sha256_hex(key, reference.trim().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_hashes_the_same_each_time_and_differs_by_key() {
        let hash = ref_hash;
        let (a, b) = (
            hash(b"k1", "000.00.12.H29-1"),
            hash(b"k1", " 000.00.12.H29-1 "),
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(a, hash(b"k2", "000.00.12.H29-1"));
        assert!(!a.contains("H29"));
    }
}
