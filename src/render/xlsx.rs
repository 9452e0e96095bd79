//! Spreadsheets of the open data.

use super::table::BOM;

/// A frozen CSV (as published) as a spreadsheet: the header bold, a cell that reads as a
/// number a number, every other cell as written; dated at the publication, so that the same
/// CSV gives the same bytes.
pub fn xlsx_of_csv(
    csv_text: &str,
    sheet: &str,
    at: chrono::NaiveDateTime,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use chrono::{Datelike, Timelike};
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let narrow = |n: u32| u8::try_from(n).unwrap_or_default();
    let created = ExcelDateTime::from_ymd(
        u16::try_from(at.year()).unwrap_or(1970),
        narrow(at.month()),
        narrow(at.day()),
    )?
    .and_hms(
        u16::try_from(at.hour()).unwrap_or_default(),
        narrow(at.minute()),
        narrow(at.second()),
    )?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let page = book.add_worksheet();
    page.set_name(
        sheet
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect::<String>(),
    )?;
    let bold = Format::new().set_bold();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.trim_start_matches(BOM).as_bytes());
    for (r, record) in (0u32..).zip(reader.records()) {
        let Ok(record) = record else { continue };
        for (c, cell) in (0u16..).zip(record.iter()) {
            match (r, cell.parse::<f64>()) {
                (0, _) => {
                    page.write_string_with_format(r, c, cell, &bold)?;
                }
                // "007" is a code, not seven.
                (_, Ok(x))
                    if x.is_finite()
                        && !(cell.starts_with('0')
                            && cell.len() > 1
                            && !cell.starts_with("0.")) =>
                {
                    page.write_number(r, c, x)?;
                }
                _ if cell.is_empty() => {}
                _ => {
                    page.write_string(r, c, cell)?;
                }
            }
        }
    }
    page.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}
