//! The index table of SPEC §6 as values: one row per unit (and form version) of a period,
//! and the TOTAL rows, and the pure rules that fill them: participation, flags, the
//! dossier-weighted TOTAL and a merged unit's rebuilt previous figure. Gathered by
//! `service::indices`, written out by `render::table` and `render::report`.

use super::num::Real;
use std::collections::BTreeMap;

use crate::domain::form::Form;
use crate::domain::index::Indices;
use crate::domain::period::Period;
use crate::domain::unit::Unit;

pub const TOTAL: &str = "TOTAL";
pub const SMALL_SAMPLE: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denominator {
    Dossiers,
    Tickets,
    None,
}

impl Denominator {
    pub fn as_str(self) -> &'static str {
        match self {
            Denominator::Dossiers => "dossiers",
            Denominator::Tickets => "tickets",
            Denominator::None => "",
        }
    }
}

#[derive(Debug, Clone)]
pub struct IndexRow {
    pub unit_code: String,
    pub unit_name: String,
    pub form_id: String,
    pub form_version: u32,
    /// Responses of the unit in the period, over all its form versions.
    pub responses: u64,
    pub ticket_responses: u64,
    pub tickets_issued: u64,
    pub dossiers: Option<u64>,
    pub participation: Option<f64>,
    pub denominator: Denominator,
    pub indices: Indices,
    pub flags: Vec<String>,
    /// The columns SPEC §9 added at the end of the table.
    pub extras: RowExtras,
}

/// The columns added after the first release (SPEC §9), filled by `service::indices::full_table`.
#[derive(Debug, Clone, Default)]
pub struct RowExtras {
    /// The previous period of the same kind and the unit's SIPAS in it (same form).
    pub prev_period: Option<String>,
    pub prev_sipas: Option<f64>,
    /// Its standard error and 95 % interval (rebuilt through the lineage when flagged `lineage`).
    pub prev_se: Option<f64>,
    pub prev_ci: Option<(f64, f64)>,
    /// SIPAS of the respondents pooled, with its interval: on a unit row the unit's own
    /// index; on TOTAL the figure the TOTAL row has always had (METHODOLOGY §2).
    pub pooled: Option<(f64, Option<(f64, f64)>)>,
    /// Feedback received in the period (on TOTAL: every unit of the table).
    pub feedback: Option<crate::domain::feedback::Figures>,
    /// Responses by how they came (`poster`, `ticket`, `paper`, `api`); on TOTAL every unit's.
    pub sources: std::collections::BTreeMap<String, u64>,
    /// Invitations over the period, the routes together (none: the unit had none).
    pub invited: Option<crate::domain::invite::Counts>,
    /// Returned-dossier records of the period (none: none was sent).
    pub returned: Option<crate::domain::returned::Timeliness>,
}

#[derive(Debug, Clone)]
pub struct IndexTable {
    pub period: Period,
    /// Component codes across the forms of the table, in form order: the `{component}_pct` columns.
    pub components: Vec<String>,
    pub rows: Vec<IndexRow>,
    pub synthetic: bool,
}

/// The participation rate of a row and what it is counted against: responses ÷ dossiers when
/// the unit has a dossier count, else ticket responses ÷ tickets issued (METHODOLOGY §3).
pub fn participation(
    responses: u64,
    ticket_responses: u64,
    tickets: u64,
    dossiers: Option<u64>,
) -> (Option<f64>, Denominator) {
    match dossiers {
        Some(d) if d > 0 => (
            Some(100.0 * responses.real() / d.real()),
            Denominator::Dossiers,
        ),
        Some(_) => (None, Denominator::Dossiers),
        None if tickets > 0 => (
            Some(100.0 * ticket_responses.real() / tickets.real()),
            Denominator::Tickets,
        ),
        None => (None, Denominator::None),
    }
}

/// A unit's counts as TOTAL participation reads them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub responses: u64,
    pub ticket_responses: u64,
    pub tickets: u64,
    pub dossiers: Option<u64>,
}

