//! Issue 37: publishing like a statistics office (SPEC §14) — every release links its frozen
//! data and each download equals it byte for byte; one navigation and the issuing agency on
//! every public page; the release calendar, its warnings by an injected clock, a date set by an
//! admin, and a release published late that says so. Both backends.

use std::io::Read;

use chrono::NaiveDate;
use reqwest::StatusCode;

use crate::both_backends;
use crate::feedback::text_of;
use crate::helpers::*;
use hailong::domain::period::{Period, Scheme};
use hailong::domain::user::Role;
use hailong::service::calendar::{self, ReleaseState};

pub(crate) fn this_quarter() -> Period {
    let today = hailong::domain::local_date(chrono::Utc::now());
    Period::quarter_containing(today, Scheme::Calendar).unwrap()
}

/// The units seeded and `n` full answers ("4") at Phường A this quarter: the quarter, and an
/// admin signed in.
pub(crate) async fn answered_this_quarter(app: &TestApp, n: usize) -> (Period, StaffClient<'_>) {
    app.seed_units();
    for _ in 0..n {
        let r = app
            .post_form("/s/phuong-a", &as_refs(&full_answers("4")))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    (this_quarter(), app.signed_in(Role::Admin, None).await)
}

/// Publishes `q` (again, with a reason).
pub(crate) async fn publish(admin: &StaffClient<'_>, q: &Period, reason: &str) {
    let path = format!("/reports/{}/publish", q.label);
    let r = admin.post_form(&path, &[("reason", reason)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn bytes(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let r = app.get(path).await;
    (r.status(), r.bytes().await.unwrap().to_vec())
}

/// The cells of a spreadsheet's shared strings and first sheet.
fn xlsx_text(data: &[u8]) -> (String, String) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(data)).expect("a zip");
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    (
        read("xl/sharedStrings.xml"),
        read("xl/worksheets/sheet1.xml"),
    )
}

/// Two revisions of this quarter; each one's page links its CSV, XLSX and JSON, which are the
/// frozen table byte for byte (the XLSX the frozen CSV's cells, the same bytes every time).
async fn every_release_links_its_frozen_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let (q, admin) = answered_this_quarter(&app, 3).await;
    for reason in ["", "Bổ sung phiếu"] {
        publish(&admin, &q, reason).await;
    }
    for rev in [1, 2] {
        let page = text_of(&app, &format!("/reports/{}?revision={rev}", q.label)).await;
        let frozen = hailong::service::public::frozen_table(&app.store, &q, Some(rev))
            .unwrap()
            .unwrap();
        let link = |ext: &str| format!("/open/indices.{ext}?period={}&amp;revision={rev}", q.label);
        for ext in ["csv", "xlsx", "json"] {
            assert!(page.contains(&link(ext)), "revision {rev} links its {ext}");
        }
        let get = |ext: &str| link(ext).replace("&amp;", "&");
        assert_eq!(
            bytes(&app, &get("csv")).await.1,
            frozen.table_csv.as_bytes()
        );
        assert_eq!(
            bytes(&app, &get("json")).await.1,
            frozen.table_json.as_bytes()
        );
        let (status, xlsx) = bytes(&app, &get("xlsx")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            bytes(&app, &get("xlsx")).await.1,
            xlsx,
            "the same bytes again"
        );
        let (strings, sheet) = xlsx_text(&xlsx);
        assert!(strings.contains("Phường A") && strings.contains("sipas_pct"));
        assert!(sheet.contains("<v>100</v>"), "a figure is a number cell");
        assert!(
            page.contains(&format!("Công bố lần {rev} ngày")),
            "the footer names the revision"
        );
    }
    // The list links each period's latest revision's data.
    let list = text_of(&app, "/reports").await;
    assert!(list.contains(&format!(
        "/open/indices.xlsx?period={}&#38;revision=2",
        q.label
    )));
    link_preview_image(&app, &q).await;
}
both_backends!(every_release_links_its_frozen_data);

/// A report's `og:image` is its headline drawn as a 1200 × 630 PNG: the same bytes each time,
/// another for another revision or language, none for a revision that does not exist.
async fn link_preview_image(app: &TestApp, q: &Period) {
    let page = text_of(app, &format!("/reports/{}", q.label)).await;
    let base = app.address.trim_end_matches('/');
    let meta = format!(
        "<meta property=\"og:image\" content=\"{base}/reports/{}/card.png?revision=2\">",
        q.label
    );
    assert!(page.contains(&meta), "{page}");
    assert!(page.contains("summary_large_image"));
    let card = |rev: &str| format!("/reports/{}/card.png?revision={rev}", q.label);
    let r = app.get(&card("2")).await;
    assert_eq!(r.headers()["content-type"], "image/png");
    let png = r.bytes().await.unwrap().to_vec();
    let info = png::Decoder::new(std::io::Cursor::new(&png))
        .read_info()
        .expect("a PNG")
        .info()
        .clone();
    assert_eq!((info.width, info.height), (1200, 630));
    assert_eq!(bytes(app, &card("2")).await.1, png, "the same bytes again");
    assert_ne!(bytes(app, &card("1")).await.1, png, "revision 1 says so");
    assert_ne!(bytes(app, &format!("{}&lang=en", card("2"))).await.1, png);
    assert_eq!(bytes(app, &card("9")).await.0, StatusCode::NOT_FOUND);
}

/// The same navigation on every public page, error pages too; the issuing agency in the footer.
async fn one_navigation_and_the_agency_on_every_public_page(backend: Backend) {
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.publishing.publisher = "UBND phường Thử Nghiệm".into();
    s.publishing.publisher_contact = "028 1234 5678".into();
    let app = spawn_on(backend, &db, s).await;
    app.seed_units();
    for path in [
        "/",
        "/reports",
        "/units",
        "/methodology",
        "/feedback",
        "/privacy",
        "/reports/2021-Q9",
        "/units/phuong-a/feedback",
    ] {
        let r = app.get(path).await;
        let page = r.text().await.unwrap();
        let nav = page
            .split("<nav class=\"site\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{path} has no navigation"));
        let nav = &nav[..nav.find("</nav>").unwrap()];
        for href in [
            "href=\"/\"",
            "href=\"/reports\"",
            "href=\"/units\"",
            "href=\"/methodology\"",
            "lang=\"en\"",
        ] {
            assert!(nav.contains(href), "{path}: {href} in {nav}");
        }
        if path != "/reports/2021-Q9" {
            assert!(
                page.contains("Cơ quan công bố: UBND phường Thử Nghiệm"),
                "{path}"
            );
            assert!(page.contains("Liên hệ: 028 1234 5678"), "{path}");
        }
    }
    let en = text_of(&app, "/?lang=en").await;
    assert!(en.contains("Issued by: UBND phường Thử Nghiệm") && en.contains(">Reports</a>"));
}
both_backends!(one_navigation_and_the_agency_on_every_public_page);

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 2026-Q3 is due on 14 October by default; the dashboard's warnings by an injected clock; an
/// admin moves the date (never before the period ends); published after it, the report says
/// how late.
async fn the_calendar_warns_and_a_late_release_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let state_on = |day: &str| {
        let all = calendar::calendar(&app.store, Scheme::Calendar, 14, d(day)).unwrap();
        let q3 = all.iter().find(|r| r.period.label == "2026-Q3").cloned();
        let warned = calendar::warnings(&all)
            .iter()
            .any(|r| r.period.label == "2026-Q3");
        (q3.map(|r| (r.due_on, r.state)), warned)
    };
    let due = d("2026-10-14");
    assert_eq!(
        state_on("2026-10-10"),
        (Some((due, ReleaseState::Upcoming(4))), false)
    );
    assert_eq!(
        state_on("2026-10-11"),
        (Some((due, ReleaseState::Upcoming(3))), true)
    );
    assert_eq!(
        state_on("2026-10-14"),
        (Some((due, ReleaseState::Upcoming(0))), true)
    );
    assert_eq!(
        state_on("2026-10-16"),
        (Some((due, ReleaseState::Overdue(2))), true)
    );
    let officer = app.signed_in(Role::Officer, Some("phuong-a")).await;
    let r = officer.get("/staff/calendar").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let admin = app.signed_in(Role::Admin, None).await;
    let set = |day: &'static str| [("period", "2026-Q3"), ("due_on", day)];
    let early = admin.post_form("/staff/calendar", &set("2026-09-30")).await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early
        .text()
        .await
        .unwrap()
        .contains("sau ngày kỳ kết thúc (30/09/2026)"));
    let ok = admin.post_form("/staff/calendar", &set("2026-10-20")).await;
    assert!(ok
        .text()
        .await
        .unwrap()
        .contains("Đã lưu ngày công bố của kỳ 2026-Q3"));
    assert_eq!(
        state_on("2026-10-16"),
        (Some((d("2026-10-20"), ReleaseState::Upcoming(4))), false)
    );
    published_late_by_the_real_clock(&app, &admin).await;
}
both_backends!(the_calendar_warns_and_a_late_release_says_so);

