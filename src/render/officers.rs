//! Officers' figures (SPEC §10): the CSV for admins and leads, and the rows and interval bars
//! of the officers' page and of an officer's own page. Every number goes through
//! `table::pct` (CSV) or `numbers::percent` (pages), so no two outputs disagree.

use crate::domain::desk::{Band, OfficerTable, Standing, UnitStandings};
use crate::domain::lang::Lang;
use crate::render::numbers;
use crate::render::table::{pct, safe_cell, BOM};
use crate::texts::tr;

pub const HEADER: [&str; 11] = [
    "period",
    "unit_code",
    "officer",
    "ratings",
    "flagged",
    "raw_pct",
    "ci_low",
    "ci_high",
    "adjusted_pct",
    "band",
    "flags",
];

/// An officer's row is never flagged for misuse: flagged ratings belong to the tablet that
/// sent them (the lead sees them per tablet and day at `/staff/kiosks`), not to whoever had
/// the counter open (METHODOLOGY "Desk ratings").
fn flags(t: &OfficerTable, _s: &Standing) -> Vec<&'static str> {
    let mut out = Vec::new();
    if t.synthetic {
        out.push("synthetic");
    }
    out
}

/// One row per officer of every unit, by unit and name, with a byte-order mark.
pub fn csv(t: &OfficerTable) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(BOM.as_bytes().to_vec());
    w.write_record(HEADER)?;
    for u in &t.units {
        for s in &u.officers {
            let f = &s.figure;
            w.write_record([
                t.period.label.clone(),
                u.unit_code.clone(),
                safe_cell(&s.who),
                f.ratings.to_string(),
                s.flagged.to_string(),
                pct(f.raw_pct),
                pct(f.ci.map(|i| i.low)),
                pct(f.ci.map(|i| i.high)),
                pct(f.adjusted_pct),
                f.band.as_str().to_string(),
                flags(t, s).join(";"),
            ])?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The interval bar of a standing, in percent of its 0–100 track: the interval, the adjusted
/// share and the unit's share; its words for a screen reader.
#[derive(Debug, Clone)]
pub struct Bar {
    pub low: String,
    pub width: String,
    pub dot: String,
    pub unit: String,
    pub label: String,
}

/// A standing as a line of the page.
#[derive(Debug, Clone)]
pub struct Line {
    pub who: String,
    pub ratings: String,
    pub adjusted: String,
    pub raw: String,
    pub bar: Option<Bar>,
    pub band: &'static str,
    pub band_text: String,
    /// Ratings still missing before a figure is shown (too few), in words: "còn thiếu 12 lượt".
    pub missing: String,
    /// Survey answers given with the officer's code slips, with their SIPAS from `min_n`.
    pub survey: String,
}

/// A table of lines: the officers, or the counters.
#[derive(Debug, Clone)]
pub struct Lines {
    pub caption: &'static str,
    /// The first column's heading.
    pub first: &'static str,
    /// The officers' table has a column of survey answers from their code slips.
    pub survey: bool,
    /// Those with a figure.
    pub lines: Vec<Line>,
    /// Those with too few ratings: named on one line, each with what is missing.
    pub few: Vec<Line>,
    pub few_head: String,
}

/// A unit's part of the page.
#[derive(Debug, Clone)]
pub struct UnitView {
    pub name: String,
    pub code: String,
    pub share: String,
    /// What the bars span: "50–100 %", and its labelled ticks (position on the 0–100 track,
    /// words) — the same on the unit's page and an officer's own (it follows the unit's share).
    pub axis: String,
    pub ticks: Vec<(String, String)>,
    /// The officers' table (when names are shown), then the counters'; empty ones left out.
    pub tables: Vec<Lines>,
}

fn band_text(lang: Lang, band: Band, min_n: u64) -> String {
    match band {
        Band::Above => tr(lang, "officers.above").to_string(),
        Band::Within => tr(lang, "officers.within").to_string(),
        Band::Below => tr(lang, "officers.below").to_string(),
        Band::TooFew => tr(lang, "officers.too_few").replace("{n}", &min_n.to_string()),
    }
}

/// The part of the 0–100 % scale a unit's bars show: from the lowest interval end or unit
/// share, rounded down to ten, to 100 %, so that a few points' difference can be seen.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub from: f64,
}

impl Axis {
    /// From 30 points under the unit's share (rounded down to ten) to 100 %: set by the unit
    /// alone, so that the unit's page and each officer's own page draw the same scale. An
    /// interval reaching under it starts at the bar's left end (its numbers stand beside it).
    pub fn of(u: &UnitStandings) -> Axis {
        let m = u.unit_pct.unwrap_or(100.0);
        Axis {
            from: ((m / 10.0).floor() * 10.0 - 30.0).clamp(0.0, 70.0),
        }
    }

    /// Three labelled ticks: the axis's start, middle and end.
    fn ticks(self, lang: Lang) -> Vec<(String, String)> {
        let mid = self.from + (100.0 - self.from) / 2.0;
        [self.from, mid, 100.0]
            .into_iter()
            .map(|x| {
                let word = match lang {
                    Lang::Vi => format!("{x:.0} %"),
                    Lang::En => format!("{x:.0}%"),
                };
                (fixed(self.at(x)), word)
            })
            .collect()
    }

    /// Where `x` percent falls on the bar's 0–100 track.
    fn at(self, x: f64) -> f64 {
        (100.0 * (x - self.from) / (100.0 - self.from)).clamp(0.0, 100.0)
    }
}

fn fixed(x: f64) -> String {
    format!("{x:.2}")
}

pub fn line(lang: Lang, s: &Standing, unit_pct: Option<f64>, min_n: u64, axis: Axis) -> Line {
    let f = &s.figure;
    let p = |x: Option<f64>| numbers::percent(x, lang);
    let bar = match (f.ci, f.adjusted_pct, unit_pct) {
        (Some(ci), Some(adj), Some(m)) => Some(Bar {
            low: fixed(axis.at(ci.low)),
            width: fixed(axis.at(ci.high) - axis.at(ci.low)),
            dot: fixed(axis.at(adj)),
            unit: fixed(axis.at(m)),
            label: tr(lang, "officers.bar_label")
                .replace("{low}", &p(Some(ci.low)))
                .replace("{high}", &p(Some(ci.high)))
                .replace("{adj}", &p(Some(adj)))
                .replace("{m}", &p(Some(m))),
        }),
        _ => None,
    };
    let raw = match f.ci {
        Some(ci) => format!(
            "{} ({}–{})",
            p(f.raw_pct),
            p(Some(ci.low)),
            p(Some(ci.high))
        ),
        None => "–".into(),
    };
    Line {
        who: s.who.clone(),
        ratings: format!(
            "{} ({})",
            numbers::count(f.ratings, lang),
            numbers::count(s.flagged, lang)
        ),
        adjusted: p(f.adjusted_pct),
        raw,
        bar,
        band: f.band.as_str(),
        band_text: band_text(lang, f.band, min_n),
        missing: tr(lang, "officers.missing").replace(
            "{n}",
            &numbers::count(min_n.saturating_sub(f.ratings), lang),
        ),
        survey: match s.survey_sipas {
            Some(sipas) => format!(
                "{} (SIPAS {})",
                numbers::count(s.survey, lang),
                p(Some(sipas))
            ),
            None => numbers::count(s.survey, lang),
        },
    }
}

pub fn unit_view(lang: Lang, u: &UnitStandings, min_n: u64) -> UnitView {
    let share = tr(lang, "officers.unit_share")
        .replace("{pct}", &numbers::percent(u.unit_pct, lang))
        .replace("{n}", &numbers::count(u.ratings, lang))
        .replace("{flagged}", &numbers::count(u.flagged, lang))
        .replace("{unattributed}", &numbers::count(u.unattributed, lang));
    let axis = Axis::of(u);
    let lines = |of: &[Standing]| -> Vec<Line> {
        of.iter()
            .map(|s| line(lang, s, u.unit_pct, min_n, axis))
            .collect()
    };
    let tables = [
        ("officers.officers", "officers.officer", lines(&u.officers)),
        ("officers.counters", "officers.counter", lines(&u.counters)),
    ]
    .into_iter()
    .filter(|(_, _, l)| !l.is_empty())
    .map(|(caption, first, all)| {
        let (few, lines) = all
            .into_iter()
            .partition(|l| l.band == Band::TooFew.as_str());
        Lines {
            caption: tr(lang, caption),
            first: tr(lang, first),
            survey: first == "officers.officer",
            lines,
            few,
            few_head: tr(lang, "officers.few").replace("{n}", &min_n.to_string()),
        }
    })
    .collect();
    UnitView {
        name: u.unit_name.clone(),
        code: u.unit_code.clone(),
        share,
        axis: match lang {
            Lang::Vi => format!("{:.0}–100 %", axis.from),
            Lang::En => format!("{:.0}–100%", axis.from),
        },
        ticks: axis.ticks(lang),
        tables,
    }
}

/// One unit's trend: the periods' labels, and per officer or counter the adjusted share with
/// the raw share's interval in each period ("–": too few ratings or none).
#[derive(Debug, Clone)]
pub struct TrendView {
    pub unit_name: String,
    pub heads: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
}

pub fn trend_views(
    lang: Lang,
    trend: &[(crate::domain::period::Period, Vec<UnitStandings>)],
) -> Vec<TrendView> {
    let Some((_, latest)) = trend.last() else {
        return Vec::new();
    };
    let p = |x: Option<f64>| numbers::percent(x, lang);
    let cell = |s: Option<&Standing>| match s.map(|s| &s.figure) {
        Some(f) if f.band != Band::TooFew => match (f.adjusted_pct, f.ci) {
            (Some(adj), Some(ci)) => format!(
                "{} ({}–{})",
                p(Some(adj)),
                p(Some(ci.low)),
                p(Some(ci.high))
            ),
            _ => "–".into(),
        },
        _ => "–".into(),
    };
    latest
        .iter()
        .map(|u| {
            let mut names: Vec<String> = Vec::new();
            for (_, units) in trend {
                for s in units
                    .iter()
                    .filter(|x| x.unit_code == u.unit_code)
                    .flat_map(|x| x.officers.iter().chain(&x.counters))
                {
                    if !names.contains(&s.who) {
                        names.push(s.who.clone());
                    }
                }
            }
            let rows = names
                .into_iter()
                .map(|who| {
                    let cells = trend
                        .iter()
                        .map(|(_, units)| {
                            cell(
                                units
                                    .iter()
                                    .filter(|x| x.unit_code == u.unit_code)
                                    .flat_map(|x| x.officers.iter().chain(&x.counters))
                                    .find(|s| s.who == who),
                            )
                        })
                        .collect();
                    (who, cells)
                })
                .collect();
            TrendView {
                unit_name: u.unit_name.clone(),
                heads: trend
                    .iter()
                    .map(|(period, _)| period.label.clone())
                    .collect(),
                rows,
            }
        })
        .filter(|t| !t.rows.is_empty())
        .collect()
}
