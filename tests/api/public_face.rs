//! The public face (issue 24): the front page lists exactly what is published, open data is
//! the published revision's frozen table, an unpublished period is 404 on every public
//! route, the feed is Atom with an entry per revision, and search engines are told what to
//! list and what to leave.

use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::{as_refs, full_answers, spawn_app, Backend, TestApp};
use hailong::domain::period::{Period, Scheme};
use hailong::domain::user::Role;

fn this_quarter() -> Period {
    let today = hailong::domain::local_date(chrono::Utc::now());
    Period::quarter_containing(today, Scheme::Calendar).unwrap()
}

async fn answer(app: &TestApp, unit: &str, score: &str) {
    let r = app
        .post_form(&format!("/s/{unit}"), &as_refs(&full_answers(score)))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = app.get(path).await;
    (r.status(), r.text().await.unwrap())
}

async fn bytes(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let r = app.get(path).await;
    (r.status(), r.bytes().await.unwrap().to_vec())
}

/// Publish, re-publish with a reason: the front page and the list follow, and show only what
/// was published.
async fn the_front_page_lists_exactly_the_published_periods(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let (q, before) = (this_quarter(), this_quarter().previous().unwrap());
    let (status, front) = text(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(front.contains("Chưa có kỳ nào được công bố"), "nothing yet");
    assert!(!front.contains("href=\"/reports/2"), "no report linked");
    // The units open today, each with its three public addresses; the tracking box.
    for link in [
        "/s/phuong-a",
        "/feedback/phuong-a",
        "/units/phuong-a/feedback",
    ] {
        assert!(front.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(front.contains("action=\"/feedback/track\""));
    assert!(
        front.len() < 30 * 1024,
        "a citizen's page weighs under 30 KB"
    );
    assert!(!front.contains("<script"), "no JavaScript");

    for score in ["5", "4", "2"] {
        answer(&app, "phuong-a", score).await;
    }
    let admin = app.signed_in(Role::Admin, None).await;
    let publish = |reason: &'static str| {
        let admin = &admin;
        let path = format!("/reports/{}/publish", q.label);
        async move { admin.post_form(&path, &[("reason", reason)]).await.status() }
    };
    assert_eq!(publish("").await, StatusCode::SEE_OTHER);
    let (_, front) = text(&app, "/").await;
    assert!(front.contains(&format!("href=\"/reports/{}\"", q.label)));
    assert!(!front.contains(&format!("href=\"/reports/{}\"", before.label)));
    assert_eq!(
        front.matches("href=\"/reports/2").count(),
        2,
        "headline and list"
    );
    assert!(front.contains("3 phiếu"), "the headline's n");
    assert!(front.contains(&format!("/open/indices.csv?period={}", q.label)));
    // The figure shown is the published one: (two satisfied of three) = 66,67 %.
    assert!(front.contains("66,67 %"), "{front}");

    assert_eq!(
        publish("Bổ sung phiếu nộp muộn").await,
        StatusCode::SEE_OTHER
    );
    for path in ["/", "/reports"] {
        let (status, page) = text(&app, path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("lần 2") && page.contains("Bổ sung phiếu nộp muộn"),
            "{path}"
        );
        assert!(
            page.contains(&format!("/reports/{}?revision=1", q.label)),
            "{path}"
        );
    }
    let (_, en) = text(&app, "/?lang=en").await;
    assert!(en.contains("revision 2") && en.contains("Published reports"));
    assert!(en.contains("<html lang=\"en\">"));
}
both_backends!(the_front_page_lists_exactly_the_published_periods);

/// Open data is the table frozen with the revision: equal to the office's export at the
/// moment of publication, unmoved by late responses, and each revision kept.
async fn open_data_is_the_published_revision(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let q = this_quarter();
    for score in ["5", "4", "3"] {
        answer(&app, "phuong-a", score).await;
    }
    // phuong-b asks the quick form: the table has two forms, both frozen.
    let quick = [
        ("access.1", "5"),
        ("procedure.1", "4"),
        ("staff.1", "5"),
        ("result.1", "2"),
        ("feedback.1", "5"),
        ("overall", "5"),
    ];
    let r = app.post_form("/s/phuong-b", &quick).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = app.token("bao-chi", None);
    let export = |path: String| export_as(&app, &token, path);
    let admin = app.signed_in(Role::Admin, None).await;
    let path = format!("/reports/{}/publish", q.label);
    assert_eq!(
        admin.post_form(&path, &[("reason", "")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let live_csv = export(format!("/exports/indices.csv?period={}", q.label)).await;
    let live_json: serde_json::Value =
        serde_json::from_slice(&export(format!("/api/v1/indices?period={}", q.label)).await)
            .unwrap();

    let csv_path = format!("/open/indices.csv?period={}", q.label);
    let json_path = format!("/open/indices.json?period={}", q.label);
    let r = app.get(&csv_path).await;
    open_csv_headers(&r, &q.label);
    let published = r.bytes().await.unwrap().to_vec();
    assert_eq!(
        published, live_csv,
        "the HAO table, byte for byte, as published"
    );
    let (_, json) = bytes(&app, &json_path).await;
    let published_json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(
        published_json, live_json,
        "the same JSON as /api/v1/indices gave"
    );

    // Late responses: the office's table moves, the published one does not.
    for _ in 0..3 {
        answer(&app, "phuong-a", "1").await;
    }
    let moved = export(format!("/exports/indices.csv?period={}", q.label)).await;
    assert_ne!(moved, published, "the live table moved");
    assert_eq!(bytes(&app, &csv_path).await.1, published, "frozen");
    assert_eq!(bytes(&app, &json_path).await.1, json, "frozen");

    // A new revision freezes the new table; the first stays reachable.
    let r = admin
        .post_form(&path, &[("reason", "Phiếu nộp muộn")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        bytes(&app, &csv_path).await.1,
        moved,
        "revision 2 is the table now"
    );
    let first = format!("{csv_path}&revision=1");
    assert_eq!(bytes(&app, &first).await.1, published);
    let (status, body) = text(&app, &format!("{csv_path}&revision=7")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("\"not_published\""));
    let (status, body) = text(&app, &format!("{csv_path}&revision=x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"bad_revision\""));
}
both_backends!(open_data_is_the_published_revision);

/// The office's export as its token reads it.
async fn export_as(app: &TestApp, token: &str, path: String) -> Vec<u8> {
    let r = app
        .client
        .get(app.url(&path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    r.bytes().await.unwrap().to_vec()
}

/// Open data's CSV: found, CSV, readable from any site, named by period and revision.
fn open_csv_headers(r: &reqwest::Response, label: &str) {
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("hailong-indices-{}-r1.csv", label)));
}

/// A period nobody published is 404 on every public route, and nowhere on the front page
/// or in the feed; a bad period or tracking code gets a clear answer, never a 500.
async fn an_unpublished_period_is_not_found_on_every_public_route(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    answer(&app, "phuong-a", "5").await;
    let q = this_quarter();
    let (status, page) = text(&app, &format!("/reports/{}", q.label)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        page.contains("href=\"/reports\""),
        "the way back to the list"
    );
    for ext in ["csv", "json"] {
        let (status, body) = text(&app, &format!("/open/indices.{ext}?period={}", q.label)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{ext}");
        let e: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(e["error"]["code"], "not_published");
        let (status, body) = text(&app, &format!("/open/indices.{ext}?period=2021-Q5")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("\"bad_period\""));
        let (status, _) = text(&app, &format!("/open/indices.{ext}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    // The feed may announce the period's release date (SPEC §14), never its figures.
    let (_, feed) = text(&app, "/feed.xml").await;
    assert!(
        !feed.contains(&format!("/reports/{}", q.label))
            && !feed.contains(&format!("period={}", q.label))
    );
    let (_, front) = text(&app, "/").await;
    assert!(!front.contains(&format!("/reports/{}", q.label)));
    let (status, page) = text(&app, "/reports/2021-Q9").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!page.is_empty());

    // The tracking box: a malformed code is a page that says what a code looks like, with
    // the way back; a code that reads goes to its page (which says if it is unknown).
    let (status, page) = text(&app, "/feedback/track?code=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("15 chữ cái") && page.contains("href=\"/#track\""));
    let code = hailong::domain::ticket::TicketCode::generate(&mut rand::rng());
    let r = app
        .client
        .get(app.url(&format!(
            "/feedback/track?code={}",
            code.grouped().to_lowercase()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        format!("/feedback/track/{}", code.as_str()).as_str()
    );
    let (status, _) = text(&app, &format!("/feedback/track/{}", code.as_str())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
both_backends!(an_unpublished_period_is_not_found_on_every_public_route);

/// The feed parses as Atom (a real parser) and has one entry per publication and revision,
/// with absolute links; robots.txt keeps staff, exports and the API out; public pages carry
/// a canonical address and a description, a published report a link preview.
async fn the_feed_is_atom_and_search_engines_are_told_what_to_list(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    answer(&app, "phuong-a", "5").await;
    let q = this_quarter();
    let admin = app.signed_in(Role::Admin, None).await;
    let path = format!("/reports/{}/publish", q.label);
    for reason in ["", "Sửa số hồ sơ"] {
        let r = admin.post_form(&path, &[("reason", reason)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = app.get("/feed.xml").await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    let xml = r.text().await.unwrap();
    let mut feed: atom_syndication::Feed = xml.parse().expect("an Atom feed");
    // The calendar's announcements (SPEC §14) apart: the next releases' dates.
    let (announced, published): (Vec<_>, Vec<_>) = feed
        .entries()
        .iter()
        .cloned()
        .partition(|e| e.id().starts_with("urn:hailong:release:"));
    assert!(!announced.is_empty(), "the calendar is announced");
    feed.set_entries(published);
    assert_eq!(feed.entries().len(), 2, "one entry per revision");
    let base = app.address.trim_end_matches('/');
    for (entry, n) in feed.entries().iter().zip([2, 1]) {
        assert!(entry.title().as_str().contains(&q.label));
        assert!(entry.title().as_str().contains(&format!("lần {n}")));
        let href = entry.links()[0].href();
        assert_eq!(href, format!("{base}/reports/{}?revision={n}", q.label));
        assert_eq!(
            app.get(href.trim_start_matches(base)).await.status(),
            StatusCode::OK
        );
    }
    assert!(feed.entries()[0]
        .summary()
        .map(|s| s.as_str().contains("Sửa số hồ sơ"))
        .unwrap_or(false));

    let (_, robots) = text(&app, "/robots.txt").await;
    for line in [
        "Disallow: /staff",
        "Disallow: /exports",
        "Disallow: /api",
        "Allow: /",
    ] {
        assert!(robots.lines().any(|l| l == line), "{line}");
    }
    let (_, front) = text(&app, "/").await;
    assert!(front.contains(&format!("<link rel=\"canonical\" href=\"{base}/\">")));
    assert!(front.contains("<meta name=\"description\""));
    assert!(front.contains("application/atom+xml"));
    let (_, report) = text(&app, &format!("/reports/{}", q.label)).await;
    assert!(report.contains(&format!(
        "<link rel=\"canonical\" href=\"{base}/reports/{}\">",
        q.label
    )));
    assert!(report.contains("<meta property=\"og:title\" content=\"Kết quả khảo sát"));
    assert!(report
        .contains("<meta property=\"og:description\" content=\"Chỉ số hài lòng (SIPAS): 100,00 %"));
}
both_backends!(the_feed_is_atom_and_search_engines_are_told_what_to_list);

/// B7: a parent unit with a desk of its own (it has answers) is listed among the units open
/// today; the parent of `phuong-a` used to be left out although `/s/quan-test` takes answers.
async fn a_parent_with_a_desk_of_its_own_is_listed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    answer(&app, "quan-test", "4").await;
    let (status, html) = text(&app, "/units").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("/s/quan-test"), "{html}");
    assert!(html.contains("/s/phuong-a"));
}
both_backends!(a_parent_with_a_desk_of_its_own_is_listed);
