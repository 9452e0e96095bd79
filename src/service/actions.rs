//! "Đã nghe – đã làm" (you said, we did; issue 37, SPEC §14): a unit's lead or an admin records
//! what the unit does about a published period's weak criterion or comment topic; published
//! actions are shown on the unit's public page and the front page, each criterion beside its
//! change since, measured on the published figures only. Every step is audited.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::actions::{check_texts, criterion_change, ActionProblem, ActionStatus, Target};
use crate::domain::period::{Period, Scheme};
use crate::domain::user::Role;
use crate::service::audit::write as audit;
use crate::service::users::Staff;
pub use crate::store::actions::ActionRow;
use crate::store::actions::{self as store_actions, NewAction};
use crate::store::{publications, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("only the unit's lead or an admin may record its actions")]
    NotAllowed,
    #[error("{0} is not a published period")]
    NotPublished(String),
    #[error("the unit has no figures in that publication")]
    NoSuchUnit,
    #[error("the unit's questionnaire of that period has no criterion \"{0}\"")]
    NoSuchCriterion(String),
    #[error("no such action")]
    NotFound,
    #[error("the action cannot be recorded as typed")]
    Invalid(Vec<ActionProblem>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was typed: unit, period, target (`criterion:code` or `topic:code`), what, who, due day,
/// public note.
pub struct ActionForm<'a> {
    pub unit: &'a str,
    pub period: &'a str,
    pub target: &'a str,
    pub what: &'a str,
    pub who: &'a str,
    pub due_on: &'a str,
    pub note: &'a str,
}

fn may_act_for(staff: &Staff, unit: &str) -> Result<(), ActionError> {
    let lead_of_unit = staff.lead && staff.unit.as_deref() == Some(unit);
    if staff.role == Role::Admin || lead_of_unit {
        Ok(())
    } else {
        Err(ActionError::NotAllowed)
    }
}

/// A unit's criterion in a frozen table: (satisfied, valid); the row's criteria when asked.
fn frozen_row(json: &str, unit: &str) -> Option<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    v.get("rows")?
        .as_array()?
        .iter()
        .find(|r| r.get("unit_code").and_then(|c| c.as_str()) == Some(unit))
        .cloned()
}

fn criterion_in(row: &serde_json::Value, code: &str) -> Option<(u64, u64)> {
    let m = row.get("criteria")?.get(code)?;
    Some((m.get("n_satisfied")?.as_u64()?, m.get("n_valid")?.as_u64()?))
}

/// Records an action (not yet public). Its id.
pub fn record(
    store: &Store,
    staff: &Staff,
    scheme: Scheme,
    f: &ActionForm<'_>,
    now: DateTime<Utc>,
) -> Result<i64, ActionError> {
    may_act_for(staff, f.unit.trim())?;
    let period = Period::parse(f.period.trim(), scheme)
        .map_err(|_e| ActionError::NotPublished(f.period.trim().to_string()))?;
    let frozen = store
        .read(|c| publications::frozen_table(c, &period.label, scheme.as_str(), None))?
        .filter(|t| !t.table_json.is_empty())
        .ok_or_else(|| ActionError::NotPublished(period.label.clone()))?;
    let row = frozen_row(&frozen.table_json, f.unit.trim()).ok_or(ActionError::NoSuchUnit)?;
    let mut problems = Vec::new();
    let target = Target::parse(f.target);
    match &target {
        Some(Target::Criterion(code)) if criterion_in(&row, code).is_none() => {
            return Err(ActionError::NoSuchCriterion(code.clone()));
        }
        None => problems.push(ActionProblem::Target),
        _ => {}
    }
    let due_on = NaiveDate::parse_from_str(f.due_on.trim(), "%Y-%m-%d").ok();
    if due_on.is_none() {
        problems.push(ActionProblem::Due);
    }
    let texts = check_texts(f.what, f.who, f.note).map_err(|p| problems.extend(p));
    let (Some(target), Some(due_on), Ok((what, who, note)), true) =
        (target, due_on, texts, problems.is_empty())
    else {
        return Err(ActionError::Invalid(problems));
    };
    let row = NewAction {
        unit_code: f.unit.trim().to_string(),
        period_label: period.label.clone(),
        scheme: scheme.as_str().to_string(),
        target_kind: target.kind().to_string(),
        target_code: target.code().to_string(),
        what,
        who,
        due_on,
        status: ActionStatus::Planned.as_str().to_string(),
        public_note: note,
        published: false,
        created_by: staff.username.clone(),
        created_at: now.naive_utc(),
    };
    Ok(store.write(|c| -> Result<i64, StoreError> {
        let id = store_actions::insert(c, &row)?;
        let what = format!(
            "#{id} {} {} {}",
            row.unit_code,
            row.period_label,
            f.target.trim()
        );
        audit(c, now, &staff.username, "action.record", &what, "ok")?;
        Ok(id)
    })?)
}

