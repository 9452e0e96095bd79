//! Issue 38: publication day. Published pages are kept ready and compressed once, with a
//! strong ETag that holds across requests and changes with a revision; a client that has the
//! page gets `304`; anonymous readers may keep it (`public`), staff may not; nginx's cache in
//! front keeps public pages and never a staff page; the front page changes right after a
//! publication on both of two nodes.

use std::io::Read;

use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, VARY,
};
use reqwest::StatusCode;

use crate::both_backends;
use crate::feedback::text_of;
use crate::helpers::*;
use crate::releases::{answered_this_quarter, publish, this_quarter};
use hailong::domain::period::Period;
use hailong::domain::user::Role;

const PUBLIC: &str = "public, max-age=300, stale-while-revalidate=600";

/// A GET with these headers: status, the headers asked for, the body decoded.
async fn fetch(
    url: &str,
    headers: &[(reqwest::header::HeaderName, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut req = reqwest::Client::new().get(url);
    for (k, v) in headers {
        req = req.header(k.clone(), *v);
    }
    let r = req.send().await.unwrap();
    let (status, head) = (r.status(), r.headers().clone());
    let bytes = r.bytes().await.unwrap();
    let mut body = String::new();
    match head.get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()) {
        Some("gzip") => {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut body)
                .unwrap();
        }
        Some("br") => {
            brotli::Decompressor::new(&bytes[..], 4096)
                .read_to_string(&mut body)
                .unwrap();
        }
        _ => body = String::from_utf8(bytes.to_vec()).unwrap(),
    }
    (status, head, body)
}

