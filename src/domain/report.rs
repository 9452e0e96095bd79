//! The figures of a period's publication-ready report, as gathered by `service::report` and
//! rendered by `render::report`.

use std::sync::Arc;

use crate::domain::form::Form;
use crate::domain::index::Measure;
use crate::domain::period::Period;
use crate::domain::table::IndexRow;

#[derive(Debug, Clone)]
pub struct Change {
    pub points: f64,
    pub significant: bool,
    pub previous_label: String,
}

#[derive(Debug, Clone)]
pub struct TrendPoint {
    pub label: String,
    pub sipas: Option<Measure>,
    /// Rebuilt from the unit's predecessors (before the unit existed).
    pub rebuilt: bool,
    /// The first day of the point's period.
    pub start: chrono::NaiveDate,
}

#[derive(Debug, Clone)]
pub struct ReportData {
    pub period: Period,
    pub form: Arc<Form>,
    /// The district row on the report's form, and the other forms' TOTAL rows, if any.
    pub total: Option<IndexRow>,
    pub other_forms: Vec<IndexRow>,
    pub units: Vec<IndexRow>,
    pub change: Option<Change>,
    pub trend: Vec<TrendPoint>,
    pub sample_needed: u64,
    pub synthetic: bool,
    /// Feedback received in the period: all units, and each unit that received any (by name).
    pub feedback_total: crate::domain::feedback::Figures,
    pub feedback_units: Vec<(String, crate::domain::feedback::Figures)>,
    pub feedback_deadlines: crate::domain::feedback::Deadlines,
    /// The day a reorganisation took effect inside the trend (the unit began, or the first
    /// merged unit of the table).
    pub break_on: Option<chrono::NaiveDate>,
    /// The whole index table the report was made from (what a publication freezes as open
    /// data beside the pages).
    pub table: crate::domain::table::IndexTable,
    /// Desk ratings of the period (another instrument, never in SIPAS): a row per unit and
    /// the TOTAL row, counters left out.
    pub desk: Vec<crate::domain::desk::DeskRow>,
    /// Paper sheets typed once and waiting for a second entry, and sheets whose two entries
    /// differ (counted nowhere until settled).
    pub paper_waiting: crate::domain::paper::NotCounted,
    /// What citizens wrote about (METHODOLOGY "Comment topics"): the period's comments tagged
    /// by the rules in use, with quotes.
    pub topics: TopicsSection,
    /// "Đã nghe – đã làm": the published actions against the previous period of the same kind,
    /// each criterion beside its change to this period.
    pub actions: Vec<ReportAction>,
}

/// An action as a report lists it.
#[derive(Debug, Clone)]
pub struct ReportAction {
    pub unit_name: String,
    /// `criterion` or `topic`, and its code.
    pub target: (String, String),
    pub what: String,
    pub status: String,
    /// The criterion in the action's period and now, in percent; the change; significant or not.
    pub change: Option<(String, f64, f64, f64, bool)>,
}

/// The report's "Người dân nói về": of the period's comments, how many complain about each
/// topic (most first, with quotes), and how many praise.
#[derive(Debug, Clone, Default)]
pub struct TopicsSection {
    pub comments: u64,
    pub complaints: Vec<TopicLine>,
    pub praise: TopicLine,
}

/// A topic's comments (complaints, or praise) and the quotes that show them.
#[derive(Debug, Clone, Default)]
pub struct TopicLine {
    pub topic: &'static str,
    pub n: u64,
    pub quotes: Vec<crate::domain::quote::Quote>,
}

/// The figures a publication shows first (the front page, the feed, a link's preview): the
/// report's main TOTAL row as it was when published, frozen with the revision.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Headline {
    /// SIPAS in percent, its 95 % interval and standard error (percentage points).
    pub sipas_pct: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub se: Option<f64>,
    /// Responses behind the figures.
    pub responses: u64,
    pub participation_pct: Option<f64>,
    pub synthetic: bool,
    /// Desk ratings of all units (another instrument, shown beside SIPAS): the satisfied
    /// share of the unflagged ratings, and their number.
    #[serde(default)]
    pub desk_pct: Option<f64>,
    #[serde(default)]
    pub desk_n: u64,
    /// The questionnaire of the figures, `id@version` (none in headlines frozen before it was
    /// kept): two headlines are compared only on the same one (METHODOLOGY §1.2).
    #[serde(default)]
    pub form: Option<String>,
}

