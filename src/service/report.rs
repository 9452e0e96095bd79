//! The publication-ready summary of a period (issue: quarterly report): the district's SIPAS
//! index with its interval and the change from the previous period, the units compared, the
//! factors, the trend, expectations, online use, and the methodology appendix. This module
//! gathers the figures; `render::report` writes them out (for a live page, or frozen by
//! `service::publish`).

use crate::domain::form::Form;
use crate::domain::index::Measure;
use crate::domain::period::{Kind, Period};
use crate::domain::stats;
use crate::service::forms::FormRegistry;
use crate::service::indices::{self, IndexRow, IndexTable, IndicesError, TOTAL};
use crate::store::Store;

pub use crate::domain::report::{Change, ReportData, TrendPoint};

fn total_on<'a>(t: &'a IndexTable, form: &Form) -> Option<&'a IndexRow> {
    t.rows
        .iter()
        .find(|r| r.unit_code == TOTAL && r.form_id == form.id && r.form_version == form.version)
}

/// Gathers the report of a period. The report's form is the one most responses used.
pub fn gather(
    store: &Store,
    forms: &FormRegistry,
    feedback: &crate::service::feedback::FeedbackSettings,
    period: &Period,
) -> Result<ReportData, IndicesError> {
    gather_scoped(store, forms, feedback, period, None)
}

/// The index table of a period, or of one unit whose own rows then stand as the total (an
/// officer's preview of their unit: the same report, about that unit alone).
fn table_for(
    store: &Store,
    forms: &FormRegistry,
    period: &Period,
    only_unit: Option<&str>,
) -> Result<IndexTable, IndicesError> {
    Ok(scoped(
        indices::table(store, forms, period, only_unit)?,
        only_unit,
    ))
}

fn scoped(mut table: IndexTable, only_unit: Option<&str>) -> IndexTable {
    {
        if only_unit.is_some() {
            let totals: Vec<IndexRow> = table
                .rows
                .iter()
                .map(|r| IndexRow {
                    unit_code: TOTAL.into(),
                    unit_name: TOTAL.into(),
                    ..r.clone()
                })
                .collect();
            table.rows.extend(totals);
        }
    }
    table
}

