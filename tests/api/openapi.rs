//! `GET /openapi.json` describes every `/api/v1` route, and every route answers in the shape
//! it declares: each case below is a real request; its status must be one the document lists
//! for that operation, its content type one the document gives for that status, and a JSON
//! body must validate against the declared schema, with no property the schema does not name.

use std::collections::BTreeSet;

use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{json, Map, Value};

use crate::both_backends;
use crate::helpers::{full_answers, spawn_app, Backend, TestApp};

const API_ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/tickets"),
    ("get", "/api/v1/tickets/{code}/qr.svg"),
    ("get", "/api/v1/tickets/{code}/qr.png"),
    ("post", "/api/v1/responses"),
    ("post", "/api/v1/dossiers"),
    ("get", "/api/v1/indices"),
    ("get", "/api/v1/desk"),
    ("get", "/api/v1/feedback"),
];

/// Every object schema that names its properties is closed: a property the document does not
/// declare fails validation.
fn close_objects(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), json!(false));
            }
            for (_, child) in map.iter_mut() {
                close_objects(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

struct Checker {
    doc: Value,
    seen: BTreeSet<(String, String, u16)>,
}

impl Checker {
    async fn check(&mut self, method: &str, template: &str, r: reqwest::Response) -> Value {
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| {
                v.to_str()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .trim()
                    .to_string()
            })
            .unwrap_or_default();
        let bytes = r.bytes().await.unwrap();
        let op = &self.doc["paths"][template][method];
        assert!(
            op.is_object(),
            "{method} {template} is not in /openapi.json"
        );
        let declared = &op["responses"][status.to_string()];
        assert!(
            declared.is_object(),
            "{method} {template} answered {status}, which the document does not declare: {}",
            String::from_utf8_lossy(&bytes)
        );
        let content = &declared["content"][&content_type];
        assert!(
            content.is_object(),
            "{method} {template} {status}: content type {content_type} is not declared ({})",
            declared["content"]
        );
        self.seen
            .insert((method.to_string(), template.to_string(), status));
        if content_type != "application/json" {
            assert!(!bytes.is_empty());
            return Value::Null;
        }
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let mut schema = content["schema"].clone();
        let mut components = self.doc["components"].clone();
        close_objects(&mut schema);
        close_objects(&mut components);
        schema
            .as_object_mut()
            .unwrap()
            .insert("components".into(), components);
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {template} {status} does not match its schema: {errors:?}\n{body}"
        );
        body
    }
}

