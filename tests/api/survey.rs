//! The citizen's journey through the poster form: show, submit, thank-you, mistakes.

use crate::both_backends;
use crate::helpers::{as_refs, full_answers, spawn_app, Backend};
use hailong::store::responses;
use reqwest::StatusCode;

async fn healthz_answers_when_the_database_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), r#"{"status":"ok"}"#);
}
both_backends!(healthz_answers_when_the_database_does);

async fn the_poster_form_is_vietnamese_first_and_english_on_request(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let r = app.get("/s/phuong-a").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("Phường A"));
    assert!(html.contains("Nơi ngồi chờ tại Bộ phận Tiếp nhận và Trả kết quả có đủ chỗ ngồi"));
    // The form posts without JavaScript; the one script is the optional offline helper.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script src=\"/static/offline.js\" defer></script>"));
    assert!(html.contains("<form method=\"post\" action=\"/s/phuong-a\""));
    // 22 criteria and the overall question, six choices each, every input inside its label.
    assert_eq!(
        html.matches("<fieldset id=\"q-").count(),
        23 + 2 + 1,
        "22 criteria, overall, expectations, 2 profile"
    );
    assert_eq!(html.matches("type=\"radio\" name=\"staff.").count(), 6 * 6);
    assert_eq!(
        html.matches("<label><input").count() + html.matches("<label class=\"n\"><input").count(),
        html.matches("<input type=\"radio\"").count()
            + html.matches("<input type=\"checkbox\"").count()
    );
    assert!(html.contains("name=\"submission_id\""));
    assert!(html.len() < 30_000, "form page is {} bytes", html.len());

    let en = app.get("/s/phuong-a?lang=en").await.text().await.unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("The waiting area at the reception desk has enough seats"));
    assert!(en.contains("action=\"/s/phuong-a?lang=en\""));

    // A unit on the quick form gets one question per factor.
    let quick = app.get("/s/phuong-b").await.text().await.unwrap();
    assert_eq!(quick.matches("name=\"access.").count(), 6);
}
both_backends!(the_poster_form_is_vietnamese_first_and_english_on_request);

fn submission_id_of(html: &str) -> String {
    let needle = "name=\"submission_id\" value=\"";
    let at = html.find(needle).expect("submission id") + needle.len();
    html[at..at + 36].to_string()
}

/// The form page is rendered and compressed once per unit and language; every request
/// still gets its own submission id, and the gzip body is exactly the plain page.
async fn the_cached_form_page_is_gzip_and_each_request_gets_its_own_id(backend: Backend) {
    use std::io::Read;
    let app = spawn_app(backend).await;
    app.seed_units();
    let fetch = |encoding: &'static str, path: &'static str| {
        let request = app
            .client
            .get(app.url(path))
            .header("accept-encoding", encoding);
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(r.headers()["vary"], "Accept-Encoding");
            let encoded = r
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string());
            (encoded, r.bytes().await.unwrap().to_vec())
        }
    };
    let gunzip = |bytes: &[u8]| {
        let mut page = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut page)
            .unwrap();
        page
    };
    let (plain_encoding, plain) = fetch("identity", "/s/phuong-a").await;
    assert_ne!(plain_encoding.as_deref(), Some("gzip"));
    let plain = String::from_utf8(plain).unwrap();
    let mut ids = vec![submission_id_of(&plain)];
    for _ in 0..3 {
        let (encoding, body) = fetch("gzip, deflate, br", "/s/phuong-a").await;
        assert_eq!(encoding.as_deref(), Some("gzip"));
        assert!(
            body.len() * 4 < plain.len(),
            "gzip {} of {}",
            body.len(),
            plain.len()
        );
        let page = gunzip(&body);
        let id = submission_id_of(&page);
        the_same_page_but_its_id(&page.replace(&id, &ids[0]), &plain);
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "every page its own submission id");
    // "gzip;q=0" refuses gzip.
    let (encoding, _) = fetch("gzip;q=0", "/s/phuong-a").await;
    assert_ne!(encoding.as_deref(), Some("gzip"));
    // The other language and another unit are their own pages, not the cached one.
    let (_, en) = fetch("gzip", "/s/phuong-a?lang=en").await;
    let en = gunzip(&en);
    assert!(en.contains("action=\"/s/phuong-a?lang=en\""));
    assert!(en.contains("<html lang=\"en\">"));
    let (_, b) = fetch("gzip", "/s/phuong-b").await;
    let b = gunzip(&b);
    assert!(b.contains("action=\"/s/phuong-b\""));
    assert_eq!(b.matches("name=\"access.").count(), 6);
    // An id from a compressed page is taken like any other.
    let mut answers = full_answers("4");
    answers.push(("submission_id".into(), ids[1].clone()));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count_responses(), 1);
}
both_backends!(the_cached_form_page_is_gzip_and_each_request_gets_its_own_id);