/// TOTAL participation (METHODOLOGY §3): over the units with a dossier count only (Σ their
/// responses ÷ Σ their dossiers; the others are left out of the numerator too), with the
/// coverage (the share of all responses that come from those units) whenever units without
/// counts have answers; when no unit has counts, the ticket rule over the sums.
pub fn total_participation(units: &[Counts]) -> (Option<f64>, Denominator, Option<f64>) {
    let covered: Vec<&Counts> = units.iter().filter(|u| u.dossiers.is_some()).collect();
    if covered.is_empty() {
        let sum = |f: fn(&Counts) -> u64| units.iter().map(f).sum::<u64>();
        let (pct, denominator) = participation(
            sum(|u| u.responses),
            sum(|u| u.ticket_responses),
            sum(|u| u.tickets),
            None,
        );
        return (pct, denominator, None);
    }
    let responses: u64 = covered.iter().map(|u| u.responses).sum();
    let dossiers: u64 = covered.iter().map(|u| u.dossiers.unwrap_or(0)).sum();
    let (pct, denominator) = participation(responses, 0, 0, Some(dossiers));
    let all: u64 = units.iter().map(|u| u.responses).sum();
    // Stated when answers are left out: a unit without counts and without answers changes
    // nothing (and then the weighted totals' flag of the same name may apply instead).
    let coverage = (responses < all).then(|| 100.0 * responses.real() / all.real());
    (pct, denominator, coverage)
}

/// The `flags` of a row (SPEC §6, METHODOLOGY §2): small sample, no denominator, mixed forms
/// (naming the row's form), synthetic demo data.
pub fn flags_for(
    responses: u64,
    denominator: Denominator,
    mixed: Option<&Form>,
    synthetic: bool,
) -> Vec<String> {
    let mut flags = Vec::new();
    if responses < SMALL_SAMPLE {
        flags.push("small_sample".to_string());
    }
    if denominator == Denominator::None {
        flags.push("no_denominator".to_string());
    }
    if let Some(form) = mixed {
        flags.push("mixed_forms".to_string());
        flags.push(format!("form={}@{}", form.id, form.version));
    }
    if synthetic {
        flags.push("synthetic".to_string());
    }
    flags
}

/// The TOTAL rows made dossier-weighted (METHODOLOGY "Dossier-weighted totals") when every
/// unit with responses on the row's form has a dossier count: SIPAS, each factor, the overall
/// question and the mean score become the weighted mean of the unit indices, their intervals
/// from the stratified variance; the pooled SIPAS stays in `extras.pooled`. Flags: `weighted`
/// and `coverage=X%` (the share of all dossiers that the units with responses hold, when
/// below 100 %), or `unweighted_fallback`.
pub fn weight_totals(rows: &mut [IndexRow]) {
    let all_dossiers: u64 = rows
        .iter()
        .filter(|r| r.unit_code != TOTAL)
        .fold(BTreeMap::new(), |mut m, r| {
            m.insert(r.unit_code.clone(), r.dossiers.unwrap_or(0));
            m
        })
        .values()
        .sum();
    // `table` pushes the unit rows first and the TOTAL rows after them.
    let first_total = rows
        .iter()
        .position(|r| r.unit_code == TOTAL)
        .unwrap_or(rows.len());
    let (units, totals) = rows.split_at_mut(first_total);
    let units: &[IndexRow] = units;
    for total in totals.iter_mut() {
        let parts: Vec<&IndexRow> = units
            .iter()
            .filter(|u| u.form_id == total.form_id && u.form_version == total.form_version)
            .filter(|u| u.indices.responses > 0)
            .collect();
        if parts.is_empty() {
            continue;
        }
        if parts.iter().any(|u| u.dossiers.unwrap_or(0) == 0) {
            total.flags.push("unweighted_fallback".into());
            continue;
        }
        let w = |u: &IndexRow| u.dossiers.unwrap_or(0).real();
        let apply =
            |m: &mut crate::domain::index::Measure,
             pick: &dyn Fn(&IndexRow) -> Option<&crate::domain::index::Measure>| {
                let strata: Vec<(f64, Option<f64>, Option<f64>)> = parts
                    .iter()
                    .map(|u| match pick(u) {
                        Some(x) => (w(u), x.index, x.se),
                        None => (w(u), None, None),
                    })
                    .collect();
                match crate::domain::stats::weighted_index(&strata) {
                    Some((index, se, ci)) => {
                        m.index = Some(index);
                        m.se = se;
                        m.ci = ci;
                    }
                    None => {
                        m.index = None;
                        m.se = None;
                        m.ci = None;
                    }
                }
            };
        apply(&mut total.indices.sipas, &|u| Some(&u.indices.sipas));
        for f in total.indices.factors.iter_mut() {
            let code = f.code.clone();
            apply(f, &|u| u.indices.factors.iter().find(|x| x.code == code));
        }
        if let Some(o) = total.indices.overall.as_mut() {
            apply(o, &|u| u.indices.overall.as_ref());
        }
        let means: Vec<(f64, Option<f64>, Option<f64>)> = parts
            .iter()
            .map(|u| (w(u), u.indices.mean_score, None))
            .collect();
        total.indices.mean_score = crate::domain::stats::weighted_index(&means).map(|m| m.0);
        total.flags.push("weighted".into());
        let covered: u64 = parts.iter().map(|u| u.dossiers.unwrap_or(0)).sum();
        if all_dossiers > 0 && covered < all_dossiers {
            total.flags.push(format!(
                "coverage={:.2}%",
                100.0 * covered.real() / all_dossiers.real()
            ));
        }
    }
}

