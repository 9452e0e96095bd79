//! The index table as CSV (wide, SPEC §6, and tidy long), and as JSON. Every number goes
//! through `pct`/`num`, so CSV, JSON and pages never disagree.

use crate::domain::num::Real;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::index::Measure;
use crate::domain::stats::round2;
use crate::domain::table::{IndexRow, IndexTable};

/// A percentage as written out: two decimals, `.` as the decimal point, empty when there is none.
pub fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.2}", round2(v))).unwrap_or_default()
}

/// The same figure for JSON: a number rounded to two decimals, or null.
pub fn num(x: Option<f64>) -> Value {
    x.map(|v| json!(round2(v))).unwrap_or(Value::Null)
}

pub const BOM: &str = "\u{feff}";

fn factor<'a>(row: &'a IndexRow, code: &str) -> Option<&'a Measure> {
    row.indices.factors.iter().find(|m| m.code == code)
}

pub fn wide_header(t: &IndexTable) -> Vec<String> {
    let mut h: Vec<String> = [
        "period",
        "period_start",
        "period_end",
        "unit_code",
        "unit_name",
        "responses",
        "tickets_issued",
        "dossiers",
        "participation_pct",
        "sipas_pct",
        "sipas_ci_low",
        "sipas_ci_high",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(t.components.iter().map(|c| format!("{c}_pct")));
    h.extend(
        ["online_pct", "mean_score", "flags"]
            .iter()
            .map(|s| s.to_string()),
    );
    h.extend(EXTRA_HEADER.iter().map(|s| s.to_string()));
    h
}

/// The columns SPEC §9 added at the end, in its order.
pub const EXTRA_HEADER: [&str; 14] = [
    "prev_period",
    "prev_sipas_pct",
    "sipas_pooled_pct",
    "sipas_pooled_ci_low",
    "sipas_pooled_ci_high",
    "feedback_received",
    "feedback_answered",
    "feedback_on_time_pct",
    "feedback_reply_satisfied_pct",
    "invitations_delivered",
    "invited_responses",
    "invited_response_pct",
    "dossiers_returned",
    "on_time_return_pct",
];

/// One cell of the wide table, typed, so that CSV and XLSX write the same values.
pub enum Cell {
    Text(String),
    Count(u64),
    Pct(Option<f64>),
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Pct(x) => pct(*x),
        }
    }
}

/// The cells of each row of the wide table, in `wide_header` order.
pub fn wide_rows(t: &IndexTable) -> Vec<Vec<Cell>> {
    t.rows
        .iter()
        .map(|row| {
            let ix = &row.indices;
            let mut rec = vec![
                Cell::Text(t.period.label.clone()),
                Cell::Text(t.period.start.to_string()),
                Cell::Text(t.period.end.to_string()),
                Cell::Text(row.unit_code.clone()),
                Cell::Text(safe_cell(&row.unit_name)),
                Cell::Count(row.responses),
                Cell::Count(row.tickets_issued),
                row.dossiers
                    .map(Cell::Count)
                    .unwrap_or(Cell::Text(String::new())),
                Cell::Pct(row.participation),
                Cell::Pct(ix.sipas.index),
                Cell::Pct(ix.sipas.ci.map(|c| c.low)),
                Cell::Pct(ix.sipas.ci.map(|c| c.high)),
            ];
            rec.extend(
                t.components
                    .iter()
                    .map(|c| Cell::Pct(factor(row, c).and_then(|m| m.index))),
            );
            rec.push(Cell::Pct(ix.online.index));
            rec.push(Cell::Pct(ix.mean_score));
            rec.push(Cell::Text(row.flags.join(";")));
            let x = &row.extras;
            rec.push(Cell::Text(x.prev_period.clone().unwrap_or_default()));
            rec.push(Cell::Pct(x.prev_sipas));
            rec.push(Cell::Pct(x.pooled.map(|p| p.0)));
            rec.push(Cell::Pct(x.pooled.and_then(|p| p.1).map(|c| c.0)));
            rec.push(Cell::Pct(x.pooled.and_then(|p| p.1).map(|c| c.1)));
            match &x.feedback {
                Some(f) => {
                    rec.push(Cell::Count(f.received));
                    rec.push(Cell::Count(f.answered));
                    rec.push(Cell::Pct(f.on_time_pct()));
                    rec.push(Cell::Pct(f.reply_satisfied_pct()));
                }
                None => rec.extend((0..4).map(|_| Cell::Text(String::new()))),
            }
            match &x.invited {
                Some(c) => {
                    rec.push(Cell::Count(c.delivered));
                    rec.push(Cell::Count(c.answered));
                    rec.push(Cell::Pct(c.response_pct()));
                }
                None => rec.extend((0..3).map(|_| Cell::Text(String::new()))),
            }
            match &x.returned {
                Some(r) => {
                    rec.push(Cell::Count(r.returned));
                    rec.push(Cell::Pct(r.on_time_pct()));
                }
                None => rec.extend((0..2).map(|_| Cell::Text(String::new()))),
            }
            rec
        })
        .collect()
}

