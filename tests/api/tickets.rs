//! One-time survey codes: issued by the one-stop software, answered once, never twice.

use chrono::{Duration, Utc};
use hailong::store::tickets::{self, TicketRow};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{as_refs, full_answers, spawn_app, Backend, TestApp};

async fn issue(app: &TestApp, token: &str, unit: &str) -> Value {
    let r = app
        .post_json(
            "/api/v1/tickets",
            Some(token),
            &json!({"unit": unit, "dossier_ref": "000.00.20.H29-210301-0001", "field": "Hộ tịch"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

async fn a_ticket_takes_exactly_one_response(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("mot-cua", None);
    let t = issue(&app, &token, "phuong-a").await;
    let code = t["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 15);
    assert_eq!(t["url"], format!("{}/t/{code}", app.address));
    let expires = chrono::DateTime::parse_from_rfc3339(t["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&Utc) - Utc::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "expires in {days} h");
    let row = app.store.read(|c| tickets::get(c, &code)).unwrap().unwrap();
    assert_eq!(
        row.dossier_ref.as_deref(),
        Some("000.00.20.H29-210301-0001")
    );
    assert_eq!(row.field.as_deref(), Some("Hộ tịch"));

    let page = app.get(&format!("/t/{code}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains(&format!("action=\"/t/{code}\"")));
    // Typed by hand, in lower case with dashes, it is the same code.
    let grouped = format!("{}-{}-{}", &code[..5], &code[5..10], &code[10..]).to_lowercase();
    assert_eq!(
        app.get(&format!("/t/{grouped}")).await.status(),
        StatusCode::OK
    );

    let r = app
        .post_form(&format!("/t/{code}"), &as_refs(&full_answers("5")))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/s/phuong-a/thanks");
    let used = app.get(&format!("/t/{code}")).await;
    assert_eq!(used.status(), StatusCode::CONFLICT);
    assert!(used
        .text()
        .await
        .unwrap()
        .contains("Mã khảo sát này đã được sử dụng"));
    let again = app
        .post_form(&format!("/t/{code}"), &as_refs(&full_answers("1")))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(app.count_responses(), 1);
    let row = app.store.read(|c| tickets::get(c, &code)).unwrap().unwrap();
    assert!(row.used_at.is_some());
}
both_backends!(a_ticket_takes_exactly_one_response);

async fn unknown_and_expired_tickets_say_so(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let r = app.get("/t/AAAAAAAAAAAAAAA").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Không tìm thấy mã khảo sát"));
    assert_eq!(
        app.get("/t/%3Cscript%3E").await.status(),
        StatusCode::NOT_FOUND
    );
    let code = hailong::domain::ticket::TicketCode::generate(&mut rand::rng());
    let past = Utc::now() - Duration::days(40);
    let row = TicketRow {
        code: code.to_string(),
        unit_code: "phuong-a".into(),
        issued_at: past.naive_utc(),
        issued_date: past.date_naive(),
        expires_at: (past + Duration::days(30)).naive_utc(),
        dossier_ref: None,
        field: None,
        used_at: None,
        synthetic: false,
        officer_id: None,
        invite_route: None,
        number_hash: None,
    };
    app.store.write(|c| tickets::insert(c, &[row])).unwrap();
    let r = app.get(&format!("/t/{code}?lang=en")).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("This survey code has expired"));
    let r = app
        .post_form(&format!("/t/{code}"), &as_refs(&full_answers("4")))
        .await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(app.count_responses(), 0);
}
both_backends!(unknown_and_expired_tickets_say_so);

async fn twenty_racing_submissions_on_one_ticket_store_one(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("mot-cua", None);
    let code = issue(&app, &token, "phuong-a").await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/t/{code}");
    let mut handles = Vec::new();
    for i in 0..20 {
        let client = app.client.clone();
        let url = app.url(&path);
        let mut body = full_answers(if i % 2 == 0 { "4" } else { "2" });
        body.push(("submission_id".into(), uuid::Uuid::new_v4().to_string()));
        handles.push(tokio::spawn(async move {
            client.post(url).form(&body).send().await.unwrap().status()
        }));
    }
    let statuses: Vec<StatusCode> = futures::future::join_all(handles)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let ok = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    let used = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, used), (1, 19), "{statuses:?}");
    assert_eq!(app.count_responses(), 1);
}
both_backends!(twenty_racing_submissions_on_one_ticket_store_one);

async fn the_cli_prints_a_sheet_of_slips(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let dir = std::env::temp_dir().join(format!("hailong-slips-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("slips.html");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args([
            "--database-url",
            &app.db_url,
            "--public-url",
            "https://khaosat.example.vn",
            "tickets",
            "issue",
            "--unit",
            "phuong-a",
            "--count",
            "50",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let html = std::fs::read_to_string(&out).unwrap();
    assert_eq!(html.matches("class=\"slip\"").count(), 50);
    assert_eq!(html.matches("https://khaosat.example.vn/t/").count(), 50);
    assert!(html.contains("Hãy tự tin thực hiện dịch vụ công trực tuyến"));
    let issued: i64 = app
        .store
        .read(|c| {
            use diesel::prelude::*;
            use hailong::store::schema::tickets::dsl::*;
            tickets
                .filter(unit_code.eq("phuong-a"))
                .count()
                .get_result::<i64>(c)
                .map_err(hailong::store::StoreError::from)
        })
        .unwrap();
    assert_eq!(issued, 50, "tickets issued are counted per unit");
}
both_backends!(the_cli_prints_a_sheet_of_slips);
