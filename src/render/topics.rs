//! Comment topics' downloads (SPEC §12): `topics.csv` and its JSON, one row per unit and
//! topic, then `TOTAL` (all units' comments together), each topic's share of the comments
//! with its Wilson interval.

use crate::domain::period::Period;
use crate::domain::stats::wilson;
use crate::domain::topics::UnitTopics;
use crate::render::table::{num, pct, safe_cell, BOM};

pub const HEADER: [&str; 9] = [
    "period",
    "unit_code",
    "unit_name",
    "comments",
    "topic",
    "tagged",
    "share_pct",
    "ci_low",
    "ci_high",
];

/// One row: unit, name, comments, topic, tagged, share, interval.
struct Line<'a> {
    code: &'a str,
    name: &'a str,
    comments: u64,
    topic: &'static str,
    tagged: u64,
}

impl Line<'_> {
    fn share(&self) -> Option<f64> {
        crate::domain::num::percent(self.tagged, self.comments)
    }
}

/// The units' rows, then the total's (the units' comments and tags summed).
fn lines(units: &[UnitTopics]) -> (Vec<Line<'_>>, UnitTopics) {
    let mut total = UnitTopics {
        unit_code: "TOTAL".into(),
        unit_name: String::new(),
        comments: units.iter().map(|u| u.comments).sum(),
        tagged: crate::domain::topics::TOPICS
            .iter()
            .map(|t| (*t, 0))
            .collect(),
    };
    for u in units {
        for ((_, sum), (_, n)) in total.tagged.iter_mut().zip(&u.tagged) {
            *sum += n;
        }
    }
    let out = units
        .iter()
        .flat_map(|u| {
            u.tagged.iter().map(|(topic, tagged)| Line {
                code: &u.unit_code,
                name: &u.unit_name,
                comments: u.comments,
                topic,
                tagged: *tagged,
            })
        })
        .collect();
    (out, total)
}

fn each<F: FnMut(&Line<'_>)>(units: &[UnitTopics], mut f: F) {
    let (rows, total) = lines(units);
    rows.iter().for_each(&mut f);
    let (total_rows, _) = lines(std::slice::from_ref(&total));
    total_rows.iter().for_each(f);
}

pub fn csv(period: &Period, units: &[UnitTopics]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(BOM.as_bytes().to_vec());
    w.write_record(HEADER)?;
    let mut failed = None;
    each(units, |l| {
        let ci = wilson(l.tagged, l.comments);
        let record = [
            period.label.clone(),
            l.code.to_string(),
            safe_cell(l.name),
            l.comments.to_string(),
            l.topic.to_string(),
            l.tagged.to_string(),
            pct(l.share()),
            pct(ci.map(|i| i.low)),
            pct(ci.map(|i| i.high)),
        ];
        if let Err(e) = w.write_record(record) {
            failed.get_or_insert(e);
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

pub fn json(period: &Period, units: &[UnitTopics]) -> serde_json::Value {
    let mut rows = Vec::new();
    each(units, |l| {
        let ci = wilson(l.tagged, l.comments);
        rows.push(serde_json::json!({
            "unit_code": l.code,
            "unit_name": l.name,
            "comments": l.comments,
            "topic": l.topic,
            "tagged": l.tagged,
            "share_pct": num(l.share()),
            "ci_low": num(ci.map(|i| i.low)),
            "ci_high": num(ci.map(|i| i.high)),
        }));
    });
    serde_json::json!({ "period": period.label, "rows": rows })
}
