//! The publication-ready summary of a period (issue: quarterly report): the district's SIPAS
//! index with its interval and the change from the previous period, the units compared, the
//! factors, the trend, expectations, online use, and the methodology appendix. This module
//! gathers the figures; `render::report` writes them out (for a live page, or frozen by
//! `service::publish`).

use std::sync::Arc;

use chrono::NaiveDate;

use crate::domain::form::Form;
use crate::domain::index::Measure;
use crate::domain::period::{Kind, Period};
use crate::domain::stats;
use crate::domain::unit::Unit;
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
    topics: &crate::domain::topics::Rules,
    period: &Period,
) -> Result<ReportData, IndicesError> {
    gather_scoped(store, forms, feedback, topics, period, None)
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
    topics: &crate::domain::topics::Rules,
    period: &Period,
    only_unit: Option<&str>,
) -> Result<ReportData, IndicesError> {
    let now = chrono::Utc::now();
    let full = indices::full_table(store, forms, period, only_unit, feedback, now)?;
    let table = scoped(full, only_unit);
    let totals: Vec<&IndexRow> = table.rows.iter().filter(|r| r.unit_code == TOTAL).collect();
    let form = main_form(forms, &table, &totals)?;
    let total = total_on(&table, &form).cloned();
    let other_forms = totals
        .iter()
        .filter(|r| !(r.form_id == form.id && r.form_version == form.version))
        .map(|r| (*r).clone())
        .collect();
    let all_units = crate::service::units::list(store)?;
    let units = report_units(&table, &form, &all_units);
    let past = Past {
        store,
        forms,
        form: &form,
        only_unit,
    };
    let History {
        change,
        trend,
        break_on,
    } = if period.kind == Kind::Custom {
        History::default()
    } else {
        past.history(period, total.as_ref(), &all_units)?
    };
    let break_on = break_on.filter(|d| trend.iter().any(|p| p.start < *d));
    let dossiers = total.as_ref().and_then(|t| t.dossiers);
    let actions = crate::service::actions::for_report(store, period, &table, only_unit)?;
    // The feedback figures the table's rows already carry (`full_table`).
    let feedback_total = total
        .as_ref()
        .and_then(|t| t.extras.feedback.clone())
        .unwrap_or_default();
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
        feedback_units: feedback_units(&table),
        feedback_deadlines: feedback.deadlines,
        break_on,
        table,
        desk: crate::service::kiosks::table(store, period, only_unit)?
            .rows
            .into_iter()
            .filter(|r| r.counter.is_none() && (only_unit.is_none() || r.unit_code != "TOTAL"))
            .collect(),
        paper_waiting: crate::service::paper::waiting(store, only_unit)?,
        topics: crate::service::topics::section(store, topics, period, only_unit)?,
        actions,
    })
}

/// The report's form: the one most responses used (else the first row's, else the default).
fn main_form(
    forms: &FormRegistry,
    table: &IndexTable,
    totals: &[&IndexRow],
) -> Result<Arc<Form>, IndicesError> {
    let main = totals
        .iter()
        .max_by_key(|r| r.indices.responses)
        .map(|r| (r.form_id.clone(), r.form_version));
    match &main {
        Some((id, v)) => forms.get(id, *v),
        None => table
            .rows
            .first()
            .and_then(|r| forms.get(&r.form_id, r.form_version)),
    }
    .or_else(|| forms.latest(crate::service::forms::DEFAULT_FORM))
    .ok_or_else(|| IndicesError::MissingForm(crate::service::forms::DEFAULT_FORM.into()))
}

/// The units' rows on the report's form, best first.
fn report_units(table: &IndexTable, form: &Form, all_units: &[Unit]) -> Vec<IndexRow> {
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
    units
}

/// Each unit that received feedback, once per unit (a unit on two forms has two rows).
fn feedback_units(table: &IndexTable) -> Vec<(String, crate::domain::feedback::Figures)> {
    let mut by_unit = std::collections::BTreeMap::new();
    for r in table.rows.iter().filter(|r| r.unit_code != TOTAL) {
        if let Some(f) = r.extras.feedback.as_ref().filter(|f| f.received > 0) {
            by_unit
                .entry(r.unit_code.clone())
                .or_insert_with(|| (r.unit_name.clone(), f.clone()));
        }
    }
    by_unit.into_values().collect()
}

