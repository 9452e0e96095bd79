//! The anonymised raw responses of a period, one row per response and one column per
//! question code, streamed in batches so memory stays flat however many rows there are.
//! No ticket code, no time of day: a date, a unit and the answers. Comments are masked
//! (phone numbers, e-mails, ID numbers) and cells a spreadsheet would run are neutralised.

use std::collections::BTreeSet;
use std::io::Write;

use diesel::prelude::*;

use crate::domain::form::{AnswerValue, Answers};
use crate::domain::period::Period;
use crate::domain::privacy;
use crate::render::table::{safe_cell, BOM};
use crate::service::forms::FormRegistry;
use crate::store::schema::{responses, units};
use crate::store::{Store, StoreError};

pub const BATCH: i64 = 5000;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export failed: {0}")]
    Write(String),
    #[error("responses were given on form {0}, which is not loaded")]
    MissingForm(String),
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        ExportError::Write(e.to_string())
    }
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::Write(e.to_string())
    }
}

type Row = (
    i64,
    String,
    String,
    i32,
    String,
    chrono::NaiveDate,
    String,
    Option<String>,
    bool,
);

/// Writes the CSV to `out`, flushing after every batch. Returns the number of rows.
pub fn responses_csv<W: Write>(
    store: &Store,
    forms: &FormRegistry,
    period: &Period,
    only_unit: Option<&str>,
    mut out: W,
) -> Result<u64, ExportError> {
    let (versions, names) = store.read(|c| -> Result<_, StoreError> {
        let mut q = responses::table
            .filter(responses::local_date.ge(period.start))
            .filter(responses::local_date.le(period.end))
            .select((responses::form_id, responses::form_version))
            .distinct()
            .into_boxed();
        if let Some(u) = only_unit {
            q = q.filter(responses::unit_code.eq(u));
        }
        let versions: Vec<(String, i32)> = q.load(c)?;
        let names: Vec<(String, String)> =
            units::table.select((units::code, units::name)).load(c)?;
        Ok((versions, names))
    })?;
    let names: std::collections::BTreeMap<String, String> = names.into_iter().collect();
    let mut columns: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut versions = versions;
    versions.sort();
    for (id, v) in &versions {
        let form = forms
            .get(id, u32::try_from(*v).unwrap_or_default())
            .ok_or_else(|| ExportError::MissingForm(format!("{id}@{v}")))?;
        for col in form.answer_columns() {
            if seen.insert(col.clone()) {
                columns.push(col);
            }
        }
    }
    out.write_all(BOM.as_bytes())?;
    let mut w = csv::WriterBuilder::new().from_writer(out);
    let mut header: Vec<String> = ["date", "unit_code", "unit_name", "form", "source"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(columns.iter().cloned());
    header.extend(["comment".to_string(), "synthetic".to_string()]);
    w.write_record(&header)?;
    let mut last_id = 0i64;
    let mut count = 0u64;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    loop {
        let batch: Vec<Row> = store.read(|c| {
            let mut q = responses::table
                .filter(responses::id.gt(last_id))
                .filter(responses::local_date.ge(period.start))
                .filter(responses::local_date.le(period.end))
                .order(responses::id)
                .limit(BATCH)
                .select((
                    responses::id,
                    responses::unit_code,
                    responses::form_id,
                    responses::form_version,
                    responses::source,
                    responses::local_date,
                    responses::answers,
                    responses::comment,
                    responses::synthetic,
                ))
                .into_boxed();
            if let Some(u) = only_unit {
                q = q.filter(responses::unit_code.eq(u));
            }
            q.load(c).map_err(StoreError::from)
        })?;
        let Some(last) = batch.last() else { break };
        last_id = last.0;
        for (_, unit, form_id, version, source, day, answers, comment, synthetic) in &batch {
            let values = Answers::from_json(answers)
                .map_err(|e| StoreError::Corrupt(format!("answers: {e}")))?;
            record.clear();
            record.push(day.to_string());
            record.push(unit.clone());
            record.push(safe_cell(names.get(unit).map(String::as_str).unwrap_or("")));
            record.push(format!("{form_id}@{version}"));
            record.push(source.clone());
            for col in &columns {
                record.push(match values.get(col) {
                    None => String::new(),
                    Some(AnswerValue::Score(s)) => s.to_string(),
                    Some(AnswerValue::Choice(c)) => c.clone(),
                    Some(AnswerValue::Choices(list)) => list.join(";"),
                });
            }
            record.push(
                comment
                    .as_deref()
                    .map(|c| safe_cell(&privacy::mask(c)))
                    .unwrap_or_default(),
            );
            record.push(if *synthetic {
                "synthetic".into()
            } else {
                String::new()
            });
            w.write_record(&record)?;
            count += 1;
        }
        w.flush()?;
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    w.flush()?;
    Ok(count)
}
