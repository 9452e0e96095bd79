//! Published reports printed to PDF once (issue 37, SPEC §14): after a publication, a
//! background job hands each new revision's page, in each language, to a headless Chromium
//! (`--chromium`) and keeps the file beside the frozen page. A node without Chromium prints
//! nothing and its reports link their print view; a print that fails is logged, counted and
//! tried again later; two nodes printing the same revision keep the first file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::domain::lang::Lang;
use crate::store::pdfs;
use crate::store::publications::PublicationRow;
use crate::store::{publications, Store, StoreError};

/// The printer: a Chromium, and how long one page may take.
#[derive(Debug, Clone)]
pub struct Printer {
    pub program: PathBuf,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("cannot run {0}: {1}")]
    Run(String, std::io::Error),
    #[error("the browser took more than {0} s and was stopped")]
    TimedOut(u64),
    #[error("the browser exited with {0} and wrote no PDF")]
    Failed(std::process::ExitStatus),
    #[error("the browser's file is not a PDF")]
    NotPdf,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The printer `--chromium` names: `off` none; a path that one; empty the first of the usual
/// names found on the PATH.
pub fn find(setting: &str) -> Option<Printer> {
    let program = match setting.trim() {
        "off" => return None,
        "" => {
            let path = std::env::var_os("PATH")?;
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
                .find(|p| p.is_file())?
        }
        given => PathBuf::from(given),
    };
    Some(Printer {
        program,
        timeout: Duration::from_secs(90),
    })
}

/// A scratch folder of its own, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Printer {
    /// `html` (a page that fetches nothing) printed to A4 as the page's print style lays it.
    pub fn print(&self, html: &str) -> Result<Vec<u8>, PrintError> {
        let dir =
            Scratch(std::env::temp_dir().join(format!("hailong-pdf-{}", uuid::Uuid::new_v4())));
        let name = self.program.display().to_string();
        std::fs::create_dir_all(&dir.0).map_err(|e| PrintError::Run(name.clone(), e))?;
        let page = dir.0.join("report.html");
        let out = dir.0.join("report.pdf");
        std::fs::write(&page, html).map_err(|e| PrintError::Run(name.clone(), e))?;
        let mut child = Command::new(&self.program)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-pdf-header-footer",
                "--no-first-run",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.0.join("profile").display()
            ))
            .arg(format!("--print-to-pdf={}", out.display()))
            .arg(format!("file://{}", page.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| PrintError::Run(name.clone(), e))?;
        let started = Instant::now();
        let status = loop {
            match child
                .try_wait()
                .map_err(|e| PrintError::Run(name.clone(), e))?
            {
                Some(status) => break status,
                None if started.elapsed() > self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(PrintError::TimedOut(self.timeout.as_secs()));
                }
                None => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        read_pdf(&out, status)
    }
}

fn read_pdf(out: &Path, status: std::process::ExitStatus) -> Result<Vec<u8>, PrintError> {
    let Ok(pdf) = std::fs::read(out) else {
        return Err(PrintError::Failed(status));
    };
    if pdf.starts_with(b"%PDF-") {
        Ok(pdf)
    } else {
        Err(PrintError::NotPdf)
    }
}

/// Prints every revision that lacks its PDF in either language, `page` giving the HTML to
/// print (the frozen page as it is served). How many files were made. One that fails stops
/// the run (its error is the job's); those made before it are kept.
pub fn print_missing(
    store: &Store,
    printer: &Printer,
    page: impl Fn(&PublicationRow, Lang) -> String,
    now: DateTime<Utc>,
) -> Result<usize, PrintError> {
    // Each revision read once, for whichever of its languages lack their file.
    let mut todo: std::collections::BTreeMap<pdfs::RevisionKey, Vec<Lang>> = Default::default();
    for lang in [Lang::Vi, Lang::En] {
        for key in store.read(|c| pdfs::missing(c, lang.code()))? {
            todo.entry(key).or_default().push(lang);
        }
    }
    let mut made = 0;
    for ((label, scheme, revision), langs) in todo {
        let rows = store.read(|c| publications::revisions(c, &label, &scheme))?;
        let Some(row) = rows.iter().find(|r| r.revision == revision) else {
            continue;
        };
        for lang in langs {
            let pdf = printer.print(&page(row, lang))?;
            let key = (label.as_str(), scheme.as_str(), revision);
            store.write(|c| pdfs::insert(c, key, lang.code(), &pdf, now.naive_utc()))?;
            // The report's page now links its PDF.
            store.forget("public");
            made += 1;
        }
    }
    Ok(made)
}

/// A revision's PDF in `lang`, when it was printed.
pub fn pdf_of(
    store: &Store,
    key: (&str, &str, i32),
    lang: Lang,
) -> Result<Option<Vec<u8>>, StoreError> {
    store.read(|c| pdfs::get(c, key, lang.code()))
}

/// Whether a revision's PDF in `lang` was printed.
pub fn has_pdf(store: &Store, key: (&str, &str, i32), lang: Lang) -> Result<bool, StoreError> {
    store.read(|c| pdfs::present(c, key, lang.code()))
}
