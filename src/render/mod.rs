//! Turning values into bytes for people: QR codes, CSV and spreadsheets, charts,
//! numbers, reports, and pre-compressed pages.

pub mod card;
pub mod chart;
pub mod desk;
pub mod feedback;
pub mod invitations;
pub mod numbers;
pub mod officers;
pub mod paper;
pub mod privacy;
pub mod qr;
pub mod report;
pub mod slips;
pub mod splice;
pub mod table;
pub mod topics;
pub mod xlsx;

/// Text for HTML or SVG built outside a template, escaped exactly as the templates escape it
/// (askama's HTML escaper): the one escaper of the code base.
pub fn escape(text: &str) -> String {
    askama::filters::escape(text, askama::filters::Html)
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// A period's human name: "Quý 2/2026", "Q2 2026".
pub fn period_name(p: &crate::domain::period::Period, lang: crate::domain::lang::Lang) -> String {
    let (key, n) = match p.kind {
        crate::domain::period::Kind::Quarter(q) => ("site.period_quarter", q),
        crate::domain::period::Kind::Half(1) => ("site.period_half1", 0),
        crate::domain::period::Kind::Half(_) => ("site.period_half2", 0),
        crate::domain::period::Kind::NineMonths => ("site.period_nine", 0),
        crate::domain::period::Kind::Year => ("site.period_year", 0),
        crate::domain::period::Kind::Month(m) => ("site.period_month", m),
        crate::domain::period::Kind::Custom => return p.label.clone(),
    };
    let n = if matches!(p.kind, crate::domain::period::Kind::Month(_)) {
        format!("{n:02}")
    } else {
        n.to_string()
    };
    crate::texts::tr(lang, key)
        .replace("{n}", &n)
        .replace("{year}", &p.year.to_string())
}