/// The wide table of SPEC §6, as CSV text with a byte-order mark.
pub fn wide_csv(t: &IndexTable) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(BOM.as_bytes().to_vec());
    w.write_record(wide_header(t))?;
    for row in wide_rows(t) {
        w.write_record(row.iter().map(Cell::csv))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The wide table as a real spreadsheet: numbers as numbers (two decimals shown), text as text.
pub fn wide_xlsx(t: &IndexTable) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let name: String = format!("SIPAS {}", t.period.label.replace("..", "_"))
        .chars()
        .take(31)
        .collect();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    let two = Format::new().set_num_format("0.00");
    for (c, h) in (0u16..).zip(wide_header(t).iter()) {
        sheet.write_string_with_format(0, c, h, &bold)?;
    }
    for (r, row) in (1u32..).zip(wide_rows(t).iter()) {
        for (c, cell) in (0u16..).zip(row.iter()) {
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Count(n) => {
                    sheet.write_number(r, c, n.real())?;
                }
                Cell::Pct(Some(x)) => {
                    sheet.write_number_with_format(r, c, round2(*x), &two)?;
                }
                Cell::Pct(None) => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 5)?;
    book.save_to_buffer()
}

pub const LONG_HEADER: [&str; 16] = [
    "period",
    "period_start",
    "period_end",
    "unit_code",
    "unit_name",
    "form",
    "measure",
    "code",
    "n_valid",
    "n_satisfied",
    "index_pct",
    "ci_low",
    "ci_high",
    "alpha",
    "denominator",
    "flags",
];

/// The tidy table: one row per unit × measure.
pub fn long_csv(t: &IndexTable) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(BOM.as_bytes().to_vec());
    w.write_record(LONG_HEADER)?;
    for row in &t.rows {
        let base = [
            t.period.label.clone(),
            t.period.start.to_string(),
            t.period.end.to_string(),
            row.unit_code.clone(),
            safe_cell(&row.unit_name),
            format!("{}@{}", row.form_id, row.form_version),
        ];
        let tails = measure_cells(row)
            .into_iter()
            .chain(feedback_cells(row))
            .chain([participation_cells(row)]);
        for tail in tails {
            w.write_record(base.iter().chain(tail.iter()))?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A long row's cells after the unit and form: kind, code, n, k, index, interval, alpha,
/// denominator, flags.
type LongCells = [String; 10];

fn measure_cells(row: &IndexRow) -> Vec<LongCells> {
    let ix = &row.indices;
    let mut measures: Vec<(&str, &Measure)> = Vec::new();
    measures.push(("sipas", &ix.sipas));
    measures.extend(ix.factors.iter().map(|m| ("factor", m)));
    measures.extend(ix.criteria.iter().map(|m| ("criterion", m)));
    if let Some(o) = &ix.overall {
        measures.push(("overall", o));
    }
    measures.extend(ix.expectations.iter().map(|m| ("expectation", m)));
    measures.push(("online", &ix.online));
    measures
        .into_iter()
        .map(|(kind, m)| {
            [
                kind.to_string(),
                m.code.clone(),
                m.n_valid.to_string(),
                m.n_satisfied.map(|n| n.to_string()).unwrap_or_default(),
                pct(m.index),
                pct(m.ci.map(|c| c.low)),
                pct(m.ci.map(|c| c.high)),
                m.alpha.map(|a| format!("{a:.3}")).unwrap_or_default(),
                String::new(),
                row.flags.join(";"),
            ]
        })
        .collect()
}

fn feedback_cells(row: &IndexRow) -> Vec<LongCells> {
    let Some(f) = &row.extras.feedback else {
        return Vec::new();
    };
    let counts = [
        ("received", f.received, None, None),
        ("answered", f.answered, None, None),
        ("answered_on_time", f.due, Some(f.on_time), f.on_time_pct()),
        (
            "reply_satisfied",
            f.rated,
            Some(f.satisfied),
            f.reply_satisfied_pct(),
        ),
    ];
    counts
        .into_iter()
        .map(|(code, n, k, p)| {
            [
                "feedback".to_string(),
                code.to_string(),
                n.to_string(),
                k.map(|k| k.to_string()).unwrap_or_default(),
                pct(p),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                row.flags.join(";"),
            ]
        })
        .collect()
}

fn participation_cells(row: &IndexRow) -> LongCells {
    let denominator = match row.denominator {
        crate::domain::table::Denominator::Dossiers => row.dossiers.unwrap_or(0),
        crate::domain::table::Denominator::Tickets => row.tickets_issued,
        crate::domain::table::Denominator::None => 0,
    };
    let numerator = match row.denominator {
        crate::domain::table::Denominator::Tickets => row.ticket_responses,
        _ => row.responses,
    };
    [
        "participation".to_string(),
        "participation".to_string(),
        denominator.to_string(),
        numerator.to_string(),
        pct(row.participation),
        String::new(),
        String::new(),
        String::new(),
        row.denominator.as_str().to_string(),
        row.flags.join(";"),
    ]
}

/// One measure as the API gives it: counts, the index and its 95 % interval (two decimals),
/// and Cronbach's α for a factor (three decimals).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureJson {
    pub n_valid: u64,
    /// For shares and criteria: how many were satisfied (or chose, or were online); null
    /// for SIPAS and factors, which are means of respondents' shares.
    #[schema(required = true)]
    pub n_satisfied: Option<u64>,
    /// Percentage, two decimals; null when there is no valid answer.
    #[schema(required = true)]
    pub index_pct: Option<f64>,
    #[schema(required = true)]
    pub ci_low: Option<f64>,
    #[schema(required = true)]
    pub ci_high: Option<f64>,
    /// Cronbach's α of a factor's criteria (three decimals), null elsewhere.
    #[schema(required = true)]
    pub alpha: Option<f64>,
}

/// The exact dates a table covers.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodJson {
    /// As asked: `2021-Q1`, `2021-H1`, `2021-9M`, `2021`, `2021-03` or `FROM..TO`.
    pub label: String,
    #[schema(value_type = String, format = Date)]
    pub start: chrono::NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub end: chrono::NaiveDate,
    /// `calendar` or `decree09` (METHODOLOGY §4).
    pub scheme: &'static str,
}

/// One row of the index table: a unit on one form version, or `TOTAL`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowJson {
    pub unit_code: String,
    pub unit_name: String,
    /// `form_id@version`.
    pub form: String,
    pub responses: u64,
    pub tickets_issued: u64,
    /// Dossiers received in the period; null when none were imported.
    #[schema(required = true)]
    pub dossiers: Option<u64>,
    #[schema(required = true)]
    pub participation_pct: Option<f64>,
    /// `dossiers`, `tickets`, or empty when there is none.
    pub denominator: &'static str,
    pub sipas: MeasureJson,
    /// By factor code.
    pub factors: BTreeMap<String, MeasureJson>,
    /// By criterion code.
    pub criteria: BTreeMap<String, MeasureJson>,
    #[schema(required = true)]
    pub overall: Option<MeasureJson>,
    pub expectations: BTreeMap<String, MeasureJson>,
    pub online: MeasureJson,
    #[schema(required = true)]
    pub mean_score: Option<f64>,
    /// `small_sample`, `no_denominator`, `mixed_forms`, `form=ID@V`, `synthetic`, and on TOTAL
    /// `weighted`, `coverage=X%` or `unweighted_fallback`; `lineage`, `via_predecessor`.
    pub flags: Vec<String>,
    /// The previous period of the same kind (SPEC §9), and the row's SIPAS in it.
    #[schema(required = true)]
    pub prev_period: Option<String>,
    #[schema(required = true)]
    pub prev_sipas_pct: Option<f64>,
    /// Its 95 % interval (rebuilt through the lineage when flagged `lineage`).
    #[schema(required = true)]
    pub prev_sipas_ci_low: Option<f64>,
    #[schema(required = true)]
    pub prev_sipas_ci_high: Option<f64>,
    /// SIPAS of the respondents pooled (on TOTAL: all respondents of the table).
    #[schema(required = true)]
    pub sipas_pooled: Option<PooledJson>,
    /// Feedback received in the period (SPEC §9).
    #[schema(required = true)]
    pub feedback: Option<RowFeedbackJson>,
    /// Responses by how they came: `poster`, `ticket`, `paper` (typed twice from a printed
    /// sheet), `api`; a way with none is left out.
    pub responses_by_source: BTreeMap<String, u64>,
    /// Invitations after the result (SPEC §11); null when the unit sent none.
    #[schema(required = true)]
    pub invitations: Option<RowInvitationsJson>,
    /// Returned-dossier records (SPEC §11); null when none was sent for the period.
    #[schema(required = true)]
    pub returned: Option<RowReturnedJson>,
}

