//! `hailong export …`: what the Home Affairs Office downloads from the command line (the index
//! table, raw responses, feedback, desk ratings), as the HTTP exports give them.

use super::*;

pub(super) fn export_cmd(g: &Global, cmd: ExportCommand) -> Result<()> {
    match cmd {
        ExportCommand::Desk { range, out } => desk(g, period_arg(range, g.scheme)?, out),
        ExportCommand::Invitations { range, out } => {
            invitations(g, period_arg(range, g.scheme)?, out)
        }
        ExportCommand::Responses { range, out } => responses(g, period_arg(range, g.scheme)?, out),
        ExportCommand::Feedback {
            range,
            unit,
            with_contacts,
            out,
        } => {
            let period = period_arg(range, g.scheme)?;
            feedback(g, period, unit, with_contacts, out)
        }
        ExportCommand::Indices { range, shape, out } => {
            indices_cmd(g, period_arg(range, g.scheme)?, &shape, out)
        }
    }
}

/// Writes `bytes` to `out` whole (then says `written` on stderr), or to stdout.
fn emit(out: Option<PathBuf>, bytes: &[u8], written: impl FnOnce(&Path) -> String) -> Result<()> {
    match out {
        Some(path) => {
            write_atomically(&path, bytes)?;
            eprintln!("{}", written(&path));
        }
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), bytes)?,
    }
    Ok(())
}

fn desk(g: &Global, period: Period, out: Option<PathBuf>) -> Result<()> {
    let store = open(&g.database_url)?;
    let t = crate::service::kiosks::table(&store, &period, None)?;
    let bytes = crate::render::desk::csv(&t)?;
    emit(out, &bytes, |path| {
        format!(
            "{} rows of {period} written to {}",
            t.rows.len(),
            path.display()
        )
    })
}

fn invitations(g: &Global, period: Period, out: Option<PathBuf>) -> Result<()> {
    let store = open(&g.database_url)?;
    let lines = crate::service::invite::lines(&store, period.start, period.end, None)?;
    let bytes = crate::render::invitations::csv(&period, &lines)?;
    emit(out, &bytes, |path| {
        format!(
            "{} rows of {period} written to {}",
            lines.len(),
            path.display()
        )
    })
}

fn responses(g: &Global, period: Period, out: Option<PathBuf>) -> Result<()> {
    let store = open(&g.database_url)?;
    let registry = FormRegistry::load(g.forms_dir.clone().as_deref())?;
    match out {
        Some(path) => {
            let tmp = path.with_extension("tmp-hailong");
            let file = std::io::BufWriter::new(
                std::fs::File::create(&tmp)
                    .with_context(|| format!("cannot write {}", tmp.display()))?,
            );
            let n = crate::service::export::responses_csv(&store, &registry, &period, None, file)?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("{n} responses of {period} written to {}", path.display());
        }
        None => {
            let stdout = std::io::stdout().lock();
            crate::service::export::responses_csv(
                &store,
                &registry,
                &period,
                None,
                std::io::BufWriter::new(stdout),
            )?;
        }
    }
    Ok(())
}

fn feedback(
    g: &Global,
    period: Period,
    unit: Option<String>,
    with_contacts: bool,
    out: Option<PathBuf>,
) -> Result<()> {
    let store = open(&g.database_url)?;
    if let Some(u) = &unit {
        if crate::service::units::cached(&store, u)?.is_none() {
            bail!("--unit {u}: there is no such unit (hailong units list shows them)");
        }
    }
    let caller = cli_admin();
    let settings = crate::service::feedback::FeedbackSettings {
        deadlines: g.feedback_deadlines,
        webhook: false,
        ..Default::default()
    };
    // Page by page (the service's pages are bounded); audited once, with the first.
    let mut items = Vec::new();
    let mut page = crate::service::feedback::ExportPage::default();
    loop {
        let got = crate::service::feedback::export(
            &store,
            &settings,
            &caller,
            &period,
            unit.as_deref(),
            with_contacts,
            page,
            Utc::now(),
        )?;
        let Some(last) = got.last().map(|i| i.id) else {
            break;
        };
        let full = crate::domain::num::i64_of(got.len()) == page.limit;
        items.extend(got);
        if !full {
            break;
        }
        page.after = last;
    }
    let bytes = crate::render::feedback::csv(&items)?;
    emit(out, &bytes, |path| {
        format!(
            "{} feedback items of {period} written to {}{}",
            items.len(),
            path.display(),
            if with_contacts { ", with contacts" } else { "" }
        )
    })
}

fn indices_cmd(g: &Global, period: Period, shape: &str, out: Option<PathBuf>) -> Result<()> {
    let store = open(&g.database_url)?;
    let registry = FormRegistry::load(g.forms_dir.clone().as_deref())?;
    indices::ensure_tallies(&store, &registry)?;
    let feedback = crate::service::feedback::FeedbackSettings {
        deadlines: g.feedback_deadlines,
        webhook: false,
        ..Default::default()
    };
    let t = indices::full_table(&store, &registry, &period, None, &feedback, Utc::now())?;
    let ext = out
        .as_ref()
        .and_then(|o| o.extension())
        .and_then(|e| e.to_str())
        .unwrap_or("csv")
        .to_ascii_lowercase();
    let bytes = match (ext.as_str(), shape) {
        ("csv", "wide") => table::wide_csv(&t)?,
        ("csv", "long") => table::long_csv(&t)?,
        ("xlsx", "wide") => table::wide_xlsx(&t)?,
        (_, "wide" | "long") => bail!(
            "{}: write .csv (wide or long) or .xlsx (wide)",
            out.map(|o| o.display().to_string()).unwrap_or_default()
        ),
        (_, other) => bail!("--shape {other}: use wide or long"),
    };
    emit(out, &bytes, |path| {
        format!(
            "{} rows for {} written to {}",
            t.rows.len(),
            t.period,
            path.display()
        )
    })
}