fn header(h: &reqwest::header::HeaderMap, name: reqwest::header::HeaderName) -> String {
    h.get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// A published report's ETag holds across requests and encodings decode to the same page;
/// `304` for a client that has it (by ETag or by date); a revision changes it.
async fn a_published_report_is_kept_ready_and_revalidated(backend: Backend) {
    let app = spawn_app(backend).await;
    let (q, admin) = answered_this_quarter(&app, 3).await;
    publish(&admin, &q, "").await;
    let url = app.url(&format!("/reports/{}", q.label));
    let (status, h, gz) = fetch(&url, &[(ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    let etag = header(&h, ETAG);
    assert!(etag.starts_with('"') && etag.ends_with("-gz\""), "{etag}");
    assert_eq!(header(&h, CACHE_CONTROL), PUBLIC);
    assert!(header(&h, VARY).contains("Accept-Encoding") && header(&h, VARY).contains("Cookie"));
    assert!(gz.contains("Phường A") && gz.contains("Công bố lần 1"));
    let (_, again, _) = fetch(&url, &[(ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(header(&again, ETAG), etag, "stable across requests");
    let (_, br_head, br) = fetch(&url, &[(ACCEPT_ENCODING, "br, gzip")]).await;
    assert_eq!(header(&br_head, CONTENT_ENCODING), "br");
    let (_, plain_head, plain) = fetch(&url, &[]).await;
    assert!(header(&plain_head, CONTENT_ENCODING).is_empty());
    assert!(br == gz && plain == gz, "three encodings, one page");
    let has = [(ACCEPT_ENCODING, "gzip"), (IF_NONE_MATCH, etag.as_str())];
    let (status, h304, body) = fetch(&url, &has).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""));
    assert_eq!(header(&h304, ETAG), etag);
    let since = header(&h, LAST_MODIFIED);
    let by_date = [
        (ACCEPT_ENCODING, "gzip"),
        (IF_MODIFIED_SINCE, since.as_str()),
    ];
    assert_eq!(fetch(&url, &by_date).await.0, StatusCode::NOT_MODIFIED);
    staff_get_nothing_kept(&admin, &q).await;
    publish(&admin, &q, "Bổ sung phiếu giấy").await;
    let (status, h2, page2) = fetch(&url, &has).await;
    assert_eq!(status, StatusCode::OK, "a revision is another page");
    assert_ne!(header(&h2, ETAG), etag);
    assert!(page2.contains("Công bố lần 2"));
    open_data_is_kept_too(&app, &q).await;
}
both_backends!(a_published_report_is_kept_ready_and_revalidated);

/// Staff reading the same addresses: the live report, or the published one, never to be kept.
async fn staff_get_nothing_kept(admin: &StaffClient<'_>, q: &Period) {
    for path in [
        format!("/reports/{}", q.label),
        format!("/reports/{}?revision=1", q.label),
        "/".to_string(),
    ] {
        let r = admin.get(&path).await;
        assert_eq!(r.status(), StatusCode::OK);
        let cc = header(r.headers(), CACHE_CONTROL);
        assert!(
            cc.contains("no-store") && !cc.contains("public"),
            "{path}: {cc}"
        );
        assert!(header(r.headers(), VARY).contains("Cookie"), "{path}");
    }
}

/// The open data of a revision: the frozen bytes, an ETag, `304`, dated at its publication.
async fn open_data_is_kept_too(app: &TestApp, q: &Period) {
    let url = app.url(&format!("/open/indices.csv?period={}&revision=1", q.label));
    let (status, h, csv) = fetch(&url, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let frozen = hailong::service::public::frozen_table(&app.store, q, Some(1))
        .unwrap()
        .unwrap();
    assert_eq!(csv, frozen.table_csv);
    assert_eq!(
        header(&h, "access-control-allow-origin".parse().unwrap()),
        "*"
    );
    let etag = header(&h, ETAG);
    let (status, _, _) = fetch(&url, &[(IF_NONE_MATCH, etag.as_str())]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let published: std::time::SystemTime =
        chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(
            frozen.published_at,
            chrono::Utc,
        )
        .into();
    let lm = httpdate::parse_http_date(&header(&h, LAST_MODIFIED)).unwrap();
    let diff = published
        .duration_since(lm)
        .unwrap_or_else(|e| e.duration());
    assert!(diff.as_secs() < 1, "dated at its publication");
}

/// Two nodes on one PostgreSQL: each keeps its front page; a publication through one is on
/// both front pages at once (the other node hears of it through PostgreSQL's notifications).
#[tokio::test]
async fn the_front_page_changes_at_once_on_both_nodes() {
    let db = fresh_database(Backend::Postgres);
    let a = spawn_on(Backend::Postgres, &db, settings(&db)).await;
    let b = spawn_on(Backend::Postgres, &db, settings(&db)).await;
    a.seed_units();
    let r = a
        .post_form("/s/phuong-a", &as_refs(&full_answers("4")))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let q = this_quarter();
    let link = format!("/reports/{}", q.label);
    for node in [&a, &b] {
        let front = text_of(node, "/").await;
        assert!(
            !front.contains(&format!("href=\"{link}\"")),
            "not yet published"
        );
    }
    let admin = a.signed_in(Role::Admin, None).await;
    publish(&admin, &q, "").await;
    assert!(text_of(&a, "/").await.contains(&link));
    let mut seen = false;
    for _ in 0..20 {
        if text_of(&b, "/").await.contains(&link) {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "node B's front page shows the publication within 2 s");
}

/// The repository's nginx configuration in front of two nodes: an anonymous reader's second
/// request for a published report is nginx's copy; a member of staff passes by the cache and
/// gets the live report, which nginx never keeps for the next anonymous reader.
#[tokio::test]
async fn nginx_keeps_public_pages_and_never_a_staff_page() {
    let db = fresh_database(Backend::Postgres);
    crate::durability::seed(&db);
    let store = hailong::store::Store::open(&db).unwrap();
    let (_a, url_a) = serve_process(&db, &["--trust-proxy", "--rate-limit", "off"]);
    let (_b, url_b) = serve_process(&db, &["--trust-proxy", "--rate-limit", "off"]);
    let (_nginx, front) = crate::durability::nginx_in_front_of(&url_a, &url_b);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    crate::durability::wait_until_healthy(&client, &front).await;
    let r = client
        .post(format!("{front}/s/phuong-a"))
        .form(&as_refs(&full_answers("4")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let q = this_quarter();
    let staff = staff_session(&store, Role::Admin).await;
    let cookie = format!("hailong_session={}", staff.0);
    let publish = client
        .post(format!("{front}/reports/{}/publish", q.label))
        .header("cookie", &cookie)
        .form(&[("csrf", staff.1.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(publish.status(), StatusCode::SEE_OTHER);
    let url = format!("{front}/reports/{}", q.label);
    let cache_status =
        |h: &reqwest::header::HeaderMap| header(h, "x-cache-status".parse().unwrap());
    let (_, first, _) = fetch(&url, &[]).await;
    assert_eq!(cache_status(&first), "MISS");
    let (_, second, page) = fetch(&url, &[]).await;
    assert_eq!(cache_status(&second), "HIT", "the crowd is served by nginx");
    assert!(page.contains("Công bố lần 1") && !page.contains("ly-do"));
    let (status, staff_head, staff_page) =
        fetch(&url, &[(reqwest::header::COOKIE, cookie.as_str())]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache_status(&staff_head), "BYPASS");
    assert!(
        staff_page.contains("ly-do"),
        "staff get the live report and its publish form"
    );
    let (_, after, page) = fetch(&url, &[]).await;
    assert_eq!(cache_status(&after), "HIT");
    assert!(
        !page.contains("ly-do"),
        "the public never gets a staff page"
    );
    let (_, dash, _) = fetch(
        &format!("{front}/staff"),
        &[(reqwest::header::COOKIE, cookie.as_str())],
    )
    .await;
    assert_ne!(cache_status(&dash), "HIT");
    let (_, anon_dash, body) = fetch(&format!("{front}/staff"), &[]).await;
    assert_ne!(
        cache_status(&anon_dash),
        "HIT",
        "a staff page is never kept"
    );
    assert!(!body.contains("ly-do"));
}

/// A session of a new account on the store: (token, CSRF token).
async fn staff_session(store: &hailong::store::Store, role: Role) -> (String, String) {
    use hailong::service::users;
    let name = format!("admin-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    users::add(
        store,
        &mut rand::rng(),
        users::NewUser {
            username: &name,
            role,
            unit: None,
            password: Some(STAFF_PASSWORD),
            lead: false,
        },
        "test",
        chrono::Utc::now(),
    )
    .unwrap();
    let store = store.clone();
    let session = tokio::task::spawn_blocking(move || {
        users::login(
            &store,
            &mut rand::rng(),
            &name,
            STAFF_PASSWORD,
            chrono::Utc::now(),
        )
    })
    .await
    .unwrap()
    .unwrap();
    (session.token, session.csrf)
}
