//! The second outside security test (issue 18), each finding as a test that failed before its
//! fix: tracking codes kept from staff, every text a citizen reads masked, merge chains
//! followed, from-survey filing only when offered, invisible texts, cross-site posts.

use reqwest::StatusCode;

use crate::both_backends;
use crate::feedback::{file_via_page, id_of, location, rate, step, text_of};
use crate::helpers::{as_refs, full_answers, spawn_app, Backend, StaffClient, TestApp};
use crate::staff::{add_user, get_as, session};
use hailong::domain::ticket::TicketCode;
use hailong::domain::user::Role;

/// A phone number, an e-mail and a citizen-ID number, as an officer might paste them.
const PERSONAL: &str =
    "Đã gọi cho chị theo số 0987 654 321, e-mail chi.nguyen@gmail.com; CCCD 079123456789";

fn assert_no_personal(page: &str, what: &str) {
    for secret in ["654 321", "0987", "chi.nguyen", "gmail.com", "079123456789"] {
        assert!(!page.contains(secret), "{what} shows {secret}");
    }
}

fn forms_of(code: &str) -> [String; 3] {
    let c = TicketCode::parse(code).unwrap();
    [
        c.as_str().to_string(),
        c.grouped(),
        c.as_str().to_lowercase(),
    ]
}

