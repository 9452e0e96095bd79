//! Officers' and counters' figures (METHODOLOGY "Officers and counters"; Decree 118/2025
//! Art. 34): attributed desk ratings, each officer against the unit's share with the Wilson
//! interval, the adjusted share and a band, never a rank. Who sees what is decided here:
//! an officer their own (`mine`), a unit's lead their unit's officers, admins every unit's,
//! viewers the counters without names; every look at other people's figures is audited.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use crate::domain::desk::OfficerTable;
use crate::domain::desk::{self, Attributed, Fairness, UnitStandings};
use crate::domain::form::Answers;
use crate::domain::index::{self, Tally};
use crate::domain::period::Period;
use crate::domain::privacy::mask;
use crate::domain::user::Role;
use crate::service::access::Denied;
use crate::service::audit::write as audit;
use crate::service::forms::FormRegistry;
use crate::service::users::Staff;
use crate::store::{kiosks as store_kiosks, responses, units, users as store_users};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum OfficersError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const OFFICERS_ONLY: &str =
    "an officer sees their own figures (Hailong · My figures); a unit's lead sees the unit's officers";
const NO_NAMES: &str =
    "officers' figures by name are for admins and a unit's lead; leaders (viewers) see the counters";

/// Whose figures a member of staff may see: the unit (None: every unit) and whether names.
fn sight(staff: &Staff, asked: Option<&str>) -> Result<(Option<String>, bool), Denied> {
    let asked = asked.map(str::trim).filter(|u| !u.is_empty());
    match staff.role {
        Role::Admin => Ok((asked.map(str::to_string), true)),
        Role::Viewer => Ok((asked.map(str::to_string), false)),
        Role::Officer if staff.lead => {
            let mine = staff.unit.clone().unwrap_or_default();
            match asked {
                Some(other) if other != mine => Err(Denied::OtherUnit {
                    who: staff.username.clone(),
                    unit: other.to_string(),
                }),
                _ => Ok((Some(mine), true)),
            }
        }
        Role::Officer => Err(Denied::Role(OFFICERS_ONLY)),
    }
}

/// Whether this member of staff may see officers' figures by name (the CSV): admins, leads.
pub fn may_see_names(staff: &Staff) -> bool {
    staff.role == Role::Admin || (staff.role == Role::Officer && staff.lead)
}

/// The standings of every unit (or one) with desk ratings or officers in the period.
fn gather(
    store: &Store,
    period: &Period,
    unit: Option<&str>,
    rule: &Fairness,
) -> Result<Vec<UnitStandings>, StoreError> {
    let ratings =
        store.read(|c| store_kiosks::attributed_between(c, period.start, period.end, unit))?;
    let mut by_unit: BTreeMap<String, Vec<Attributed>> = BTreeMap::new();
    for (u, counter, officer, score, flag) in ratings {
        by_unit.entry(u).or_default().push(Attributed {
            counter,
            officer,
            score: u8::try_from(score).unwrap_or(0),
            flagged: flag.is_some(),
        });
    }
    let mut officers: BTreeMap<String, BTreeMap<i64, String>> = BTreeMap::new();
    for u in store.read(store_users::list)? {
        let Some(code) = u
            .unit_code
            .filter(|_| u.role == Role::Officer.as_str() && !u.disabled)
        else {
            continue;
        };
        if unit.is_none_or(|only| only == code) {
            officers.entry(code).or_default().insert(u.id, u.username);
        }
    }
    // Officers who rated elsewhere (moved since) keep their ratings under the unit rated.
    let mut names = BTreeMap::new();
    let ids: Vec<i64> = by_unit
        .values()
        .flatten()
        .filter_map(|r| r.officer)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for (id, name) in store.read(|c| store_users::names(c, &ids))? {
        names.insert(id, name);
    }
    let unit_names: BTreeMap<String, String> = store
        .read(units::list)?
        .into_iter()
        .map(|u| (u.code.to_string(), u.name))
        .collect();
    let codes: std::collections::BTreeSet<&String> =
        by_unit.keys().chain(officers.keys()).collect();
    let empty = Vec::new();
    Ok(codes
        .into_iter()
        .map(|code| {
            let rated = by_unit.get(code).unwrap_or(&empty);
            let mut who = officers.get(code).cloned().unwrap_or_default();
            for id in rated.iter().filter_map(|r| r.officer) {
                if let Some(n) = names.get(&id) {
                    who.entry(id).or_insert_with(|| n.clone());
                }
            }
            let name = unit_names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.clone());
            desk::standings(code, &name, rated, &who, rule)
        })
        .collect())
}

