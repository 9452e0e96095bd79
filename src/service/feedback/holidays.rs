//! The calendar's holidays and the subjects each unit offers.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{audit_refusal, subjects_of, FeedbackError};
use crate::domain::feedback;
use crate::domain::local_date;
use crate::domain::unit::Unit;
use crate::service::access::{self, Action, Caller, Denied};
use crate::service::users::Staff;
use crate::service::{audit, units};
use crate::store::feedback as fb;
use crate::store::{Store, StoreError};

/// The most holidays the list may hold from today on (about ten years of them).
pub const HOLIDAYS_MAX: usize = 200;
/// The longest holiday name kept (longer ones are cut).
pub const HOLIDAY_NAME_MAX: usize = 100;

/// Sets the holidays from CSV `date,name` (a header line is optional): the days after today
/// become exactly those listed (a day left out is taken away, a day listed again renamed).
/// A day that has passed may stay listed (or be renamed) but is never added or taken away:
/// deadlines already counted over it, and the figures published from them, do not move.
/// Dates are `YYYY-MM-DD` in 2000–2100; all or nothing, the first bad line named; every
/// refusal is written to the audit log.
pub fn import_holidays_by(
    store: &Store,
    staff: &Staff,
    text: &str,
    now: DateTime<Utc>,
) -> Result<usize, FeedbackError> {
    let result = import_holidays(store, staff, text, now);
    audit_refusal(store, staff, "holidays.import", "", now, result)
}

fn import_holidays(
    store: &Store,
    staff: &Staff,
    text: &str,
    now: DateTime<Utc>,
) -> Result<usize, FeedbackError> {
    if !access::role_may(staff.role, Action::ManageUnits) {
        return Err(Denied::Role("only an admin may import holidays").into());
    }
    let today = local_date(now);
    let stored: BTreeMap<NaiveDate, String> = store.read(fb::holidays)?.into_iter().collect();
    let text = crate::service::csv_input(text);
    let mut days: BTreeMap<NaiveDate, String> = BTreeMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let line = i + 1;
        let rec = rec.map_err(|e| FeedbackError::BadInput(format!("line {line}: {e}")))?;
        let day = rec.get(0).unwrap_or_default().trim();
        if line == 1 && day.eq_ignore_ascii_case("date") {
            continue;
        }
        if day.is_empty() && rec.len() <= 1 {
            continue;
        }
        let date = holiday_date(day, line)?;
        if date <= today && !stored.contains_key(&date) {
            return Err(FeedbackError::HolidayPast {
                line,
                value: day.to_string(),
            });
        }
        let name: String = rec
            .get(1)
            .unwrap_or_default()
            .trim()
            .chars()
            .take(HOLIDAY_NAME_MAX)
            .collect();
        days.insert(date, name);
        if days.range(today..).count() > HOLIDAYS_MAX {
            return Err(FeedbackError::HolidayTooMany(HOLIDAYS_MAX));
        }
    }
    // Days that have passed and are not in the text stay; future ones not in it go.
    let removed: Vec<NaiveDate> = stored
        .keys()
        .filter(|d| **d > today && !days.contains_key(d))
        .copied()
        .collect();
    let changed: Vec<(NaiveDate, String)> = days
        .iter()
        .filter(|(d, n)| stored.get(d) != Some(n))
        .map(|(d, n)| (*d, n.clone()))
        .collect();
    let n = days.len();
    let target = format!(
        "{n} days listed, {} added or renamed, {} taken away",
        changed.len(),
        removed.len()
    );
    store.write(|c| -> Result<(), StoreError> {
        fb::delete_holidays(c, &removed)?;
        fb::put_holidays(c, &changed)?;
        audit::write(c, now, &staff.username, "holidays.import", &target, "ok")
    })?;
    store.forget("holidays");
    Ok(n)
}

pub fn holidays(store: &Store) -> Result<Vec<(NaiveDate, String)>, StoreError> {
    store.read(fb::holidays)
}

/// The units whose subjects a member of staff may set, the one shown (`chosen` if allowed,
/// else the first) and its subjects.
pub fn subjects_for(
    store: &Store,
    staff: &Staff,
    chosen: Option<String>,
) -> Result<(Vec<Unit>, String, Vec<String>), FeedbackError> {
    let caller = Caller::Staff(staff.clone());
    let units: Vec<Unit> = units::list(store)?
        .into_iter()
        .filter(|u| {
            access::unit_for(&caller, Action::HandleFeedback, Some(u.code.as_str())).is_ok()
        })
        .collect();
    let unit = chosen
        .filter(|c| units.iter().any(|u| u.code.as_str() == c))
        .or_else(|| units.first().map(|u| u.code.to_string()))
        .unwrap_or_default();
    let current = subjects_of(store, &unit)?;
    Ok((units, unit, current))
}

/// Sets the subjects a unit offers (one per line; empty: the default list).
pub fn set_subjects_by(
    store: &Store,
    staff: &Staff,
    unit: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<usize, FeedbackError> {
    access::unit_for(
        &Caller::Staff(staff.clone()),
        Action::HandleFeedback,
        Some(unit),
    )?;
    if units::cached(store, unit)?.is_none() {
        return Err(FeedbackError::UnknownUnit(unit.to_string()));
    }
    let mut list: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let s = line.trim();
        if s.is_empty() {
            continue;
        }
        if s.chars().count() > feedback::SUBJECT_MAX || s == feedback::OTHER {
            return Err(FeedbackError::SubjectLine(i + 1));
        }
        if !list.iter().any(|x| x == s) {
            list.push(s.to_string());
        }
    }
    let n = list.len();
    store.write(|c| -> Result<(), StoreError> {
        fb::set_subjects(c, unit, &list)?;
        audit::write(c, now, &staff.username, "feedback.subjects", unit, "ok")
    })?;
    Ok(n)
}

/// A holiday's date as the list writes it: `YYYY-MM-DD` exactly, in 2000–2100.
fn holiday_date(day: &str, line: usize) -> Result<NaiveDate, FeedbackError> {
    let bad = || FeedbackError::HolidayLine {
        line,
        value: day.chars().take(40).collect(),
    };
    let strict = day.len() == 10
        && day.bytes().enumerate().all(|(k, b)| {
            if k == 4 || k == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !strict {
        return Err(bad());
    }
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .ok_or_else(&bad)?;
    if !(2000..=2100).contains(&chrono::Datelike::year(&date)) {
        return Err(bad());
    }
    Ok(date)
}
