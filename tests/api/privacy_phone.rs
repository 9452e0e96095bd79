//! Issue 34: a request proved by the phone an invitation went to — a six-digit code sent to
//! it through the invitations' provider (a fake SMS gateway in the test), the same answer for
//! a number never invited, wrong codes counted, and what access, withdrawal and deletion do
//! to what is held under the number.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;
use crate::invitations::{dossier, dump_tables, fixture, Fixture};

const PHONE: &str = "0912000444";
const E164: &str = "84912000444";

/// The SMS messages sent to `to` so far.
fn texts_to(f: &Fixture, to: &str) -> Vec<String> {
    let p = f.fake.lock().unwrap();
    p.sms
        .iter()
        .filter(|m| m["to"] == to)
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Waits for the `n`th message to `to`.
async fn nth_text(f: &Fixture, to: &str, n: usize) -> String {
    for _ in 0..100 {
        if let Some(t) = texts_to(f, to).get(n - 1) {
            return t.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message {n} to {to}: {:?}", texts_to(f, to));
}

/// Asks for a code for `phone` and returns the page.
async fn ask_code(app: &TestApp, phone: &str) -> (u16, String) {
    let r = app
        .post_form("/privacy/request/code", &[("phone", phone)])
        .await;
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Files a request proved by `phone` and `otp`.
async fn file(app: &TestApp, kind: &str, phone: &str, otp: &str) -> (u16, String) {
    let fields = [("kind", kind), ("phone", phone), ("otp", otp)];
    let r = app.post_form("/privacy/request", &fields).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The six digits in a code's SMS.
fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_string()
}

/// A service inviting by SMS through the fake; one invitation sent to PHONE.
async fn invited(backend: Backend) -> (Fixture, TestApp) {
    let f = fixture(backend).await;
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.invite = f.settings("sms");
    let app = spawn_on(backend, &db, s).await;
    app.seed_units();
    let token = app.token("mot-cua", Some("phuong-a"));
    let today = hailong::domain::local_date(chrono::Utc::now()).to_string();
    let mut row = dossier("REF-PHONE-1", PHONE, true);
    for day in ["returned_on", "received_on", "due_on"] {
        row[day] = json!(today);
    }
    let r = app
        .post_json("/api/v1/dossiers/returned", Some(&token), &json!([row]))
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(nth_text(&f, E164, 1).await.contains("/t/"));
    (f, app)
}

/// A number never invited reads the same answer and gets nothing; the invited one gets a
/// code; a wrong code is refused (and counted), a correction by phone is refused with the
/// reason; the right code files an access request whose data is the invitation's day.
async fn a_phone_proves_a_request_with_a_code_sent_to_it(backend: Backend) {
    use hailong::domain::user::Role;
    let (f, app) = invited(backend).await;
    let (status, stranger) = ask_code(&app, "0912 000 555").await;
    assert_eq!(status, 200);
    assert!(
        stranger.contains("một mã 6 chữ số vừa được gửi"),
        "{stranger}"
    );
    let (status, html) = ask_code(&app, "12345").await;
    assert_eq!(status, 422);
    assert!(html.contains("không phải số di động"), "{html}");
    let (status, known) = ask_code(&app, "0912 000 444").await;
    assert_eq!(status, 200);
    let same = |page: &str| {
        page.replace("0912 000 555", "X")
            .replace("0912 000 444", "X")
    };
    assert_eq!(same(&stranger), same(&known), "no enumeration");
    let code = code_in(&nth_text(&f, E164, 2).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        texts_to(&f, "84912000555").is_empty(),
        "nothing to a stranger"
    );
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, html) = file(&app, "access", PHONE, wrong).await;
    assert_eq!(status, 422);
    assert!(html.contains("không đúng hoặc đã hết hạn"), "{html}");
    let (status, html) = file(&app, "correction", PHONE, &code).await;
    assert_eq!(status, 422);
    assert!(html.contains("chỉ có thể xem, xoá"), "{html}");
    let (status, html) = file(&app, "access", PHONE, &code).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Đã nhận yêu cầu số"), "{html}");
    let (status, _) = file(&app, "access", PHONE, &code).await;
    assert_eq!(status, 422, "a code is used once");
    let admin = app.signed_in(Role::Admin, None).await;
    let queue = admin.get("/staff/privacy").await.text().await.unwrap();
    assert!(queue.contains("số điện thoại đã nhận tin mời"), "{queue}");
    let data: Value = admin
        .get(&format!("/staff/privacy/{}/data.json", newest(&queue)))
        .await
        .json()
        .await
        .unwrap();
    let today = hailong::domain::local_date(chrono::Utc::now()).to_string();
    assert_eq!(data["phone_number"]["invitations_sent_on"], json!([today]));
    assert_eq!(
        data["phone_number"]["unused_invitations"][0]["unit"],
        "phuong-a"
    );
    assert!(!data.to_string().contains("912000444"), "{data}");
}
both_backends!(a_phone_proves_a_request_with_a_code_sent_to_it);

/// The newest request's id on the queue page.
fn newest(queue: &str) -> i64 {
    queue
        .split("/staff/privacy/")
        .filter_map(|s| s.split('/').next())
        .filter_map(|s| s.parse::<i64>().ok())
        .max()
        .unwrap()
}

/// Five wrong codes void the code (the sixth try with the right one fails); three codes a
/// day per number, the fourth is not sent (the page reads the same).
async fn wrong_codes_and_codes_a_day_are_limited(backend: Backend) {
    let (f, app) = invited(backend).await;
    ask_code(&app, PHONE).await;
    let code = code_in(&nth_text(&f, E164, 2).await);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(file(&app, "access", PHONE, wrong).await.0, 422);
    }
    assert_eq!(file(&app, "access", PHONE, &code).await.0, 422, "void");
    ask_code(&app, PHONE).await;
    ask_code(&app, PHONE).await;
    nth_text(&f, E164, 4).await;
    let (status, _) = ask_code(&app, PHONE).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(texts_to(&f, E164).len(), 4, "an invitation and three codes");
}
both_backends!(wrong_codes_and_codes_a_day_are_limited);

/// Withdrawal puts the number on the opt-out list; deletion then forgets it everywhere but
/// that list (the request's own copy too): its hash stands in one table only.
async fn withdrawal_and_deletion_by_phone(backend: Backend) {
    use hailong::domain::user::Role;
    let (f, app) = invited(backend).await;
    let admin = app.signed_in(Role::Admin, None).await;
    for (n, kind) in [(2, "withdrawal"), (3, "deletion")] {
        ask_code(&app, PHONE).await;
        let code = code_in(&nth_text(&f, E164, n).await);
        let (status, html) = file(&app, kind, PHONE, &code).await;
        assert_eq!(status, 200, "{html}");
        let queue = admin.get("/staff/privacy").await.text().await.unwrap();
        let r = admin
            .post_form(&format!("/staff/privacy/{}/complete", newest(&queue)), &[])
            .await;
        assert_eq!(r.status(), 200);
    }
    let hash = hailong::service::requests::phone::number_hash(
        &f_key(&app),
        &hailong::domain::returned::Mobile::parse(PHONE).unwrap(),
    );
    let holding: Vec<String> = dump_tables(&app.db_url)
        .into_iter()
        .filter(|(_, line)| line.contains(&hash))
        .map(|(table, _)| table)
        .collect();
    assert_eq!(
        holding,
        ["invite_optouts"],
        "only the opt-out list keeps it"
    );
    let queue = admin.get("/staff/privacy").await.text().await.unwrap();
    assert!(queue.contains("đã được xoá theo yêu cầu"), "{queue}");
}
both_backends!(withdrawal_and_deletion_by_phone);

/// The running service's data key (the file beside its database).
fn f_key(app: &TestApp) -> hailong::secret::DataKey {
    hailong::secret::DataKey::load_or_create(&key_file_of(&app.db_url)).unwrap()
}
