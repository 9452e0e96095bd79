//! A published report as it is served (SPEC §14): the frozen page, untouched, dressed with what
//! belongs to the release rather than to its content — the site's navigation, the downloads of
//! that revision (CSV, XLSX, JSON, the print view), the other revisions, the issuing agency,
//! the calendar's date and whether it came out on time — and what link previews read. Earlier
//! revisions, frozen before any of this existed, are dressed alike.

use crate::domain::lang::Lang;
use crate::domain::local_offset;
use crate::domain::period::Period;
use crate::service::calendar::{Release, ReleaseState};
use crate::service::publish::PublicationRow;
use crate::texts::tr;
use crate::web::AppState;

/// The chrome's look, inside the frozen page's own style (the page fetches nothing).
const STYLE: &str = "<style>nav.site{background:#0b4f8a;margin:0}nav.site ul{list-style:none;margin:0 auto;padding:0 .5rem;max-width:190mm;display:flex;flex-wrap:wrap;gap:0 .25rem}nav.site a{display:inline-block;color:#fff;padding:.55rem .5rem;min-height:44px}.rel{border:1.5px solid #0b4f8a;border-radius:6px;padding:.4rem .6rem;margin:.5rem 0}.rel a{display:inline-block;min-height:44px;padding:.55rem .15rem 0}footer.rel{max-width:190mm;margin:1rem auto;border:0;border-top:1.5px solid #111;border-radius:0;font-size:.85rem}footer.rel p{margin:.2rem 0}@media print{nav.site,.rel.noprint{display:none}footer.rel{font-size:7pt;margin:.3rem 0}}</style>";

/// The frozen page of revision `r` (of `all`), dressed.
pub fn dress(
    html: &str,
    state: &AppState,
    lang: Lang,
    period: &Period,
    (r, all): (&PublicationRow, &[PublicationRow]),
    release: Option<&Release>,
    pdf: bool,
) -> String {
    let mut page = with_link_preview(html, state, lang, period, r);
    insert_before(&mut page, "</head>", STYLE);
    let latest = all.first().is_none_or(|l| l.revision == r.revision);
    let this = if latest {
        format!("/reports/{}", period.label)
    } else {
        format!("/reports/{}?revision={}", period.label, r.revision)
    };
    insert_after(&mut page, "<body>", &nav_html(lang, &this));
    insert_after(
        &mut page,
        "<main>",
        &downloads_html(lang, period, (r, all), pdf),
    );
    insert_before(&mut page, "</body>", &footer_html(state, lang, r, release));
    page
}

fn insert_before(page: &mut String, marker: &str, what: &str) {
    if let Some(i) = page.find(marker) {
        page.insert_str(i, what);
    }
}

fn insert_after(page: &mut String, marker: &str, what: &str) {
    if let Some(i) = page.find(marker) {
        page.insert_str(i + marker.len(), what);
    }
}

/// The site's navigation, and this page in the other language.
fn nav_html(lang: Lang, this: &str) -> String {
    let esc = crate::render::escape;
    let (other, code) = match lang {
        Lang::Vi => (Lang::En, "en"),
        Lang::En => (Lang::Vi, "vi"),
    };
    let sep = if this.contains('?') { '&' } else { '?' };
    let switch = format!(
        "<li><a href=\"{}{sep}lang={code}\" lang=\"{code}\">{}</a></li>",
        esc(this),
        esc(tr(other, "release.this_language"))
    );
    let items: String = crate::web::pages::nav(lang, crate::web::pages::Place::Reports)
        .into_iter()
        .map(|(href, name, here)| {
            let current = if here { " aria-current=\"page\"" } else { "" };
            format!(
                "<li><a href=\"{}\"{current}>{}</a></li>",
                esc(&href),
                esc(name)
            )
        })
        .collect();
    format!(
        "\n<nav class=\"site noprint\" aria-label=\"{}\"><ul>{items}{switch}</ul></nav>",
        esc(tr(lang, "nav.label"))
    )
}

fn day(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .with_timezone(&local_offset())
        .format("%d/%m/%Y")
        .to_string()
}

/// "Dữ liệu của lần công bố này: CSV · XLSX · JSON · Bản in", and the other revisions.
fn downloads_html(
    lang: Lang,
    period: &Period,
    (r, all): (&PublicationRow, &[PublicationRow]),
    pdf: bool,
) -> String {
    let esc = crate::render::escape;
    let q = format!("period={}&amp;revision={}", esc(&period.label), r.revision);
    let s = crate::web::lang_suffix(lang).replace('?', "&amp;");
    let print = if pdf {
        format!(
            "<a href=\"/reports/{}/report.pdf?revision={}{s}\">PDF</a>",
            esc(&period.label),
            r.revision
        )
    } else {
        esc(tr(lang, "release.print"))
    };
    let mut html = format!(
        "\n<section class=\"rel noprint\" aria-label=\"{label}\"><p><b>{label}</b> ({rev} {n}): \
         <a href=\"/open/indices.csv?{q}\">CSV</a> · <a href=\"/open/indices.xlsx?{q}\">XLSX</a> · \
         <a href=\"/open/indices.json?{q}\">JSON</a> · {print}</p>",
        label = esc(tr(lang, "release.downloads")),
        rev = esc(tr(lang, "publish.revision")),
        n = r.revision,
    );
    let others: Vec<String> = all
        .iter()
        .filter(|o| o.revision != r.revision)
        .map(|o| {
            format!(
                "<a href=\"/reports/{}?revision={}{s}\">{} {} ({})</a>",
                esc(&period.label),
                o.revision,
                esc(tr(lang, "publish.revision")),
                o.revision,
                day(o.published_at)
            )
        })
        .collect();
    if !others.is_empty() {
        html.push_str(&format!(
            "<p>{}: {}</p>",
            esc(tr(lang, "site.revisions")),
            others.join("; ")
        ));
    }
    html.push_str("</section>");
    html
}

