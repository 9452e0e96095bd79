//! The release calendar (issue 37, SPEC §14): when each quarter's results are due — its end
//! plus `--publish-after-days`, or a day an admin set — and whether they came out on time.
//! Public pages list the next dates; the dashboard warns admins three days before and once a
//! date has passed; a release published late says by how many days.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::local_offset;
use crate::domain::period::{Period, Scheme};
use crate::domain::user::Role;
use crate::service::users::Staff;
use crate::store::{calendar as store_calendar, publications, Store, StoreError};

/// Who issues the results, how to reach them, and the calendar's default delay.
#[derive(Debug, Clone, Default)]
pub struct Publishing {
    pub publisher: String,
    pub contact: String,
    pub after_days: i64,
}

/// Where a period's release stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseState {
    /// Not published; due in this many days (0: today).
    Upcoming(i64),
    /// Not published; due this many days ago.
    Overdue(i64),
    /// First published on this day, this many days after the date (0: on time).
    Published(NaiveDate, i64),
}

/// A period of the calendar.
#[derive(Debug, Clone)]
pub struct Release {
    pub period: Period,
    pub due_on: NaiveDate,
    /// The date was set by an admin (else the default).
    pub set: bool,
    pub state: ReleaseState,
}

/// Days the dashboard warns before a date.
pub const WARN_DAYS: i64 = 3;

/// The default date of a period: its end plus the delay.
pub fn default_due(period: &Period, after_days: i64) -> NaiveDate {
    period.end + chrono::Duration::days(after_days)
}

/// A release's state on `today`, from its date and its first publication's day.
pub fn state_of(
    due_on: NaiveDate,
    first_published: Option<NaiveDate>,
    today: NaiveDate,
) -> ReleaseState {
    match first_published {
        Some(on) => ReleaseState::Published(on, (on - due_on).num_days().max(0)),
        None if due_on < today => ReleaseState::Overdue((today - due_on).num_days()),
        None => ReleaseState::Upcoming((due_on - today).num_days()),
    }
}

/// The calendar around `today`: the quarters from two before today's to the next one, and
/// any other period an admin set a date for within them; by date.
pub fn calendar(
    store: &Store,
    scheme: Scheme,
    after_days: i64,
    today: NaiveDate,
) -> Result<Vec<Release>, StoreError> {
    let set = store.read(|c| store_calendar::set_dates(c, scheme.as_str()))?;
    let firsts = first_publications(store, scheme)?;
    let mut periods: Vec<Period> = Vec::new();
    if let Ok(now) = Period::quarter_containing(today, scheme) {
        let next = Period::quarter_containing(now.end + chrono::Duration::days(1), scheme).ok();
        let mut p = now.clone();
        periods.extend(next);
        periods.push(now);
        for _ in 0..2 {
            match p.previous() {
                Ok(prev) => {
                    periods.push(prev.clone());
                    p = prev;
                }
                Err(_) => break,
            }
        }
    }
    let earliest = periods.iter().map(|p| p.start).min();
    let latest = periods.iter().map(|p| p.end).max();
    for label in set.keys() {
        if let Ok(p) = Period::parse(label, scheme) {
            let within = earliest.is_some_and(|e| p.end >= e) && latest.is_some_and(|l| p.end <= l);
            if within && !periods.iter().any(|q| q.label == p.label) {
                periods.push(p);
            }
        }
    }
    let mut out: Vec<Release> = periods
        .into_iter()
        .map(|period| {
            let (due_on, was_set) = match set.get(&period.label) {
                Some(d) => (*d, true),
                None => (default_due(&period, after_days), false),
            };
            let state = state_of(due_on, firsts.get(&period.label).copied(), today);
            Release {
                period,
                due_on,
                set: was_set,
                state,
            }
        })
        .collect();
    out.sort_by_key(|r| (r.due_on, r.period.days()));
    Ok(out)
}