/// Invitations delivered in the period and the responses their codes brought.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowInvitationsJson {
    pub delivered: u64,
    pub invited_responses: u64,
    #[schema(required = true)]
    pub invited_response_pct: Option<f64>,
}

/// Dossiers returned in the period and the share returned by their due day.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowReturnedJson {
    pub dossiers_returned: u64,
    #[schema(required = true)]
    pub on_time_return_pct: Option<f64>,
}

/// A pooled SIPAS with its 95 % interval.
#[derive(Debug, Serialize, ToSchema)]
pub struct PooledJson {
    pub index_pct: f64,
    #[schema(required = true)]
    pub ci_low: Option<f64>,
    #[schema(required = true)]
    pub ci_high: Option<f64>,
}

/// Feedback received in the period: counts, on-time share, replies rated satisfied.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowFeedbackJson {
    pub received: u64,
    pub answered: u64,
    #[schema(required = true)]
    pub on_time_pct: Option<f64>,
    /// Median working days from receipt to answer.
    #[schema(required = true)]
    pub median_days_to_answer: Option<f64>,
    #[schema(required = true)]
    pub reply_satisfied_pct: Option<f64>,
}

/// `GET /api/v1/indices`: the table of SPEC §6 as JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicesJson {
    pub period: PeriodJson,
    /// The table holds the synthetic demo district.
    pub synthetic: bool,
    pub rows: Vec<RowJson>,
}

