//! Issue 33, first part: returned dossiers from the one-stop software (SPEC §11) — each bad
//! row refused by its index and the others taken, the same dossier stored once, the day's
//! dossier count set from them, the reference kept only as a keyed hash and no phone kept.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{spawn_app, Backend, TestApp};

const REF_A: &str = "000.00.12.H29-261201-0001";

fn today() -> String {
    hailong::domain::local_date(chrono::Utc::now()).to_string()
}

/// A returned dossier of phuong-a, received and returned today.
fn row(reference: &str) -> Value {
    json!({
        "ref": reference,
        "unit": "phuong-a",
        "procedure": "1.001193",
        "received_on": today(),
        "due_on": today(),
        "returned_on": today(),
        "channel": "online_partial",
        "phone": "0912 345 678",
        "invite": true
    })
}

async fn send(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let r = app
        .post_json("/api/v1/dossiers/returned", Some(token), body)
        .await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn returned_dossiers_are_taken_row_by_row_and_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("mot-cua", None);
    let mut before_received = row("000.00.12.H29-261201-0003");
    before_received["received_on"] = json!("2999-01-01");
    let mut stranger = row("000.00.12.H29-261201-0004");
    stranger["unit"] = json!("khong-co");
    let mut landline = row("000.00.12.H29-261201-0005");
    landline["phone"] = json!("028 3823 4567");
    let mut malformed = row("000.00.12.H29-261201-0006");
    malformed["colour"] = json!("red");
    let body = json!([
        row(REF_A),
        row("000.00.12.H29-261201-0002"),
        before_received,
        stranger,
        landline,
        malformed
    ]);
    let (status, v) = send(&app, &token, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        (v["taken"].as_u64(), v["already"].as_u64()),
        (Some(2), Some(0))
    );
    let refused: Vec<u64> = v["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["index"].as_u64().unwrap())
        .collect();
    assert_eq!(refused, [2, 3, 4, 5], "{v}");
    assert!(v["refused"][2]["reason"]
        .as_str()
        .unwrap()
        .contains("phone"));
    // Sent again: nothing new, nothing counted twice.
    let (_, again) = send(&app, &token, &body).await;
    assert_eq!(
        (again["taken"].as_u64(), again["already"].as_u64()),
        (Some(0), Some(2))
    );
    // The day's dossier count is the two returned dossiers.
    let indices: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/indices?from={0}&to={0}&unit=phuong-a",
            today()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(indices["rows"][0]["dossiers"], 2, "{indices}");
    nothing_kept_says_the_reference_or_the_phone(&app);
}
both_backends!(returned_dossiers_are_taken_row_by_row_and_once);

/// The stored rows hold a 64-character keyed hash, not the reference; no phone in any form.
fn nothing_kept_says_the_reference_or_the_phone(app: &TestApp) {
    let rows = app.store.read(hailong::store::returned::all).unwrap();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        // The hash itself is hex and may hold "0912" by chance (it did once in 1,000 runs).
        let text = format!("{r:?}").replace(&r.ref_hash, "");
        assert_eq!(r.ref_hash.len(), 64);
        for secret in [REF_A, "H29", "0912", "912345678", "84912345678"] {
            assert!(!text.contains(secret), "{secret} kept in {text}");
        }
    }
}

async fn a_unit_token_sends_its_own_unit_only_and_bad_bodies_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let own = app.token("mot-cua-b", Some("phuong-b"));
    let (status, v) = send(&app, &own, &json!([row(REF_A)])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(app
        .store
        .read(hailong::store::returned::all)
        .unwrap()
        .is_empty());
    let (status, v) = send(&app, &own, &json!({"ref": REF_A})).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_json"))
    );
    let r = app
        .post_json("/api/v1/dossiers/returned", None, &json!([]))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(a_unit_token_sends_its_own_unit_only_and_bad_bodies_are_refused);

