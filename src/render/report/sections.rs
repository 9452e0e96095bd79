//! The report's smaller sections, each written out in the page's language: the trend, the
//! expectations, the change since the previous period, the method's lines, feedback and the desk.

use crate::domain::index::Measure;
use crate::domain::lang::Lang;
use crate::domain::report::ReportData;
use crate::domain::table::IndexRow;
use crate::render::chart::{self, Point};
use crate::render::numbers::{change, count, decimal, percent};
use crate::texts::tr;

use super::texts::Texts;

pub(super) fn shade(x: Option<f64>) -> &'static str {
    match x {
        Some(v) if v >= 90.0 => "g4",
        Some(v) if v >= 80.0 => "g3",
        Some(v) if v >= 70.0 => "g2",
        Some(_) => "g1",
        None => "",
    }
}

pub(super) fn ci_text(m: &Measure, lang: Lang) -> String {
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
pub(super) fn desk_rows(rows: &[crate::domain::desk::DeskRow], lang: Lang) -> Vec<[String; 6]> {
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
pub(super) fn desk_chart(rows: &[crate::domain::desk::DeskRow], lang: Lang) -> String {
    let Some(total) = rows.iter().find(|r| r.unit_code == "TOTAL") else {
        return String::new();
    };
    // Most chosen first (issue 37): a reader sees what weighs most at the top.
    let mut reasons: Vec<&(&str, f64)> = total.figures.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.total_cmp(&a.1));
    let bars: Vec<chart::Bar> = reasons
        .into_iter()
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

/// The invitations of the period (SPEC §11), or nothing when none was sent.
pub(super) fn invited_text(total: Option<&crate::domain::table::IndexRow>, lang: Lang) -> String {
    let Some(c) = total.and_then(|r| r.extras.invited.as_ref()) else {
        return String::new();
    };
    tr(lang, "report_page.invited")
        .replace("{sent}", &count(c.delivered, lang))
        .replace("{answered}", &count(c.answered, lang))
        .replace("{pct}", &percent(c.response_pct(), lang))
}

/// The share of dossiers returned by their due day, or nothing without records.
pub(super) fn returned_text(total: Option<&crate::domain::table::IndexRow>, lang: Lang) -> String {
    let Some(r) = total.and_then(|r| r.extras.returned) else {
        return String::new();
    };
    tr(lang, "report_page.returned_on_time")
        .replace("{pct}", &percent(r.on_time_pct(), lang))
        .replace("{returned}", &count(r.returned, lang))
}

pub(super) fn feedback_summary(f: &crate::domain::feedback::Figures, lang: Lang) -> String {
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

/// The trend of the index over the periods, as a chart (empty with fewer than two periods).
pub(super) fn trend(data: &ReportData, lang: Lang, t: &Texts) -> String {
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
    if points.len() < 2 {
        return String::new();
    }
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
    chart::trend(t.trend, &trend_desc, &points, rule)
}

/// The citizens' expectations over all units, most wanted first: area, share, count.
pub(super) fn expectations(
    data: &ReportData,
    total: Option<&IndexRow>,
    lang: Lang,
) -> Vec<(String, String, String)> {
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
    expectations
        .into_iter()
        .map(|(a, _, b, c)| (a, b, c))
        .collect()
}

/// The change since the previous period and its note ("vs Q1 2026 · significant").
pub(super) fn change_texts(data: &ReportData, lang: Lang) -> (String, String) {
    match &data.change {
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
    }
}

/// Cronbach's alpha of each factor over all units.
pub(super) fn alphas(data: &ReportData, total: Option<&IndexRow>, lang: Lang) -> String {
    total
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
        .unwrap_or_default()
}

/// How many responses a ±5-point interval needs, and how many the period has.
pub(super) fn sample_text(data: &ReportData, responses: u64, lang: Lang) -> String {
    format!(
        "{} {} {} {}.",
        tr(lang, "report.needed_for_5_at_95"),
        count(data.sample_needed, lang),
        tr(lang, "report.responses_this_period_has"),
        count(responses, lang)
    )
}

/// The period, its days and its scheme.
pub(super) fn period_text(data: &ReportData, lang: Lang) -> String {
    format!(
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
    )
}

/// The other questionnaires answered in the period, one line each.
pub(super) fn other_forms(data: &ReportData, lang: Lang) -> Vec<String> {
    data.other_forms
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
        .collect()
}

/// The questionnaire's title, id@version and source.
pub(super) fn form_text(data: &ReportData, lang: Lang) -> String {
    format!(
        "{} ({}@{}){}",
        data.form.title.get(lang),
        data.form.id,
        data.form.version,
        data.form
            .source
            .as_deref()
            .map(|s| format!(" — {}", super::source_in(s)))
            .unwrap_or_default()
    )
}

/// Feedback per unit: name, received, answered, on time, median days, satisfied with the reply.
pub(super) fn feedback_rows(data: &ReportData, lang: Lang) -> Vec<[String; 6]> {
    data.feedback_units
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
        .collect()
}

/// The desk table's headings.
pub(super) fn desk_heads(lang: Lang) -> [&'static str; 7] {
    [
        tr(lang, "report_page.desk"),
        tr(lang, "report_page.desk_note"),
        tr(lang, "report_page.desk_ratings"),
        tr(lang, "report_page.desk_satisfied"),
        tr(lang, "report_page.desk_ci"),
        tr(lang, "report_page.desk_flagged"),
        tr(lang, "report_page.desk_reasons"),
    ]
}
