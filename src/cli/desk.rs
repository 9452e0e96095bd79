//! What a desk's staff set up from the command line: rating tablets (`kiosks add|list|revoke`)
//! and paper questionnaires (`paper print`, HTML or, with Chromium, PDF).

use super::*;

pub(super) fn paper_cmd(g: &Global, cmd: config::PaperCommand) -> Result<()> {
    let config::PaperCommand::Print {
        unit,
        count,
        out,
        ttl_days,
    } = cmd;
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext != "html" && ext != "pdf" {
        bail!("{}: the output must end in .html or .pdf", out.display());
    }
    if !(1..=3650).contains(&ttl_days) {
        bail!("--ttl-days must be between 1 and 3650");
    }
    let store = open(&g.database_url)?;
    let registry = FormRegistry::load(g.forms_dir.clone().as_deref())?;
    let public_url = super::printed_url(g, &store)?;
    let request = crate::service::paper::PrintRequest {
        unit,
        count,
        ttl: Duration::days(ttl_days),
    };
    let (issued, form) = crate::service::paper::print(
        &store,
        &registry,
        &mut rand::rng(),
        None,
        &request,
        Utc::now(),
    )?;
    let html = crate::render::paper::sheets(&public_url, &form, &issued)?;
    if ext == "html" {
        std::fs::write(&out, html)?;
    } else {
        pdf_of(&html, &out)?;
    }
    println!(
        "{} sheets ({} A4 pages, both sides) for {} written to {}",
        issued.len(),
        2 * issued.len(),
        request.unit.trim(),
        out.display()
    );
    Ok(())
}

/// Prints HTML to a PDF with headless Chromium (`chromium` or `chromium-browser` on the PATH).
fn pdf_of(html: &str, out: &std::path::Path) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("hailong-paper-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let page = dir.join("sheets.html");
    std::fs::write(&page, html)?;
    let target = std::path::absolute(out)?;
    let ran = ["chromium", "chromium-browser"].iter().find_map(|bin| {
        std::process::Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--print-to-pdf={}", target.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .ok()
    });
    let _ = std::fs::remove_dir_all(&dir);
    match ran {
        Some(o) if o.status.success() && target.exists() => Ok(()),
        Some(o) => bail!(
            "Chromium could not print the PDF: {}",
            String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("")
        ),
        None => bail!(
            "a PDF is printed with Chromium, which is not installed: write .html and print it from a browser"
        ),
    }
}

pub(super) fn kiosks_cmd(g: &Global, cmd: config::KiosksCommand) -> Result<()> {
    use crate::service::kiosks;
    let store = open(&g.database_url)?;
    match cmd {
        config::KiosksCommand::Add {
            unit,
            counter,
            replace,
        } => {
            let added = kiosks::add(
                &store,
                &mut rand::rng(),
                &cli_admin(),
                &unit,
                &counter,
                replace,
                Utc::now(),
            );
            if let Err(kiosks::KioskError::Occupied(old)) = added {
                bail!("{} · {} has a live tablet (#{old}); add --replace to revoke it and add a new one", unit.trim(), counter.trim());
            }
            let (id, code) = added?;
            println!(
                "Tablet #{id} for {} · {}. On the tablet open /kiosk/pair and type this code within {} minutes:",
                unit.trim(),
                counter.trim(),
                kiosks::PAIRING_MINUTES
            );
            println!("{}", kiosks::grouped(&code));
        }
        config::KiosksCommand::List => {
            println!("id\tunit\tcounter\tcreated_at\tpaired_at\trevoked_at\tlast_seen_day");
            let all = kiosks::list_all(&store)?;
            for k in all {
                let t =
                    |x: Option<chrono::NaiveDateTime>| x.map(|x| x.to_string()).unwrap_or_default();
                println!(
                    "#{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    k.id,
                    k.unit_code,
                    k.counter,
                    k.created_at,
                    t(k.paired_at),
                    t(k.revoked_at),
                    k.last_seen_day.map(|d| d.to_string()).unwrap_or_default()
                );
            }
        }
        config::KiosksCommand::Revoke { id } => {
            let Ok(n) = id.trim().trim_start_matches('#').parse::<i64>() else {
                bail!("\"{id}\" is not a tablet number (hailong kiosks list shows them)");
            };
            if !kiosks::revoke(&store, &cli_admin(), n, Utc::now())? {
                bail!("tablet #{n} was revoked already");
            }
            println!("Tablet #{n} revoked.");
        }
    }
    Ok(())
}
