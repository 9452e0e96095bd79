//! The anonymised raw responses of a period, one row per response and one column per
//! question code, streamed in batches so memory stays flat however many rows there are.
//! No ticket code, no time of day: a date, a unit and the answers. Comments are masked
//! (phone numbers, e-mails, ID numbers) and cells a spreadsheet would run are neutralised.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::Write;

use crate::domain::period::Period;
use crate::domain::privacy;
use crate::render::table::{safe_cell, BOM};
use crate::service::forms::FormRegistry;
use crate::store::export::{self as export_store, ExportRow, BATCH};
use crate::store::{units, Conn, DbConnection, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export failed: {0}")]
    Write(String),
    #[error("responses were given on form {0}, which is not loaded")]
    MissingForm(String),
    #[error("there is no unit \"{0}\"")]
    UnknownUnit(String),
    #[error("other exports are running; try again in a minute")]
    Busy,
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

/// An export about to run: one connection of the export pool (see `Store::export_connection`),
/// held until the export ends, and the unit asked for, known to exist.
pub struct ExportSlot {
    conn: Conn,
}

/// Reserves an export connection, and checks the unit asked for exists, before anything is
/// sent: an unknown unit is a 404 and too many running exports a 503, as for the indices.
pub fn reserve(store: &Store, only_unit: Option<&str>) -> Result<ExportSlot, ExportError> {
    let mut conn = store.export_connection()?.ok_or(ExportError::Busy)?;
    if let Some(u) = only_unit {
        if units::get(&mut conn, u)?.is_none() {
            return Err(ExportError::UnknownUnit(u.to_string()));
        }
    }
    Ok(ExportSlot { conn })
}

/// Writes the CSV to `out`, flushing after every batch. Returns the number of rows.
pub fn responses_csv<W: Write>(
    store: &Store,
    forms: &FormRegistry,
    period: &Period,
    only_unit: Option<&str>,
    out: W,
) -> Result<u64, ExportError> {
    reserve(store, only_unit)?.responses_csv(forms, period, only_unit, out)
}

impl ExportSlot {
    /// Writes the CSV to `out` on the reserved connection.
    pub fn responses_csv<W: Write>(
        mut self,
        forms: &FormRegistry,
        period: &Period,
        only_unit: Option<&str>,
        out: W,
    ) -> Result<u64, ExportError> {
        write_responses(&mut self.conn, forms, period, only_unit, out)
    }
}

fn write_responses<W: Write>(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    period: &Period,
    only_unit: Option<&str>,
    mut out: W,
) -> Result<u64, ExportError> {
    let columns = answer_columns(conn, forms, period, only_unit)?;
    let names: HashMap<String, String> = crate::store::units::names(conn)?
        .into_iter()
        .map(|(code, name)| (code, safe_cell(&name)))
        .collect();
    out.write_all(BOM.as_bytes())?;
    let column_index: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut w = csv::WriterBuilder::new().from_writer(out);
    let mut header: Vec<String> = ["date", "unit_code", "unit_name", "form", "source"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(columns.iter().cloned());
    header.extend(["comment".to_string(), "synthetic".to_string()]);
    w.write_record(&header)?;
    let mut rows = RowWriter {
        w,
        record: vec![String::new(); header.len()],
        names: &names,
        column_index: &column_index,
        answers: columns.len(),
        last_day: chrono::NaiveDate::MIN,
        day_text: String::new(),
        count: 0,
    };
    stream(conn, period, only_unit, |row| rows.write(row))?;
    rows.w.flush()?;
    Ok(rows.count)
}

/// Every answer column of the forms answered in the period, in form order, each once.
fn answer_columns(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    period: &Period,
    only_unit: Option<&str>,
) -> Result<Vec<String>, ExportError> {
    let mut versions = export_store::versions_in(conn, period.start, period.end, only_unit)?;
    versions.sort();
    let mut columns: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
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
    Ok(columns)
}

/// Writes rows of the export into one reused record.
struct RowWriter<'a, W: Write> {
    w: csv::Writer<W>,
    record: Vec<String>,
    names: &'a HashMap<String, String>,
    column_index: &'a HashMap<&'a str, usize>,
    /// How many answer columns (after the first five).
    answers: usize,
    last_day: chrono::NaiveDate,
    day_text: String,
    count: u64,
}

impl<W: Write> RowWriter<'_, W> {
    fn write(&mut self, row: ExportRow) -> Result<(), ExportError> {
        let (_, unit, form_id, version, source, day, answers, comment, synthetic) = row;
        let record = &mut self.record;
        // Cells are cleared and refilled in place: no allocation per row once warm.
        for cell in record.iter_mut() {
            cell.clear();
        }
        if day != self.last_day {
            self.last_day = day;
            self.day_text = day.to_string();
        }
        // The record's cells: five fixed, the answers, the comment and the synthetic mark.
        let [date, unit_code, unit_name, form, source_cell, rest @ ..] = record.as_mut_slice()
        else {
            return Err(ExportError::Write("the record has too few cells".into()));
        };
        let Some((cells, [comment_cell, synthetic_cell])) = rest.split_at_mut_checked(self.answers)
        else {
            return Err(ExportError::Write("the record has too few cells".into()));
        };
        date.push_str(&self.day_text);
        unit_code.push_str(&unit);
        unit_name.push_str(self.names.get(&unit).map(String::as_str).unwrap_or(""));
        form.push_str(&form_id);
        form.push('@');
        form.push_str(&version.to_string());
        source_cell.push_str(&source);
        let mut de = serde_json::Deserializer::from_str(&answers);
        serde::de::DeserializeSeed::deserialize(
            Cells {
                index: self.column_index,
                cells,
            },
            &mut de,
        )
        .map_err(|e| StoreError::corrupt("answers", e))?;
        if let Some(c) = comment {
            comment_cell.push_str(&safe_cell(&privacy::mask(&c)));
        }
        if synthetic {
            synthetic_cell.push_str("synthetic");
        }
        self.w.write_record(&*record)?;
        self.count += 1;
        if i64::try_from(self.count).is_ok_and(|n| n % BATCH == 0) {
            self.w.flush()?;
        }
        Ok(())
    }
}

