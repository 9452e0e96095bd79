//! The JSON API: tokens, kiosk submissions with client submission ids, error shapes.

use reqwest::StatusCode;
use serde_json::{json, Map, Value};

use crate::both_backends;
use crate::helpers::{as_refs, full_answers, spawn_app, Backend, TestApp};

fn answers_json(score: u8) -> Value {
    let mut m = Map::new();
    for (k, _) in full_answers("1") {
        m.insert(k, json!(score));
    }
    m.insert("expect".into(), json!(["result"]));
    m.insert("channel".into(), json!("in_person"));
    Value::Object(m)
}

async fn api_errors_are_json_with_a_code(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let r = app
        .post_json("/api/v1/tickets", None, &json!({"unit": "phuong-a"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unauthorized");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("bearer token"));
    let r = app
        .post_json(
            "/api/v1/tickets",
            Some("hl_wrong"),
            &json!({"unit": "phuong-a"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let token = app.token("kiosk", None);
    let r = app
        .client
        .post(app.url("/api/v1/responses"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "bad_json"
    );
    let r = app
        .post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"unit": "khong-co"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "unknown_unit"
    );
    let r = app
        .post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"unit": "phuong-a", "colour": "red"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    bad_answers_are_named(&app, &token).await;
    let r = app.get("/api/v1/nothing").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    assert_eq!(app.count_responses(), 0);
}
both_backends!(api_errors_are_json_with_a_code);

/// Answers off the scale, and a key the form does not have: 422, each named.
async fn bad_answers_are_named(app: &TestApp, token: &str) {
    let mut bad = answers_json(4);
    bad["access.1"] = json!(6);
    let r = app
        .post_json(
            "/api/v1/responses",
            Some(token),
            &json!({"submission_id": uuid::Uuid::new_v4(), "unit": "phuong-a", "answers": bad}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_answers");
    assert!(v["error"]["message"].as_str().unwrap().contains("access.1"));
    let mut unknown = answers_json(4);
    unknown["nope"] = json!(1);
    let r = app
        .post_json(
            "/api/v1/responses",
            Some(token),
            &json!({"submission_id": uuid::Uuid::new_v4(), "unit": "phuong-a", "answers": unknown}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nope"));
}

async fn the_same_submission_id_twice_stores_one_response(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("kiosk", None);
    let body = json!({"submission_id": "9a1d3f7e-2b4c-4d5e-8f60-718293a4b5c6", "unit": "phuong-a", "form": "sipas-2017", "answers": answers_json(5)});
    let first = app
        .post_json("/api/v1/responses", Some(&token), &body)
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let second = app
        .post_json("/api/v1/responses", Some(&token), &body)
        .await;
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.json::<Value>().await.unwrap(), first);
    assert_eq!(app.count_responses(), 1);
    // C-9: the response is counted for its token and day (a replay is not); admins see it.
    let recent =
        hailong::service::tokens::recent_responses(&app.store, 7, chrono::Utc::now()).unwrap();
    assert_eq!(recent, [("kiosk".to_string(), 1)]);
    let admin = app
        .signed_in(hailong::domain::user::Role::Admin, None)
        .await;
    let page = admin.get("/staff/tokens").await.text().await.unwrap();
    assert!(
        page.contains("Phản hồi thêm qua API (7 ngày)") && page.contains("<td>1</td>"),
        "{page}"
    );
    let mut other = body.clone();
    other["answers"] = answers_json(1);
    let r = app
        .post_json("/api/v1/responses", Some(&token), &other)
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "submission_conflict"
    );
    assert_eq!(app.count_responses(), 1);
}
both_backends!(the_same_submission_id_twice_stores_one_response);

/// Thirty copies of one poster submission at once (several join one group commit, where on
/// PostgreSQL a batch's rows are one multi-row insert): one response, counted once in the
/// tallies, and every copy answered as the first.
async fn racing_copies_of_one_submission_store_and_tally_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let mut body = full_answers("4");
    body.push((
        "submission_id".into(),
        "5b2e8c1a-7d3f-4a6b-9c0d-1e2f3a4b5c6d".into(),
    ));
    let refs = as_refs(&body);
    let copies = (0..30).map(|_| app.post_form("/s/phuong-a", &refs));
    let statuses: Vec<u16> = futures::future::join_all(copies)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(app.count_responses(), 1);
    assert_eq!(crate::durability::tallied(&app.store), 1);
}
both_backends!(racing_copies_of_one_submission_store_and_tally_once);

async fn unit_tokens_act_for_their_unit_only_and_api_tickets_are_used_up(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token_a = app.token("ward-a", Some("phuong-a"));
    let r = app
        .post_json(
            "/api/v1/tickets",
            Some(&token_a),
            &json!({"unit": "phuong-b"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let t: Value = app
        .post_json(
            "/api/v1/tickets",
            Some(&token_a),
            &json!({"unit": "phuong-a"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let code = t["code"].as_str().unwrap();
    let token_b = app.token("ward-b", Some("phuong-b"));
    let r = app
        .client
        .get(app.url(&format!("/api/v1/tickets/{code}/qr.svg")))
        .bearer_auth(&token_b)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "another unit's ticket is not shown"
    );
    let r = app.post_json("/api/v1/responses", Some(&token_b), &json!({"submission_id": uuid::Uuid::new_v4(), "ticket": code, "answers": answers_json(4)})).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "nor answered with its token"
    );
    assert_eq!(app.count_responses(), 0);
    let r = app.post_json("/api/v1/responses", Some(&token_a), &json!({"submission_id": uuid::Uuid::new_v4(), "ticket": code, "answers": answers_json(4)})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        app.get(&format!("/t/{code}")).await.status(),
        StatusCode::CONFLICT
    );
    let r = app.post_json("/api/v1/responses", Some(&token_a), &json!({"submission_id": uuid::Uuid::new_v4(), "ticket": code, "answers": answers_json(4)})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "ticket_used"
    );
    assert_eq!(app.count_responses(), 1);
}
both_backends!(unit_tokens_act_for_their_unit_only_and_api_tickets_are_used_up);
