//! The units' part of the report: which units the charts and the factors table show (every
//! unit, or in a province the top and bottom ten with the rest in a compact ranked list), their
//! rows and their bars.

use crate::domain::lang::Lang;
use crate::domain::report::ReportData;
use crate::domain::table::{IndexRow, SMALL_SAMPLE, TOTAL};
use crate::render::chart::{self, Bar};
use crate::render::numbers::{change, count, decimal, percent};
use crate::texts::tr;

use super::sections::shade;
use super::texts::Texts;

/// Above this many units the report shows the top and bottom ten and lists the rest compactly.
const MANY: usize = 24;
const EDGE: usize = 10;

pub(super) struct RowView {
    pub(super) name: String,
    /// SIPAS now minus the previous period's (rebuilt through the lineage: †).
    pub(super) change: String,
    pub(super) small: bool,
    pub(super) n: String,
    pub(super) cells: Vec<(String, &'static str)>,
    pub(super) sipas: (String, &'static str),
}

/// A unit between the top and the bottom ten: rank, name, SIPAS, n, change.
pub(super) type Compact = (usize, String, String, String, String);

pub(super) struct Units {
    /// The units shown in full, then all units together.
    pub(super) rows: Vec<RowView>,
    pub(super) compact: Vec<Compact>,
    /// The bar chart(s) of the units shown, as SVG.
    pub(super) bars: String,
}

pub(super) fn units(data: &ReportData, lang: Lang, t: &Texts) -> Units {
    // A province (more than MANY units): the top and bottom ten in the charts and the factors
    // table, every other unit in a compact ranked list; at most four A4 pages.
    let many = data.units.len() > MANY;
    // Units with an index, best first (as gathered); units without responses after them.
    let ranked: Vec<&IndexRow> = data
        .units
        .iter()
        .filter(|r| r.indices.sipas.index.is_some())
        .collect();
    let edge = EDGE.min(ranked.len() / 2);
    let shown: Vec<&IndexRow> = if many {
        ranked
            .iter()
            .take(edge)
            .chain(ranked.iter().skip(ranked.len() - edge))
            .copied()
            .collect()
    } else {
        data.units.iter().collect()
    };
    let compact = if many {
        compact(data, &ranked, edge, lang)
    } else {
        Vec::new()
    };
    let rows = shown
        .iter()
        .copied()
        .chain(data.total.as_ref())
        .map(|r| row_view(r, lang))
        .collect();
    Units {
        rows,
        compact,
        bars: bars(&shown, many.then_some(edge), lang, t),
    }
}

/// The ranked units between the edges, then the units without an index.
fn compact(data: &ReportData, ranked: &[&IndexRow], edge: usize, lang: Lang) -> Vec<Compact> {
    let unranked = data
        .units
        .iter()
        .filter(|r| r.indices.sipas.index.is_none());
    ranked
        .iter()
        .copied()
        .enumerate()
        .skip(edge)
        .take(ranked.len() - 2 * edge)
        .chain(unranked.enumerate().map(|(i, r)| (ranked.len() + i, r)))
        .map(|(i, r)| {
            (
                i + 1,
                r.unit_name.clone(),
                decimal(r.indices.sipas.index, lang),
                count(r.responses, lang),
                match (r.indices.sipas.index, r.extras.prev_sipas) {
                    (Some(now), Some(before)) => change(now - before, lang),
                    _ => "–".into(),
                },
            )
        })
        .collect()
}

fn row_view(r: &IndexRow, lang: Lang) -> RowView {
    RowView {
        name: if r.unit_code == TOTAL {
            if r.flags.iter().any(|f| f == "weighted") {
                tr(lang, "report.all_units_weighted").to_string()
            } else {
                tr(lang, "report.all_units_pooled").to_string()
            }
        } else {
            r.unit_name.clone()
        },
        change: match (r.indices.sipas.index, r.extras.prev_sipas) {
            (Some(now), Some(before)) => format!(
                "{}{}",
                change(now - before, lang),
                if r.flags.iter().any(|f| f == "lineage") {
                    " †"
                } else {
                    ""
                }
            ),
            _ => "–".into(),
        },
        small: r.responses < SMALL_SAMPLE,
        n: count(r.responses, lang),
        cells: r
            .indices
            .factors
            .iter()
            .map(|f| (decimal(f.index, lang), shade(f.index)))
            .collect(),
        sipas: (
            decimal(r.indices.sipas.index, lang),
            shade(r.indices.sipas.index),
        ),
    }
}

/// The units' index as bars: one chart, or (`edge` given) the top and the bottom apart.
fn bars(shown: &[&IndexRow], edge: Option<usize>, lang: Lang, t: &Texts) -> String {
    let bars: Vec<Bar> = shown
        .iter()
        .map(|r| Bar {
            label: r.unit_name.clone(),
            value: r.indices.sipas.index,
            low: r.indices.sipas.ci.map(|c| c.low),
            high: r.indices.sipas.ci.map(|c| c.high),
            small: r.responses < SMALL_SAMPLE,
            text: percent(r.indices.sipas.index, lang),
        })
        .collect();
    let describe = |list: &[Bar]| {
        list.iter()
            .map(|b| format!("{}: {}", b.label, b.text))
            .collect::<Vec<_>>()
            .join("; ")
    };
    match edge {
        Some(edge) => {
            let (top, bottom) = bars.split_at(edge.min(bars.len()));
            format!(
                "<h3>{}</h3>{}<h3>{}</h3>{}",
                t.top_ten,
                chart::bars_with_id("bh", t.top_ten, &describe(top), top),
                t.bottom_ten,
                chart::bars_with_id("bl", t.bottom_ten, &describe(bottom), bottom)
            )
        }
        None => chart::bars(t.by_unit, &describe(&bars), &bars),
    }
}