/// A compressed page (its id written as the plain page's) is the plain page, byte for byte.
fn the_same_page_but_its_id(same: &str, plain: &str) {
    if same == plain {
        return;
    }
    let at = same
        .bytes()
        .zip(plain.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    panic!(
        "the gzip page differs from the plain one at byte {at} ({} vs {} bytes): {:?} vs {:?}",
        same.len(),
        plain.len(),
        &same.as_bytes()[at.saturating_sub(40)..(at + 40).min(same.len())],
        &plain.as_bytes()[at.saturating_sub(40)..(at + 40).min(plain.len())],
    );
}

async fn a_complete_answer_is_stored_before_the_thank_you_page(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let mut answers = full_answers("4");
    answers.push(("expect".into(), "staff".into()));
    answers.push(("expect".into(), "access".into()));
    answers.push(("channel".into(), "online_full".into()));
    answers.push(("respondent".into(), "organisation".into()));
    answers.push(("comment".into(), "Cán bộ rất nhiệt tình".into()));
    answers.push((
        "submission_id".into(),
        "0b7f4c36-4f0f-4d7b-9d4c-6a1d2b7b1e01".into(),
    ));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/s/phuong-a/thanks");
    let stored = app
        .store
        .read(|c| responses::by_submission_id(c, "0b7f4c36-4f0f-4d7b-9d4c-6a1d2b7b1e01"))
        .unwrap()
        .expect("stored before the redirect");
    assert_eq!(stored.unit_code, "phuong-a");
    assert_eq!(
        (stored.form_id.as_str(), stored.form_version),
        ("sipas-2017", 1)
    );
    assert_eq!(stored.source, "poster");
    assert_eq!(stored.comment.as_deref(), Some("Cán bộ rất nhiệt tình"));
    let v: serde_json::Value = serde_json::from_str(&stored.answers).unwrap();
    assert_eq!(v["staff.6"], 4);
    assert_eq!(v["expect"], serde_json::json!(["staff", "access"]));
    assert_eq!(v["channel"], "online_full");
    assert!(
        v.get("comment").is_none(),
        "the comment is kept apart from the answers"
    );
    let thanks = app.get("/s/phuong-a/thanks").await;
    assert_eq!(thanks.status(), StatusCode::OK);
    assert!(thanks.text().await.unwrap().contains("Cảm ơn"));
}
both_backends!(a_complete_answer_is_stored_before_the_thank_you_page);

async fn missing_answers_come_back_marked_with_the_rest_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let mut answers: Vec<(String, String)> = full_answers("5")
        .into_iter()
        .filter(|(k, _)| k != "staff.3" && k != "overall")
        .collect();
    answers.push(("comment".into(), "giữ lại <b>nhé</b>".into()));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("<fieldset id=\"q-staff-3\" class=\"err\">"));
    assert!(html.contains("<fieldset id=\"q-overall\" class=\"err\">"));
    assert!(
        html.contains("href=\"#q-staff-3\""),
        "the summary links to the question"
    );
    assert!(
        html.contains("name=\"access.1\" value=\"5\" checked"),
        "answers are kept"
    );
    assert!(
        html.contains("giữ lại &#60;b&#62;nhé&#60;/b&#62;")
            || html.contains("giữ lại &lt;b&gt;nhé&lt;/b&gt;"),
        "the comment is kept, escaped"
    );
    assert_eq!(app.count_responses(), 0);
}
both_backends!(missing_answers_come_back_marked_with_the_rest_kept);

