//! Printed questionnaires (Decree 118/2025 Art. 31(a)): one sheet of A4 paper per citizen,
//! two sides. Side one: the unit, the sheet's one-time code in groups with a small QR code that
//! opens the phone form for that code, how to fill it in, and the criteria with a box per scale
//! value. Side two: the overall question, the expectations, the profile questions with their
//! options numbered (the number is what the typist types), comment lines and the date. Text at
//! 11 pt or more; each side begins a page, so N sheets are 2N pages.

use askama::Template;

use crate::domain::form::Form;
use crate::domain::lang::Lang;
use crate::domain::paper::{rows, Row, RowKind};
use crate::domain::ticket::IssuedTicket;
use crate::render::qr;
use crate::texts::tr;

/// Sheets are printed for citizens at a desk in Vietnam: in Vietnamese.
const VI: Lang = Lang::Vi;

pub struct SheetView {
    pub code: String,
    pub qr_svg: String,
    pub url: String,
    pub expires: String,
}

/// A group of rows under a heading (a factor, the expectations, …).
pub struct Group {
    pub heading: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "paper.html")]
struct Sheets<'a> {
    title: String,
    unit_name: &'a str,
    legend: String,
    scores: Vec<Group>,
    overall: Vec<Row>,
    ticks: Vec<Group>,
    levels: Vec<Group>,
    choices: Vec<Row>,
    comment: Option<String>,
    sheets: Vec<SheetView>,
    t_code: &'static str,
    t_how: &'static str,
    t_scan: &'static str,
    t_valid: &'static str,
    t_date: &'static str,
    t_thanks: &'static str,
    t_tick: &'static str,
    t_print: &'static str,
    t_back: &'static str,
    t_duplex: &'static str,
}

/// Rows grouped under their headings, in order.
fn grouped(rows: impl Iterator<Item = Row>) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(g) if g.heading == r.group => g.rows.push(r),
            _ => out.push(Group {
                heading: r.group.clone(),
                rows: vec![r],
            }),
        }
    }
    out
}

/// The sheets of `tickets` (one per code) for `form`, as one HTML page to print.
pub fn sheets(
    public_url: &str,
    form: &Form,
    tickets: &[IssuedTicket],
) -> Result<String, qr::QrError> {
    let all = rows(form, VI);
    let overall_key = form.overall.as_ref().map(|o| o.code.as_str());
    let is_overall = |r: &Row| Some(r.key.as_str()) == overall_key;
    let scores = grouped(
        all.iter()
            .filter(|r| r.kind == RowKind::Score && !is_overall(r))
            .cloned(),
    );
    let overall = all.iter().filter(|r| is_overall(r)).cloned().collect();
    let ticks = grouped(
        all.iter()
            .filter(|r| matches!(r.kind, RowKind::Tick { .. }))
            .cloned(),
    );
    let levels = grouped(
        all.iter()
            .filter(|r| matches!(r.kind, RowKind::Level(_)))
            .cloned(),
    );
    let choices = all
        .iter()
        .filter(|r| matches!(r.kind, RowKind::Choice { .. }))
        .cloned()
        .collect();
    let legend = form
        .scale
        .iter()
        .map(|l| format!("{} = {}", l.value, l.text.get(VI)))
        .collect::<Vec<_>>()
        .join(" · ");
    let unit_name = tickets.first().map(|t| t.unit.name.as_str()).unwrap_or("");
    let sheets = tickets
        .iter()
        .map(|t| {
            let url = crate::render::slips::ticket_url(public_url, t);
            Ok(SheetView {
                qr_svg: qr::inline_svg(&url, 90, tr(VI, "paper.qr_label"))?,
                code: t.code.grouped(),
                url,
                expires: crate::render::slips::expiry(t),
            })
        })
        .collect::<Result<Vec<_>, qr::QrError>>()?;
    Sheets {
        title: form.title.get(VI).to_string(),
        unit_name,
        legend,
        scores,
        overall,
        ticks,
        levels,
        choices,
        comment: form.comment.as_ref().map(|c| c.text.get(VI).to_string()),
        sheets,
        t_code: tr(VI, "paper.code"),
        t_how: tr(VI, "paper.how"),
        t_scan: tr(VI, "paper.scan"),
        t_valid: tr(VI, "paper.valid"),
        t_date: tr(VI, "paper.date"),
        t_thanks: tr(VI, "paper.thanks"),
        t_tick: tr(VI, "paper.tick"),
        t_print: tr(VI, "paper.print"),
        t_back: tr(VI, "paper.back"),
        t_duplex: tr(VI, "paper.duplex"),
    }
    .render()
    .map_err(|e| qr::QrError::new(e.to_string()))
}
