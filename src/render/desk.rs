//! The desk table (SPEC §10) as CSV and JSON: every number through `table::pct`/`num`.

use serde_json::{json, Value};

use crate::domain::desk::{DeskFigures, DeskRow, DeskTable};
use crate::render::table::{num, pct, safe_cell, BOM};

/// Below this many ratings a row is flagged `small_sample` (as units are in the index table).
const SMALL: u64 = 30;

pub const HEADER: [&str; 14] = [
    "period",
    "period_start",
    "period_end",
    "unit_code",
    "unit_name",
    "counter",
    "ratings",
    "flagged",
    "satisfied_pct",
    "ci_low",
    "ci_high",
    "mean_score",
    "reasons",
    "flags",
];

/// `code=pct;code=pct`, in the law's order.
pub fn reasons(f: &DeskFigures) -> String {
    f.reasons
        .iter()
        .map(|(code, share)| format!("{code}={}", pct(Some(*share))))
        .collect::<Vec<_>>()
        .join(";")
}

fn flags(t: &DeskTable, f: &DeskFigures) -> Vec<&'static str> {
    let mut out = Vec::new();
    if f.ratings < SMALL {
        out.push("small_sample");
    }
    if t.synthetic {
        out.push("synthetic");
    }
    out
}

fn counter(r: &DeskRow) -> &str {
    r.counter.as_deref().unwrap_or("TOTAL")
}

/// The table as CSV with a byte-order mark (Excel opens it as UTF-8).
pub fn csv(t: &DeskTable) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(BOM.as_bytes().to_vec());
    w.write_record(HEADER)?;
    for r in &t.rows {
        let f = &r.figures;
        w.write_record([
            t.period.label.clone(),
            t.period.start.to_string(),
            t.period.end.to_string(),
            r.unit_code.clone(),
            safe_cell(&r.unit_name),
            safe_cell(counter(r)),
            f.ratings.to_string(),
            f.flagged.to_string(),
            pct(f.satisfied_pct),
            pct(f.ci.map(|i| i.low)),
            pct(f.ci.map(|i| i.high)),
            pct(f.mean_score),
            reasons(f),
            flags(t, f).join(";"),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The same table as JSON (`/api/v1/desk`).
pub fn json(t: &DeskTable) -> Value {
    let rows: Vec<Value> = t
        .rows
        .iter()
        .map(|r| {
            let f = &r.figures;
            let reasons: serde_json::Map<String, Value> = f
                .reasons
                .iter()
                .map(|(code, share)| (code.to_string(), num(Some(*share))))
                .collect();
            json!({
                "unit_code": r.unit_code,
                "unit_name": r.unit_name,
                "counter": counter(r),
                "ratings": f.ratings,
                "flagged": f.flagged,
                "satisfied_pct": num(f.satisfied_pct),
                "ci_low": num(f.ci.map(|i| i.low)),
                "ci_high": num(f.ci.map(|i| i.high)),
                "mean_score": num(f.mean_score),
                "reasons": reasons,
                "flags": flags(t, f),
            })
        })
        .collect();
    json!({
        "period": {
            "label": t.period.label,
            "start": t.period.start,
            "end": t.period.end,
            "scheme": t.period.scheme.as_str(),
        },
        "synthetic": t.synthetic,
        "instrument": "desk ratings (Decree 118/2025 Art. 31(b)); never part of a SIPAS index",
        "rows": rows,
    })
}