/// Each published period's first publication day (local).
fn first_publications(
    store: &Store,
    scheme: Scheme,
) -> Result<std::collections::HashMap<String, NaiveDate>, StoreError> {
    let mut firsts = std::collections::HashMap::new();
    for row in store.read(|c| publications::list_all(c, scheme.as_str()))? {
        let day = row
            .published_at
            .and_utc()
            .with_timezone(&local_offset())
            .date_naive();
        firsts
            .entry(row.period_label)
            .and_modify(|d: &mut NaiveDate| *d = (*d).min(day))
            .or_insert(day);
    }
    Ok(firsts)
}

/// A period's date and when it was first published (for a report's footer).
pub fn release_of(
    store: &Store,
    publishing: &Publishing,
    period: &Period,
    today: NaiveDate,
) -> Result<Release, StoreError> {
    let set = store.read(|c| store_calendar::set_dates(c, period.scheme.as_str()))?;
    let first = first_publications(store, period.scheme)?
        .get(&period.label)
        .copied();
    let (due_on, was_set) = match set.get(&period.label) {
        Some(d) => (*d, true),
        None => (default_due(period, publishing.after_days), false),
    };
    Ok(Release {
        period: period.clone(),
        due_on,
        set: was_set,
        state: state_of(due_on, first, today),
    })
}

/// What the dashboard warns an admin of: releases due within `WARN_DAYS` or past their date.
pub fn warnings(releases: &[Release]) -> Vec<&Release> {
    releases
        .iter()
        .filter(|r| match r.state {
            ReleaseState::Upcoming(d) => d <= WARN_DAYS,
            ReleaseState::Overdue(_) => true,
            ReleaseState::Published(..) => false,
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("only an admin may set the release calendar")]
    NotAdmin,
    #[error("not a period: {0}")]
    Period(String),
    #[error("not a date: {0} (use YYYY-MM-DD)")]
    Date(String),
    #[error("the results of {0} cannot be due before the period has ended ({1})")]
    BeforeEnd(String, NaiveDate),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sets a period's date (admins); refused before the period ends. Audited.
pub fn set_date(
    store: &Store,
    staff: &Staff,
    scheme: Scheme,
    (label, day): (&str, &str),
    now: DateTime<Utc>,
) -> Result<Period, CalendarError> {
    if staff.role != Role::Admin {
        return Err(CalendarError::NotAdmin);
    }
    let period = Period::parse(label.trim(), scheme)
        .map_err(|_e| CalendarError::Period(label.trim().to_string()))?;
    let due_on = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_e| CalendarError::Date(day.trim().to_string()))?;
    if due_on <= period.end {
        return Err(CalendarError::BeforeEnd(period.label, period.end));
    }
    store.write(|c| -> Result<(), StoreError> {
        store_calendar::set(
            c,
            (&period.label, scheme.as_str()),
            due_on,
            &staff.username,
            now.naive_utc(),
        )?;
        crate::service::audit::write(
            c,
            now,
            &staff.username,
            "calendar.set",
            &format!("{} due {due_on}", period.label),
            "ok",
        )
    })?;
    store.forget("public");
    Ok(period)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_release_is_upcoming_overdue_or_published_late_by_days() {
        let due = d("2027-01-14");
        assert_eq!(
            state_of(due, None, d("2027-01-11")),
            ReleaseState::Upcoming(3)
        );
        assert_eq!(
            state_of(due, None, d("2027-01-14")),
            ReleaseState::Upcoming(0)
        );
        assert_eq!(
            state_of(due, None, d("2027-01-16")),
            ReleaseState::Overdue(2)
        );
        assert_eq!(
            state_of(due, Some(d("2027-01-20")), d("2027-02-01")),
            ReleaseState::Published(d("2027-01-20"), 6)
        );
        assert_eq!(
            state_of(due, Some(d("2027-01-10")), d("2027-02-01")),
            ReleaseState::Published(d("2027-01-10"), 0)
        );
    }
}