/// The issuing agency, its contact, and the release: revision, day, the calendar's date.
fn footer_html(
    state: &AppState,
    lang: Lang,
    r: &PublicationRow,
    release: Option<&Release>,
) -> String {
    let esc = crate::render::escape;
    let mut lines: Vec<String> = crate::web::pages::agency(lang, &state.publishing);
    lines.push(
        tr(lang, "release.published")
            .replace("{n}", &r.revision.to_string())
            .replace("{day}", &day(r.published_at)),
    );
    if let Some(rel) = release {
        let due = rel.due_on.format("%d/%m/%Y").to_string();
        let line = match rel.state {
            ReleaseState::Published(_, 0) => tr(lang, "release.on_time").replace("{due}", &due),
            ReleaseState::Published(_, late) => tr(lang, "release.late")
                .replace("{due}", &due)
                .replace("{n}", &late.to_string()),
            _ => tr(lang, "release.due").replace("{due}", &due),
        };
        lines.push(line);
    }
    let body: String = lines.iter().map(|l| format!("<p>{}</p>", esc(l))).collect();
    format!("<footer class=\"rel\">{body}</footer>\n")
}

/// A frozen report with what search engines and link previews read, added when it is served
/// (the frozen page stays as published): the canonical address under `--public-url`, a
/// description from the frozen headline, and Open Graph title and description.
fn with_link_preview(
    html: &str,
    state: &AppState,
    lang: Lang,
    period: &Period,
    r: &PublicationRow,
) -> String {
    let title = html
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(t, _)| t.to_string())
        .unwrap_or_else(|| period.label.clone());
    let headline: Option<crate::domain::report::Headline> = serde_json::from_str(&r.headline).ok();
    let description = match headline {
        Some(h) => format!(
            "{}: {} ({}) · {}",
            tr(lang, "site.sipas"),
            crate::render::numbers::percent(h.sipas_pct, lang),
            crate::render::period_name(period, lang),
            tr(lang, "site.responses_n")
                .replace("{n}", &crate::render::numbers::count(h.responses, lang))
        ),
        None => tr(lang, "site.description").to_string(),
    };
    let url = format!(
        "{}/reports/{}{}",
        state.public_url.trim_end_matches('/'),
        period.label,
        crate::web::lang_suffix(lang)
    );
    let image = format!(
        "{}/reports/{}/card.png?revision={}{}",
        state.public_url.trim_end_matches('/'),
        period.label,
        r.revision,
        crate::web::lang_suffix(lang).replace('?', "&")
    );
    let esc = crate::render::escape;
    let meta = format!(
        "\n<link rel=\"canonical\" href=\"{url}\">\n<meta name=\"description\" content=\"{d}\">\n\
         <meta property=\"og:type\" content=\"article\">\n<meta property=\"og:title\" content=\"{title}\">\n\
         <meta property=\"og:description\" content=\"{d}\">\n<meta property=\"og:url\" content=\"{url}\">\n\
         <meta property=\"og:image\" content=\"{image}\">\n<meta property=\"og:image:type\" content=\"image/png\">\n\
         <meta property=\"og:image:width\" content=\"{w}\">\n<meta property=\"og:image:height\" content=\"{h}\">\n\
         <meta property=\"og:image:alt\" content=\"{d}\">\n<meta name=\"twitter:card\" content=\"summary_large_image\">",
        url = esc(&url),
        d = esc(&description),
        image = esc(&image),
        w = crate::render::card::WIDTH,
        h = crate::render::card::HEIGHT,
    );
    match html.find("</title>") {
        Some(i) => format!("{}{meta}{}", &html[..i + 8], &html[i + 8..]),
        None => html.to_string(),
    }
}

/// The calendar's releases still to come (or overdue): period, date, where it stands.
pub fn calendar_view(
    lang: Lang,
    releases: &[crate::service::calendar::Release],
) -> Vec<(String, String, String)> {
    use crate::service::calendar::ReleaseState;
    releases
        .iter()
        .filter_map(|r| {
            let state = match r.state {
                ReleaseState::Upcoming(0) => tr(lang, "calendar.today").to_string(),
                ReleaseState::Upcoming(d) => {
                    tr(lang, "calendar.in_days").replace("{n}", &d.to_string())
                }
                ReleaseState::Overdue(d) => {
                    tr(lang, "calendar.overdue").replace("{n}", &d.to_string())
                }
                ReleaseState::Published(..) => return None,
            };
            let due = r.due_on.format("%d/%m/%Y").to_string();
            Some((crate::render::period_name(&r.period, lang), due, state))
        })
        .collect()
}

