//! The desk table: the figures of a counter, a unit and all units from their stored ratings.

use super::*;

/// A stored rating, as the figures read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub score: u8,
    pub reasons: Vec<String>,
    pub flag: Option<Flag>,
}

/// The desk figures of a group of ratings (a unit, a counter, an officer, in a period).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeskFigures {
    /// n: the unflagged ratings the figures are computed from.
    pub ratings: u64,
    /// Ratings kept apart by a misuse flag.
    pub flagged: u64,
    /// Unflagged ratings of 4 or 5.
    pub satisfied: u64,
    pub satisfied_pct: Option<f64>,
    pub ci: Option<Interval>,
    pub mean_score: Option<f64>,
    /// Each reason's share (percent) among the unflagged ratings of 3 or less that chose
    /// any reason, in the law's order; reasons nobody chose are left out.
    pub reasons: Vec<(&'static str, f64)>,
}

pub fn figures<'a>(ratings: impl IntoIterator<Item = &'a Scored>) -> DeskFigures {
    let mut f = DeskFigures::default();
    let mut sum = 0u64;
    let mut with_reason = 0u64;
    let mut counts: BTreeMap<usize, u64> = BTreeMap::new();
    for r in ratings {
        if r.flag.is_some() {
            f.flagged += 1;
            continue;
        }
        f.ratings += 1;
        sum += u64::from(r.score);
        if r.score >= 4 {
            f.satisfied += 1;
        } else if !r.reasons.is_empty() {
            with_reason += 1;
            for reason in &r.reasons {
                if let Some(i) = REASONS.iter().position(|k| k == reason) {
                    *counts.entry(i).or_default() += 1;
                }
            }
        }
    }
    if f.ratings > 0 {
        f.satisfied_pct = Some(100.0 * f.satisfied.real() / f.ratings.real());
        f.mean_score = Some(sum.real() / f.ratings.real());
    }
    f.ci = stats::wilson(f.satisfied, f.ratings);
    if with_reason > 0 {
        f.reasons = counts
            .into_iter()
            .filter_map(|(i, c)| Some((*REASONS.get(i)?, 100.0 * c.real() / with_reason.real())))
            .collect();
    }
    f
}

/// One row of the desk table: a unit's counter, or the unit (`counter` None), or all
/// units (`unit_code` "TOTAL").
#[derive(Debug, Clone)]
pub struct DeskRow {
    pub unit_code: String,
    pub unit_name: String,
    pub counter: Option<String>,
    pub figures: DeskFigures,
}

#[derive(Debug, Clone)]
pub struct DeskTable {
    pub period: crate::domain::period::Period,
    pub rows: Vec<DeskRow>,
    pub synthetic: bool,
}