fn answers(score: u8) -> Value {
    let mut m = Map::new();
    for (k, _) in full_answers("1") {
        m.insert(k, json!(score));
    }
    m.insert("expect".into(), json!(["result"]));
    m.insert("channel".into(), json!("in_person"));
    Value::Object(m)
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
) -> reqwest::Response {
    let mut req = match method {
        "get" => app.client.get(app.url(path)),
        _ => app.client.post(app.url(path)),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some((content_type, text)) = body {
        req = req.header("content-type", content_type).body(text);
    }
    req.send().await.unwrap()
}

async fn every_api_route_answers_in_the_shape_it_declares(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let r = app.get("/openapi.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    // Every JSON error code is listed (issue 32: `ApiCode`).
    let codes = doc["components"]["schemas"]["ApiCode"]["enum"]
        .as_array()
        .cloned();
    let codes: Vec<&str> = codes
        .iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>();
    for code in [
        "unauthorized",
        "invalid_answers",
        "submission_conflict",
        "open_day",
        "bad_age",
    ] {
        assert!(codes.contains(&code), "{code} not in {codes:?}");
    }
    let declared: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = API_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        declared, expected,
        "the document lists exactly the API's routes"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    let mut c = Checker {
        doc,
        seen: BTreeSet::new(),
    };
    let all = app.token("all", None);
    let own = app.token("desk-b", Some("phuong-b"));
    let json_body = |v: Value| Some(("application/json", v.to_string()));

    // Tickets.
    let t = "/api/v1/tickets";
    let issued = c
        .check(
            "post",
            t,
            send(
                &app,
                "post",
                t,
                Some(&all),
                json_body(json!({"unit": "phuong-a", "dossier_ref": "000.00.12.H29-210105-0001"})),
            )
            .await,
        )
        .await;
    let code = issued["code"].as_str().unwrap().to_string();
    c.check(
        "post",
        t,
        send(
            &app,
            "post",
            t,
            None,
            json_body(json!({"unit": "phuong-a"})),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        t,
        send(
            &app,
            "post",
            t,
            Some(&all),
            json_body(json!({"unit": "phuong-a", "colour": "red"})),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        t,
        send(
            &app,
            "post",
            t,
            Some(&own),
            json_body(json!({"unit": "phuong-a"})),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        t,
        send(
            &app,
            "post",
            t,
            Some(&all),
            json_body(json!({"unit": "khong-co"})),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        t,
        send(
            &app,
            "post",
            t,
            Some(&all),
            Some(("application/json", "x".repeat(70_000))),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        t,
        send(
            &app,
            "post",
            t,
            Some(&all),
            json_body(json!({"unit": "phuong-cu"})),
        )
        .await,
    )
    .await;

    // QR codes of a ticket.
    for (ext, template) in [
        ("svg", "/api/v1/tickets/{code}/qr.svg"),
        ("png", "/api/v1/tickets/{code}/qr.png"),
    ] {
        let path = format!("/api/v1/tickets/{code}/qr.{ext}");
        c.check(
            "get",
            template,
            send(&app, "get", &path, Some(&all), None).await,
        )
        .await;
        c.check("get", template, send(&app, "get", &path, None, None).await)
            .await;
        c.check(
            "get",
            template,
            send(&app, "get", &path, Some(&own), None).await,
        )
        .await;
        let unknown = format!("/api/v1/tickets/AAAAAAAAAAAAAAA/qr.{ext}");
        c.check(
            "get",
            template,
            send(&app, "get", &unknown, Some(&all), None).await,
        )
        .await;
    }

    // Responses.
    let p = "/api/v1/responses";
    let id = "0b6f3c1e-7d1a-4c55-9f0e-2a3b4c5d6e7f";
    let ok = json!({"submission_id": id, "unit": "phuong-a", "answers": answers(4)});
    let first = c
        .check(
            "post",
            p,
            send(&app, "post", p, Some(&all), json_body(ok.clone())).await,
        )
        .await;
    assert_eq!(first["unit"], "phuong-a");
    c.check(
        "post",
        p,
        send(&app, "post", p, Some(&all), json_body(ok)).await,
    )
    .await;
    c.check(
        "post",
        p,
        send(
            &app,
            "post",
            p,
            Some(&all),
            json_body(json!({"submission_id": id, "unit": "phuong-a", "answers": answers(2)})),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        p,
        send(&app, "post", p, None, json_body(json!({}))).await,
    )
    .await;
    c.check(
        "post",
        p,
        send(
            &app,
            "post",
            p,
            Some(&all),
            json_body(json!({"submission_id": id})),
        )
        .await,
    )
    .await;
    c.check("post", p, send(&app, "post", p, Some(&own), json_body(json!({"submission_id": "1b6f3c1e-7d1a-4c55-9f0e-2a3b4c5d6e7f", "unit": "phuong-a", "answers": answers(4)}))).await)
        .await;
    c.check("post", p, send(&app, "post", p, Some(&all), json_body(json!({"submission_id": "2b6f3c1e-7d1a-4c55-9f0e-2a3b4c5d6e7f", "unit": "khong-co", "answers": answers(4)}))).await)
        .await;
    c.check("post", p, send(&app, "post", p, Some(&all), json_body(json!({"submission_id": "3b6f3c1e-7d1a-4c55-9f0e-2a3b4c5d6e7f", "unit": "phuong-a", "answers": {"staff.1": 9}}))).await)
        .await;
    c.check("post", p, send(&app, "post", p, Some(&all), json_body(json!({"submission_id": "6b6f3c1e-7d1a-4c55-9f0e-2a3b4c5d6e7f", "unit": "phuong-cu", "answers": answers(4)}))).await)
        .await;
    c.check(
        "post",
        p,
        send(
            &app,
            "post",
            p,
            Some(&all),
            Some(("application/json", "x".repeat(70_000))),
        )
        .await,
    )
    .await;
    let ticket_answer = json!({"submission_id": "4b6f3c1e-7d1a-4c55-9f0e-2a3b4c5d6e7f", "ticket": code, "answers": answers(5)});
    c.check(
        "post",
        p,
        send(&app, "post", p, Some(&all), json_body(ticket_answer)).await,
    )
    .await;
    let again = json!({"submission_id": "5b6f3c1e-7d1a-4c55-9f0e-2a3b4c5d6e7f", "ticket": code, "answers": answers(5)});
    c.check(
        "post",
        p,
        send(&app, "post", p, Some(&all), json_body(again)).await,
    )
    .await;

    // Dossier counts, as CSV and as JSON.
    let d = "/api/v1/dossiers";
    let today = chrono::Utc::now().date_naive();
    let csv = format!("unit_code,date,dossiers\nphuong-a,{today},40\n");
    let imported = c
        .check(
            "post",
            d,
            send(&app, "post", d, Some(&all), Some(("text/csv", csv))).await,
        )
        .await;
    assert_eq!(imported["imported"], 1);
    c.check(
        "post",
        d,
        send(
            &app,
            "post",
            d,
            Some(&all),
            json_body(
                json!([{"unit_code": "phuong-b", "date": today.to_string(), "dossiers": 12}]),
            ),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        d,
        send(
            &app,
            "post",
            d,
            Some(&all),
            Some((
                "text/csv",
                "unit_code,date,dossiers\nphuong-a,2021-02-30,4\n".into(),
            )),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        d,
        send(&app, "post", d, None, Some(("text/csv", String::new()))).await,
    )
    .await;
    c.check(
        "post",
        d,
        send(
            &app,
            "post",
            d,
            Some(&all),
            Some(("application/json", "{oops".into())),
        )
        .await,
    )
    .await;
    c.check(
        "post",
        d,
        send(
            &app,
            "post",
            d,
            Some(&all),
            Some(("text/csv", "x".repeat(70_000))),
        )
        .await,
    )
    .await;

    // Feedback of this year: one item filed through the page, then read by the API.
    let r = app
        .post_form(
            "/feedback/phuong-a",
            &[
                ("subject", "other"),
                ("text", "Xin hỏi giờ làm việc thứ Bảy."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let f = "/api/v1/feedback";
    let year_f = format!("{f}?period={}", today.year());
    let fb = c
        .check("get", f, send(&app, "get", &year_f, Some(&all), None).await)
        .await;
    assert_eq!(fb["total"]["received"], 1);
    assert_eq!(fb["items"][0]["status"], "received");
    c.check(
        "get",
        f,
        send(
            &app,
            "get",
            &format!("{f}?period=2021-Q5"),
            Some(&all),
            None,
        )
        .await,
    )
    .await;
    c.check("get", f, send(&app, "get", &year_f, None, None).await)
        .await;
    c.check(
        "get",
        f,
        send(
            &app,
            "get",
            &format!("{year_f}&unit=phuong-a"),
            Some(&own),
            None,
        )
        .await,
    )
    .await;
    c.check(
        "get",
        f,
        send(
            &app,
            "get",
            &format!("{year_f}&unit=khong-co"),
            Some(&all),
            None,
        )
        .await,
    )
    .await;

    // Desk ratings of last year (none: the TOTAL row alone), this year (it holds today,
    // which only admins may read: 422 open_day), a bad period, no token.
    let d = "/api/v1/desk";
    let open_year = format!("{d}?period={}", today.year());
    let open = send(&app, "get", &open_year, Some(&all), None).await;
    assert_eq!(open.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    c.check("get", d, open).await;
    let desk_year = format!("{d}?period={}", today.year() - 1);
    let desk = c
        .check(
            "get",
            d,
            send(&app, "get", &desk_year, Some(&all), None).await,
        )
        .await;
    assert_eq!(desk["rows"].as_array().unwrap().len(), 1);
    let bad = format!("{d}?period=2021-Q5");
    c.check("get", d, send(&app, "get", &bad, Some(&all), None).await)
        .await;
    c.check("get", d, send(&app, "get", &desk_year, None, None).await)
        .await;
    let other = format!("{desk_year}&unit=phuong-a");
    c.check("get", d, send(&app, "get", &other, Some(&own), None).await)
        .await;

    // Indices of this year, which hold what was just sent.
    let i = "/api/v1/indices";
    let year = format!("{i}?period={}", today.year());
    let table = c
        .check("get", i, send(&app, "get", &year, Some(&all), None).await)
        .await;
    let row_a = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit_code"] == "phuong-a")
        .unwrap();
    assert_eq!(row_a["responses"], 2);
    assert_eq!(row_a["dossiers"], 40);
    c.check(
        "get",
        i,
        send(
            &app,
            "get",
            &format!("{i}?period=2021-Q5"),
            Some(&all),
            None,
        )
        .await,
    )
    .await;
    c.check("get", i, send(&app, "get", &year, None, None).await)
        .await;
    c.check(
        "get",
        i,
        send(
            &app,
            "get",
            &format!("{year}&unit=phuong-a"),
            Some(&own),
            None,
        )
        .await,
    )
    .await;
    c.check(
        "get",
        i,
        send(
            &app,
            "get",
            &format!("{year}&unit=khong-co"),
            Some(&all),
            None,
        )
        .await,
    )
    .await;

    // Each operation was seen succeeding, and refusing a caller without a token.
    for (method, path) in API_ROUTES {
        let statuses: Vec<u16> = c
            .seen
            .iter()
            .filter(|(m, p, _)| m == method && p == path)
            .map(|(_, _, s)| *s)
            .collect();
        assert!(
            statuses.iter().any(|s| (200..300).contains(s)),
            "{method} {path}: no success seen ({statuses:?})"
        );
        assert!(statuses.contains(&401), "{method} {path}: {statuses:?}");
    }
    // Every status the document declares was seen at least once, except the ones a test
    // cannot provoke without breaking the database or the clock (none today).
    for (method, path) in API_ROUTES {
        let declared: Vec<u16> = c.doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.parse().unwrap())
            .collect();
        for status in declared {
            assert!(
                c.seen
                    .contains(&(method.to_string(), path.to_string(), status)),
                "{method} {path} declares {status}, which no case provoked"
            );
        }
    }
}
both_backends!(every_api_route_answers_in_the_shape_it_declares);
