//! The report as one self-contained HTML page (inline CSS and SVG, nothing fetched), in
//! Vietnamese or English, laid out for A4 portrait: what a clerk e-mails and a chairman prints.

use crate::texts::tr;
use askama::Template;

use crate::domain::index::Measure;
use crate::domain::lang::Lang;
use crate::domain::report::ReportData;
use crate::domain::table::IndexRow;
use crate::render::chart::{self, Bar, Point};
use crate::render::numbers::{change, count, decimal, percent};

pub struct Texts {
    pub demo: &'static str,
    pub sipas: &'static str,
    pub change: &'static str,
    pub responses: &'static str,
    pub participation: &'static str,
    pub overall: &'static str,
    pub online: &'static str,
    pub by_unit: &'static str,
    pub bars_note: &'static str,
    pub factors: &'static str,
    pub factors_caption: &'static str,
    pub unit: &'static str,
    pub trend: &'static str,
    pub expectations: &'static str,
    pub area: &'static str,
    pub share: &'static str,
    pub other_forms: &'static str,
    pub method: &'static str,
    pub period: &'static str,
    pub form: &'static str,
    pub indices_def: &'static str,
    pub indices_text: &'static str,
    pub ci_def: &'static str,
    pub ci_text: &'static str,
    pub change_text: &'static str,
    pub sample: &'static str,
    pub feedback: &'static str,
    pub fb_received: &'static str,
    pub fb_answered: &'static str,
    pub fb_on_time: &'static str,
    pub fb_median: &'static str,
    pub fb_satisfied: &'static str,
    pub change_col: &'static str,
    pub top_ten: &'static str,
    pub bottom_ten: &'static str,
    pub the_rest: &'static str,
    pub lineage_note: &'static str,
    pub weighting: &'static str,
    pub weighting_text: &'static str,
    pub lineage: &'static str,
    pub lineage_text: &'static str,
}