/// The survey answers given with each officer's code slips in the period: how many, and
/// their SIPAS when there are `min_n` or more on one form version.
fn slip_answers(
    store: &Store,
    forms: &FormRegistry,
    period: &Period,
    unit: Option<&str>,
    min_n: u64,
) -> Result<BTreeMap<i64, (u64, Option<f64>)>, StoreError> {
    let rows = store.read(|c| responses::by_officers_between(c, period.start, period.end, unit))?;
    let mut tallies: BTreeMap<i64, BTreeMap<(String, i32), Tally>> = BTreeMap::new();
    for (officer, form_id, version, answers) in rows {
        let form = forms.get(&form_id, u32::try_from(version).unwrap_or(0));
        let (Some(form), Ok(values)) = (form, Answers::from_json(&answers)) else {
            continue;
        };
        let by_form = tallies.entry(officer).or_default();
        by_form
            .entry((form_id, version))
            .or_default()
            .add(&form, &values, true);
    }
    Ok(tallies
        .into_iter()
        .map(|(officer, by_form)| {
            let n: u64 = by_form.values().map(|t| t.responses).sum();
            let sipas = match by_form.iter().next() {
                Some(((id, v), t)) if by_form.len() == 1 && n >= min_n => forms
                    .get(id, u32::try_from(*v).unwrap_or(0))
                    .and_then(|f| index::compute(&f, t).sipas.index),
                _ => None,
            };
            (officer, (n, sipas))
        })
        .collect())
}

/// Adds to each officer's standing the survey answers given with their code slips.
fn with_slips(
    mut units: Vec<UnitStandings>,
    slips: &BTreeMap<i64, (u64, Option<f64>)>,
) -> Vec<UnitStandings> {
    for s in units.iter_mut().flat_map(|u| u.officers.iter_mut()) {
        if let Some((n, sipas)) = s.id.and_then(|id| slips.get(&id)) {
            s.survey = *n;
            s.survey_sipas = *sipas;
        }
    }
    units
}

/// The officers' page and CSV: what this member of staff may see of the period (one unit
/// asked, or all they may see). A look at officers' names is audited.
pub fn table(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    period: &Period,
    asked: Option<&str>,
    rule: &Fairness,
    now: DateTime<Utc>,
) -> Result<OfficerTable, OfficersError> {
    let (unit, names_shown) = sight(staff, asked)?;
    // Closed days only: no figure per officer or counter moves with today's ratings.
    let read = period
        .clone()
        .through(crate::service::kiosks::last_closed_day(now));
    let units = gather(store, &read, unit.as_deref(), rule)?;
    let slips = slip_answers(store, forms, &read, unit.as_deref(), rule.min_n)?;
    let mut units = with_slips(units, &slips);
    if names_shown {
        let target = format!(
            "{} {}",
            unit.as_deref().unwrap_or("all units"),
            period.label
        );
        store.write(|c| audit(c, now, &staff.username, "officers.view", &target, "ok"))?;
    } else {
        for u in &mut units {
            u.officers.clear();
        }
    }
    let takeovers = if names_shown {
        takeovers(store, period, unit.as_deref())?
    } else {
        Vec::new()
    };
    Ok(OfficerTable {
        period: period.clone(),
        takeovers,
        units,
        names_shown,
        synthetic: store.read(crate::store::meta::is_demo)?,
        rule: *rule,
    })
}

/// Four periods up to `period`, oldest first, with their standings.
pub type Trend = Vec<(Period, Vec<UnitStandings>)>;

/// The four periods up to `period` (oldest first), each one's standings of the units this
/// member of staff may see: a trend per officer and counter, never a rank. `current` is the
/// period's own standings, read already for its page (only the three before are read here).
/// Read as part of the period's look (audited there); an officer who leads no unit gets their
/// own line only.
pub fn trend(
    store: &Store,
    staff: &Staff,
    (period, current): (&Period, &[UnitStandings]),
    asked: Option<&str>,
    rule: &Fairness,
    now: DateTime<Utc>,
) -> Result<Trend, OfficersError> {
    let own = staff.role == Role::Officer && !staff.lead;
    let (unit, names_shown) = if own {
        (staff.unit.clone(), true)
    } else {
        sight(staff, asked)?
    };
    if own && unit.is_none() {
        return Ok(Vec::new());
    }
    let mut earlier = Vec::new();
    let mut p = period.clone();
    while earlier.len() < 3 {
        match p.previous() {
            Ok(before) => {
                earlier.push(before.clone());
                p = before;
            }
            Err(_) => break,
        }
    }
    earlier.reverse();
    let last = crate::service::kiosks::last_closed_day(now);
    let keep = |mut units: Vec<UnitStandings>| {
        for u in &mut units {
            if !names_shown {
                u.officers.clear();
            }
            if own {
                u.officers.retain(|o| o.id == Some(staff.id));
                u.counters.clear();
            }
        }
        units
    };
    let mut trend = earlier
        .into_iter()
        .map(|p| {
            let units = gather(store, &p.clone().through(last), unit.as_deref(), rule)?;
            Ok((p, keep(units)))
        })
        .collect::<Result<Trend, OfficersError>>()?;
    trend.push((period.clone(), keep(current.to_vec())));
    Ok(trend)
}

