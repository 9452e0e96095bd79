//! Rating tablets at the counters (issues 19 and 30): pairing (single use, expiry, revoke,
//! leads and admins only, one tablet a counter), ratings stored once per id, the misuse flags
//! judged on tap times (an offline queue counts), a per-tablet rate limit, the desk table by
//! hand (closed days only but for admins), and SIPAS untouched by any of it.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{fresh_database, settings, spawn_on, Backend, StaffClient, TestApp};
use crate::staff::{secret_of, set_cookie};
use hailong::domain::user::Role;

const FORM: &str = "application/x-www-form-urlencoded";

fn today() -> String {
    hailong::domain::local_date(chrono::Utc::now()).to_string()
}

async fn app_with(backend: Backend, interval: i64, burst: usize) -> TestApp {
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.kiosk.misuse.interval_secs = interval;
    s.kiosk.misuse.burst = burst;
    let app = spawn_on(backend, &db, s).await;
    app.seed_units();
    app
}

/// Pairs a tablet with `code`: the response.
async fn pair(app: &TestApp, code: &str) -> reqwest::Response {
    app.post_form("/kiosk/pair", &[("code", code)]).await
}

/// A tablet paired to a new kiosk of `unit` (added by the unit's lead): its device cookie.
async fn tablet(app: &TestApp, unit: &str, counter: &str) -> String {
    let officer = app.lead(&format!("lead-{}", &id()[..8]), unit).await;
    let page = officer
        .post_form("/staff/kiosks", &[("unit", unit), ("counter", counter)])
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let code = secret_of(&html);
    // The code large, with the address a tablet's camera opens from its QR code.
    assert!(
        html.contains("class=\"pcode\"") && html.contains("<svg"),
        "{html}"
    );
    assert!(
        html.contains(&format!("/kiosk/pair?code={}", code.replace(' ', ""))),
        "{html}"
    );
    let r = pair(app, &code.to_lowercase()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    set_cookie(&r, "hailong_kiosk").expect("a device cookie").0
}

async fn rate(app: &TestApp, device: &str, body: &str, json: bool) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/kiosk/rate"))
        .header("content-type", FORM)
        .header("cookie", format!("hailong_kiosk={device}"))
        .body(body.to_string());
    if json {
        req = req.header("accept", "application/json");
    }
    req.send().await.unwrap()
}

