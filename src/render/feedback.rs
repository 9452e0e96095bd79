//! Feedback items as CSV for Excel: a byte-order mark, one row per item, text masked, a
//! contact column filled only in an admin's export with contacts.

use crate::domain::feedback::ExportItem;
use crate::render::table::{safe_cell, BOM};

pub const EXPORT_HEADER: [&str; 17] = [
    "id",
    "unit",
    "subject",
    "status",
    "received",
    "decided",
    "answered",
    "published",
    "answer_due",
    "overdue",
    "answered_on_time",
    "reply_satisfied",
    "from_survey",
    "text_masked",
    "reply",
    "decline_reason",
    "contact",
];

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn flag(b: Option<bool>) -> String {
    match b {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

pub fn csv(items: &[ExportItem]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(BOM.as_bytes().to_vec());
    w.write_record(EXPORT_HEADER)?;
    for i in items {
        w.write_record([
            i.id.to_string(),
            i.unit.clone(),
            safe_cell(&i.subject),
            i.status.clone(),
            i.received.to_string(),
            date(i.decided),
            date(i.answered),
            date(i.published),
            date(i.answer_due),
            i.overdue.unwrap_or_default().to_string(),
            flag(i.answered_on_time),
            flag(i.reply_satisfied),
            if i.from_survey { "yes" } else { "no" }.to_string(),
            safe_cell(&i.text_masked),
            safe_cell(i.reply.as_deref().unwrap_or_default()),
            safe_cell(i.decline_reason.as_deref().unwrap_or_default()),
            safe_cell(i.contact.as_deref().unwrap_or_default()),
        ])?;
    }
    w.flush()?;
    Ok(w.get_ref().clone())
}