/// Moves an action on (status, public or not); the day it is done is kept. Audited.
pub fn step(
    store: &Store,
    staff: &Staff,
    id: i64,
    status: &str,
    published: bool,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    let found = store
        .read(|c| store_actions::get(c, id))?
        .ok_or(ActionError::NotFound)?;
    may_act_for(staff, &found.unit_code)?;
    let status =
        ActionStatus::parse(status).ok_or(ActionError::Invalid(vec![ActionProblem::Status]))?;
    let done_on = match status {
        ActionStatus::Done => found.done_on.or(Some(crate::domain::local_date(now))),
        _ => None,
    };
    store.write(|c| -> Result<(), StoreError> {
        store_actions::update(c, id, status.as_str(), done_on, published)?;
        let what = format!("#{id} {} published={published}", status.as_str());
        audit(c, now, &staff.username, "action.update", &what, "ok")
    })?;
    store.forget("public");
    Ok(())
}

/// The actions a member of staff may act on: every unit's for an admin, their unit's for a
/// lead.
pub fn for_staff(store: &Store, staff: &Staff) -> Result<Vec<ActionRow>, ActionError> {
    let unit = match (staff.role, staff.lead, staff.unit.as_deref()) {
        (Role::Admin, _, _) => None,
        (_, true, Some(u)) => Some(u.to_string()),
        _ => return Err(ActionError::NotAllowed),
    };
    Ok(store.read(|c| store_actions::list(c, unit.as_deref(), false, 500))?)
}

/// A criterion's published figure before and after: the action's period and the latest
/// published period of the same kind after it.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionChange {
    pub since: String,
    pub now: String,
    pub before_pct: f64,
    pub after_pct: f64,
    pub points: f64,
    pub significant: bool,
}

/// A published action, with its criterion's change when there is a later publication.
#[derive(Debug, Clone)]
pub struct PublicAction {
    pub row: ActionRow,
    pub change: Option<CriterionChange>,
}