impl Headline {
    pub fn of(data: &ReportData) -> Headline {
        let total = data.total.as_ref();
        let sipas = total.map(|t| &t.indices.sipas);
        let desk = data
            .desk
            .iter()
            .find(|r| r.unit_code == "TOTAL")
            .map(|r| &r.figures);
        Headline {
            sipas_pct: sipas.and_then(|m| m.index),
            ci_low: sipas.and_then(|m| m.ci.map(|i| i.low)),
            ci_high: sipas.and_then(|m| m.ci.map(|i| i.high)),
            se: sipas.and_then(|m| m.se),
            responses: total.map_or(0, |t| t.responses),
            participation_pct: total.and_then(|t| t.participation),
            synthetic: data.synthetic,
            desk_pct: desk.and_then(|d| d.satisfied_pct),
            desk_n: desk.map_or(0, |d| d.ratings),
            form: Some(format!("{}@{}", data.form.id, data.form.version)),
        }
    }

    /// The change from an earlier publication's headline (METHODOLOGY: significant when
    /// |Δ| > z·√(SE₁² + SE₂²)); none when either has no SIPAS, or when they were measured
    /// on different questionnaires (B8: sipas-2017 against sipas-2023 is no change).
    pub fn change_from(&self, before: &Headline, before_label: &str) -> Option<Change> {
        if self.form != before.form {
            return None;
        }
        let points = self.sipas_pct? - before.sipas_pct?;
        let significant = match (self.se, before.se) {
            (Some(a), Some(b)) => crate::domain::stats::significant_change(points, a, b),
            _ => false,
        };
        Some(Change {
            points,
            significant,
            previous_label: before_label.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headline(pct: Option<f64>, se: Option<f64>) -> Headline {
        Headline {
            sipas_pct: pct,
            ci_low: None,
            ci_high: None,
            se,
            responses: 100,
            participation_pct: None,
            synthetic: false,
            desk_pct: None,
            desk_n: 0,
            form: Some("sipas-2017@1".into()),
        }
    }

    #[test]
    fn headlines_on_different_questionnaires_are_not_compared() {
        let now = headline(Some(80.0), Some(3.0));
        let before = Headline {
            form: Some("sipas-2023@1".into()),
            ..headline(Some(60.0), Some(3.0))
        };
        assert!(now.change_from(&before, "2025-Q4").is_none());
        let legacy = Headline {
            form: None,
            ..headline(Some(60.0), Some(3.0))
        };
        assert!(now.change_from(&legacy, "2025-Q4").is_none());
        assert!(now
            .change_from(&headline(Some(60.0), Some(3.0)), "2025-Q4")
            .is_some());
    }

    #[test]
    fn a_change_between_headlines_is_significant_only_beyond_both_errors() {
        // 10 points against √(3² + 3²)·1.96 = 8.32: significant; 8 points: not.
        let now = headline(Some(80.0), Some(3.0));
        let c = now
            .change_from(&headline(Some(70.0), Some(3.0)), "2025-Q4")
            .unwrap();
        assert!((c.points - 10.0).abs() < 1e-9 && c.significant);
        assert_eq!(c.previous_label, "2025-Q4");
        let c = now
            .change_from(&headline(Some(72.0), Some(3.0)), "x")
            .unwrap();
        assert!(!c.significant);
        // Without a standard error a change is never called significant; without a figure
        // there is no change.
        let c = now.change_from(&headline(Some(50.0), None), "x").unwrap();
        assert!(!c.significant);
        assert!(now.change_from(&headline(None, None), "x").is_none());
    }
}