/// A trend point before it is dated: the period's label, its index, rebuilt or not.
type HistoryPoint = (String, Option<Measure>, bool);

/// The change from the previous period, the trend, and the day of a reorganisation in it.
#[derive(Default)]
struct History {
    change: Option<Change>,
    trend: Vec<TrendPoint>,
    break_on: Option<NaiveDate>,
}

/// What the periods before the report's say on its form.
struct Past<'a> {
    store: &'a Store,
    forms: &'a FormRegistry,
    form: &'a Form,
    only_unit: Option<&'a str>,
}

impl Past<'_> {
    /// The change from the previous period of the same kind (same form only), the trend over
    /// eight periods, and the day of a reorganisation inside it.
    fn history(
        &self,
        period: &Period,
        total: Option<&IndexRow>,
        all_units: &[Unit],
    ) -> Result<History, IndicesError> {
        // A unit's own report before the unit existed: its figure rebuilt from its
        // predecessors (dashed).
        let lineage_unit = match self.only_unit {
            Some(u) => {
                crate::service::units::cached(self.store, u)?.filter(|u| !u.predecessors.is_empty())
            }
            None => None,
        };
        let mut starts = vec![period.start];
        let mut history: Vec<HistoryPoint> = vec![(
            period.label.clone(),
            total
                .filter(|r| r.indices.responses > 0)
                .map(|r| r.indices.sipas.clone()),
            false,
        )];
        let mut break_on = None;
        let mut p = period.clone();
        for _ in 0..7 {
            p = match p.previous() {
                Ok(prev) => prev,
                Err(_) => break,
            };
            let (point, rebuilt_since) = self.point(&p, lineage_unit.as_ref())?;
            if break_on.is_none() {
                break_on = rebuilt_since;
            }
            history.push(point);
            starts.push(p.start);
        }
        let change = change_from(total, history.get(1));
        history.reverse();
        starts.reverse();
        // The whole table across a reorganisation: the day the first merged unit began, when
        // it falls inside the trend (drawn as a rule; the totals before it are the old units').
        if lineage_unit.is_none() && self.only_unit.is_none() {
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
        let trend = history
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
        Ok(History {
            change,
            trend,
            break_on,
        })
    }

    /// One earlier period's point; when it is rebuilt through the lineage, since when the
    /// unit exists.
    fn point(
        &self,
        p: &Period,
        lineage_unit: Option<&Unit>,
    ) -> Result<(HistoryPoint, Option<NaiveDate>), IndicesError> {
        let t = table_for(self.store, self.forms, p, self.only_unit)?;
        let own = total_on(&t, self.form)
            .filter(|r| r.indices.responses > 0)
            .map(|r| r.indices.sipas.clone());
        Ok(match (own, lineage_unit) {
            (Some(m), _) => ((p.label.clone(), Some(m), false), None),
            (None, Some(u)) if u.valid_from.is_some_and(|f| f > p.end) => {
                let all = indices::table(self.store, self.forms, p, None)?;
                let rebuilt =
                    indices::rebuilt_from(u, &self.form.id, &all).map(|(index, se, ci)| Measure {
                        code: "sipas".into(),
                        n_valid: 0,
                        n_satisfied: None,
                        index: Some(index),
                        ci,
                        se,
                        alpha: None,
                    });
                ((p.label.clone(), rebuilt, true), u.valid_from)
            }
            (None, _) => ((p.label.clone(), None, false), None),
        })
    }
}

/// The change from the previous period's index, and whether it is significant.
fn change_from(total: Option<&IndexRow>, previous: Option<&HistoryPoint>) -> Option<Change> {
    let (Some(now), Some((label, Some(before), _))) = (total, previous) else {
        return None;
    };
    let (Some(now_index), Some(before_index), Some(se_now), Some(se_before)) = (
        now.indices.sipas.index,
        before.index,
        now.indices.sipas.se,
        before.se,
    ) else {
        return None;
    };
    let points = now_index - before_index;
    Some(Change {
        points,
        significant: stats::significant_change(points, se_now, se_before),
        previous_label: label.clone(),
    })
}