/// The change of an action's criterion, from the published figures.
fn change_of(
    store: &Store,
    scheme: Scheme,
    a: &ActionRow,
) -> Result<Option<CriterionChange>, StoreError> {
    if a.target_kind != "criterion" {
        return Ok(None);
    }
    let Ok(period) = Period::parse(&a.period_label, scheme) else {
        return Ok(None);
    };
    // The published periods, read from the store (the public list sits above this module).
    let later = store
        .read(|c| publications::list_all(c, scheme.as_str()))?
        .into_iter()
        .filter_map(|r| Period::parse(&r.period_label, scheme).ok())
        // A quarter's action is measured at a later quarter (any one), a year's at a year.
        .filter(|p| std::mem::discriminant(&p.kind) == std::mem::discriminant(&period.kind))
        .filter(|p| p.start > period.end)
        .max_by_key(|p| p.end);
    let Some(later) = later else {
        return Ok(None);
    };
    let read = |p: &Period| -> Result<Option<(u64, u64)>, StoreError> {
        let t = store.read(|c| publications::frozen_table(c, &p.label, scheme.as_str(), None))?;
        Ok(t.and_then(|t| frozen_row(&t.table_json, &a.unit_code))
            .and_then(|row| criterion_in(&row, &a.target_code)))
    };
    let (Some(before), Some(after)) = (read(&period)?, read(&later)?) else {
        return Ok(None);
    };
    let pct = |(r, n): (u64, u64)| crate::domain::num::percent(r, n);
    Ok(
        match (criterion_change(before, after), pct(before), pct(after)) {
            (Some((points, significant)), Some(b), Some(a2)) => Some(CriterionChange {
                since: period.label.clone(),
                now: later.label.clone(),
                before_pct: b,
                after_pct: a2,
                points,
                significant,
            }),
            _ => None,
        },
    )
}

/// A unit's published actions (or every unit's done ones, most recent first, at most `limit`).
pub fn public(
    store: &Store,
    scheme: Scheme,
    unit: Option<&str>,
    limit: i64,
) -> Result<Vec<PublicAction>, StoreError> {
    let rows = store.read(|c| store_actions::list(c, unit, true, limit * 4))?;
    let rows: Vec<ActionRow> = rows
        .into_iter()
        .filter(|r| unit.is_some() || r.status == ActionStatus::Done.as_str())
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    rows.into_iter()
        .map(|row| {
            let change = change_of(store, scheme, &row)?;
            Ok(PublicAction { row, change })
        })
        .collect()
}

/// The published actions a report of `period` lists: those against the previous period of the
/// same kind (of one unit, or all), each criterion's change from its published figure then to
/// this report's figure (`table`), with the two-proportion test.
pub fn for_report(
    store: &Store,
    period: &Period,
    table: &crate::domain::table::IndexTable,
    only_unit: Option<&str>,
) -> Result<Vec<crate::domain::report::ReportAction>, StoreError> {
    let Ok(before) = period.previous() else {
        return Ok(Vec::new());
    };
    let scheme = period.scheme;
    let rows = store.read(|c| store_actions::list(c, only_unit, true, 200))?;
    let frozen =
        store.read(|c| publications::frozen_table(c, &before.label, scheme.as_str(), None))?;
    let names: std::collections::HashMap<&str, &str> = table
        .rows
        .iter()
        .map(|r| (r.unit_code.as_str(), r.unit_name.as_str()))
        .collect();
    Ok(rows
        .into_iter()
        .filter(|a| a.period_label == before.label && a.scheme == scheme.as_str())
        .map(|a| {
            let then = frozen
                .as_ref()
                .and_then(|t| frozen_row(&t.table_json, &a.unit_code))
                .and_then(|row| criterion_in(&row, &a.target_code));
            let now = table
                .rows
                .iter()
                .filter(|r| r.unit_code == a.unit_code)
                .flat_map(|r| r.indices.criteria.iter())
                .find(|m| m.code == a.target_code)
                .and_then(|m| Some((m.n_satisfied?, m.n_valid)));
            let pct = |(r, n): (u64, u64)| crate::domain::num::percent(r, n);
            let change = match (a.target_kind.as_str(), then, now) {
                ("criterion", Some(t), Some(n)) => {
                    criterion_change(t, n).zip(pct(t).zip(pct(n))).map(
                        |((points, sig), (b, after))| (before.label.clone(), b, after, points, sig),
                    )
                }
                _ => None,
            };
            crate::domain::report::ReportAction {
                unit_name: names
                    .get(a.unit_code.as_str())
                    .map_or(a.unit_code.clone(), |n| (*n).to_string()),
                target: (a.target_kind.clone(), a.target_code.clone()),
                what: a.what.clone(),
                status: a.status.clone(),
                change,
            }
        })
        .collect())
}
