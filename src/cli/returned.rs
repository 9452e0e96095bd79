//! `hailong dossiers returned FILE`: returned dossiers from the one-stop software's export
//! (SPEC §11), as the API takes them; a bad row is named by its line, the others are taken.

use super::*;
use crate::config::DossiersCommand;

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
            } else {
                crate::service::returned::rows_of_csv(&text)
            }
            .map_err(|e| anyhow!("{}: {e}", file.display()))?;
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