/// The take-overs of the period's days (of one unit), with the officers' names.
fn takeovers(
    store: &Store,
    period: &Period,
    unit: Option<&str>,
) -> Result<Vec<desk::Takeover>, StoreError> {
    let rows = store
        .read(|c| crate::store::counters::takeovers_between(c, period.start, period.end, unit))?;
    let ids: Vec<i64> = rows.iter().flat_map(|r| [r.3, r.4]).collect();
    let names: BTreeMap<i64, String> = store
        .read(|c| store_users::names(c, &ids))?
        .into_iter()
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    Ok(rows
        .into_iter()
        .map(|(unit_code, day, counter, by, from)| desk::Takeover {
            unit_code,
            day,
            counter,
            by: name(by),
            from: name(from),
        })
        .collect())
}

/// The CSV's figures: names, so admins and leads only.
pub fn table_with_names(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    period: &Period,
    asked: Option<&str>,
    rule: &Fairness,
    now: DateTime<Utc>,
) -> Result<OfficerTable, OfficersError> {
    if !may_see_names(staff) {
        return Err(Denied::Role(NO_NAMES).into());
    }
    table(store, forms, staff, period, asked, rule, now)
}

/// What an officer sees of their own, over the period's closed days: their standing in
/// their unit, the unit's share, and the comments left with their low ratings (masked, each
/// day's in random order: nothing tells which citizen of the day wrote which).
#[derive(Debug, Clone)]
pub struct Mine {
    pub period: Period,
    /// None when the member of staff is no officer of a unit.
    pub unit: Option<UnitStandings>,
    pub comments: Vec<MyComment>,
    pub rule: Fairness,
}

#[derive(Debug, Clone)]
pub struct MyComment {
    pub day: chrono::NaiveDate,
    pub counter: String,
    pub score: i16,
    pub text: String,
}

pub fn mine(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    period: &Period,
    rule: &Fairness,
    now: DateTime<Utc>,
) -> Result<Mine, StoreError> {
    use rand::seq::SliceRandom;
    let closed = period
        .clone()
        .through(crate::service::kiosks::last_closed_day(now));
    let period = &closed;
    let unit = match (staff.role, staff.unit.as_deref()) {
        (Role::Officer, Some(u)) => {
            let slips = slip_answers(store, forms, period, Some(u), rule.min_n)?;
            with_slips(gather(store, period, Some(u), rule)?, &slips)
        }
        .into_iter()
        .next()
        .map(|mut s| {
            s.officers.retain(|o| o.who == staff.username);
            s
        }),
        _ => None,
    };
    let mut comments: Vec<MyComment> = store
        .read(|c| store_kiosks::comments_of_officer(c, staff.id, period.start, period.end))?
        .into_iter()
        .map(|(day, counter, score, text)| MyComment {
            day,
            counter,
            score,
            text: mask(&text),
        })
        .collect();
    comments.shuffle(&mut rand::rng());
    // Newest day first; within a day, the random order stays.
    comments.sort_by_key(|c| std::cmp::Reverse(c.day));
    Ok(Mine {
        period: closed.clone(),
        unit,
        comments,
        rule: *rule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, unit: Option<&str>, lead: bool) -> Staff {
        Staff {
            id: 1,
            username: "x".into(),
            role,
            unit: unit.map(str::to_string),
            must_change_password: false,
            lead,
        }
    }

    #[test]
    fn who_sees_whose_figures() {
        let admin = staff(Role::Admin, None, false);
        assert_eq!(sight(&admin, None).unwrap(), (None, true));
        assert_eq!(sight(&admin, Some("b")).unwrap(), (Some("b".into()), true));
        let viewer = staff(Role::Viewer, None, false);
        assert_eq!(
            sight(&viewer, Some("b")).unwrap(),
            (Some("b".into()), false)
        );
        let lead = staff(Role::Officer, Some("a"), true);
        assert_eq!(sight(&lead, None).unwrap(), (Some("a".into()), true));
        assert!(matches!(
            sight(&lead, Some("b")),
            Err(Denied::OtherUnit { .. })
        ));
        let officer = staff(Role::Officer, Some("a"), false);
        assert!(matches!(sight(&officer, None), Err(Denied::Role(_))));
        assert!(may_see_names(&admin) && may_see_names(&lead));
        assert!(!may_see_names(&viewer) && !may_see_names(&officer));
    }
}