/// The period's rows, page by page, to `write_row`. One thread reads pages of rows while this
/// one writes the page before, so the database's work and ours overlap; at most three pages
/// are held at once (one being read, one queued, one being written), so memory stays flat
/// however long the period.
fn stream(
    conn: &mut DbConnection,
    period: &Period,
    only_unit: Option<&str>,
    mut write_row: impl FnMut(ExportRow) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let (pages_tx, pages_rx) = std::sync::mpsc::sync_channel::<Vec<ExportRow>>(1);
    std::thread::scope(|scope| -> Result<(), ExportError> {
        let reader = scope.spawn(move || {
            export_store::read_pages(conn, period.start, period.end, only_unit, |page| {
                pages_tx.send(page).is_ok()
            })
        });
        let mut written: Result<(), ExportError> = Ok(());
        'pages: for page in pages_rx.iter() {
            for row in page {
                written = write_row(row);
                if written.is_err() {
                    break 'pages;
                }
            }
        }
        drop(pages_rx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(StoreError::writer("(the export's reader) stopped", None)));
        written?;
        read?;
        Ok(())
    })
}

/// Reads a stored answers object straight into the export's cells: no map, no per-answer
/// allocation beyond the cell text (this is the hot loop of a 200,000-rows-a-second export).
struct Cells<'a, 'b> {
    index: &'a HashMap<&'a str, usize>,
    cells: &'b mut [String],
}

impl<'de> serde::de::DeserializeSeed<'de> for Cells<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Cells<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an answers object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self
                .index
                .get(key.as_ref())
                .and_then(|&i| self.cells.get_mut(i))
            {
                Some(cell) => {
                    map.next_value_seed(Cell(cell))?;
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// One answer: a number, a code, or a list of codes joined by `;`.
struct Cell<'a>(&'a mut String);

impl<'de> serde::de::DeserializeSeed<'de> for Cell<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Cell<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an answer")
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        use std::fmt::Write as _;
        let _ = write!(self.0, "{v}");
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
            if !self.0.is_empty() {
                self.0.push(';');
            }
            self.0.push_str(&item);
        }
        Ok(())
    }
}