/// The SIPAS table of today as JSON.
async fn sipas(app: &TestApp, token: &str) -> Value {
    let path = format!("/api/v1/indices?from={0}&to={0}", today());
    let r = app
        .client
        .get(app.url(&path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    r.json::<Value>().await.unwrap()
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Today's desk CSV, as an admin reads it (nobody else may while the day is open).
async fn desk_csv(app: &TestApp) -> Vec<Vec<String>> {
    let admin = app.signed_in(Role::Admin, None).await;
    let r = admin
        .get(&format!("/exports/desk.csv?from={0}&to={0}", today()))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let mut rows = vec![header];
    rows.extend(
        rd.records()
            .map(|r| r.unwrap().iter().map(String::from).collect::<Vec<_>>()),
    );
    rows
}

/// Pairing: the officer's own unit only, one use, ten minutes, and revoked means unpaired at
/// once; every step audited.
async fn a_tablet_is_paired_once_and_unpaired_by_revoking(backend: Backend) {
    let app = app_with(backend, 5, 20).await;
    let (lead, code) = only_a_lead_of_the_unit_sets_up_a_tablet(&app).await;
    let device = the_code_pairs_one_tablet_once(&app, &code).await;
    an_expired_code_is_gone(&app).await;
    a_revoked_tablet_is_unpaired_at_once(&app, &lead, &device).await;
    let audit = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 50))
        .unwrap();
    for action in ["kiosk.add", "kiosk.pair", "kiosk.revoke"] {
        assert!(audit.iter().any(|a| a.action == action), "{action} audited");
    }
}
both_backends!(a_tablet_is_paired_once_and_unpaired_by_revoking);

/// A plain officer sets up no tablet (the one rated at a counter never holds its code), nor
/// a lead another unit's, nor a viewer; a lead of the unit does. The lead and the code.
async fn only_a_lead_of_the_unit_sets_up_a_tablet(app: &TestApp) -> (StaffClient<'_>, String) {
    let plain = app.signed_in(Role::Officer, Some("phuong-a")).await;
    let r = plain
        .post_form(
            "/staff/kiosks",
            &[("unit", "phuong-a"), ("counter", "Quầy 1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a plain officer adds");
    assert_eq!(
        plain.get("/staff/kiosks").await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(!plain
        .get("/staff")
        .await
        .text()
        .await
        .unwrap()
        .contains("href=\"/staff/kiosks"));
    let officer = app.lead("lead-a", "phuong-a").await;
    let r = officer
        .post_form(
            "/staff/kiosks",
            &[("unit", "phuong-b"), ("counter", "Quầy 9")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another unit's counter");
    let viewer = app.signed_in(Role::Viewer, None).await;
    assert_eq!(
        viewer.get("/staff/kiosks").await.status(),
        StatusCode::FORBIDDEN
    );
    let page = officer
        .post_form(
            "/staff/kiosks",
            &[("unit", "phuong-a"), ("counter", "Quầy 1")],
        )
        .await
        .text()
        .await
        .unwrap();
    let code = secret_of(&page);
    assert_eq!(code.len(), 9, "ABCD-EFGH");
    (officer, code)
}

/// Without a device cookie the tablet says it is not paired; the code pairs it once (the
/// cookie kept from scripts and other paths), and the faces show. The device's cookie.
async fn the_code_pairs_one_tablet_once(app: &TestApp, code: &str) -> String {
    let r = app.get("/kiosk").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("href=\"/kiosk/pair\""));
    let r = pair(app, code).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/kiosk");
    let (device, attrs) = set_cookie(&r, "hailong_kiosk").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/kiosk"] {
        assert!(attrs.contains(attr), "{attr} in {attrs}");
    }
    assert_eq!(
        pair(app, code).await.status(),
        StatusCode::NOT_FOUND,
        "used once"
    );
    assert_eq!(pair(app, "ZZZZ-ZZZZ").await.status(), StatusCode::NOT_FOUND);
    let screen = screen_of(app, &device).await;
    assert_eq!(screen.status(), StatusCode::OK);
    let html = screen.text().await.unwrap();
    assert_eq!(html.matches("name=\"score\"").count(), 5, "five faces");
    assert!(html.contains("Phường A · Quầy 1"));
    assert!(html.contains("Rất hài lòng"), "the form scale's words");
    // Without JavaScript the faces are a plain form posting to /kiosk/rate.
    assert!(html.contains("<form method=\"post\" action=\"/kiosk/rate\""));
    device
}

/// An expired code: made eleven minutes ago.
async fn an_expired_code_is_gone(app: &TestApp) {
    let caller = hailong::service::access::Caller::Staff(hailong::service::users::Staff {
        id: 0,
        username: "test".into(),
        role: Role::Admin,
        unit: None,
        must_change_password: false,
        lead: false,
    });
    let past = chrono::Utc::now() - chrono::Duration::minutes(11);
    let (_, old) = hailong::service::kiosks::add(
        &app.store,
        &mut rand::rng(),
        &caller,
        "phuong-a",
        "Quầy 2",
        false,
        past,
    )
    .unwrap();
    assert_eq!(pair(app, &old).await.status(), StatusCode::GONE);
}

/// Revoked: the tablet is not paired at its next request, and cannot rate.
async fn a_revoked_tablet_is_unpaired_at_once(
    app: &TestApp,
    officer: &StaffClient<'_>,
    device: &str,
) {
    let list = officer.get("/staff/kiosks").await.text().await.unwrap();
    let kiosk_id = list
        .split("<td>#")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    // Revoking asks first: without the answer nothing changes.
    let r = officer
        .post_form("/staff/kiosks/revoke", &[("id", &kiosk_id)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let asked = r.text().await.unwrap();
    assert!(
        asked.contains(&format!("Thu hồi máy #{kiosk_id}?")),
        "{asked}"
    );
    assert!(asked.contains("name=\"confirm\" value=\"1\""), "{asked}");
    let still = screen_of(app, device).await;
    assert_eq!(
        still.status(),
        StatusCode::OK,
        "not revoked before the answer"
    );
    let r = officer
        .post_form(
            "/staff/kiosks/revoke",
            &[("id", &kiosk_id), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = screen_of(app, device).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = format!("id={}&score=5", id());
    assert_eq!(
        rate(app, device, &body, true).await.status(),
        StatusCode::FORBIDDEN
    );
}

/// Ratings: one per id (a double tap, a retry), the reasons of a low face added once, bad
/// input refused with nothing stored, figures by hand, SIPAS untouched.
async fn ratings_are_stored_once_and_reported_apart_from_sipas(backend: Backend) {
    let app = app_with(backend, 0, 1000).await;
    let token = app.token("hao", None);
    let before = sipas(&app, &token).await;
    let device = tablet(&app, "phuong-a", "Quầy 1").await;
    let other = tablet(&app, "phuong-a", "Quầy 2").await;
    a_double_tap_and_late_reasons_land_once(&app, &device).await;
    the_offline_queue_is_answered_in_json(&app, &other).await;
    bad_input_gets_a_clear_4xx_and_stores_nothing(&app, &device).await;
    the_table_matches_the_hand_count(&app).await;
    today_is_open_to_admins_alone(&app, &token).await;
    // Desk ratings never change a SIPAS figure.
    assert_eq!(sipas(&app, &token).await, before);
    // C-15: the tablet's posts are not counted per request in /metrics (a frequent scraper
    // would hold each tap's time).
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("hailong_http_requests_total"));
    assert!(!metrics.contains("/kiosk/rate"), "{metrics}");
}
both_backends!(ratings_are_stored_once_and_reported_apart_from_sipas);

async fn a_double_tap_and_late_reasons_land_once(app: &TestApp, device: &str) {
    // A 5, sent twice (a double tap): one rating, both times to the thank-you.
    let five = format!("id={}&score=5", id());
    for _ in 0..2 {
        let r = rate(app, device, &five, false).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/kiosk");
        assert!(set_cookie(&r, "hailong_kiosk_thanks").is_some());
    }
    // A 2 without reasons: stored, and the tablet asks for reasons; they come once.
    let low = id();
    let r = rate(app, device, &format!("id={low}&score=2"), false).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (pending, _) = set_cookie(&r, "hailong_kiosk_low").expect("waiting for reasons");
    let r = app
        .client
        .get(app.url("/kiosk"))
        .header(
            "cookie",
            format!("hailong_kiosk={device}; hailong_kiosk_low={pending}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["refresh"],
        "31; url=/kiosk",
        "back to the faces when idle"
    );
    let screen = r.text().await.unwrap();
    assert_eq!(
        screen.matches("name=\"reason\"").count(),
        9,
        "Art. 33's reasons"
    );
    let body = format!("id={low}&score=2&reason=time&reason=visits&comment=Ch%E1%BB%9D+l%C3%A2u");
    assert_eq!(
        rate(app, device, &body, false).await.status(),
        StatusCode::SEE_OTHER
    );
    let again = format!("id={low}&score=2&reason=conduct");
    assert_eq!(
        rate(app, device, &again, false).await.status(),
        StatusCode::SEE_OTHER
    );
}

/// JSON (the tablet's offline queue): 201, and the same id again is "already".
async fn the_offline_queue_is_answered_in_json(app: &TestApp, other: &str) {
    let j = id();
    let body = format!("id={j}&score=3&reason=time");
    let r = rate(app, other, &body, true).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["stored"], "new");
    let r = rate(app, other, &body, true).await;
    assert_eq!(r.json::<Value>().await.unwrap()["stored"], "already");
    let r = rate(app, other, &format!("id={}&score=4", id()), true).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

/// Bad input: a clear 4xx and nothing stored.
async fn bad_input_gets_a_clear_4xx_and_stores_nothing(app: &TestApp, device: &str) {
    let long = "x".repeat(501);
    let many = "&reason=time".repeat(100);
    for bad in [
        format!("id={}&score=0", id()),
        format!("id={}&score=6", id()),
        format!("id={}&score=abc", id()),
        format!("id={}&score=2&reason=bribe", id()),
        format!("id={}&score=2{many}", id()),
        format!("id={}&score=2&comment={long}", id()),
        format!("id={}&score=5&reason=time", id()),
        format!("id={}&score=%2B3", id()),
        format!("id={}&score=+2+", id()),
        format!("id={}&score=03", id()),
        format!("id={}&score=2&comment=a&comment=b", id()),
        format!("id={}&score=2&comment=a%1B%5B31mred%07", id()),
        format!("id={}&score=2&comment=%E2%80%8B", id()),
        "id=not-a-uuid&score=4".to_string(),
        // A time-based UUID would carry its tap's time into the table.
        "id=6ba7b810-9dad-11d1-80b4-00c04fd430c8&score=4".to_string(),
    ] {
        let r = rate(app, device, &bad, true).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:.60}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["code"].is_string());
    }
    let week_and_a_day = (8 * 24 * 3600 * 1000_i64).to_string();
    for age in ["-1", "abc", week_and_a_day.as_str()] {
        let r = rate(app, device, &format!("id={}&score=4&age={age}", id()), true).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "age {age}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "bad_age");
    }
    let huge = format!(
        "id={}&score=2&comment={}",
        id(),
        "x".repeat(10 * 1024 * 1024)
    );
    assert!(rate(app, device, &huge, true)
        .await
        .status()
        .is_client_error());
}

async fn the_table_matches_the_hand_count(app: &TestApp) {
    // The table by hand. Quầy 1: 5 and 2 → n 2, satisfied 1 (50 %), mean 3.5, reasons of the
    // one low rating with reasons: time 100, visits 100 (its later "conduct" did not land).
    // Quầy 2: 3 and 4 → 50 %, mean 3.5, time 100. The unit: 5, 2, 3, 4 → 50 %, mean 3.5,
    // time 2/2 = 100, visits 1/2 = 50.
    let rows = desk_csv(app).await;
    assert_eq!(
        rows[0].join(","),
        "period,period_start,period_end,unit_code,unit_name,counter,ratings,flagged,satisfied_pct,ci_low,ci_high,mean_score,reasons,flags"
    );
    let row = |unit: &str, counter: &str| {
        rows.iter()
            .find(|r| r[3] == unit && r[5] == counter)
            .unwrap_or_else(|| panic!("no row {unit} {counter}"))
            .clone()
    };
    let q1 = row("phuong-a", "Quầy 1");
    assert_eq!(
        &q1[6..13],
        [
            "2",
            "0",
            "50.00",
            "9.45",
            "90.55",
            "3.50",
            "time=100.00;visits=100.00"
        ]
    );
    let unit = row("phuong-a", "TOTAL");
    assert_eq!(
        &unit[6..13],
        [
            "4",
            "0",
            "50.00",
            "15.00",
            "85.00",
            "3.50",
            "time=100.00;visits=50.00"
        ]
    );
    assert_eq!(unit[13], "small_sample");
    let last = rows.last().unwrap();
    assert_eq!((last[3].as_str(), last[6].as_str()), ("TOTAL", "4"));
}

/// Today is open: no token, officer or lead reads a desk figure of it; an admin does.
async fn today_is_open_to_admins_alone(app: &TestApp, token: &str) {
    let today_range = format!("/api/v1/desk?from={0}&to={0}", today());
    let r = app
        .client
        .get(app.url(&today_range))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "open_day"
    );
    let lead = app.lead("lead-open", "phuong-a").await;
    for path in [
        today_range.clone(),
        format!("/exports/desk.csv?from={0}&to={0}", today()),
    ] {
        assert_eq!(
            lead.get(&path).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
    }
    let admin = app.signed_in(Role::Admin, None).await;
    let json: Value = admin.get(&today_range).await.json().await.unwrap();
    let total = json["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(total["satisfied_pct"], 50.0);
    assert_eq!(total["reasons"]["visits"], 50.0);
}

/// `rate` with the tap `age_ms` milliseconds ago: the flag stored.
async fn flag_of(app: &TestApp, device: &str, score: &str, age_ms: i64) -> Value {
    let body = format!("id={}&score={score}&age={age_ms}", id());
    let r = rate(app, device, &body, true).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["flag"].clone()
}

/// The misuse rules at their edges, on tap times (the ages the tablet sends, so the test
/// does not depend on how fast it runs): a tap within the interval of the device's previous
/// tap is `rapid`; a quick tap past `burst` in ten minutes is `burst`, a tap after a pause is
/// not; flagged ratings are counted apart and left out of the figures; another device is
/// judged on its own; an offline queue sent at once is judged as it was tapped.
async fn misuse_is_flagged_counted_and_left_out(backend: Backend) {
    let app = app_with(backend, 5, 20).await;
    let device = tablet(&app, "phuong-a", "Quầy 1").await;
    let other = tablet(&app, "phuong-a", "Quầy 2").await;
    let n = Value::Null;
    // Tapped 60 s, 58 s (2 s later: rapid) and 50 s ago (8 s later: fine).
    let flags = [
        flag_of(&app, &device, "5", 60_000).await,
        flag_of(&app, &device, "1", 58_000).await,
        flag_of(&app, &device, "1", 50_000).await,
    ];
    assert_eq!(flags, [n.clone(), "rapid".into(), n.clone()]);
    assert_eq!(
        flag_of(&app, &other, "4", 59_000).await,
        n,
        "its own device"
    );
    let rows = desk_csv(&app).await;
    let q1 = rows.iter().find(|r| r[5] == "Quầy 1").unwrap();
    assert_eq!(
        (q1[6].as_str(), q1[7].as_str(), q1[8].as_str()),
        ("2", "1", "50.00")
    );
    // The lead sees the flagged ratings per tablet and day, with a line past 10 %.
    let lead = app.lead("lead-m", "phuong-a").await;
    let page = lead.get("/staff/kiosks").await.text().await.unwrap();
    let day = chrono::Utc::now()
        .with_timezone(&hailong::domain::local_offset())
        .format("%d/%m")
        .to_string();
    assert!(page.contains(&format!("{day}: 1 / 3 ⚠ quá 10 %")), "{page}");

    // B3: three citizens rate offline, 6 s apart, ten minutes ago; the queue is sent back to
    // back when the network returns: all three count.
    let queued = tablet(&app, "phuong-a", "Quầy 3").await;
    let mut flags = Vec::new();
    for age in [600_000, 594_000, 588_000] {
        flags.push(flag_of(&app, &queued, "4", age).await);
    }
    assert_eq!(
        flags,
        [n.clone(), n.clone(), n.clone()],
        "offline taps count"
    );

    // Burst: interval off, at most 3 in ten minutes. Five quick taps: the 4th and 5th are the
    // surplus; a 6th tapped 60 s after the 5th (a pause) is an honest rating, not burst.
    let app = app_with(backend, 0, 3).await;
    let device = tablet(&app, "phuong-b", "Quầy 1").await;
    let mut flags = Vec::new();
    for age in [100_000, 99_000, 98_000, 97_000, 96_000, 36_000] {
        flags.push(flag_of(&app, &device, "5", age).await);
    }
    assert_eq!(
        flags,
        [
            n.clone(),
            n.clone(),
            n.clone(),
            "burst".into(),
            "burst".into(),
            n
        ]
    );
}
both_backends!(misuse_is_flagged_counted_and_left_out);

/// A flood from one tablet: 100 posts at once, 60 stored (the tablet's limit a minute), the
/// rest 429 with nothing stored; another tablet is not held back.
async fn a_tablet_posts_at_most_sixty_a_minute(backend: Backend) {
    let app = app_with(backend, 5, 20).await;
    let device = tablet(&app, "phuong-a", "Quầy 1").await;
    let other = tablet(&app, "phuong-a", "Quầy 2").await;
    let posts = (0..100).map(|_| {
        let (app, device) = (&app, &device);
        async move {
            rate(app, device, &format!("id={}&score=5", id()), true)
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(posts).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((created, refused), (60, 40), "{statuses:?}");
    let stored = app
        .store
        .read(|c| {
            let day = hailong::domain::local_date(chrono::Utc::now());
            hailong::store::kiosks::scored_between(c, day, day, None)
        })
        .unwrap();
    assert_eq!(stored.len(), 60);
    // B9: a one-unit view reads that unit's ratings only (in SQL, not in Rust).
    let other_unit = app
        .store
        .read(|c| {
            let day = hailong::domain::local_date(chrono::Utc::now());
            hailong::store::kiosks::scored_between(c, day, day, Some("phuong-b"))
        })
        .unwrap();
    assert!(other_unit.is_empty());
    let r = rate(&app, &other, &format!("id={}&score=5", id()), true).await;
    assert_eq!(r.status(), StatusCode::CREATED, "another tablet");
    let r = rate(&app, &device, &format!("id={}&score=5", id()), false).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the page too");
    assert!(r.headers().contains_key("retry-after"));
}
both_backends!(a_tablet_posts_at_most_sixty_a_minute);

/// A counter has one live tablet: a second one is refused (409) unless it replaces the first,
/// which is revoked at once and audited; counter names that could look alike are refused.
async fn a_counter_has_one_tablet(backend: Backend) {
    let app = app_with(backend, 5, 20).await;
    let first = tablet(&app, "phuong-a", "Quầy 1").await;
    let lead = app.lead("lead-one", "phuong-a").await;
    let add = |replace: bool| {
        let lead = &lead;
        async move {
            let mut fields = vec![("unit", "phuong-a"), ("counter", "Quầy  1 ")];
            if replace {
                fields.push(("replace", "1"));
            }
            lead.post_form("/staff/kiosks", &fields).await
        }
    };
    let r = add(false).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("Quầy này đã có máy"));
    let r = add(true).await;
    assert_eq!(r.status(), StatusCode::OK);
    let code = secret_of(&r.text().await.unwrap());
    assert_eq!(pair(&app, &code).await.status(), StatusCode::SEE_OTHER);
    let r = rate(&app, &first, &format!("id={}&score=5", id()), true).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the replaced tablet");
    let audit = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 50))
        .unwrap();
    assert!(audit
        .iter()
        .any(|a| a.action == "kiosk.revoke" && a.outcome.starts_with("replaced by #")));
    for bad in ["Quầy\u{200B}1", "Quầy 1\u{202E}", "\u{3164}", "Quầy\u{1b}2"] {
        let r = lead
            .post_form("/staff/kiosks", &[("unit", "phuong-a"), ("counter", bad)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
}
both_backends!(a_counter_has_one_tablet);

/// Guessing pairing codes: wrong codes of one address are limited by a budget of their own
/// (10 in 10 minutes), then refused with 429 — even the right code — and nothing is paired;
/// staff sign-in from that address is not touched (C-12).
async fn guessing_pairing_codes_is_limited_per_address(backend: Backend) {
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.login_rate_limit = Some(hailong::web::ratelimit::Limit {
        max: 10,
        window: std::time::Duration::from_secs(600),
    });
    let app = spawn_on(backend, &db, s).await;
    app.seed_units();
    let officer = app.lead("lead-g", "phuong-a").await;
    // Right codes spend nothing: eleven tablets paired from one address.
    for n in 0..11 {
        let counter = format!("Quầy {n}");
        let page = officer
            .post_form(
                "/staff/kiosks",
                &[("unit", "phuong-a"), ("counter", &counter)],
            )
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            pair(&app, &secret_of(&page)).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let page = officer
        .post_form(
            "/staff/kiosks",
            &[("unit", "phuong-a"), ("counter", "Quầy 99")],
        )
        .await
        .text()
        .await
        .unwrap();
    let code = secret_of(&page);
    let mut statuses = Vec::new();
    for i in 0..1000 {
        let status = pair(&app, &format!("{:08}", i)).await.status();
        statuses.push(status);
        if status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(statuses.len(), 11, "ten guesses, then 429");
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::NOT_FOUND));
    assert_eq!(
        pair(&app, &code).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        app.store
            .read(|c| hailong::store::kiosks::list(c, None))
            .unwrap()
            .iter()
            .filter(|k| k.paired_at.is_some())
            .count(),
        11
    );
    // Signing in from the same address still works (C-12: it shared the budget).
    app.staff("admin-g", Role::Admin, None).await;
    let form = app.login_form().await;
    let status = form
        .sign_in("admin-g", crate::helpers::STAFF_PASSWORD)
        .await;
    assert_eq!(status, 303, "staff sign-in has its own budget");
}
both_backends!(guessing_pairing_codes_is_limited_per_address);

/// A stored misuse flag this version does not know is an error naming the column, never a
/// rating read as unflagged (issue 32: typed states).
async fn an_unknown_stored_flag_is_an_error_not_a_default(backend: Backend) {
    let app = app_with(backend, 0, 1000).await;
    let device = tablet(&app, "phuong-a", "Quầy 1").await;
    let r = rate(&app, &device, &format!("id={}&score=4", id()), false).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let day = hailong::domain::local_date(chrono::Utc::now());
    let period = hailong::domain::period::Period::custom(day, day).unwrap();
    assert!(hailong::service::kiosks::table(&app.store, &period, None).is_ok());
    app.store
        .write(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE desk_ratings SET flag = 'bogus'")
                .execute(c)
                .map_err(hailong::store::StoreError::from)
        })
        .unwrap();
    let e = hailong::service::kiosks::table(&app.store, &period, None).unwrap_err();
    assert!(e.to_string().contains("desk_ratings.flag"), "{e}");
}
both_backends!(an_unknown_stored_flag_is_an_error_not_a_default);

/// The tablet's screen as its device cookie gets it.
async fn screen_of(app: &TestApp, device: &str) -> reqwest::Response {
    app.client
        .get(app.url("/kiosk"))
        .header("cookie", format!("hailong_kiosk={device}"))
        .send()
        .await
        .unwrap()
}
