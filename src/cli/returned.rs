//! `hailong dossiers returned FILE`: returned dossiers from the one-stop software's export
//! (SPEC §11), as the API takes them; a bad row is named by its line, the others are taken.

use super::*;
use crate::config::DossiersCommand;
use crate::domain::returned::SentRow;

pub(super) fn dossiers_cmd(g: &Global, cmd: DossiersCommand) -> Result<()> {
    match cmd {
        DossiersCommand::Returned { file, invite_via } => {
            let store = open(&g.database_url)?;
            let key = g.data_key()?;
            let invite = crate::service::invite::InviteSettings {
                via: invite_via,
                ..Default::default()
            };
            let keys = crate::service::returned::Keys {
                key: &key,
                invite: &invite,
            };
            let text = read_text(&file)?;
            let json = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            let rows = if json {
                crate::service::returned::rows_of_json(&text)
                    .map_err(|e| anyhow!("{}: {e}", file.display()))?
            } else {
                read_csv(&text)
                    .with_context(|| format!("{}", file.display()))?
                    .into_iter()
                    .map(Ok)
                    .collect()
            };
            let outcome =
                crate::service::returned::import(&store, keys, &rows, None, "cli", Utc::now())?;
            for (index, reason) in &outcome.refused {
                // A CSV's line: the header is line 1.
                let at = if json { index + 1 } else { index + 2 };
                let what = if json { "item" } else { "line" };
                eprintln!("{}: {what} {at}: {reason}", file.display());
            }
            println!(
                "{}: {} returned dossiers taken, {} known already, {} refused.",
                file.display(),
                outcome.taken,
                outcome.already,
                outcome.refused.len()
            );
            if outcome.refused.is_empty() {
                Ok(())
            } else {
                bail!("{} rows were refused", outcome.refused.len())
            }
        }
    }
}

/// The rows of a CSV export (UTF-8, with or without a byte-order mark, `;` or `,`).
fn read_csv(text: &str) -> Result<Vec<SentRow>> {
    let text = crate::service::csv_input(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.deserialize::<CsvRow>().enumerate() {
        let row = record.with_context(|| format!("line {}", i + 2))?;
        rows.push(row.into());
    }
    Ok(rows)
}

/// A CSV line: every field text, `invite` as true/false/1/0/yes/no or empty.
#[derive(serde::Deserialize)]
struct CsvRow {
    #[serde(rename = "ref")]
    reference: String,
    unit: String,
    #[serde(default)]
    procedure: Option<String>,
    received_on: String,
    due_on: String,
    returned_on: String,
    channel: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    invite: Option<String>,
}

impl From<CsvRow> for SentRow {
    fn from(r: CsvRow) -> SentRow {
        let invite = r
            .invite
            .as_deref()
            .map(str::trim)
            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "có"));
        SentRow {
            reference: r.reference,
            unit: r.unit,
            procedure: r.procedure,
            received_on: r.received_on,
            due_on: r.due_on,
            returned_on: r.returned_on,
            channel: r.channel,
            phone: r.phone,
            invite,
        }
    }
}
