//! Returned dossiers from the one-stop software (SPEC §11, issue 33): each row checked on its
//! own — a bad row is refused by its index with the reason, the others are taken — stored
//! once per dossier under its reference's keyed hash, and counted as the unit's dossiers of
//! the day it was returned.
//!
//! A dossier taken for the first time whose citizen agreed to be asked (`invite` and a
//! mobile number) queues one invitation (`service::invite`), in the same transaction; the
//! number is kept nowhere else, and nothing is kept of the consent.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::returned::{self, SentRow};
use crate::service::audit;
use crate::service::invite::{self, ToInvite};
use crate::store::dossiers::{self, DossierCountRow};
use crate::store::returned::{self as store_returned, ReturnedRow};
use crate::store::{DbConnection, Store, StoreError};

/// The most rows one call may send; rows past it are refused by their index.
pub const MAX_ROWS: usize = 1000;

/// The label of the references' keyed hashes (under the data key, outside the database).
pub const REF_LABEL: &str = "hailong/dossier-ref/v1";

/// What an import needs besides the rows: the data key and how invitations are sent.
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    pub key: &'a crate::secret::DataKey,
    pub invite: &'a crate::service::invite::InviteSettings,
}

/// What a call did: rows taken, rows already known (the same dossier sent before), and the
/// refused rows by their index (from 0) with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub taken: usize,
    pub already: usize,
    pub refused: Vec<(usize, String)>,
    /// Invitations queued for the citizens of the new dossiers who agreed.
    pub invited: usize,
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

/// The rows of a CSV export (UTF-8, with or without a byte-order mark, `;` or `,`), each a
/// dossier or the reason it is not one; an error when the header lacks a column.
pub fn rows_of_csv(text: &str) -> Result<Vec<Result<SentRow, String>>, String> {
    let text = crate::service::csv_input(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    for needed in [
        "ref",
        "unit",
        "received_on",
        "due_on",
        "returned_on",
        "channel",
    ] {
        if !header.iter().any(|h| h == needed) {
            return Err(format!(
                "the header has no column \"{needed}\" (ref,unit,procedure,received_on,due_on,returned_on,channel,phone,invite)"
            ));
        }
    }
    Ok(reader
        .deserialize::<CsvRow>()
        .map(|r| r.map(SentRow::from).map_err(|e| e.to_string()))
        .collect())
}

/// A CSV line: every field text, `invite` as true/false/1/0/yes/no/có/không or empty.
#[derive(serde::Deserialize)]
struct CsvRow {
    #[serde(rename = "ref")]
    reference: String,
    unit: String,
    #[serde(default)]
    procedure: Option<String>,
    received_on: String,
    due_on: String,
    returned_on: String,
    channel: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    invite: Option<String>,
}

impl From<CsvRow> for SentRow {
    fn from(r: CsvRow) -> SentRow {
        let invite = r
            .invite
            .as_deref()
            .map(str::trim)
            .map(|v| matches!(v.to_lowercase().as_str(), "true" | "1" | "yes" | "có"));
        let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        SentRow {
            reference: r.reference,
            unit: r.unit,
            procedure: blank(r.procedure),
            received_on: r.received_on,
            due_on: r.due_on,
            returned_on: r.returned_on,
            channel: r.channel,
            phone: blank(r.phone),
            invite,
        }
    }
}

/// Takes the rows that are good (a row sent as `Err` is refused with its reason). `scope`:
/// the caller's unit (a unit's token), or none for every unit.
pub fn import(
    store: &Store,
    keys: Keys<'_>,
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
            Ok(r) => {
                let person = r.phone.clone().filter(|_| r.invite).map(|phone| ToInvite {
                    unit: r.unit.clone(),
                    phone,
                });
                let row = ReturnedRow {
                    ref_hash: ref_hash(keys.key, &r.reference),
                    unit_code: r.unit,
                    procedure_code: r.procedure,
                    received_on: r.received_on,
                    due_on: r.due_on,
                    returned_on: r.returned_on,
                    channel: r.channel.as_str().to_string(),
                };
                good.push((row, person));
            }
            Err(reason) => outcome.refused.push((index, reason)),
        }
    }
    let target = format!("{} rows", rows.len());
    let ((taken, already), invited) = store.write(|c| -> Result<_, StoreError> {
        let (counted, people) = store_rows(c, good)?;
        let invited = invite::queue(c, keys.invite, keys.key, people, now)?;
        audit::write(c, now, actor, "dossiers.returned", &target, "ok")?;
        Ok((counted, invited))
    })?;
    outcome.taken = taken;
    outcome.already = already;
    outcome.invited = invited;
    Ok(outcome)
}

/// A dossier checked, and the citizen to invite when they agreed.
type Good = (ReturnedRow, Option<ToInvite>);

/// Stores the new rows and sets the dossier count of every day they touch to the number of
/// dossiers returned that day; (taken, already known) and the citizens of the new rows to
/// invite (a dossier sent again invites no one again).
fn store_rows(
    conn: &mut DbConnection,
    rows: Vec<Good>,
) -> Result<((usize, usize), Vec<ToInvite>), StoreError> {
    let (mut taken, mut already) = (0, 0);
    let mut days: BTreeSet<(String, NaiveDate)> = BTreeSet::new();
    let mut people = Vec::new();
    for (row, person) in rows {
        if store_returned::insert_new(conn, &row)? {
            taken += 1;
            days.insert((row.unit_code.clone(), row.returned_on));
            people.extend(person);
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
    Ok(((taken, already), people))
}

/// A dossier reference as stored: HMAC-SHA256 under the installation's key, in hex. The same
/// reference gives the same hash (a call sent twice changes nothing); the reference itself
/// is not kept.
pub fn ref_hash(key: &crate::secret::DataKey, reference: &str) -> String {
    key.hash(REF_LABEL, reference.trim().as_bytes())
}

/// Per unit, the dossiers returned in the days from `from` to `to` and how many on time.
pub fn timeliness(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::BTreeMap<String, returned::Timeliness>, StoreError> {
    Ok(store
        .read(|c| store_returned::timeliness_between(c, from, to))?
        .into_iter()
        .map(|(unit, n, on_time)| {
            let t = returned::Timeliness {
                returned: n.unsigned_abs(),
                on_time: on_time.unsigned_abs(),
            };
            (unit, t)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_hashes_the_same_each_time_and_differs_by_key() {
        let (k1, k2) = (
            crate::secret::DataKey::from_bytes([1; 32]),
            crate::secret::DataKey::from_bytes([2; 32]),
        );
        let (a, b) = (
            ref_hash(&k1, "000.00.12.H29-1"),
            ref_hash(&k1, " 000.00.12.H29-1 "),
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(a, ref_hash(&k2, "000.00.12.H29-1"));
        assert!(!a.contains("H29"));
    }
}