fn texts(lang: Lang) -> Texts {
    Texts {
        demo: tr(lang, "common.demo"),
        sipas: tr(lang, "report_page.sipas"),
        change: tr(lang, "report_page.change"),
        responses: tr(lang, "report_page.responses"),
        participation: tr(lang, "report_page.participation"),
        overall: tr(lang, "report_page.overall"),
        online: tr(lang, "report_page.online"),
        by_unit: tr(lang, "report_page.by_unit"),
        bars_note: tr(lang, "report_page.bars_note"),
        factors: tr(lang, "report_page.factors"),
        factors_caption: tr(lang, "report_page.factors_caption"),
        unit: tr(lang, "report_page.unit"),
        trend: tr(lang, "report_page.trend"),
        expectations: tr(lang, "report_page.expectations"),
        area: tr(lang, "report_page.area"),
        share: tr(lang, "report_page.share"),
        other_forms: tr(lang, "report_page.other_forms"),
        method: tr(lang, "report_page.method"),
        period: tr(lang, "report_page.period"),
        form: tr(lang, "report_page.form"),
        indices_def: tr(lang, "report_page.indices_def"),
        indices_text: tr(lang, "report_page.indices_text"),
        ci_def: tr(lang, "report_page.ci_def"),
        ci_text: tr(lang, "report_page.ci_text"),
        change_text: tr(lang, "report_page.change_text"),
        sample: tr(lang, "report_page.sample"),
        feedback: tr(lang, "report_page.feedback"),
        fb_received: tr(lang, "report_page.fb_received"),
        fb_answered: tr(lang, "report_page.fb_answered"),
        fb_on_time: tr(lang, "report_page.fb_on_time"),
        fb_median: tr(lang, "report_page.fb_median"),
        fb_satisfied: tr(lang, "report_page.fb_satisfied"),
        change_col: tr(lang, "report_page.change_col"),
        top_ten: tr(lang, "report_page.top_ten"),
        bottom_ten: tr(lang, "report_page.bottom_ten"),
        the_rest: tr(lang, "report_page.the_rest"),
        lineage_note: tr(lang, "report_page.lineage_note"),
        weighting: tr(lang, "report_page.weighting"),
        weighting_text: tr(lang, "report_page.weighting_text"),
        lineage: tr(lang, "report_page.lineage"),
        lineage_text: tr(lang, "report_page.lineage_text"),
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    lang: &'static str,
    t: &'a Texts,
    title: &'static str,
    district: String,
    period_label: String,
    period_text: String,
    running_head: String,
    switch_url: String,
    switch_lang: &'static str,
    switch_label: &'static str,
    synthetic: bool,
    published: Option<String>,
    sipas: String,
    sipas_ci: String,
    change: String,
    change_note: String,
    responses: String,
    /// The responses by how they came, and the paper sheets not yet counted.
    sources: String,
    participation: String,
    overall: String,
    online: String,
    bars: String,
    factor_heads: Vec<String>,
    rows: Vec<RowView>,
    trend: String,
    expectations: Vec<(String, String, String)>,
    other_forms: Vec<String>,
    form_text: String,
    alphas: String,
    sample_text: String,
    staff: Option<String>,
    feedback_summary: String,
    /// Units between the top and the bottom ten: rank, name, SIPAS, n, change.
    compact: Vec<(usize, String, String, String, String)>,
    feedback_rows: Vec<[String; 6]>,
    feedback_def: String,
    /// Desk ratings per unit: name, n, satisfied, interval, flagged, reasons.
    desk_rows: Vec<[String; 6]>,
    desk_heads: [&'static str; 7],
    /// The reasons of all units' low ratings, as bars.
    desk_chart: String,
}

struct RowView {
    name: String,
    /// SIPAS now minus the previous period's (rebuilt through the lineage: †).
    change: String,
    small: bool,
    n: String,
    cells: Vec<(String, &'static str)>,
    sipas: (String, &'static str),
}

fn shade(x: Option<f64>) -> &'static str {
    match x {
        Some(v) if v >= 90.0 => "g4",
        Some(v) if v >= 80.0 => "g3",
        Some(v) if v >= 70.0 => "g2",
        Some(_) => "g1",
        None => "",
    }
}

fn ci_text(m: &Measure, lang: Lang) -> String {
    match m.ci {
        Some(ci) => format!(
            "{} – {}",
            percent(Some(ci.low), lang),
            percent(Some(ci.high), lang)
        ),
        None => "–".into(),
    }
}

/// The desk table's unit rows, written out (the reasons by their names, in the law's order).
fn desk_rows(rows: &[crate::domain::desk::DeskRow], lang: Lang) -> Vec<[String; 6]> {
    rows.iter()
        .filter(|r| r.figures.ratings + r.figures.flagged > 0)
        .map(|r| {
            let f = &r.figures;
            let name = if r.unit_code == "TOTAL" {
                tr(lang, "report_page.desk_all").to_string()
            } else {
                r.unit_name.clone()
            };
            let reasons = f
                .reasons
                .iter()
                .map(|(code, share)| {
                    format!(
                        "{} {}",
                        tr(lang, reason_key(code)),
                        percent(Some(*share), lang)
                    )
                })
                .collect::<Vec<_>>()
                .join(" · ");
            let ci =
                f.ci.map(|i| {
                    format!(
                        "{}–{}",
                        percent(Some(i.low), lang),
                        percent(Some(i.high), lang)
                    )
                })
                .unwrap_or_default();
            [
                name,
                count(f.ratings, lang),
                percent(f.satisfied_pct, lang),
                ci,
                count(f.flagged, lang),
                reasons,
            ]
        })
        .collect()
}

/// The reasons given with low ratings over all units, as bars (empty without any).
fn desk_chart(rows: &[crate::domain::desk::DeskRow], lang: Lang) -> String {
    let Some(total) = rows.iter().find(|r| r.unit_code == "TOTAL") else {
        return String::new();
    };
    let bars: Vec<chart::Bar> = total
        .figures
        .reasons
        .iter()
        .map(|(code, share)| chart::Bar {
            label: tr(lang, reason_key(code)).to_string(),
            value: Some(*share),
            low: None,
            high: None,
            small: false,
            text: percent(Some(*share), lang),
        })
        .collect();
    if bars.is_empty() {
        return String::new();
    }
    let title = tr(lang, "report_page.desk_reasons");
    chart::bars_with_id("bd", title, title, &bars)
}

/// The text key of a reason's name.
pub fn reason_key(code: &str) -> &'static str {
    match code {
        "time" => "kiosk.reason_time",
        "agencies" => "kiosk.reason_agencies",
        "visits" => "kiosk.reason_visits",
        "information" => "kiosk.reason_information",
        "conduct" => "kiosk.reason_conduct",
        "cost" => "kiosk.reason_cost",
        "explanation" => "kiosk.reason_explanation",
        "online" => "kiosk.reason_online",
        _ => "kiosk.reason_other",
    }
}

fn feedback_summary(f: &crate::domain::feedback::Figures, lang: Lang) -> String {
    if f.received == 0 {
        return tr(lang, "report_page.fb_none").to_string();
    }
    tr(lang, "report_page.fb_summary")
        .replace("{received}", &count(f.received, lang))
        .replace("{declined}", &count(f.declined, lang))
        .replace("{answered}", &count(f.answered, lang))
        .replace("{on_time}", &percent(f.on_time_pct(), lang))
        .replace("{median}", &decimal(f.median_days, lang))
        .replace("{satisfied}", &percent(f.reply_satisfied_pct(), lang))
        .replace("{rated}", &count(f.rated, lang))
}

/// Above this many units the report shows the top and bottom ten and lists the rest compactly.
const MANY: usize = 24;
const EDGE: usize = 10;

/// Extra bits the caller adds: a "published on" line, and (for staff) the publishing form.
#[derive(Default)]
pub struct Extras {
    pub published: Option<String>,
    pub staff_html: Option<String>,
    /// The page's own address without the query, for the language switch.
    pub self_url: String,
}

/// A form's source as printed in a report of `lang`. The source is one text of the form
/// file; a note in brackets written in English only (`(wording to confirm …)`) is said in
/// Vietnamese in a Vietnamese report, so that it prints no English.
pub fn source_in(source: &str, lang: Lang) -> String {
    let Some((before, note)) = source.trim_end().rsplit_once(" (") else {
        return source.to_string();
    };
    let english = note.ends_with(')') && note.is_ascii() && note.chars().any(char::is_alphabetic);
    if lang == Lang::Vi && english {
        format!("{before} ({})", tr(lang, "report.source_note"))
    } else {
        source.to_string()
    }
}

pub fn render(
    data: &ReportData,
    district: &str,
    lang: Lang,
    extras: Extras,
) -> Result<String, askama::Error> {
    let texts = texts(lang);
    let t = &texts;
    let total: Option<&IndexRow> = data.total.as_ref();
    let factor_heads: Vec<String> = data
        .form
        .components
        .iter()
        .map(|c| c.title.get(lang).to_string())
        .collect();
    // A province (more than MANY units): the top and bottom ten in the charts and the factors
    // table, every other unit in a compact ranked list; at most four A4 pages.
    let many = data.units.len() > MANY;
    // Units with an index, best first (as gathered); units without responses after them.
    let ranked: Vec<&IndexRow> = data
        .units
        .iter()
        .filter(|r| r.indices.sipas.index.is_some())
        .collect();
    let unranked = data
        .units
        .iter()
        .filter(|r| r.indices.sipas.index.is_none());
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
    let compact: Vec<(usize, String, String, String, String)> = if many {
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
    } else {
        Vec::new()
    };
    let rows: Vec<RowView> = shown
        .iter()
        .copied()
        .chain(total)
        .map(|r| RowView {
            name: if r.unit_code == crate::domain::table::TOTAL {
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
            small: r.responses < crate::domain::table::SMALL_SAMPLE,
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
        })
        .collect();
    let bars: Vec<Bar> = shown
        .iter()
        .map(|r| Bar {
            label: r.unit_name.clone(),
            value: r.indices.sipas.index,
            low: r.indices.sipas.ci.map(|c| c.low),
            high: r.indices.sipas.ci.map(|c| c.high),
            small: r.responses < crate::domain::table::SMALL_SAMPLE,
            text: percent(r.indices.sipas.index, lang),
        })
        .collect();
    let describe = |list: &[Bar]| {
        list.iter()
            .map(|b| format!("{}: {}", b.label, b.text))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let bars_html = if many {
        let (top, bottom) = bars.split_at(edge.min(bars.len()));
        format!(
            "<h3>{}</h3>{}<h3>{}</h3>{}",
            t.top_ten,
            chart::bars_with_id("bh", t.top_ten, &describe(top), top),
            t.bottom_ten,
            chart::bars_with_id("bl", t.bottom_ten, &describe(bottom), bottom)
        )
    } else {
        chart::bars(t.by_unit, &describe(&bars), &bars)
    };
    let points: Vec<Point> = data
        .trend
        .iter()
        .map(|p| Point {
            label: p.label.clone(),
            value: p.sipas.as_ref().and_then(|m| m.index),
            low: p.sipas.as_ref().and_then(|m| m.ci.map(|c| c.low)),
            high: p.sipas.as_ref().and_then(|m| m.ci.map(|c| c.high)),
            rebuilt: p.rebuilt,
        })
        .collect();
    let rule_label = data.break_on.map(|d| d.format("%d/%m/%Y").to_string());
    let rule = rule_label.as_deref().and_then(|label| {
        let day = data.break_on?;
        let i = data.trend.iter().position(|p| p.start >= day)?;
        Some((i, label))
    });
    let trend_desc = points
        .iter()
        .map(|p| format!("{}: {}", p.label, percent(p.value, lang)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut expectations: Vec<(String, f64, String, String)> =
        match (&data.form.expectations, total) {
            (Some(e), Some(r)) => r
                .indices
                .expectations
                .iter()
                .filter_map(|m| {
                    let label = e
                        .options
                        .iter()
                        .find(|o| o.code == m.code)?
                        .text
                        .as_ref()?
                        .get(lang)
                        .to_string();
                    Some((
                        label,
                        m.index.unwrap_or(-1.0),
                        percent(m.index, lang),
                        count(m.n_satisfied.unwrap_or(0), lang),
                    ))
                })
                .collect(),
            _ => Vec::new(),
        };
    expectations.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (change_value, change_note) = match &data.change {
        Some(c) => (
            format!("{} {}", change(c.points, lang), tr(lang, "report.pts")),
            format!(
                "{} {} · {}",
                tr(lang, "report.vs"),
                c.previous_label,
                if c.significant {
                    tr(lang, "report.significant")
                } else {
                    tr(lang, "report.not_significant")
                }
            ),
        ),
        None => ("–".into(), tr(lang, "report.no_previous_period").into()),
    };
    let alphas = total
        .map(|r| {
            r.indices
                .factors
                .iter()
                .zip(&data.form.components)
                .map(|(f, c)| {
                    format!(
                        "{}: {}",
                        c.title.get(lang),
                        f.alpha
                            .map(|a| decimal(Some(a), lang))
                            .unwrap_or_else(|| "–".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default();
    let responses_n = total.map(|r| r.responses).unwrap_or(0);
    let sample_text = format!(
        "{} {} {} {}.",
        tr(lang, "report.needed_for_5_at_95"),
        count(data.sample_needed, lang),
        tr(lang, "report.responses_this_period_has"),
        count(responses_n, lang)
    );
    let period_text = format!(
        "{} {} ({} – {}; {})",
        tr(lang, "report.period"),
        data.period.label,
        data.period.start.format("%d/%m/%Y"),
        data.period.end.format("%d/%m/%Y"),
        match data.period.scheme {
            crate::domain::period::Scheme::Calendar => tr(lang, "report.calendar_periods"),
            crate::domain::period::Scheme::Decree09 =>
                tr(lang, "report.reporting_cut_off_of_decree_09"),
        }
    );
    let page = ReportPage {
        lang: lang.code(),
        t,
        title: tr(lang, "report.citizen_satisfaction_survey"),
        district: district.to_string(),
        period_label: data.period.label.clone(),
        running_head: format!("{district} · {}", data.period.label).replace('"', "'"),
        period_text,
        switch_url: format!("{}{}", extras.self_url, tr(lang, "report.lang_vi")),
        switch_lang: tr(lang, "report.vi"),
        switch_label: tr(lang, "report.ti_ng_vi_t"),
        synthetic: data.synthetic,
        published: extras.published,
        sipas: total
            .map(|r| percent(r.indices.sipas.index, lang))
            .unwrap_or_else(|| "–".into()),
        sipas_ci: total
            .map(|r| ci_text(&r.indices.sipas, lang))
            .unwrap_or_else(|| "–".into()),
        change: change_value,
        change_note,
        responses: count(responses_n, lang),
        sources: sources_text(lang, total.map(|r| &r.extras.sources), data.paper_waiting),
        participation: total
            .map(|r| percent(r.participation, lang))
            .unwrap_or_else(|| "–".into()),
        overall: total
            .and_then(|r| r.indices.overall.as_ref())
            .map(|m| percent(m.index, lang))
            .unwrap_or_else(|| "–".into()),
        online: total
            .map(|r| percent(r.indices.online.index, lang))
            .unwrap_or_else(|| "–".into()),
        bars: bars_html,
        compact,
        factor_heads,
        rows,
        trend: if points.len() >= 2 {
            chart::trend(t.trend, &trend_desc, &points, rule)
        } else {
            String::new()
        },
        expectations: expectations
            .into_iter()
            .map(|(a, _, b, c)| (a, b, c))
            .collect(),
        other_forms: data
            .other_forms
            .iter()
            .map(|r| {
                format!(
                    "{}@{}: {} {}, SIPAS {}",
                    r.form_id,
                    r.form_version,
                    count(r.responses, lang),
                    tr(lang, "report.responses"),
                    percent(r.indices.sipas.index, lang)
                )
            })
            .collect(),
        form_text: format!(
            "{} ({}@{}){}",
            data.form.title.get(lang),
            data.form.id,
            data.form.version,
            data.form
                .source
                .as_deref()
                .map(|s| format!(" — {}", source_in(s, lang)))
                .unwrap_or_default()
        ),
        alphas,
        sample_text,
        staff: extras.staff_html,
        feedback_summary: feedback_summary(&data.feedback_total, lang),
        desk_rows: desk_rows(&data.desk, lang),
        desk_chart: desk_chart(&data.desk, lang),
        desk_heads: [
            tr(lang, "report_page.desk"),
            tr(lang, "report_page.desk_note"),
            tr(lang, "report_page.desk_ratings"),
            tr(lang, "report_page.desk_satisfied"),
            tr(lang, "report_page.desk_ci"),
            tr(lang, "report_page.desk_flagged"),
            tr(lang, "report_page.desk_reasons"),
        ],
        feedback_rows: data
            .feedback_units
            .iter()
            .map(|(name, f)| {
                [
                    name.clone(),
                    count(f.received, lang),
                    count(f.answered, lang),
                    percent(f.on_time_pct(), lang),
                    decimal(f.median_days, lang),
                    percent(f.reply_satisfied_pct(), lang),
                ]
            })
            .collect(),
        feedback_def: tr(lang, "report_page.fb_def")
            .replace("{answer}", &data.feedback_deadlines.answer.to_string()),
    };
    page.render()
}

/// "Poster QR 120 · code slips 40 · paper 10", and the paper sheets still waiting.
pub fn sources_text(
    lang: Lang,
    sources: Option<&std::collections::BTreeMap<String, u64>>,
    (pending, disputed): (usize, usize),
) -> String {
    let names = [
        ("poster", "report_page.src_poster"),
        ("ticket", "report_page.src_ticket"),
        ("paper", "report_page.src_paper"),
        ("api", "report_page.src_api"),
    ];
    let mut parts: Vec<String> = names
        .iter()
        .filter_map(|(code, key)| {
            let n = *sources?.get(*code)?;
            (n > 0).then(|| format!("{} {}", tr(lang, key), count(n, lang)))
        })
        .collect();
    if pending + disputed > 0 {
        parts.push(
            tr(lang, "report_page.src_waiting")
                .replace("{pending}", &count(pending as u64, lang))
                .replace("{disputed}", &count(disputed as u64, lang)),
        );
    }
    parts.join(" · ")
}