/// A unit's SIPAS in an earlier period rebuilt from its predecessors' rows of `before`
/// (METHODOLOGY "Comparison across a reorganisation"): each predecessor weighted by its share
/// × its dossiers in that period (its responses where it had no dossier count), on the same
/// form only. The index, its standard error and its interval.
pub fn rebuilt_from(
    unit: &Unit,
    form_id: &str,
    before: &IndexTable,
) -> Option<(f64, Option<f64>, Option<crate::domain::stats::Interval>)> {
    let strata: Vec<(f64, Option<f64>, Option<f64>)> = unit
        .predecessors
        .iter()
        .filter_map(|p| {
            let r = before
                .rows
                .iter()
                .find(|r| r.unit_code == p.code.as_str() && r.form_id == form_id)?;
            if r.indices.responses == 0 {
                return None;
            }
            let base = match r.dossiers {
                Some(d) if d > 0 => d,
                _ => r.indices.responses,
            };
            Some((
                p.share * base.real(),
                r.indices.sipas.index,
                r.indices.sipas.se,
            ))
        })
        .collect();
    crate::domain::stats::weighted_index(&strata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_participation_counts_the_covered_units_only() {
        let a = Counts {
            responses: 100,
            ticket_responses: 0,
            tickets: 0,
            dossiers: Some(1000),
        };
        let b = Counts {
            responses: 900,
            ticket_responses: 900,
            tickets: 1000,
            dossiers: None,
        };
        // The review's example (B5): A alone has 10 %; B's 900 answers are not counted
        // against A's dossiers, and the coverage says A holds a tenth of the answers.
        let (pct, denominator, coverage) = total_participation(&[a, b]);
        assert_eq!(pct, Some(10.0));
        assert_eq!(denominator, Denominator::Dossiers);
        assert_eq!(coverage, Some(10.0));
        // A unit without counts and without answers leaves nothing out: no coverage.
        let quiet = Counts::default();
        assert_eq!(
            total_participation(&[a, quiet]),
            (Some(10.0), Denominator::Dossiers, None)
        );
        // Every unit counted: no coverage flag.
        assert_eq!(
            total_participation(&[a, a]),
            (Some(10.0), Denominator::Dossiers, None)
        );
        // None counted: the ticket rule over the sums.
        assert_eq!(
            total_participation(&[b, b]),
            (Some(90.0), Denominator::Tickets, None)
        );
        assert_eq!(total_participation(&[]), (None, Denominator::None, None));
    }
}