/// `hailong dossiers returned FILE.csv` names the bad line and takes the others.
#[test]
fn the_command_line_takes_a_csv_and_names_the_bad_line() {
    let db = crate::helpers::fresh_database(Backend::Sqlite);
    let store = hailong::store::Store::open(&db).unwrap();
    crate::helpers::seed_units_into(&store);
    let dir = std::env::temp_dir().join(format!(
        "hailong-returned-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tra-ket-qua.csv");
    std::fs::write(
        &file,
        "\u{feff}ref,unit,procedure,received_on,due_on,returned_on,channel,phone,invite\r\n\
         H1,phuong-a,,2026-11-02,2026-11-06,2026-11-05,in_person,0912345678,có\r\n\
         H2,phuong-a,,2026-11-02,2026-11-06,2026-11-0x,in_person,,\r\n",
    )
    .unwrap();
    let (ok, out, err) = crate::cli::run(
        &db,
        &[
            "dossiers",
            "returned",
            file.to_str().unwrap(),
            "--invite-via",
            "demo",
        ],
    );
    assert!(!ok, "a refused row fails the command");
    assert!(
        err.contains("line 3") && err.contains("returned_on"),
        "{err}"
    );
    assert!(out.contains("1 returned dossiers taken"), "{out}");
    let rows = store.read(hailong::store::returned::all).unwrap();
    assert_eq!(rows.len(), 1);
    // The citizen agreed: one invitation waits, its number sealed.
    let waiting = store
        .read(|c| {
            let later = chrono::Utc::now().naive_utc() + chrono::Duration::days(2);
            hailong::store::invites::due(c, later, 10)
        })
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert!(!waiting[0].sealed.contains("912345678"));
}

/// At most 1,000 rows a call: the 1,001st is refused by its index, the thousand are taken.
async fn a_thousand_rows_a_call(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("mot-cua", None);
    let rows: Vec<Value> = (0..1001)
        .map(|i| {
            let mut r = row(&format!("000.00.12.H29-261201-{i:04}"));
            r["phone"] = Value::Null;
            r["invite"] = json!(false);
            r
        })
        .collect();
    let (status, v) = send(&app, &token, &Value::Array(rows)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["taken"], 1000);
    assert_eq!(v["refused"][0]["index"], 1000, "{}", v["refused"]);
    assert_eq!(v["refused"].as_array().map(Vec::len), Some(1));
}
both_backends!(a_thousand_rows_a_call);

/// A clerk uploads the one-stop software's export on `/staff/dossiers/returned`: a bad line
/// is named by its number and the others are taken; a line of another unit refuses the file.
async fn a_clerk_uploads_the_export_and_sees_each_bad_line(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let officer = app
        .signed_in(hailong::domain::user::Role::Officer, Some("phuong-a"))
        .await;
    let page = officer.get("/staff/dossiers/returned").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Hồ sơ đã trả kết quả"));
    let day = today();
    let csv = format!(
        "ref,unit,procedure,received_on,due_on,returned_on,channel,phone,invite\n\
         R-1,phuong-a,,{day},{day},{day},in_person,0912345678,có\n\
         R-2,phuong-a,,{day},{day},2026-13-01,in_person,,\n\
         R-3,phuong-a,,{day},{day},{day},postal,,\n"
    );
    let r = officer
        .post_form("/staff/dossiers/returned", &[("csv", &csv)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Đã nhận 2 hồ sơ") && html.contains("dòng 3"),
        "{html}"
    );
    let stored = app.store.read(hailong::store::returned::all).unwrap();
    assert_eq!(stored.len(), 2);
    let other = csv.replace("R-3,phuong-a", "R-4,phuong-b");
    let r = officer
        .post_form("/staff/dossiers/returned", &[("csv", &other)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("phuong-b"));
    let stored = app.store.read(hailong::store::returned::all).unwrap();
    assert_eq!(stored.len(), 2, "nothing of a refused file is kept");
}
both_backends!(a_clerk_uploads_the_export_and_sees_each_bad_line);