async fn bad_input_gets_a_clear_4xx_and_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    // Off the scale.
    let mut answers = full_answers("4");
    answers[0].1 = "9".into();
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A question the form does not have.
    let mut answers = full_answers("4");
    answers.push(("bogus.1".into(), "4".into()));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("Không đọc được phiếu"));
    // Invalid UTF-8.
    let r = app
        .client
        .post(app.url("/s/phuong-a"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("access.1=4&comment=%FF%FE")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Too large.
    let big = format!("comment={}", "a".repeat(100_000));
    let r = app
        .client
        .post(app.url("/s/phuong-a"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A comment over the form's limit.
    let mut answers = full_answers("4");
    answers.push(("comment".into(), "x".repeat(1001)));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Unknown unit, in both languages.
    let r = app.get("/s/khong-co").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Không tìm thấy trang khảo sát"));
    let r = app
        .post_form("/s/khong-co?lang=en", &as_refs(&full_answers("4")))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Survey page not found"));
    // A submission id that is not a UUID.
    let mut answers = full_answers("4");
    answers.push(("submission_id".into(), "nope".into()));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count_responses(), 0);
}
both_backends!(bad_input_gets_a_clear_4xx_and_stores_nothing);

async fn a_double_tap_stores_one_response_and_a_reused_id_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let mut answers = full_answers("3");
    answers.push((
        "submission_id".into(),
        "6f1c2a77-1f0e-4b8e-8a57-3f1d2c3b4a59".into(),
    ));
    let first = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    let second = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    assert_eq!(app.count_responses(), 1);
    // Posts without an id are accepted, each its own response.
    let plain = full_answers("5");
    assert_eq!(
        app.post_form("/s/phuong-a", &as_refs(&plain))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post_form("/s/phuong-a", &as_refs(&plain))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count_responses(), 3);
    // The same id with other answers: 409, nothing new.
    let mut other = full_answers("5");
    other.push((
        "submission_id".into(),
        "6f1c2a77-1f0e-4b8e-8a57-3f1d2c3b4a59".into(),
    ));
    let r = app.post_form("/s/phuong-a", &as_refs(&other)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(app.count_responses(), 3);
}
both_backends!(a_double_tap_stores_one_response_and_a_reused_id_is_refused);

async fn a_merged_unit_points_to_its_successor(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let r = app.get("/s/phuong-cu").await;
    assert_eq!(r.status(), StatusCode::GONE);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"/s/phuong-moi\""), "{html}");
    assert_eq!(app.get("/s/phuong-moi").await.status(), StatusCode::OK);
}
both_backends!(a_merged_unit_points_to_its_successor);

async fn the_demo_district_is_loaded_and_marked_synthetic(backend: Backend) {
    let db_url = crate::helpers::fresh_database(backend);
    let mut settings = crate::helpers::settings(&db_url);
    settings.demo = true;
    let app = crate::helpers::spawn_on(backend, &db_url, settings).await;
    let units = hailong::service::units::list(&app.store).unwrap();
    assert_eq!(units.len(), 19, "12 units before 1 July 2025, 7 after");
    assert!(units.iter().any(|u| u.name == "Phường Bình Hưng Hòa B"));
    let new_ward = units
        .iter()
        .find(|u| u.code.as_str() == "phuong-binh-tri-dong")
        .unwrap();
    assert_eq!(
        hailong::domain::unit::Predecessor::format_list(&new_ward.predecessors),
        "binh-tri-dong;binh-hung-hoa-a:0.5;binh-tri-dong-a:0.5"
    );
    let n = app.count_responses();
    assert!((35_000..=60_000).contains(&n), "{n} responses");
    let html = app.get("/s/phuong-an-lac").await.text().await.unwrap();
    assert!(
        html.contains("Dữ liệu mô phỏng"),
        "synthetic data is marked"
    );
    // An old ward's poster, long after the merger: 410 with the link to its successor.
    let r = app.get("/s/an-lac-a").await;
    assert_eq!(r.status(), reqwest::StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("/s/phuong-an-lac"));
    let all_synthetic = app
        .store
        .read(|c| responses::list_for_unit(c, "tan-tao"))
        .unwrap()
        .iter()
        .all(|r| {
            r.synthetic
                && (r.local_date.format("%Y").to_string() == "2021"
                    || r.local_date.format("%Y-%m").to_string().as_str() <= "2025-06")
        });
    assert!(all_synthetic, "old wards answer until 30 June 2025");
}
both_backends!(the_demo_district_is_loaded_and_marked_synthetic);
