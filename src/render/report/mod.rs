//! The report as one self-contained HTML page (inline CSS and SVG, nothing fetched), in
//! Vietnamese or English, laid out for A4 portrait: what a clerk e-mails and a chairman prints.

mod actions;
mod sections;
mod texts;
mod topics;
mod units;

use crate::texts::tr;
use askama::Template;

use crate::domain::lang::Lang;
use crate::domain::report::ReportData;
use crate::domain::table::IndexRow;
use crate::render::numbers::{count, percent};

pub use sections::reason_key;
use sections::{ci_text, desk_chart, desk_rows, feedback_summary};
use texts::{texts, Texts};
pub use topics::topic_name;
use units::{Compact, RowView};

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
    /// "Mời qua Zalo/SMS: 1.240 gửi, 310 trả lời (25,0 %)" and the on-time share of returned
    /// dossiers (SPEC §11), each empty when there is none.
    invited: String,
    returned: String,
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
    compact: Vec<Compact>,
    feedback_rows: Vec<[String; 6]>,
    feedback_def: String,
    /// Desk ratings per unit: name, n, satisfied, interval, flagged, reasons.
    desk_rows: Vec<[String; 6]>,
    desk_heads: [&'static str; 7],
    /// The reasons of all units' low ratings, as bars.
    desk_chart: String,
    /// What citizens wrote about, when the period has comments.
    topics: Option<topics::TopicsView>,
    /// The section's heading and column heads.
    topics_heads: [&'static str; 6],
    /// "Đã nghe – đã làm": unit, what, status, the criterion's change.
    actions: Vec<actions::ActionLine>,
    actions_heading: &'static str,
}

/// Extra bits the caller adds: a "published on" line, and (for staff) the publishing form.
#[derive(Default)]
pub struct Extras {
    pub published: Option<String>,
    pub staff_html: Option<String>,
    /// The page's own address without the query, for the language switch.
    pub self_url: String,
}

/// A form's source as printed in a report: a note in brackets written in English only
/// (`(wording to confirm …)`) is left out — it is about the software's copy of the wording, and
/// the methodology page says it, in the reader's language (`source_caveat`).
pub fn source_in(source: &str) -> String {
    match source_caveat(source) {
        Some((before, _)) => before.to_string(),
        None => source.to_string(),
    }
}

/// The source without its English note, and the note, when it has one.
pub fn source_caveat(source: &str) -> Option<(&str, &str)> {
    let (before, note) = source.trim_end().rsplit_once(" (")?;
    let english = note.ends_with(')') && note.is_ascii() && note.chars().any(char::is_alphabetic);
    english.then_some((before, note.trim_end_matches(')')))
}

pub fn render(
    data: &ReportData,
    district: &str,
    lang: Lang,
    extras: Extras,
) -> Result<String, askama::Error> {
    let t = &texts(lang);
    let total: Option<&IndexRow> = data.total.as_ref();
    let headline = |f: &dyn Fn(&IndexRow) -> String| total.map(f).unwrap_or_else(|| "–".into());
    let units = units::units(data, lang, t);
    let (change, change_note) = sections::change_texts(data, lang);
    let responses_n = total.map(|r| r.responses).unwrap_or(0);
    let page = ReportPage {
        lang: lang.code(),
        t,
        title: tr(lang, "report.citizen_satisfaction_survey"),
        district: district.to_string(),
        period_label: data.period.label.clone(),
        running_head: format!("{district} · {}", data.period.label).replace('"', "'"),
        period_text: sections::period_text(data, lang),
        switch_url: format!("{}{}", extras.self_url, tr(lang, "report.lang_vi")),
        switch_lang: tr(lang, "report.vi"),
        switch_label: tr(lang, "report.ti_ng_vi_t"),
        synthetic: data.synthetic,
        published: extras.published,
        sipas: headline(&|r| percent(r.indices.sipas.index, lang)),
        sipas_ci: headline(&|r| ci_text(&r.indices.sipas, lang)),
        change,
        change_note,
        responses: count(responses_n, lang),
        sources: sources_text(lang, total.map(|r| &r.extras.sources), data.paper_waiting),
        participation: headline(&|r| percent(r.participation, lang)),
        invited: sections::invited_text(total, lang),
        returned: sections::returned_text(total, lang),
        overall: total
            .and_then(|r| r.indices.overall.as_ref())
            .map(|m| percent(m.index, lang))
            .unwrap_or_else(|| "–".into()),
        online: headline(&|r| percent(r.indices.online.index, lang)),
        bars: units.bars,
        compact: units.compact,
        factor_heads: data
            .form
            .components
            .iter()
            .map(|c| c.title.get(lang).to_string())
            .collect(),
        rows: units.rows,
        trend: sections::trend(data, lang, t),
        expectations: sections::expectations(data, total, lang),
        other_forms: sections::other_forms(data, lang),
        form_text: sections::form_text(data, lang),
        alphas: sections::alphas(data, total, lang),
        sample_text: sections::sample_text(data, responses_n, lang),
        staff: extras.staff_html,
        feedback_summary: feedback_summary(&data.feedback_total, lang),
        desk_rows: desk_rows(&data.desk, lang),
        desk_chart: desk_chart(&data.desk, lang),
        desk_heads: sections::desk_heads(lang),
        feedback_rows: sections::feedback_rows(data, lang),
        topics: topics::view(&data.topics, lang),
        actions: actions::lines(data, lang),
        actions_heading: tr(lang, "actions.heading"),
        topics_heads: [
            tr(lang, "report_page.topics"),
            tr(lang, "report_page.topics_topic"),
            tr(lang, "report_page.topics_complaints"),
            tr(lang, "report_page.topics_share"),
            t.ci_def,
            tr(lang, "report_page.topics_examples"),
        ],
        feedback_def: tr(lang, "report_page.fb_def")
            .replace("{answer}", &data.feedback_deadlines.answer.to_string()),
    };
    page.render()
}

/// "Poster QR 120 · code slips 40 · paper 10", and the paper sheets still waiting.
pub fn sources_text(
    lang: Lang,
    sources: Option<&std::collections::BTreeMap<String, u64>>,
    paper: crate::domain::paper::NotCounted,
) -> String {
    let names = [
        ("poster", "report_page.src_poster"),
        ("ticket", "report_page.src_ticket"),
        ("invitation", "report_page.src_invitation"),
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
    if paper.pending + paper.disputed > 0 {
        parts.push(
            tr(lang, "report_page.src_waiting")
                .replace("{pending}", &count(paper.pending, lang))
                .replace("{disputed}", &count(paper.disputed, lang)),
        );
    }
    if paper.void > 0 {
        parts.push(tr(lang, "report_page.src_void").replace("{n}", &count(paper.void, lang)));
    }
    parts.join(" · ")
}
