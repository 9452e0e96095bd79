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
    ("post", "/api/v1/dossiers/returned"),
    ("get", "/api/v1/indices"),
    ("get", "/api/v1/desk"),
    ("get", "/api/v1/topics"),
    ("get", "/api/v1/feedback"),
    ("get", "/api/v1/invitations"),
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

impl Checker {
    /// Sends a request and checks its answer against the document.
    async fn call(
        &mut self,
        app: &TestApp,
        (method, template): (&str, &str),
        path: &str,
        token: Option<&str>,
        body: Option<(&str, String)>,
    ) -> Value {
        let r = send(app, method, path, token, body).await;
        self.check(method, template, r).await
    }
}

fn json_body(v: Value) -> Option<(&'static str, String)> {
    Some(("application/json", v.to_string()))
}

/// A body over the 64 KiB limit.
fn too_big(content_type: &'static str) -> Option<(&'static str, String)> {
    Some((content_type, "x".repeat(70_000)))
}

/// The API's callers: a token for all units, and one of another unit's desk.
struct Callers {
    all: String,
    own: String,
}

async fn every_api_route_answers_in_the_shape_it_declares(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let r = app.get("/openapi.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    the_document_lists_the_routes_and_codes(&doc);
    let mut c = Checker {
        doc,
        seen: BTreeSet::new(),
    };
    let who = Callers {
        all: app.token("all", None),
        own: app.token("desk-b", Some("phuong-b")),
    };
    let code = tickets(&mut c, &app, &who).await;
    ticket_qr_codes(&mut c, &app, &who, &code).await;
    responses(&mut c, &app, &who, &code).await;
    dossiers(&mut c, &app, &who).await;
    returned_dossiers(&mut c, &app, &who).await;
    feedback(&mut c, &app, &who).await;
    invitations(&mut c, &app, &who).await;
    desk(&mut c, &app, &who).await;
    topics(&mut c, &app, &who).await;
    indices(&mut c, &app, &who).await;
    every_status_was_seen(&c);
}
both_backends!(every_api_route_answers_in_the_shape_it_declares);

fn the_document_lists_the_routes_and_codes(doc: &Value) {
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
}

/// Tickets issued, refused without a token, with an unknown field, for another unit, for an
/// unknown or closed unit, too big. The issued ticket's code.
async fn tickets(c: &mut Checker, app: &TestApp, who: &Callers) -> String {
    let t = "/api/v1/tickets";
    let op = ("post", t);
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
    let issued = c
        .call(
            app,
            op,
            t,
            all,
            json_body(json!({"unit": "phuong-a", "dossier_ref": "000.00.12.H29-210105-0001"})),
        )
        .await;
    let unit_a = || json_body(json!({"unit": "phuong-a"}));
    c.call(app, op, t, None, unit_a()).await;
    let colour = json_body(json!({"unit": "phuong-a", "colour": "red"}));
    c.call(app, op, t, all, colour).await;
    c.call(app, op, t, own, unit_a()).await;
    let unknown = json_body(json!({"unit": "khong-co"}));
    c.call(app, op, t, all, unknown).await;
    c.call(app, op, t, all, too_big("application/json")).await;
    let closed = json_body(json!({"unit": "phuong-cu"}));
    c.call(app, op, t, all, closed).await;
    issued["code"].as_str().unwrap().to_string()
}

async fn ticket_qr_codes(c: &mut Checker, app: &TestApp, who: &Callers, code: &str) {
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
    for (ext, template) in [
        ("svg", "/api/v1/tickets/{code}/qr.svg"),
        ("png", "/api/v1/tickets/{code}/qr.png"),
    ] {
        let op = ("get", template);
        let path = format!("/api/v1/tickets/{code}/qr.{ext}");
        c.call(app, op, &path, all, None).await;
        c.call(app, op, &path, None, None).await;
        c.call(app, op, &path, own, None).await;
        let unknown = format!("/api/v1/tickets/AAAAAAAAAAAAAAA/qr.{ext}");
        c.call(app, op, &unknown, all, None).await;
    }
}

/// A response stored, repeated, conflicting, refused (no token, no answers, another unit's
/// token, unknown unit, bad answer, closed unit, too big), and one through the ticket, twice.
async fn responses(c: &mut Checker, app: &TestApp, who: &Callers, code: &str) {
    let p = "/api/v1/responses";
    let op = ("post", p);
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
    let id = "0b6f3c1e-7d1a-4c55-9f0e-2a3b4c5d6e7f";
    let ok = json!({"submission_id": id, "unit": "phuong-a", "answers": answers(4)});
    let first = c.call(app, op, p, all, json_body(ok.clone())).await;
    assert_eq!(first["unit"], "phuong-a");
    c.call(app, op, p, all, json_body(ok)).await;
    let conflict = json!({"submission_id": id, "unit": "phuong-a", "answers": answers(2)});
    c.call(app, op, p, all, json_body(conflict)).await;
    c.call(app, op, p, None, json_body(json!({}))).await;
    c.call(app, op, p, all, json_body(json!({"submission_id": id})))
        .await;
    let refused = [
        (
            own,
            "1b6f3c1e",
            json!({"unit": "phuong-a", "answers": answers(4)}),
        ),
        (
            all,
            "2b6f3c1e",
            json!({"unit": "khong-co", "answers": answers(4)}),
        ),
        (
            all,
            "3b6f3c1e",
            json!({"unit": "phuong-a", "answers": {"staff.1": 9}}),
        ),
        (
            all,
            "6b6f3c1e",
            json!({"unit": "phuong-cu", "answers": answers(4)}),
        ),
    ];
    let with_id = |prefix: &str, mut body: Value| {
        body["submission_id"] = json!(format!("{prefix}-7d1a-4c55-9f0e-2a3b4c5d6e7f"));
        json_body(body)
    };
    for (token, prefix, body) in refused {
        c.call(app, op, p, token, with_id(prefix, body)).await;
    }
    c.call(app, op, p, all, too_big("application/json")).await;
    // Through the ticket: taken, then refused as used.
    for prefix in ["4b6f3c1e", "5b6f3c1e"] {
        let body = json!({"ticket": code, "answers": answers(5)});
        c.call(app, op, p, all, with_id(prefix, body)).await;
    }
}

/// Dossier counts as CSV and as JSON, a bad date, no token, bad JSON, too big.
async fn dossiers(c: &mut Checker, app: &TestApp, who: &Callers) {
    let d = "/api/v1/dossiers";
    let op = ("post", d);
    let all = Some(who.all.as_str());
    let today = chrono::Utc::now().date_naive();
    let csv = format!("unit_code,date,dossiers\nphuong-a,{today},40\n");
    let imported = c.call(app, op, d, all, Some(("text/csv", csv))).await;
    assert_eq!(imported["imported"], 1);
    let rows = json!([{"unit_code": "phuong-b", "date": today.to_string(), "dossiers": 12}]);
    c.call(app, op, d, all, json_body(rows)).await;
    let bad_day = "unit_code,date,dossiers\nphuong-a,2021-02-30,4\n".to_string();
    c.call(app, op, d, all, Some(("text/csv", bad_day))).await;
    c.call(app, op, d, None, Some(("text/csv", String::new())))
        .await;
    let oops = Some(("application/json", "{oops".to_string()));
    c.call(app, op, d, all, oops).await;
    c.call(app, op, d, all, too_big("text/csv")).await;
}

/// Returned dossiers: taken, some rows refused (422), not an array, no token, another unit's
/// token, too big.
async fn returned_dossiers(c: &mut Checker, app: &TestApp, who: &Callers) {
    let d = "/api/v1/dossiers/returned";
    let op = ("post", d);
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
    // A day of another year: this year's dossier counts (checked with the indices) stay.
    let day = "2021-03-01";
    let row = |reference: &str, unit: &str| {
        json!({"ref": reference, "unit": unit, "received_on": day, "due_on": day,
               "returned_on": day, "channel": "in_person"})
    };
    let taken = c
        .call(app, op, d, all, json_body(json!([row("R-1", "phuong-a")])))
        .await;
    assert_eq!(taken["taken"], 1);
    let some_refused = json!([row("R-2", "phuong-a"), row("R-3", "khong-co")]);
    let partly = c.call(app, op, d, all, json_body(some_refused)).await;
    assert_eq!(partly["refused"][0]["index"], 1);
    c.call(app, op, d, all, json_body(json!({"ref": "R-4"})))
        .await;
    c.call(app, op, d, None, json_body(json!([]))).await;
    c.call(app, op, d, own, json_body(json!([row("R-5", "phuong-a")])))
        .await;
    let big = Some(("application/json", "x".repeat(600_000)));
    c.call(app, op, d, all, big).await;
}

/// Feedback of this year: one item filed through the page, then read by the API.
async fn feedback(c: &mut Checker, app: &TestApp, who: &Callers) {
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
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
    let op = ("get", f);
    let today = chrono::Utc::now().date_naive();
    let year_f = format!("{f}?period={}", today.year());
    let fb = c.call(app, op, &year_f, all, None).await;
    assert_eq!(fb["total"]["received"], 1);
    assert_eq!(fb["items"][0]["status"], "received");
    c.call(app, op, &format!("{f}?period=2021-Q5"), all, None)
        .await;
    c.call(app, op, &year_f, None, None).await;
    c.call(app, op, &format!("{year_f}&unit=phuong-a"), own, None)
        .await;
    c.call(app, op, &format!("{year_f}&unit=khong-co"), all, None)
        .await;
}

/// Invitations of this year (none sent here: no rows), a bad period, no token, a unit's own
/// and another unit, an unknown unit.
async fn invitations(c: &mut Checker, app: &TestApp, who: &Callers) {
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
    let i = "/api/v1/invitations";
    let op = ("get", i);
    let year = format!("{i}?period={}", chrono::Utc::now().date_naive().year());
    let v = c.call(app, op, &year, all, None).await;
    assert_eq!(v["rows"], json!([]));
    c.call(app, op, &format!("{i}?period=2021-Q5"), all, None)
        .await;
    c.call(app, op, &year, None, None).await;
    c.call(app, op, &format!("{year}&unit=phuong-a"), own, None)
        .await;
    c.call(app, op, &format!("{year}&unit=phuong-b"), own, None)
        .await;
    c.call(app, op, &format!("{year}&unit=khong-co"), all, None)
        .await;
}

/// Desk ratings of last year (none: the TOTAL row alone), this year (it holds today, which
/// only admins may read: 422 open_day), a bad period, no token.
async fn desk(c: &mut Checker, app: &TestApp, who: &Callers) {
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
    let d = "/api/v1/desk";
    let op = ("get", d);
    let today = chrono::Utc::now().date_naive();
    let open_year = format!("{d}?period={}", today.year());
    let open = send(app, "get", &open_year, all, None).await;
    assert_eq!(open.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    c.check("get", d, open).await;
    let desk_year = format!("{d}?period={}", today.year() - 1);
    let desk = c.call(app, op, &desk_year, all, None).await;
    assert_eq!(desk["rows"].as_array().unwrap().len(), 1);
    c.call(app, op, &format!("{d}?period=2021-Q5"), all, None)
        .await;
    c.call(app, op, &desk_year, None, None).await;
    c.call(app, op, &format!("{desk_year}&unit=phuong-a"), own, None)
        .await;
}

/// Comment topics of this year: rows per unit and topic then TOTAL; a bad period; no token;
/// another unit's for a unit's token.
async fn topics(c: &mut Checker, app: &TestApp, who: &Callers) {
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
    let t = "/api/v1/topics";
    let op = ("get", t);
    let year = format!("{t}?period={}", chrono::Utc::now().date_naive().year());
    let table = c.call(app, op, &year, all, None).await;
    assert!(
        table["rows"].as_array().is_some_and(|r| r.len() >= 11),
        "{table}"
    );
    c.call(app, op, &format!("{t}?period=2021-Q5"), all, None)
        .await;
    c.call(app, op, &year, None, None).await;
    c.call(app, op, &format!("{year}&unit=phuong-a"), own, None)
        .await;
}

/// Indices of this year, which hold what was just sent.
async fn indices(c: &mut Checker, app: &TestApp, who: &Callers) {
    let (all, own) = (Some(who.all.as_str()), Some(who.own.as_str()));
    let i = "/api/v1/indices";
    let op = ("get", i);
    let today = chrono::Utc::now().date_naive();
    let year = format!("{i}?period={}", today.year());
    let table = c.call(app, op, &year, all, None).await;
    let row_a = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit_code"] == "phuong-a")
        .unwrap();
    assert_eq!(row_a["responses"], 2);
    assert_eq!(row_a["dossiers"], 40);
    c.call(app, op, &format!("{i}?period=2021-Q5"), all, None)
        .await;
    c.call(app, op, &year, None, None).await;
    c.call(app, op, &format!("{year}&unit=phuong-a"), own, None)
        .await;
    c.call(app, op, &format!("{year}&unit=khong-co"), all, None)
        .await;
}

/// Each operation was seen succeeding, and refusing a caller without a token; every status
/// the document declares was seen at least once.
fn every_status_was_seen(c: &Checker) {
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
    // Except the ones a test cannot provoke without breaking the database or the clock
    // (none today).
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