/// The frozen page's scope line (`<p class="sub"><b>…</b>`), as text.
fn scope_of(html: &str) -> String {
    let inner = html
        .split_once("<p class=\"sub\"><b>")
        .and_then(|(_, rest)| rest.split_once("</b>"))
        .map(|(t, _)| t)
        .unwrap_or_default();
    [
        ("&#38;", "&"),
        ("&amp;", "&"),
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
    ]
    .iter()
    .fold(inner.to_string(), |t, (from, to)| t.replace(from, to))
}

/// The link preview image of revision `r`: its frozen headline drawn as a PNG.
pub fn card(
    state: &AppState,
    lang: Lang,
    period: &Period,
    r: &PublicationRow,
) -> Result<Vec<u8>, crate::render::card::CardError> {
    use crate::render::numbers::{count, percent};
    let h: crate::domain::report::Headline = serde_json::from_str(&r.headline).unwrap_or_default();
    let html = match lang {
        Lang::Vi => &r.html_vi,
        Lang::En => &r.html_en,
    };
    let mut lines = Vec::new();
    if let (Some(lo), Some(hi)) = (h.ci_low, h.ci_high) {
        let ci = format!(
            "{}: {} – {}",
            tr(lang, "report_page.ci_def"),
            percent(Some(lo), lang),
            percent(Some(hi), lang)
        );
        lines.push(ci);
    }
    lines.push(tr(lang, "site.responses_n").replace("{n}", &count(h.responses, lang)));
    let mut footer = crate::web::pages::agency(lang, &state.publishing);
    footer.truncate(1);
    footer.push(
        tr(lang, "release.published")
            .replace("{n}", &r.revision.to_string())
            .replace("{day}", &day(r.published_at)),
    );
    crate::render::card::png(&crate::render::card::Card {
        band: tr(lang, "site.title"),
        scope: &scope_of(html),
        period: &crate::render::period_name(period, lang),
        figure_label: tr(lang, "site.sipas"),
        figure: &percent(h.sipas_pct, lang),
        lines: &lines,
        footer: &footer.join(" · "),
    })
}

/// Prints the PDF of every revision that lacks one, as the page is served (without the
/// calendar's line, which may change). How many files were made.
pub fn print_pdfs(
    state: &AppState,
    printer: &crate::service::pdf::Printer,
) -> Result<usize, crate::service::pdf::PrintError> {
    let page = |r: &PublicationRow, lang: Lang| -> String {
        let html = match lang {
            Lang::Vi => &r.html_vi,
            Lang::En => &r.html_en,
        };
        match Period::parse(&r.period_label, state.scheme) {
            Ok(period) => dress(
                html,
                state,
                lang,
                &period,
                (r, std::slice::from_ref(r)),
                None,
                false,
            ),
            Err(_) => html.clone(),
        }
    };
    crate::service::pdf::print_missing(&state.store, printer, page, chrono::Utc::now())
}

/// The PDF printer of published reports, when `--chromium` gives one: a task of the runtime
/// that builds the application (it ends with it).
pub fn start_pdfs(state: &actix_web::web::Data<AppState>, setting: &str) {
    let Some(printer) = crate::service::pdf::find(setting) else {
        tracing::info!(
            "no Chromium to print reports to PDF (--chromium); reports link their print view"
        );
        return;
    };
    tracing::info!(program = %printer.program.display(), "published reports are printed to PDF with this browser");
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(pdf_jobs(state.clone(), printer));
    }
}

/// Prints what lacks its PDF now, after each publication, and every ten minutes (another
/// node's publications); a failed print is logged, counted (`/metrics`, the dashboard) and
/// tried again after a minute, then two, four … up to the ten minutes.
async fn pdf_jobs(state: actix_web::web::Data<AppState>, printer: crate::service::pdf::Printer) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(600);
    let mut retry: Option<std::time::Duration> = None;
    loop {
        let (s, p) = (state.clone(), printer.clone());
        let done =
            tokio::task::spawn_blocking(move || crate::web::release::print_pdfs(&s, &p)).await;
        let failure = match done {
            Ok(Ok(n)) => {
                crate::telemetry::job_ok("report_pdf");
                if n > 0 {
                    tracing::info!(files = n, "published reports printed to PDF");
                }
                None
            }
            Ok(Err(e)) => Some(crate::telemetry::chain(&e)),
            Err(e) => Some(e.to_string()),
        };
        retry = match failure {
            None => None,
            Some(cause) => {
                crate::telemetry::count_failure("report_pdf", &cause);
                tracing::error!(job = "report_pdf", error = %cause, "printing a report to PDF failed; trying again soon");
                Some(retry.map_or(std::time::Duration::from_secs(60), |w| (w * 2).min(EVERY)))
            }
        };
        let _ = tokio::time::timeout(retry.unwrap_or(EVERY), state.pdf_wake.notified()).await;
    }
}