/// Published now (after 20 October 2026): the report's footer counts the days late, and the
/// calendar no longer warns.
async fn published_late_by_the_real_clock(app: &TestApp, admin: &StaffClient<'_>) {
    let r = admin
        .post_form("/reports/2026-Q3/publish", &[("reason", "")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let today = hailong::domain::local_date(chrono::Utc::now());
    let late = (today - d("2026-10-20")).num_days();
    let page = text_of(app, "/reports/2026-Q3").await;
    let expected = if late > 0 {
        format!("ngày 20/10/2026 — công bố muộn {late} ngày")
    } else {
        "ngày 20/10/2026 — đúng lịch".to_string()
    };
    assert!(page.contains(&expected), "{expected}");
    let all = calendar::calendar(&app.store, Scheme::Calendar, 14, d("2026-10-25")).unwrap();
    let q3 = all.iter().find(|r| r.period.label == "2026-Q3").unwrap();
    assert_eq!(q3.state, ReleaseState::Published(today, late.max(0)));
    assert!(
        calendar::warnings(&all).is_empty()
            || calendar::warnings(&all)
                .iter()
                .all(|r| r.period.label != "2026-Q3")
    );
    let audit = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 50))
        .unwrap();
    assert!(audit
        .iter()
        .any(|a| a.action == "calendar.set" && a.target == "2026-Q3 due 2026-10-20"));
}

