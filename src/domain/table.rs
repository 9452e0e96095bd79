//! The index table of SPEC §6 as values: one row per unit (and form version) of a period,
//! and the TOTAL rows. Computed by `service::indices`, written out by `render::table` and
//! `render::report`; shared by both, so it lives here.

use crate::domain::index::Indices;
use crate::domain::period::Period;

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
}

#[derive(Debug, Clone)]
pub struct IndexTable {
    pub period: Period,
    /// Component codes across the forms of the table, in form order: the `{component}_pct` columns.
    pub components: Vec<String>,
    pub rows: Vec<IndexRow>,
    pub synthetic: bool,
}
