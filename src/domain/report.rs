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
}