/// Waits (up to a minute) until `path` contains `what`; the page then.
async fn page_once(app: &TestApp, path: &str, what: &str) -> String {
    for _ in 0..600 {
        let page = text_of(app, path).await;
        if page.contains(what) {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{path} never showed {what}");
}

/// The text of a PDF, read by poppler's `pdftotext`.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile_dir();
    let file = dir.join("r.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils; .ci/run installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hailong-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// With Chromium on the machine, a publication is printed to PDF in the background, each
/// language once: the report then links its PDF instead of the print view, and the file holds
/// the report as printed (its figure, not the site's navigation).
async fn a_publication_is_printed_to_pdf(backend: Backend) {
    assert!(
        hailong::service::pdf::find("").is_some(),
        "Chromium is needed (Debian's chromium; .ci/run installs it)"
    );
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.publishing.chromium = String::new();
    let app = spawn_on(backend, &db, s).await;
    let (q, admin) = answered_this_quarter(&app, 3).await;
    publish(&admin, &q, "").await;
    for (lang, words) in [("", "Chỉ số hài lòng"), ("&lang=en", "Satisfaction index")] {
        let path = format!("/reports/{}?revision=1{lang}", q.label);
        let link = format!(
            "/reports/{}/report.pdf?revision=1{}",
            q.label,
            lang.replace('&', "&amp;")
        );
        let page = page_once(&app, &path, &link).await;
        assert!(
            !page.contains("Bản in: dùng lệnh In"),
            "the PDF instead of the print view"
        );
        let r = app.get(&link.replace("&amp;", "&")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf);
        assert!(text.contains(words) && text.contains("Phường A"), "{text}");
        assert!(
            !text.contains("Cách tính · English"),
            "no navigation in print"
        );
    }
    let none = app
        .get(&format!("/reports/{}/report.pdf?revision=2", q.label))
        .await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
}
both_backends!(a_publication_is_printed_to_pdf);

/// A printer that fails: the job says so (its failure counted for `/metrics` and the
/// dashboard) and the report keeps linking its print view.
#[tokio::test]
async fn a_printer_that_fails_is_counted_and_the_print_view_stays() {
    let backend = Backend::Sqlite;
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.publishing.chromium = "/bin/false".into();
    let app = spawn_on(backend, &db, s).await;
    let (q, admin) = answered_this_quarter(&app, 1).await;
    publish(&admin, &q, "").await;
    let mut failed = false;
    for _ in 0..300 {
        failed = hailong::telemetry::failing_jobs()
            .iter()
            .any(|(job, n, _)| *job == "report_pdf" && *n > 0);
        if failed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(failed, "the failed print is counted");
    let page = text_of(&app, &format!("/reports/{}", q.label)).await;
    assert!(page.contains("Bản in: dùng lệnh In") && !page.contains("report.pdf"));
}