/// The report of a period, of every unit or of one.
pub fn gather_scoped(
    store: &Store,
    forms: &FormRegistry,
    feedback: &crate::service::feedback::FeedbackSettings,
    period: &Period,
    only_unit: Option<&str>,
) -> Result<ReportData, IndicesError> {
    let table = scoped(
        indices::full_table(
            store,
            forms,
            period,
            only_unit,
            feedback,
            chrono::Utc::now(),
        )?,
        only_unit,
    );
    let totals: Vec<&IndexRow> = table.rows.iter().filter(|r| r.unit_code == TOTAL).collect();
    let main = totals
        .iter()
        .max_by_key(|r| r.indices.responses)
        .map(|r| (r.form_id.clone(), r.form_version));
    let form = match &main {
        Some((id, v)) => forms.get(id, *v),
        None => table
            .rows
            .first()
            .and_then(|r| forms.get(&r.form_id, r.form_version)),
    }
    .or_else(|| forms.latest(crate::service::forms::DEFAULT_FORM))
    .ok_or_else(|| IndicesError::MissingForm(crate::service::forms::DEFAULT_FORM.into()))?;
    let total = total_on(&table, &form).cloned();
    let other_forms = totals
        .iter()
        .filter(|r| !(r.form_id == form.id && r.form_version == form.version))
        .map(|r| (*r).clone())
        .collect();
    let all_units = crate::service::units::list(store)?;
    let mut units: Vec<IndexRow> = table
        .rows
        .iter()
        .filter(|r| r.unit_code != TOTAL && r.form_id == form.id && r.form_version == form.version)
        .cloned()
        .collect();
    // A unit that only groups others (a city, a district without a desk of its own) and had
    // nothing to answer for in the period is not a row of the report.
    units.retain(|r| {
        r.responses > 0
            || r.tickets_issued > 0
            || !all_units
                .iter()
                .any(|u| u.parent.as_ref().is_some_and(|p| p.as_str() == r.unit_code))
    });
    units.sort_by(|a, b| {
        b.indices
            .sipas
            .index
            .unwrap_or(-1.0)
            .total_cmp(&a.indices.sipas.index.unwrap_or(-1.0))
    });

    // The change from the previous period of the same kind, on the same form only. A unit's
    // own report before the unit existed: its figure rebuilt from its predecessors (dashed).
    let lineage_unit = match only_unit {
        Some(u) => crate::service::units::cached(store, u)?.filter(|u| !u.predecessors.is_empty()),
        None => None,
    };
    let mut change = None;
    let mut trend = Vec::new();
    let mut break_on = None;
    if period.kind != Kind::Custom {
        let mut p = period.clone();
        let mut starts = vec![p.start];
        let mut history: Vec<(String, Option<Measure>, bool)> = vec![(
            p.label.clone(),
            total
                .as_ref()
                .filter(|r| r.indices.responses > 0)
                .map(|r| r.indices.sipas.clone()),
            false,
        )];
        for _ in 0..7 {
            p = match p.previous() {
                Ok(prev) => prev,
                Err(_) => break,
            };
            let t = table_for(store, forms, &p, only_unit)?;
            let own = total_on(&t, &form)
                .filter(|r| r.indices.responses > 0)
                .map(|r| r.indices.sipas.clone());
            let point = match (own, &lineage_unit) {
                (Some(m), _) => (p.label.clone(), Some(m), false),
                (None, Some(u)) if u.valid_from.is_some_and(|f| f > p.end) => {
                    let all = indices::table(store, forms, &p, None)?;
                    let rebuilt =
                        indices::rebuilt_from(u, &form.id, &all).map(|(index, se, ci)| Measure {
                            code: "sipas".into(),
                            n_valid: 0,
                            n_satisfied: None,
                            index: Some(index),
                            ci,
                            se,
                            alpha: None,
                        });
                    if break_on.is_none() {
                        break_on = u.valid_from;
                    }
                    (p.label.clone(), rebuilt, true)
                }
                (None, _) => (p.label.clone(), None, false),
            };
            history.push(point);
            starts.push(p.start);
        }
        if let (Some(now), Some((label, Some(before), _))) = (&total, history.get(1)) {
            if let (Some(now_index), Some(before_index), Some(se_now), Some(se_before)) = (
                now.indices.sipas.index,
                before.index,
                now.indices.sipas.se,
                before.se,
            ) {
                let points = now_index - before_index;
                change = Some(Change {
                    points,
                    significant: stats::significant_change(points, se_now, se_before),
                    previous_label: label.clone(),
                });
            }
        }
        history.reverse();
        starts.reverse();
        // The whole table across a reorganisation: the day the first merged unit began, when
        // it falls inside the trend (drawn as a rule; the totals before it are the old units').
        if lineage_unit.is_none() && only_unit.is_none() {
            let first = starts.first().copied();
            break_on = all_units
                .iter()
                .filter(|u| !u.predecessors.is_empty())
                .filter_map(|u| u.valid_from)
                .filter(|f| first.is_some_and(|s| *f > s) && *f <= period.end)
                .min();
        }
        // Leading periods without data say nothing: start the trend at the first with data.
        let first = history.iter().position(|(_, m, _)| m.is_some());
        trend = history
            .into_iter()
            .zip(starts)
            .skip(first.unwrap_or(usize::MAX))
            .map(|((label, sipas, rebuilt), start)| TrendPoint {
                label,
                sipas,
                rebuilt,
                start,
            })
            .collect();
    }
    let break_on = break_on.filter(|d| trend.iter().any(|p| p.start < *d));
    let dossiers = total.as_ref().and_then(|t| t.dossiers);
    // The feedback figures the table's rows already carry (`full_table`): the total, and
    // each unit that received any, once per unit (a unit on two forms has two rows).
    let feedback_total = total
        .as_ref()
        .and_then(|t| t.extras.feedback.clone())
        .unwrap_or_default();
    let mut by_unit = std::collections::BTreeMap::new();
    for r in table.rows.iter().filter(|r| r.unit_code != TOTAL) {
        if let Some(f) = r.extras.feedback.as_ref().filter(|f| f.received > 0) {
            by_unit
                .entry(r.unit_code.clone())
                .or_insert_with(|| (r.unit_name.clone(), f.clone()));
        }
    }
    let feedback_units = by_unit.into_values().collect();
    Ok(ReportData {
        period: period.clone(),
        form,
        total,
        other_forms,
        units,
        change,
        trend,
        sample_needed: stats::sample_needed(dossiers),
        synthetic: table.synthetic,
        feedback_total,
        feedback_units,
        feedback_deadlines: feedback.deadlines,
        break_on,
        table,
        desk: crate::service::kiosks::table(store, period, only_unit)?
            .rows
            .into_iter()
            .filter(|r| r.counter.is_none() && (only_unit.is_none() || r.unit_code != "TOTAL"))
            .collect(),
        paper_waiting: crate::service::paper::waiting(store, only_unit)?,
    })
}
