//! Turning values into bytes for people: QR codes, CSV and spreadsheets, charts,
//! numbers, reports, and pre-compressed pages.

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