fn rounded(x: Option<f64>) -> Option<f64> {
    x.map(round2)
}

fn measure_json(m: &Measure) -> MeasureJson {
    MeasureJson {
        n_valid: m.n_valid,
        n_satisfied: m.n_satisfied,
        index_pct: rounded(m.index),
        ci_low: rounded(m.ci.map(|c| c.low)),
        ci_high: rounded(m.ci.map(|c| c.high)),
        alpha: m.alpha.map(|a| (a * 1000.0).round() / 1000.0),
    }
}

pub fn json(t: &IndexTable) -> IndicesJson {
    let map = |ms: &[Measure]| -> BTreeMap<String, MeasureJson> {
        ms.iter()
            .map(|m| (m.code.clone(), measure_json(m)))
            .collect()
    };
    let rows = t
        .rows
        .iter()
        .map(|row| {
            let ix = &row.indices;
            RowJson {
                unit_code: row.unit_code.clone(),
                unit_name: row.unit_name.clone(),
                form: format!("{}@{}", row.form_id, row.form_version),
                responses: row.responses,
                tickets_issued: row.tickets_issued,
                dossiers: row.dossiers,
                participation_pct: rounded(row.participation),
                denominator: row.denominator.as_str(),
                sipas: measure_json(&ix.sipas),
                factors: map(&ix.factors),
                criteria: map(&ix.criteria),
                overall: ix.overall.as_ref().map(measure_json),
                expectations: map(&ix.expectations),
                online: measure_json(&ix.online),
                mean_score: rounded(ix.mean_score),
                flags: row.flags.clone(),
                prev_period: row.extras.prev_period.clone(),
                prev_sipas_pct: rounded(row.extras.prev_sipas),
                prev_sipas_ci_low: rounded(row.extras.prev_ci.map(|c| c.0)),
                prev_sipas_ci_high: rounded(row.extras.prev_ci.map(|c| c.1)),
                sipas_pooled: row.extras.pooled.map(|(v, ci)| PooledJson {
                    index_pct: round2(v),
                    ci_low: ci.map(|c| round2(c.0)),
                    ci_high: ci.map(|c| round2(c.1)),
                }),
                feedback: row.extras.feedback.as_ref().map(|f| RowFeedbackJson {
                    received: f.received,
                    answered: f.answered,
                    on_time_pct: rounded(f.on_time_pct()),
                    median_days_to_answer: f.median_days,
                    reply_satisfied_pct: rounded(f.reply_satisfied_pct()),
                }),
                responses_by_source: row.extras.sources.clone(),
                invitations: row.extras.invited.as_ref().map(|c| RowInvitationsJson {
                    delivered: c.delivered,
                    invited_responses: c.answered,
                    invited_response_pct: rounded(c.response_pct()),
                }),
                returned: row.extras.returned.map(|r| RowReturnedJson {
                    dossiers_returned: r.returned,
                    on_time_return_pct: rounded(r.on_time_pct()),
                }),
            }
        })
        .collect();
    IndicesJson {
        period: PeriodJson {
            label: t.period.label.clone(),
            start: t.period.start,
            end: t.period.end,
            scheme: t.period.scheme.as_str(),
        },
        synthetic: t.synthetic,
        rows,
    }
}

/// Neutralises a cell that a spreadsheet would take for a formula (`= + - @`, tab, CR).
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_one_way() {
        assert_eq!(pct(Some(81.245)), "81.25");
        assert_eq!(pct(Some(100.0)), "100.00");
        assert_eq!(pct(Some(2.0 / 3.0 * 100.0)), "66.67");
        assert_eq!(pct(None), "");
        assert_eq!(num(Some(81.245)), json!(81.25));
        assert_eq!(num(None), Value::Null);
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("Phường A"), "Phường A");
    }
}