/// B-1: staff, tokens, the API and the export never see a tracking code, so nobody but the
/// citizen can rate a reply; only the code's hash is stored, also for rows written earlier.
async fn tracking_codes_stay_with_the_citizen(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let officer = app.staff("can-bo-a", Role::Officer, Some("phuong-a")).await;
    let code = file_via_page(&app, "phuong-a", "Hồ sơ chậm trả.", "", true).await;
    let id = id_of(&app, &code);
    assert_eq!(
        step(&officer, id, "answer", "Đã trả hồ sơ.").await,
        StatusCode::SEE_OTHER
    );
    let year = chrono::Datelike::year(&hailong::domain::local_date(chrono::Utc::now()));
    let token = app.token("mot-cua-a", Some("phuong-a"));
    let api = app
        .client
        .get(app.url(&format!("/api/v1/feedback?period={year}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::OK);
    let api = api.text().await.unwrap();
    assert!(api.contains(&format!("\"id\":{id}")), "{api}");
    let pages = [
        ("the API", api),
        (
            "the queue",
            officer.get("/staff/feedback").await.text().await.unwrap(),
        ),
        (
            "the item",
            officer
                .get(&format!("/staff/feedback/{id}"))
                .await
                .text()
                .await
                .unwrap(),
        ),
        (
            "the dashboard",
            officer.get("/staff").await.text().await.unwrap(),
        ),
    ];
    for (what, page) in &pages {
        for form in forms_of(&code) {
            assert!(!page.contains(&form), "{what} shows the tracking code");
        }
    }
    // The database holds the hash only.
    let row = app
        .store
        .read(|c| hailong::store::feedback::by_id(c, id))
        .unwrap()
        .unwrap();
    assert_eq!(row.code_hash.len(), 64);
    assert!(!row.code_hash.contains(&code));
    // The citizen still follows and rates it.
    assert!(text_of(&app, &format!("/feedback/track/{code}"))
        .await
        .contains("Đã trả hồ sơ."));
    assert_eq!(
        rate(&app, &code, "yes").await.status(),
        StatusCode::SEE_OTHER
    );
    a_clear_code_of_an_older_row_is_hashed_on_start(&app);
}

/// A row from before the hashing (its code in the clear) is hashed on the next start.
fn a_clear_code_of_an_older_row_is_hashed_on_start(app: &TestApp) {
    let old = TicketCode::generate(&mut rand::rng());
    app.store
        .write(|c| {
            hailong::store::feedback::insert(
                c,
                &hailong::store::feedback::NewFeedback {
                    code_hash: old.as_str().to_string(),
                    unit_code: "phuong-a".into(),
                    subject: "other".into(),
                    body: "Cũ.".into(),
                    contact: None,
                    consent_publish: false,
                    from_survey: false,
                    status: "received".into(),
                    received_at: chrono::Utc::now().naive_utc(),
                    received_date: hailong::domain::local_date(chrono::Utc::now()),
                    synthetic: false,
                    notice_version: None,
                },
            )
        })
        .unwrap();
    let reopened = hailong::store::Store::open(&app.db_url).unwrap();
    let found = reopened
        .read(|c| hailong::store::feedback::by_code_hash(c, &old.hash()))
        .unwrap()
        .expect("hashed on open");
    assert_eq!(found.body, "Cũ.");
    assert!(reopened
        .read(|c| hailong::store::feedback::by_code_hash(c, old.as_str()))
        .unwrap()
        .is_none());
}
both_backends!(tracking_codes_stay_with_the_citizen);

/// B-2 and B-9: the reply and the reason a citizen reads are masked, a merged duplicate's
/// citizen too, and a chain of merges leads to the item kept.
async fn every_text_a_citizen_reads_is_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let admin = app.staff("noi-vu", Role::Admin, None).await;
    let x = file_via_page(&app, "phuong-a", "Hồ sơ đất bị chậm.", "0987654321", false).await;
    let y = file_via_page(&app, "phuong-a", "Hồ sơ đất chậm quá.", "", false).await;
    let z = file_via_page(&app, "phuong-a", "Trùng lần nữa.", "", false).await;
    let d = file_via_page(&app, "phuong-a", "Không rõ.", "", false).await;
    let (xi, yi, zi, di) = (
        id_of(&app, &x),
        id_of(&app, &y),
        id_of(&app, &z),
        id_of(&app, &d),
    );
    // A chain: Z into Y, then Y into X.
    assert_eq!(
        step(&admin, zi, "merge", &format!("#{yi}")).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        step(&admin, yi, "merge", &format!("{xi}")).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        step(&admin, xi, "answer", PERSONAL).await,
        StatusCode::SEE_OTHER
    );
    for code in [&x, &y, &z] {
        let page = text_of(&app, &format!("/feedback/track/{code}")).await;
        assert!(
            page.contains("Đã gọi cho chị"),
            "{code}: the reply is shown"
        );
        assert_no_personal(&page, "a tracking page");
    }
    // The first citizen of the chain may rate the reply too.
    assert_eq!(rate(&app, &z, "yes").await.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        step(
            &admin,
            di,
            "decline",
            "Đã liên hệ SĐT 0977 111 222, CCCD 079123456789"
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let page = text_of(&app, &format!("/feedback/track/{d}")).await;
    assert!(page.contains("Đã liên hệ"));
    assert!(!page.contains("111 222") && !page.contains("079123456789"));
    let year = chrono::Datelike::year(&hailong::domain::local_date(chrono::Utc::now()));
    let api = admin
        .get(&format!("/api/v1/feedback?period={year}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(api.contains("Đã liên hệ"));
    assert!(!api.contains("111 222") && !api.contains("079123456789"));
    assert_no_personal(&api, "the API");
}
both_backends!(every_text_a_citizen_reads_is_masked);

async fn survey(app: &TestApp, overall: &str, comment: &str) -> String {
    let mut answers = full_answers(overall);
    answers.push(("comment".into(), comment.into()));
    let id = uuid::Uuid::new_v4().to_string();
    answers.push(("submission_id".into(), id.clone()));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    id
}

/// B-12 and B-15: a response that was not offered feedback cannot be filed from; a text of
/// nothing visible is empty.
async fn only_offered_comments_and_visible_texts_are_filed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let id = survey(&app, "5", "Tốt, số của tôi 0912 345 678").await;
    let r = app
        .post_form(
            "/feedback/from-survey",
            &[("submission_id", id.as_str()), ("consent", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Offered (a low score): taken once.
    let id = survey(&app, "1", "Chờ lâu quá.").await;
    let r = app
        .post_form("/feedback/from-survey", &[("submission_id", id.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", location(&r));

    for blank in ["\u{200B}", "\u{2800}\u{2800}", "\u{3164}", " \u{FEFF} "] {
        let r = app
            .post_form(
                "/feedback/phuong-a",
                &[("subject", "other"), ("text", blank)],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{blank:?} is empty"
        );
    }
    let n = app
        .store
        .read(|c| hailong::store::feedback::queue(c, None, None, None, 100))
        .unwrap()
        .1;
    assert_eq!(n, 1, "only the offered comment was filed");
}
both_backends!(only_offered_comments_and_visible_texts_are_filed);

/// C-1 (was B-5): past N new items of a unit in a window, from any address, a new item is
/// taken and held, never refused: not notified, no deadline, apart from the queue, out of
/// the figures, counted on the dashboard, until staff release it (deadlines from that day)
/// or decline it. Other units take items as before; the staff queue and the API reach every
/// item page by page.
async fn floods_over_the_unit_cap_are_held_and_every_item_stays_reachable(backend: Backend) {
    let db = crate::helpers::fresh_database(backend);
    let mut s = crate::helpers::settings(&db);
    s.feedback_unit_limit = hailong::web::ratelimit::Limit::parse("5/3600").unwrap();
    let app = crate::helpers::spawn_on(backend, &db, s).await;
    app.seed_units();
    for i in 0..5 {
        file_via_page(&app, "phuong-a", &format!("Phản ánh {i}"), "", false).await;
    }
    // The same address again, then "another citizen": taken, both (the form never closes).
    let flood = file_via_page(&app, "phuong-a", "Lần thứ sáu", "", false).await;
    let citizen = file_via_page(&app, "phuong-a", "Hồ sơ trễ hẹn 3 tuần", "", false).await;
    let track = text_of(&app, &format!("/feedback/track/{citizen}")).await;
    assert!(track.contains("đang chờ đơn vị tiếp nhận"), "{track}");
    assert!(
        !track.contains("Hạn trả lời"),
        "no deadline runs while held"
    );
    let (flood_id, citizen_id) = (id_of(&app, &flood), id_of(&app, &citizen));
    assert_eq!(stored(&app, citizen_id).status, "held");
    file_via_page(&app, "phuong-b", "Đơn vị khác vẫn nhận.", "", false).await;
    let admin = app.staff("noi-vu", Role::Admin, None).await;
    let year = chrono::Datelike::year(&hailong::domain::local_date(chrono::Utc::now()));
    held_items_are_shown_apart(&admin, citizen_id, year).await;
    released_and_declined_in_bulk(&app, &admin, citizen_id, flood_id).await;
    every_item_is_reachable_page_by_page(&app, &admin).await;
    the_api_reaches_every_item(&admin, year).await;
}
both_backends!(floods_over_the_unit_cap_are_held_and_every_item_stays_reachable);

fn stored(app: &TestApp, id: i64) -> hailong::store::feedback::FeedbackRow {
    app.store
        .read(|c| hailong::store::feedback::by_id(c, id))
        .unwrap()
        .unwrap()
}

/// Held items: counted on the dashboard, out of the queue, listed apart, not taken in yet.
async fn held_items_are_shown_apart(admin: &StaffClient<'_>, citizen_id: i64, year: i32) {
    let home = admin.get("/staff").await.text().await.unwrap();
    assert!(home.contains("2 phản ánh đang được giữ lại"), "{home}");
    let queue = admin.get("/staff/feedback").await.text().await.unwrap();
    assert!(!queue.contains(&format!("/staff/feedback/{citizen_id}\"")));
    assert!(queue.contains("/staff/feedback?status=held"));
    let held = admin
        .get("/staff/feedback?status=held")
        .await
        .text()
        .await
        .unwrap();
    assert!(held.contains(&format!("name=\"id\" value=\"{citizen_id}\"")));
    assert!(held.contains("formaction=\"/staff/feedback/release\""));
    let j: serde_json::Value = admin
        .get(&format!("/api/v1/feedback?period={year}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(j["total"]["received"], 6, "held items are not taken in yet");
    let item = |id: i64| {
        j["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        (
            item(citizen_id)["status"].clone(),
            item(citizen_id)["answer_due"].clone()
        ),
        (serde_json::json!("held"), serde_json::Value::Null)
    );
}

/// Released: received, deadlines from today; the junk declined in bulk.
async fn released_and_declined_in_bulk(
    app: &TestApp,
    admin: &StaffClient<'_>,
    citizen_id: i64,
    flood_id: i64,
) {
    let id = citizen_id.to_string();
    let r = admin
        .post_form("/staff/feedback/release", &[("id", id.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = flood_id.to_string();
    let r = admin
        .post_form(
            "/staff/feedback/decline",
            &[("id", id.as_str()), ("text", "Nội dung rác.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (released, declined) = (stored(app, citizen_id), stored(app, flood_id));
    assert_eq!(
        (released.status.as_str(), declined.status.as_str()),
        ("received", "declined")
    );
    assert_eq!(
        released.received_date,
        hailong::domain::local_date(chrono::Utc::now())
    );
    let home = admin.get("/staff").await.text().await.unwrap();
    assert!(!home.contains("đang được giữ lại"));
}

/// 250 more, written through the service without the cap: the staff queue reaches every
/// item, 100 a page.
async fn every_item_is_reachable_page_by_page(app: &TestApp, admin: &StaffClient<'_>) {
    let filing = hailong::service::feedback::Filing {
        unit: "phuong-a".into(),
        subject: "other".into(),
        text: "Nhiều phản ánh.".into(),
        contact: String::new(),
        consent: false,
    };
    for _ in 0..250 {
        hailong::service::feedback::file(
            &app.store,
            &Default::default(),
            &filing,
            chrono::Utc::now(),
        )
        .unwrap();
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut next = Some("/staff/feedback".to_string());
    let mut pages = 0;
    while let Some(path) = next.take() {
        pages += 1;
        let html = admin.get(&path).await.text().await.unwrap();
        for part in html.split("href=\"/staff/feedback/").skip(1) {
            if let Some(id) = part.split('"').next().and_then(|x| x.parse::<i64>().ok()) {
                seen.insert(id);
            }
        }
        next = html
            .split("href=\"/staff/feedback?before=")
            .nth(1)
            .and_then(|x| x.split('"').next())
            .map(|x| format!("/staff/feedback?before={}", x.replace("&amp;", "&")));
        assert!(pages < 10);
    }
    assert_eq!((seen.len(), pages), (258, 3), "every item, 100 a page");
}

async fn the_api_reaches_every_item(admin: &StaffClient<'_>, year: i32) {
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let j: serde_json::Value = admin
            .get(&format!(
                "/api/v1/feedback?period={year}&limit=100&after={after}"
            ))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(j["total"]["received"], 258, "the figures cover every item");
        let items = j["items"].as_array().unwrap();
        assert!(items.len() <= 100);
        ids.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
        match j["next_after"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!((ids.len(), distinct.len()), (258, 258));
    let r = admin
        .get(&format!("/api/v1/feedback?period={year}&limit=5000"))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// B-7: a low score writes nothing next to its response; the digest, written later and
/// apart, counts per unit; on PostgreSQL no outbox row shares a transaction with a response.
async fn low_scores_leave_no_trace_next_to_the_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let forms =
        hailong::service::forms::FormRegistry::load(Some(&crate::helpers::forms_dir())).unwrap();
    let now = chrono::Utc::now();
    assert_eq!(
        hailong::service::webhook::digest_low_scores(&app.store, &forms, now).unwrap(),
        0,
        "the first digest marks where counting starts"
    );
    for overall in ["1", "2", "5", "1"] {
        let r = app
            .post_form("/s/phuong-a", &as_refs(&full_answers(overall)))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = app
        .post_form("/s/phuong-moi", &as_refs(&full_answers("2")))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let outbox = |app: &TestApp| {
        app.store
            .read(|c| {
                hailong::store::feedback::due(
                    c,
                    chrono::Utc::now().naive_utc() + chrono::Duration::days(1),
                    100,
                )
            })
            .unwrap()
    };
    assert!(outbox(&app).is_empty(), "nothing written with the answers");
    assert_eq!(
        hailong::service::webhook::digest_low_scores(&app.store, &forms, now).unwrap(),
        2
    );
    let rows = outbox(&app);
    let mut counts: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.payload).unwrap();
            (
                v["unit"].as_str().unwrap().to_string(),
                v["count"].as_i64().unwrap(),
            )
        })
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        [("phuong-a".to_string(), 3), ("phuong-moi".to_string(), 1)]
    );
    // Counted once: the next digest finds nothing new.
    assert_eq!(
        hailong::service::webhook::digest_low_scores(&app.store, &forms, now).unwrap(),
        0
    );
    if backend == Backend::Postgres {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::PgConnection::establish(&app.db_url).unwrap();
        let joined: i64 = diesel::sql_query(
            "SELECT count(*) AS n FROM webhook_outbox w JOIN responses r ON r.xmin = w.xmin",
        )
        .get_result::<Count>(&mut c)
        .unwrap()
        .n;
        assert_eq!(joined, 0);
    }
}
both_backends!(low_scores_leave_no_trace_next_to_the_answer);

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// B-7 (tickets): once a day has closed, its used tickets are rewritten together and in
/// random order: on PostgreSQL `tickets.xmin = responses.xmin` pairs none, and the count of
/// tickets (participation's denominator) is unchanged.
async fn a_closed_day_seals_its_used_tickets(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let issued = hailong::service::tickets::issue(
        &app.store,
        &mut rand::rng(),
        hailong::service::tickets::TicketRequest {
            unit: "phuong-a".into(),
            dossier_ref: Some("HS-2026-0001".into()),
            field: None,
        },
        8,
        chrono::Duration::days(30),
        chrono::Utc::now(),
    )
    .unwrap();
    for t in issued.iter().take(5) {
        let r = app
            .post_form(
                &format!("/t/{}", t.code.as_str()),
                &as_refs(&full_answers("4")),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let pairs = |app: &TestApp| -> i64 {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::PgConnection::establish(&app.db_url).unwrap();
        diesel::sql_query("SELECT count(*) AS n FROM tickets t JOIN responses r ON r.xmin = t.xmin")
            .get_result::<Count>(&mut c)
            .unwrap()
            .n
    };
    if backend == Backend::Postgres {
        assert!(pairs(&app) > 0, "the same day, the join still holds");
    }
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    let n = hailong::service::tickets::seal_used_days(&app.store, tomorrow).unwrap();
    assert_eq!(n, 5);
    assert_eq!(
        hailong::service::tickets::seal_used_days(&app.store, tomorrow).unwrap(),
        0,
        "a day is sealed once"
    );
    if backend == Backend::Postgres {
        assert_eq!(pairs(&app), 0);
    }
    // Every ticket is still there, the used ones still used, and a used one still refuses.
    let all: Vec<_> = issued
        .iter()
        .map(|t| {
            app.store
                .read(|c| hailong::store::tickets::get(c, t.code.as_str()))
                .unwrap()
                .expect("kept")
        })
        .collect();
    assert_eq!(all.iter().filter(|t| t.used_at.is_some()).count(), 5);
    let r = app
        .post_form(
            &format!("/t/{}", issued[0].code.as_str()),
            &as_refs(&full_answers("4")),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
both_backends!(a_closed_day_seals_its_used_tickets);

/// B-6: a sign-in name that cannot be an account is refused before any work, and the audit
/// log keeps only its first characters; every audit text is cut.
async fn long_user_names_cost_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let csrf = crate::hardening::login_csrf(&app).await;
    let long = format!("v0000001{}", "y".repeat(59_992));
    let (status, _) = crate::hardening::try_login(&app, &csrf, &long, "x").await;
    assert_eq!(status, 401);
    let log = hailong::service::audit::recent(&app.store, 10).unwrap();
    let entry = log
        .iter()
        .find(|e| e.action == "login" && e.target.starts_with("v0000001"))
        .expect("audited");
    assert!(entry.target.chars().count() <= 40 && entry.actor.chars().count() <= 40);
    // Any other audit text is cut to 300 characters.
    app.store
        .write(|c| {
            hailong::service::audit::write(c, chrono::Utc::now(), "t", "x", &"z".repeat(5000), "ok")
        })
        .unwrap();
    let log = hailong::service::audit::recent(&app.store, 1).unwrap();
    assert!(log[0].target.chars().count() <= 301);
}
both_backends!(long_user_names_cost_nothing);

/// B-14 and B-17: a citizen form posted from another site is refused (a browser that sends
/// neither header still gets through); `/metrics` answers this machine or a token only.
async fn cross_site_posts_and_outside_scrapers_are_refused(backend: Backend) {
    let db = crate::helpers::fresh_database(backend);
    let mut s = crate::helpers::settings(&db);
    s.metrics_token = Some("a-scraper-token-1234".into());
    let app = crate::helpers::spawn_on(backend, &db, s).await;
    app.seed_units();
    let post = |headers: Vec<(&'static str, String)>| {
        let mut r = app
            .client
            .post(app.url("/feedback/phuong-a"))
            .form(&[("subject", "other"), ("text", "Từ trang khác?")]);
        for (k, v) in headers {
            r = r.header(k, v);
        }
        r.send()
    };
    let evil = "https://evil.example".to_string();
    for headers in [
        vec![("sec-fetch-site", "cross-site".to_string())],
        vec![("origin", evil.clone())],
        vec![("origin", "null".to_string())],
        // C-14: a sibling site under the same registrable domain is not this site.
        vec![
            ("sec-fetch-site", "same-site".to_string()),
            ("origin", evil.clone()),
        ],
    ] {
        let r = post(headers.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    let own = app.address.clone();
    for headers in [
        vec![],
        vec![("sec-fetch-site", "same-origin".to_string())],
        vec![("origin", own.clone())],
        vec![("sec-fetch-site", "same-site".to_string()), ("origin", own)],
    ] {
        let r = post(headers.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{headers:?}");
    }
    let n = app
        .store
        .read(|c| hailong::store::feedback::queue(c, None, None, None, 1))
        .unwrap()
        .1;
    assert_eq!(n, 4, "only this site's posts were filed");

    // Metrics: this machine, yes; through a proxy, no; with the token, yes.
    assert_eq!(app.get("/metrics").await.status(), StatusCode::OK);
    let via_proxy = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(via_proxy.status(), StatusCode::NOT_FOUND);
    // C-15: a proxy that sets only X-Real-IP (or Via) is a proxy too.
    for (name, value) in [("x-real-ip", "203.0.113.9"), ("via", "1.1 nginx")] {
        let r = app
            .client
            .get(app.url("/metrics"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{name}");
    }
    let with_token = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .bearer_auth("a-scraper-token-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), StatusCode::OK);
    assert!(with_token.text().await.unwrap().contains("hailong_"));
}
both_backends!(cross_site_posts_and_outside_scrapers_are_refused);

/// Item 9 (old #10): a generated password (an account added without one, or an admin's
/// reset) must be changed at the first sign-in.
async fn a_generated_password_must_be_changed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let generated = hailong::service::users::add(
        &app.store,
        &mut rand::rng(),
        hailong::service::users::NewUser {
            username: "can-bo-moi",
            role: Role::Officer,
            unit: Some("phuong-a"),
            password: None,
            lead: false,
        },
        "test",
        chrono::Utc::now(),
    )
    .unwrap();
    let cookie = session(&app, "can-bo-moi", &generated).await;
    let r = get_as(&app, &cookie, "/staff/feedback").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/staff/password"));
    // The same after an admin's reset of a chosen password.
    add_user(&app, "can-bo-cu", Role::Officer, Some("phuong-a"));
    let reset = hailong::service::users::reset_password(
        &app.store,
        &mut rand::rng(),
        "test",
        "can-bo-cu",
        chrono::Utc::now(),
    )
    .unwrap();
    let cookie = session(&app, "can-bo-cu", &reset).await;
    let r = get_as(&app, &cookie, "/staff").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/staff/password"));
}
both_backends!(a_generated_password_must_be_changed);

/// B-11: a units import naming an unknown predecessor, a cycle of predecessors or of
/// parents, a unit as its own parent, or a date outside 1990–2100 is refused, the line named,
/// and nothing is stored.
async fn units_import_refuses_broken_lineage(backend: Backend) {
    use hailong::service::units;
    let app = spawn_app(backend).await;
    app.seed_units();
    let forms =
        hailong::service::forms::FormRegistry::load(Some(&crate::helpers::forms_dir())).unwrap();
    let head = "code,name,name_en,parent,form,valid_from,valid_to,predecessors\n";
    let cases = [
        ("rt-a,A,,,,,,no-such-unit\n", 2, "no-such-unit"),
        ("rt-a,A,,,,,,rt-b\nrt-b,B,,,,,,rt-a\n", 2, "cycle"),
        ("rt-a,A,,rt-a,,,,\n", 2, "own parent"),
        ("rt-a,A,,rt-b,,,,\nrt-b,B,,rt-a,,,,\n", 2, "lead back"),
        (
            "phuong-cu,Phường Cũ,,,,2021-01-01,2025-06-30,phuong-moi\n",
            2,
            "cycle",
        ),
        ("rt-a,A,,,,,,\nrt-b,B,,,,+99999-01-01,,\n", 3, "1990"),
    ];
    for (rows, line, why) in cases {
        let text = format!("{head}{rows}");
        let err = units::parse_csv(&text, &forms)
            .and_then(|list| units::import(&app.store, &list, false, chrono::Utc::now()))
            .expect_err(rows)
            .to_string();
        assert!(
            err.contains(&format!("line {line}")) && err.contains(why),
            "{rows:?}: {err}"
        );
    }
    assert!(units::list(&app.store)
        .unwrap()
        .iter()
        .all(|u| !u.code.as_str().starts_with("rt-")));
    let many: Vec<String> = (0..60).map(|i| format!("rt-p{i}")).collect();
    let text = format!("{head}rt-a,A,,,,,,{}\n", many.join(";"));
    let err = units::parse_csv(&text, &forms)
        .and_then(|list| units::import(&app.store, &list, false, chrono::Utc::now()))
        .expect_err("too many")
        .to_string();
    assert!(err.contains("line 2"), "{err}");
}
both_backends!(units_import_refuses_broken_lineage);

/// B-10: holidays are dates of 2000–2100 written YYYY-MM-DD; the list from today on is what
/// the page holds (a coming day is taken away by deleting its line), bounded; a day that has
/// passed is never added or taken away, so no figure of the past moves; refusals are audited.
async fn holidays_are_bounded_and_never_move_the_past(backend: Backend) {
    use hailong::service::feedback::{holidays, import_holidays_by};
    let app = spawn_app(backend).await;
    app.seed_units();
    let admin = hailong::service::users::Staff {
        id: 1,
        username: "noi-vu".into(),
        role: Role::Admin,
        unit: None,
        must_change_password: false,
        lead: false,
    };
    let now = chrono::Utc::now();
    let today = hailong::domain::local_date(now);
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let import = |text: String| import_holidays_by(&app.store, &admin, &text, now);
    assert_eq!(
        import(format!("{},Tết\n{},Tết\n", day(10), day(11))).unwrap(),
        2
    );
    // Taken away by leaving its line out; renamed by listing it again.
    assert_eq!(import(format!("{},Tết Nguyên đán\n", day(10))).unwrap(), 1);
    assert_eq!(
        holidays(&app.store).unwrap(),
        vec![(today + chrono::Duration::days(10), "Tết Nguyên đán".into())]
    );
    for (text, why) in [
        (format!("{},quá khứ\n", day(-30)), "has passed"),
        ("2021-01-04,retro\n".to_string(), "has passed"),
        ("0000-01-01,x\n".to_string(), "2000 and 2100"),
        ("+10000-01-01,x\n".to_string(), "2000 and 2100"),
        ("2101-01-03,x\n".to_string(), "2000 and 2100"),
        ("2026-1-1,x\n".to_string(), "2000 and 2100"),
    ] {
        let e = import(text.clone()).expect_err(&text).to_string();
        assert!(e.contains("line 1") && e.contains(why), "{text:?}: {e}");
    }
    let many: String = (1..=250).map(|n| format!("{},x\n", day(n))).collect();
    assert!(import(many).is_err(), "the list is bounded");
    // A long name is cut; nothing above moved the list.
    assert_eq!(
        import(format!("{},{}\n", day(10), "n".repeat(5000))).unwrap(),
        1
    );
    assert_eq!(holidays(&app.store).unwrap()[0].1.chars().count(), 100);
    let log = hailong::service::audit::recent(&app.store, 50).unwrap();
    assert!(
        log.iter()
            .filter(|e| e.action == "holidays.import" && e.outcome == "refused")
            .count()
            >= 7
    );
}
both_backends!(holidays_are_bounded_and_never_move_the_past);

/// Item 8 (B-13): an attacker guessing from elsewhere throttles the account, but a browser
/// that signed in to it before (its device cookie) still gets in; a forged cookie or another
/// account's does not help; guesses made with a device cookie wait as the account's would.
async fn a_known_browser_gets_in_while_someone_else_guesses(backend: Backend) {
    let app = spawn_app(backend).await;
    add_user(&app, "nan-nhan", Role::Admin, None);
    add_user(&app, "nguoi-khac", Role::Viewer, None);
    let csrf = crate::hardening::login_csrf(&app).await;
    let first = attempt(&app, &csrf, "nan-nhan", crate::staff::TEST_PASSWORD, None).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let known = device_of(&first);
    let other =
        device_of(&attempt(&app, &csrf, "nguoi-khac", crate::staff::TEST_PASSWORD, None).await);
    // The attacker runs the account's count up.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            attempt(&app, &csrf, "nan-nhan", "đoán sai", None)
                .await
                .status(),
        );
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let blocked = attempt(&app, &csrf, "nan-nhan", crate::staff::TEST_PASSWORD, None).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    for forged in [
        "nan-nhan.00112233445566778899aabbccddeeff.00".to_string(),
        other.clone(),
    ] {
        let r = attempt(
            &app,
            &csrf,
            "nan-nhan",
            crate::staff::TEST_PASSWORD,
            Some(&forged),
        )
        .await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    // The user's own browser gets in, and the attacker is still waiting.
    let r = attempt(
        &app,
        &csrf,
        "nan-nhan",
        crate::staff::TEST_PASSWORD,
        Some(&known),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let known = device_of(&r);
    assert_eq!(
        attempt(&app, &csrf, "nan-nhan", "đoán sai", None)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Guessing with a stolen device cookie is throttled too.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            attempt(&app, &csrf, "nan-nhan", "đoán sai", Some(&known))
                .await
                .status(),
        );
    }
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}
both_backends!(a_known_browser_gets_in_while_someone_else_guesses);

/// A sign-in on the form, with a browser's device cookie or without.
async fn attempt(
    app: &TestApp,
    csrf: &str,
    name: &str,
    password: &str,
    device: Option<&str>,
) -> reqwest::Response {
    let mut cookie = format!("hailong_login={csrf}");
    if let Some(d) = device {
        cookie.push_str(&format!("; hailong_device={d}"));
    }
    app.client
        .post(app.url("/login"))
        .header("cookie", cookie)
        .form(&[("csrf", csrf), ("username", name), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// The device cookie a sign-in set.
fn device_of(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("hailong_device="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("a device cookie")
}

/// What the test receiver saw: paths and when.
type Hits = std::sync::Arc<std::sync::Mutex<Vec<(String, std::time::Instant)>>>;

/// B-16: the webhook never follows a redirect (the body and its signature go nowhere else),
/// and a slow receiver does not hold back the other deliveries.
async fn the_webhook_follows_no_redirect_and_waits_for_no_one(backend: Backend) {
    use std::sync::Arc;
    let hits: Hits = Default::default();
    let (addr, handle) = a_receiver_that_redirects_and_dawdles(hits.clone());
    let app = spawn_app(backend).await;
    let enqueue = |unit: &str| {
        let unit = unit.to_string();
        app.store
            .write(|c| hailong::service::webhook::enqueue_feedback(c, 1, &unit, chrono::Utc::now()))
            .unwrap();
    };
    let hook = |path: &str| hailong::service::webhook::Webhook {
        url: format!("http://{addr}{path}"),
        secret: "a-shared-secret-of-some-length".into(),
        public_url: app.address.clone(),
        poll: std::time::Duration::from_millis(100),
        digest_every: std::time::Duration::from_secs(3600),
        forms: Arc::new(
            hailong::service::forms::FormRegistry::load(Some(&crate::helpers::forms_dir()))
                .unwrap(),
        ),
    };
    let client = hailong::service::webhook::client().unwrap();
    // A redirect is a failure, and nothing is sent where it points.
    enqueue("phuong-a");
    let n = hailong::service::webhook::deliver_due(
        &app.store,
        &client,
        &hook("/moved"),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(n, 0);
    assert!(hits
        .lock()
        .unwrap()
        .iter()
        .all(|(p, _)| p != "/internal-admin"));
    // Clear the failed row out of the way (it is retried later, with back-off).
    hits.lock().unwrap().clear();
    // A slow receiver for one event does not delay the other.
    enqueue("slow-unit");
    enqueue("fast-unit");
    let started = std::time::Instant::now();
    let n = hailong::service::webhook::deliver_due(
        &app.store,
        &client,
        &hook("/hook"),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
    let hits = hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(
        hits.iter()
            .all(|(_, at)| at.duration_since(started) < std::time::Duration::from_secs(2)),
        "both were sent at once, the fast one not after the slow one"
    );
    handle.stop(false).await;
}
both_backends!(the_webhook_follows_no_redirect_and_waits_for_no_one);

/// A webhook receiver that sends `/moved` elsewhere and answers a `slow-unit` event after
/// three seconds; every call it gets, with when.
fn a_receiver_that_redirects_and_dawdles(
    hits: Hits,
) -> (std::net::SocketAddr, actix_web::dev::ServerHandle) {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    let data = web::Data::new(hits.clone());
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).default_service(web::to(
            |req: HttpRequest, body: web::Bytes, hits: web::Data<Hits>| async move {
                let path = req.path().to_string();
                hits.lock()
                    .unwrap()
                    .push((path.clone(), std::time::Instant::now()));
                let body = String::from_utf8_lossy(&body).into_owned();
                if path == "/moved" {
                    return HttpResponse::TemporaryRedirect()
                        .insert_header(("location", "/internal-admin"))
                        .finish();
                }
                if body.contains("slow-unit") {
                    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                }
                HttpResponse::Ok().finish()
            },
        ))
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (addr, handle)
}

/// B-4: on SQLite a raw export whose client has stopped reading holds no read transaction:
/// while it waits, a checkpoint empties the WAL (one long read pinned it, and the WAL grew
/// without bound under submissions).
#[tokio::test]
async fn a_stalled_export_does_not_pin_the_wal() {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Checkpoint {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        busy: i32,
    }
    let db = crate::helpers::fresh_database(Backend::Sqlite);
    let mut s = crate::helpers::settings(&db);
    s.export_write_timeout_secs = 60;
    let app = crate::helpers::spawn_on(Backend::Sqlite, &db, s).await;
    app.seed_units();
    let rows = crate::hardening::long_responses_today;
    // About 25 MB of export in three pages of the keyset read.
    let first = rows(50_000);
    app.store
        .write(|c| hailong::store::responses::insert(c, &first))
        .unwrap();
    let token = app.token("tai-ve", None);
    let stalled = crate::hardening::stalled_exports(&app, &token, 1);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    // Answers keep coming while the export waits.
    let more = rows(500);
    app.store
        .write(|c| hailong::store::responses::insert(c, &more))
        .unwrap();
    let path = db.trim_start_matches("sqlite://").to_string();
    let mut c = diesel::SqliteConnection::establish(&path).unwrap();
    let done: Checkpoint = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
        .get_result(&mut c)
        .unwrap();
    assert_eq!(done.busy, 0, "the stalled export holds a read transaction");
    let wal = std::fs::metadata(format!("{path}-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(wal, 0, "the WAL was emptied");
    drop(stalled);
}

/// B-5: junk from a flood is declined a page at a time with one reason (each item audited),
/// so that it does not count against the unit's on-time share; an answered item is left, and
/// an officer of another unit may not.
async fn junk_is_declined_a_page_at_a_time(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let officer = app.staff("can-bo-a", Role::Officer, Some("phuong-a")).await;
    let officer_b = app.staff("can-bo-b", Role::Officer, Some("phuong-b")).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let code = file_via_page(&app, "phuong-a", &format!("Quảng cáo {i}"), "", false).await;
        ids.push(id_of(&app, &code));
    }
    assert_eq!(
        step(&officer, ids[0], "answer", "Đã trả lời.").await,
        StatusCode::SEE_OTHER
    );
    let queue = officer.get("/staff/feedback").await.text().await.unwrap();
    assert!(queue.contains(&format!("name=\"id\" value=\"{}\"", ids[1])));
    assert!(!queue.contains(&format!("name=\"id\" value=\"{}\"", ids[0])));
    let form = {
        let mut f = vec![("text".to_string(), "Nội dung quảng cáo.".to_string())];
        f.extend(ids.iter().map(|i| ("id".to_string(), i.to_string())));
        f
    };
    let r = officer_b
        .post_form("/staff/feedback/decline", &as_refs(&form))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let status = officer
        .post_form("/staff/feedback/decline", &as_refs(&form))
        .await
        .status();
    assert_eq!(status, StatusCode::SEE_OTHER);
    let statuses: Vec<String> = ids
        .iter()
        .map(|id| {
            app.store
                .read(|c| hailong::store::feedback::by_id(c, *id))
                .unwrap()
                .unwrap()
                .status
        })
        .collect();
    assert_eq!(statuses, ["answered", "declined", "declined"]);
    let log = hailong::service::audit::recent(&app.store, 50).unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "feedback.decline" && e.outcome == "ok")
            .count(),
        2
    );
}
both_backends!(junk_is_declined_a_page_at_a_time);

/// Item 14: `serve` suggests the poster of a unit that exists, is open and has a desk (no
/// unit under it), or none on an empty database.
#[tokio::test]
async fn serve_suggests_a_poster_that_exists() {
    let db = crate::helpers::fresh_database(Backend::Sqlite);
    let app = hailong::startup::Application::build(crate::helpers::settings(&db)).unwrap();
    assert_eq!(app.example_unit, None);
    drop(app);
    let store = hailong::store::Store::open(&db).unwrap();
    crate::helpers::seed_units_into(&store);
    let app = hailong::startup::Application::build(crate::helpers::settings(&db)).unwrap();
    let unit = app.example_unit.clone().expect("a unit to suggest");
    assert!(
        ["phuong-a", "phuong-b", "phuong-moi"].contains(&unit.as_str()),
        "{unit}: not the district (a parent) nor the closed ward"
    );
}

/// Issue 32: an unknown stored feedback status is an error naming the item, never read as
/// `received` (a step would then have been taken from the wrong state).
async fn an_unknown_stored_status_is_an_error_not_a_default(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let code = file_via_page(&app, "phuong-a", "Một phản ánh.", "", false).await;
    let id = id_of(&app, &code);
    app.store
        .write(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE feedback SET status = 'recieved' WHERE id = {id}"
            ))
            .execute(c)
            .map_err(hailong::store::StoreError::from)
        })
        .unwrap();
    let admin = app.staff("noi-vu", Role::Admin, None).await;
    let page = admin.get(&format!("/staff/feedback/{id}")).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let r = admin
        .post_form(&format!("/staff/feedback/{id}"), &[("step", "accept")])
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let row = app
        .store
        .read(|c| hailong::store::feedback::by_id(c, id))
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "recieved", "no step was taken");
}
both_backends!(an_unknown_stored_status_is_an_error_not_a_default);
