//! Invitations after the result (SPEC §11, issue 33), on both backends, against fake Zalo ZNS
//! and SMS providers that run in the test: the sending with an injected clock (quiet hours,
//! caps per number, back-off, fallback, token refresh, two senders), and what is left
//! afterwards (no number, no reference, no path from an answer to a dossier).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use hailong::domain::invite::{Caps, Hours, Via};
use hailong::secret::DataKey;
use hailong::service::invite::{self, InviteSettings, Sender, SmsSettings, ZnsSettings};
use hailong::service::returned;
use hailong::store::Store;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

/// What the fake providers were sent, and how they answer.
#[derive(Default)]
pub struct Provider {
    /// ZNS bodies received, with the access token each came with.
    pub zns: Vec<(String, Value)>,
    pub sms: Vec<Value>,
    pub refreshes: usize,
    /// The access token ZNS takes (another one is answered −124).
    pub valid_token: String,
    /// ZNS's `error` for a number (absent: 0).
    pub zns_codes: HashMap<String, i64>,
    /// The SMS gateway's status (0: 200).
    pub sms_status: u16,
    /// A number whose SMS the gateway holds this long before answering.
    pub slow: Option<(String, u64)>,
    /// The gateway is holding a slow number's message now.
    pub holding: bool,
}

pub type Shared = Arc<Mutex<Provider>>;

/// Starts the fakes: `{base}/zns/message/template`, `{base}/zns/refresh`, `{base}/sms`.
pub async fn fake_providers(state: Shared) -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/zns/message/template", web::post().to(zns))
            .route("/zns/refresh", web::post().to(refresh))
            .route("/sms", web::post().to(sms))
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    return (format!("http://{addr}"), handle);

    async fn zns(req: HttpRequest, body: web::Bytes, s: web::Data<Shared>) -> HttpResponse {
        let token = req
            .headers()
            .get("access_token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body: Value = serde_json::from_slice(&body).unwrap();
        let mut s = s.lock().unwrap();
        let error = if token != s.valid_token {
            -124
        } else {
            let phone = body["phone"].as_str().unwrap_or_default();
            s.zns_codes.get(phone).copied().unwrap_or(0)
        };
        s.zns.push((token, body));
        HttpResponse::Ok().json(json!({"error": error, "message": "fake"}))
    }

    async fn refresh(body: String, s: web::Data<Shared>) -> HttpResponse {
        assert!(
            body.contains("grant_type=refresh_token") && body.contains("refresh_token=r-1"),
            "{body}"
        );
        let mut s = s.lock().unwrap();
        s.refreshes += 1;
        s.valid_token = "tok-2".into();
        HttpResponse::Ok().json(json!({"access_token": "tok-2", "refresh_token": "r-2"}))
    }

    /// Records the message as it arrives (a held one too), then answers.
    async fn sms(body: web::Bytes, s: web::Data<Shared>) -> HttpResponse {
        let body: Value = serde_json::from_slice(&body).unwrap();
        let (wait, status) = {
            let mut s = s.lock().unwrap();
            let wait = s
                .slow
                .as_ref()
                .filter(|(phone, _)| body["to"] == phone.as_str())
                .map(|(_, ms)| *ms);
            s.holding |= wait.is_some();
            s.sms.push(body);
            (wait, if s.sms_status == 0 { 200 } else { s.sms_status })
        };
        if let Some(ms) = wait {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
            .json(json!({"CodeResult": "100"}))
    }
}

/// A database with the test units, a data key, and the fake providers.
pub struct Fixture {
    pub store: Store,
    pub db_url: String,
    pub key: DataKey,
    pub fake: Shared,
    pub base: String,
    pub token_file: PathBuf,
    _handle: actix_web::dev::ServerHandle,
}

pub async fn fixture(backend: Backend) -> Fixture {
    let db_url = fresh_database(backend);
    let store = Store::open(&db_url).unwrap();
    seed_units_into(&store);
    let fake: Shared = Arc::new(Mutex::new(Provider {
        valid_token: "tok-1".into(),
        ..Default::default()
    }));
    let (base, handle) = fake_providers(fake.clone()).await;
    let token_file = key_file_of(&db_url).with_extension("zns-token");
    std::fs::write(
        &token_file,
        r#"{"access_token":"tok-1","refresh_token":"r-1","app_id":"app"}"#,
    )
    .unwrap();
    Fixture {
        store,
        db_url,
        key: DataKey::from_bytes(rand::random()),
        fake,
        base,
        token_file,
        _handle: handle,
    }
}

impl Fixture {
    /// Invitations through these fakes: `via` routes, any hour unless `hours` is given.
    pub fn settings(&self, via: &str) -> InviteSettings {
        InviteSettings {
            via: Via::parse(via).unwrap(),
            hours: Hours::parse("00-24").unwrap(),
            caps: Caps::default(),
            zns: Some(ZnsSettings {
                url: format!("{}/zns", self.base),
                token_file: self.token_file.clone(),
                refresh_url: Some(format!("{}/zns/refresh", self.base)),
                template: "321".into(),
            }),
            sms: Some(SmsSettings {
                url: format!("{}/sms", self.base),
                token_file: None,
                auth_header: "Authorization".into(),
                body: r#"{"to":"{phone}","text":"{text}"}"#.into(),
                ok: Some(("CodeResult".into(), "100".into())),
                template: "{unit}: moi danh gia {link}".into(),
            }),
            poll: std::time::Duration::from_millis(100),
            ..Default::default()
        }
    }

    pub fn import(&self, settings: &InviteSettings, rows: &[Value], now: DateTime<Utc>) {
        let rows: Vec<_> = rows
            .iter()
            .map(|r| serde_json::from_value(r.clone()).map_err(|e| e.to_string()))
            .collect();
        let keys = returned::Keys {
            key: &self.key,
            invite: settings,
        };
        let outcome = returned::import(&self.store, keys, &rows, None, "test", now).unwrap();
        assert!(outcome.refused.is_empty(), "{:?}", outcome.refused);
    }

    /// One pass of a sender at `now`.
    pub async fn pass(&self, settings: &InviteSettings, now: DateTime<Utc>) -> invite::Sent {
        let sender = Sender::new(
            self.store.clone(),
            settings.clone(),
            self.key.clone(),
            "https://khaosat.example",
        )
        .unwrap();
        invite::deliver_due(&sender, now).await.unwrap()
    }

    /// What waits in the outbox.
    pub fn waiting(&self) -> usize {
        let later = Utc::now().naive_utc() + chrono::Duration::days(3650);
        self.store
            .read(|c| hailong::store::invites::due(c, later, 10_000))
            .unwrap()
            .len()
    }
}

/// A returned dossier of phuong-a.
pub fn dossier(reference: &str, phone: &str, invite: bool) -> Value {
    json!({
        "ref": reference, "unit": "phuong-a", "received_on": "2026-03-02",
        "due_on": "2026-03-09", "returned_on": "2026-03-09", "channel": "in_person",
        "phone": phone, "invite": invite,
    })
}

/// Local time (UTC+7) in March 2026.
pub fn local(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 3, day, hour, minute, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// The counts of phuong-a in March, by route and outcome.
pub fn counts(store: &Store) -> invite::UnitInvitations {
    let from = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    invite::by_unit(store, from, to)
        .unwrap()
        .remove("phuong-a")
        .unwrap_or_default()
}

/// 22:30 is outside 07–22: nothing goes until 07:00; then one message per number in 24 h
/// and three in 30 days, the rest held (and their numbers deleted).
async fn quiet_hours_and_caps_hold_with_an_injected_clock(backend: Backend) {
    let f = fixture(backend).await;
    let mut s = f.settings("sms");
    s.hours = Hours::default();
    f.import(
        &s,
        &[dossier("H-1", "0912 345 678", true)],
        local(9, 22, 30),
    );
    assert_eq!(f.pass(&s, local(9, 22, 31)).await, invite::Sent::default());
    assert_eq!(f.pass(&s, local(10, 6, 59)).await, invite::Sent::default());
    assert!(f.fake.lock().unwrap().sms.is_empty(), "nothing at night");
    assert_eq!(f.pass(&s, local(10, 7, 0)).await.delivered, 1);
    assert_eq!(f.fake.lock().unwrap().sms.len(), 1);
    // The same number, another dossier, 8 hours later: within 24 h, held.
    f.import(
        &s,
        &[dossier("H-2", "+84 912.345.678", true)],
        local(10, 15, 0),
    );
    assert_eq!(f.pass(&s, local(10, 15, 1)).await.held, 1);
    // Two more days apart: the second and third in 30 days go, the fourth is held.
    for (i, day) in [12, 14, 16].into_iter().enumerate() {
        f.import(
            &s,
            &[dossier(&format!("H-{}", i + 3), "84912345678", true)],
            local(day, 9, 0),
        );
        f.pass(&s, local(day, 9, 1)).await;
    }
    let c = counts(&f.store);
    let sms = &c.by_route[&hailong::domain::invite::Route::Sms];
    assert_eq!((sms.queued, sms.delivered, sms.held), (5, 3, 2), "{c:?}");
    assert_eq!(f.fake.lock().unwrap().sms.len(), 3);
    assert_eq!(f.waiting(), 0, "no number waits");
    // 40 days on: the sendings are forgotten, and the codes that expired unused forget
    // their number.
    let hashed = "SELECT CAST(count(*) AS TEXT) AS line FROM tickets WHERE number_hash IS NOT NULL";
    assert_eq!(lines_of(&f.db_url, hashed), ["3"]);
    invite::prune(&f.store, &s, local(16, 9, 1) + chrono::Duration::days(40)).unwrap();
    assert_eq!(lines_of(&f.db_url, hashed), ["0"]);
    let sends = "SELECT CAST(count(*) AS TEXT) AS line FROM invite_sends";
    assert_eq!(lines_of(&f.db_url, sends), ["0"]);
    // The same by route from the command line.
    let (ok, csv, err) =
        crate::cli::run(&f.db_url, &["export", "invitations", "--period", "2026-Q1"]);
    assert!(ok, "{err}");
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(lines.next(), Some("period,period_start,period_end,unit_code,route,queued,delivered,failed,held,opted_out,invited_responses,invited_response_pct,waiting"));
    assert_eq!(
        lines.next(),
        Some("2026-Q1,2026-01-01,2026-03-31,phuong-a,sms,5,3,0,2,0,0,0.00,0")
    );
}
both_backends!(quiet_hours_and_caps_hold_with_an_injected_clock);

/// No Zalo account (−118): the message goes by SMS. An invalid token (−124): refreshed once
/// (the file rewritten), and the message sent again. Another error: given up.
async fn zns_falls_back_refreshes_and_gives_up(backend: Backend) {
    let f = fixture(backend).await;
    let s = f.settings("zns,sms");
    {
        let mut p = f.fake.lock().unwrap();
        p.zns_codes.insert("84912000118".into(), -118);
        p.zns_codes.insert("84912000139".into(), -139);
        p.valid_token = "tok-new".into();
    }
    let rows = [
        dossier("Z-1", "0912000118", true),
        dossier("Z-2", "0912000139", true),
        dossier("Z-3", "0912000001", true),
    ];
    f.import(&s, &rows, local(9, 9, 0));
    let first = f.pass(&s, local(9, 9, 1)).await;
    // The refresh makes "tok-2" valid.
    assert_eq!(f.fake.lock().unwrap().refreshes, 1);
    let saved = std::fs::read_to_string(&f.token_file).unwrap();
    assert!(saved.contains("tok-2") && saved.contains("r-2"), "{saved}");
    let second = f.pass(&s, local(9, 9, 2)).await;
    assert_eq!(
        first.delivered + second.delivered,
        2,
        "{first:?} {second:?}"
    );
    assert_eq!(first.failed + second.failed, 1);
    let p = f.fake.lock().unwrap();
    assert_eq!(p.sms.len(), 1);
    assert_eq!(p.sms[0]["to"], "84912000118");
    let text = p.sms[0]["text"].as_str().unwrap();
    assert!(text.contains("https://khaosat.example/t/"), "{text}");
    let sent_ok = p.zns.iter().filter(|(t, _)| t == "tok-2").count();
    assert_eq!(sent_ok, 3, "each number once more after the refresh");
    let z = &p.zns.last().unwrap().1;
    assert_eq!(z["template_id"], "321");
    assert!(z["tracking_id"].as_str().unwrap().len() >= 32);
    assert!(z["template_data"]["code"].as_str().is_some());
    assert_eq!(f.waiting(), 0);
}
both_backends!(zns_falls_back_refreshes_and_gives_up);

/// A gateway down for an hour: the message is tried with growing waits, never twice at
/// once, and taken exactly once when the gateway is back.
async fn a_provider_down_for_an_hour_backs_off_without_duplicates(backend: Backend) {
    let f = fixture(backend).await;
    let s = f.settings("sms");
    f.fake.lock().unwrap().sms_status = 503;
    f.import(&s, &[dossier("D-1", "0987654321", true)], local(9, 9, 0));
    let start = local(9, 9, 0);
    // A pass every 10 seconds for an hour.
    for t in (1..=360).map(|i| start + chrono::Duration::seconds(10 * i)) {
        f.pass(&s, t).await;
    }
    let tries = f.fake.lock().unwrap().sms.len();
    assert!(
        (8..=12).contains(&tries),
        "backed off: {tries} tries in an hour"
    );
    f.fake.lock().unwrap().sms_status = 0;
    let mut delivered = 0;
    for t in (361..=800).map(|i| start + chrono::Duration::seconds(10 * i)) {
        delivered += f.pass(&s, t).await.delivered;
    }
    assert_eq!(delivered, 1);
    assert_eq!(f.fake.lock().unwrap().sms.len(), tries + 1, "taken once");
    assert_eq!(f.waiting(), 0);
}
both_backends!(a_provider_down_for_an_hour_backs_off_without_duplicates);

/// A gateway that never answers: cut off at 10 s, tried again later; the other messages of
/// the pass go meanwhile. After 24 hours it is given up and its number deleted.
async fn a_hanging_provider_times_out_and_the_queue_goes_on(backend: Backend) {
    let f = fixture(backend).await;
    let s = f.settings("sms");
    f.fake.lock().unwrap().slow = Some(("84911111111".into(), 60_000));
    let rows = [
        dossier("S-1", "0911111111", true),
        dossier("S-2", "0922222222", true),
    ];
    f.import(&s, &rows, local(9, 9, 0));
    let began = std::time::Instant::now();
    let sent = f.pass(&s, local(9, 9, 1)).await;
    let took = began.elapsed().as_secs_f64();
    assert!((9.0..20.0).contains(&took), "cut off at 10 s: {took}");
    assert_eq!((sent.delivered, sent.retried), (1, 1), "{sent:?}");
    let sent = f.pass(&s, local(10, 9, 2)).await;
    assert_eq!(sent.failed, 1, "given up after 24 hours: {sent:?}");
    assert_eq!(f.waiting(), 0);
    let c = counts(&f.store);
    assert_eq!(c.total().failed, 1);
}
both_backends!(a_hanging_provider_times_out_and_the_queue_goes_on);

/// Two senders on one database at once: each message is sent once.
async fn two_senders_send_each_message_once(backend: Backend) {
    let f = fixture(backend).await;
    let s = f.settings("sms");
    let rows: Vec<Value> = (0..40)
        .map(|i| dossier(&format!("T-{i}"), &format!("09300000{i:02}"), true))
        .collect();
    f.import(&s, &rows, local(9, 9, 0));
    let now = local(9, 9, 1);
    let (a, b) = tokio::join!(f.pass(&s, now), f.pass(&s, now));
    assert_eq!(a.delivered + b.delivered, 40, "{a:?} {b:?}");
    let p = f.fake.lock().unwrap();
    let mut phones: Vec<&str> = p.sms.iter().map(|m| m["to"].as_str().unwrap()).collect();
    phones.sort_unstable();
    phones.dedup();
    assert_eq!((p.sms.len(), phones.len()), (40, 40));
}
both_backends!(two_senders_send_each_message_once);

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// Runs a query whose one column is `line`, on a connection of its own.
fn lines_of(db_url: &str, q: &str) -> Vec<String> {
    use diesel::{Connection, RunQueryDsl};
    let rows: Vec<Line> = match db_url.strip_prefix("sqlite://") {
        Some(path) => {
            let mut c = diesel::SqliteConnection::establish(path).unwrap();
            diesel::sql_query(q).load(&mut c).unwrap()
        }
        None => {
            let mut c = diesel::PgConnection::establish(db_url).unwrap();
            diesel::sql_query(q).load(&mut c).unwrap()
        }
    };
    rows.into_iter().map(|l| l.line).collect()
}

/// Every value stored in every table, one text line per row.
pub fn dump_tables(db_url: &str) -> Vec<(String, String)> {
    let sqlite = db_url.starts_with("sqlite://");
    let tables = lines_of(
        db_url,
        if sqlite {
            "SELECT name AS line FROM sqlite_master WHERE type = 'table'"
        } else {
            "SELECT tablename::text AS line FROM pg_tables WHERE schemaname = 'public'"
        },
    );
    let mut out = Vec::new();
    for table in tables {
        let q = if sqlite {
            let q = format!("SELECT name AS line FROM pragma_table_info('{table}')");
            let cols: Vec<String> = lines_of(db_url, &q)
                .into_iter()
                .map(|c| format!("coalesce(\"{c}\", '')"))
                .collect();
            format!(
                "SELECT {} AS line FROM \"{table}\"",
                cols.join(" || '|' || ")
            )
        } else {
            format!("SELECT t::text AS line FROM \"{table}\" t")
        };
        out.extend(lines_of(db_url, &q).into_iter().map(|l| (table.clone(), l)));
    }
    out
}

/// The running service end to end: the one-stop software sends returned dossiers, the
/// service invites by Zalo (and by SMS a number without Zalo), a citizen answers with the
/// code, another asks for no more messages, and the figures say so.
async fn invitations_end_to_end_leave_no_number_and_no_path(backend: Backend) {
    let f = fixture(backend).await;
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.invite = f.settings("zns,sms");
    f.fake
        .lock()
        .unwrap()
        .zns_codes
        .insert("84912000118".into(), -118);
    let app = spawn_on(backend, &db, s).await;
    app.seed_units();
    let token = app.token("mot-cua", Some("phuong-a"));
    let today = hailong::domain::local_date(Utc::now()).to_string();
    let mut rows = vec![
        dossier("REF-A-118", "0912000118", true),
        dossier("REF-B-ZNS", "0912000222", true),
        dossier("REF-C-NO", "0912000333", false),
        dossier("REF-D-LATE", "", false),
    ];
    for r in &mut rows {
        r["returned_on"] = json!(today);
        r["received_on"] = json!(today);
        r["due_on"] = json!(today);
    }
    rows[3]["phone"] = Value::Null;
    rows[3]["due_on"] = json!("2026-01-01");
    rows[3]["received_on"] = json!("2026-01-01");
    let r = app
        .post_json("/api/v1/dossiers/returned", Some(&token), &json!(rows))
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::OK, "{:?}", r.text().await);
    let (code_a, code_b) = codes_sent(&f).await;
    answer_and_stop(&app, &code_a, &code_b).await;
    // A's number asked for no more: a new dossier of A's is held, not sent.
    let mut again = rows[0].clone();
    again["ref"] = json!("REF-A-AGAIN");
    let r = app
        .post_json("/api/v1/dossiers/returned", Some(&token), &json!([again]))
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    figures_say_so(&app, &token).await;
    assert_eq!(f.fake.lock().unwrap().sms.len(), 1, "nothing more to A");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for line in [
        "hailong_invitations_total{route=\"zns\",result=\"delivered\"}",
        "hailong_invitations_total{route=\"zns\",result=\"fell_back\"}",
        "hailong_invitations_total{route=\"sms\",result=\"delivered\"}",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    nothing_left_to_join(&app, &[&code_a, &code_b]).await;
}
both_backends!(invitations_end_to_end_leave_no_number_and_no_path);

/// The codes the fakes were sent: A's by SMS (no Zalo account), B's by ZNS.
async fn codes_sent(f: &Fixture) -> (String, String) {
    for _ in 0..100 {
        {
            let p = f.fake.lock().unwrap();
            let b = p.zns.iter().find(|(_, m)| m["phone"] == "84912000222");
            if let (Some(sms), Some((_, b))) = (p.sms.first(), b) {
                let text = sms["text"].as_str().unwrap();
                let a = text.rsplit("/t/").next().unwrap().to_string();
                return (a, b["template_data"]["code"].as_str().unwrap().to_string());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the invitations were not sent");
}

/// B answers with the code; A's page offers "Không nhận tin nữa" and takes it.
async fn answer_and_stop(app: &TestApp, code_a: &str, code_b: &str) {
    let page = app.get(&format!("/t/{code_b}")).await.text().await.unwrap();
    assert!(page.contains("Không nhận tin nữa"), "{page}");
    let r = app
        .post_form(&format!("/t/{code_b}"), &as_refs(&full_answers("4")))
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let r = app.post_form(&format!("/t/{code_a}/stop"), &[]).await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("không nhận tin mời khảo sát nữa"));
    // A used code cannot stop anything (its number is no longer tied to it).
    let r = app.post_form(&format!("/t/{code_b}/stop"), &[]).await;
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
}

/// SPEC §11's figures in the API and the index CSV, by hand: ZNS 1 delivered 1 answered;
/// SMS 1 delivered, 1 opted out, 1 held; 5 dossiers returned, 4 on time.
async fn figures_say_so(app: &TestApp, token: &str) {
    let now = hailong::domain::local_date(Utc::now());
    let period = hailong::domain::period::Period::quarter_containing(
        now,
        hailong::domain::period::Scheme::Calendar,
    )
    .unwrap()
    .label;
    let path = format!("/api/v1/invitations?period={period}");
    let v: Value = app.get_with_token(&path, token).await.json().await.unwrap();
    let line = |route: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["route"] == route)
            .cloned()
            .unwrap()
    };
    let (zns, sms) = (line("zns"), line("sms"));
    // Both were queued for Zalo first; A's went by SMS. A's second dossier came after A
    // asked for no more: held at once, not queued (counted under the route it would take).
    let n = |r: &Value, k: &str| r[k].as_u64().unwrap();
    let z: Vec<u64> = ["queued", "delivered", "invited_responses", "held"]
        .iter()
        .map(|k| n(&zns, k))
        .collect();
    assert_eq!(z, [2, 1, 1, 1], "{v}");
    assert_eq!(zns["invited_response_pct"], 100.0);
    let m: Vec<u64> = ["queued", "delivered", "opted_out", "invited_responses"]
        .iter()
        .map(|k| n(&sms, k))
        .collect();
    assert_eq!(m, [0, 1, 1, 0], "{v}");
    let path = format!("/exports/indices.csv?period={period}");
    let csv = app.get_with_token(&path, token).await.text().await.unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .collect();
    let tail = &header[header.len() - 5..];
    assert_eq!(
        tail,
        [
            "invitations_delivered",
            "invited_responses",
            "invited_response_pct",
            "dossiers_returned",
            "on_time_return_pct"
        ]
    );
    let row = lines.find(|l| l.contains(",phuong-a,")).unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(
        &cells[cells.len() - 5..],
        ["2", "1", "50.00", "5", "80.00"],
        "{row}"
    );
}

/// No number, no reference in clear, no path from an answer to a dossier: every table read.
async fn nothing_left_to_join(app: &TestApp, codes: &[&str]) {
    // Give the held invitation's pass time to end.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let rows = dump_tables(&app.db_url);
    assert!(rows.iter().any(|(t, _)| t == "returned_dossiers"));
    for (table, line) in &rows {
        for secret in [
            "912000118",
            "912000222",
            "912000333",
            "REF-A",
            "REF-B",
            "REF-C",
        ] {
            assert!(!line.contains(secret), "{table} holds {secret}: {line}");
        }
        if table != "tickets" {
            for code in codes {
                assert!(
                    !line.contains(code),
                    "{table} holds the code {code}: {line}"
                );
            }
        }
    }
    let hashes = lines_of(
        &app.db_url,
        "SELECT ref_hash AS line FROM returned_dossiers",
    );
    assert_eq!(hashes.len(), 5);
    for (table, line) in rows.iter().filter(|(t, _)| t != "returned_dossiers") {
        for h in &hashes {
            assert!(!line.contains(&h[..16]), "{table} joins a dossier: {line}");
        }
    }
    if let Some(path) = app.db_url.strip_prefix("sqlite://") {
        for file in [path.to_string(), format!("{path}-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("912000118") && !text.contains("912000222"),
                "{file} holds a number"
            );
        }
    }
}

/// The demo: from 2026 the merged wards invite the 60 % who agree; about a quarter answer,
/// and the wards' participation rises visibly from 2025-Q4 to 2026-Q1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_invites_from_2026_and_participation_rises() {
    let db = fresh_database(Backend::Sqlite);
    let mut s = settings(&db);
    s.demo = true;
    let app = spawn_on(Backend::Sqlite, &db, s).await;
    let token = app.token("hao", None);
    let row = |v: &Value| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit_code"] == "phuong-an-lac")
            .cloned()
            .unwrap()
    };
    let get = |period: &str| {
        let path = format!("/api/v1/indices?period={period}");
        let (app, token) = (&app, &token);
        async move {
            app.get_with_token(&path, token)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let (before, after) = (row(&get("2025-Q4").await), row(&get("2026-Q1").await));
    assert_eq!(before["invitations"], Value::Null);
    let inv = &after["invitations"];
    let pct = inv["invited_response_pct"].as_f64().unwrap();
    assert!(inv["delivered"].as_u64().unwrap() > 500, "{inv}");
    assert!((20.0..30.0).contains(&pct), "{inv}");
    let (p0, p1) = (
        before["participation_pct"].as_f64().unwrap(),
        after["participation_pct"].as_f64().unwrap(),
    );
    assert!(p1 > p0 + 8.0, "participation {p0} → {p1}");
    assert!(after["responses_by_source"]["invitation"].as_u64().unwrap() > 100);
}

/// Two nodes sending from one outbox (PostgreSQL), one killed (SIGKILL) while the gateway
/// holds its message: every message goes once, but the killed one, which goes twice with the
/// same code (the gateway can drop the repeat); its code is one ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_and_a_sigkill_mid_send_send_each_invitation_once() {
    let f = fixture(Backend::Postgres).await;
    let db = fresh_database(Backend::Postgres);
    let store = Store::open(&db).unwrap();
    seed_units_into(&store);
    f.fake.lock().unwrap().slow = Some(("84931000000".into(), 60_000));
    let sms_url = format!("{}/sms", f.base);
    let flags = [
        "--invite-via",
        "sms",
        "--invite-hours",
        "00-24",
        "--sms-url",
        &sms_url,
        "--sms-body",
        r#"{"to":"{phone}","text":"{text}"}"#,
        "--sms-ok",
        "CodeResult=100",
    ];
    let (mut a, _) = serve_process(&db, &flags);
    let key = DataKey::load_or_create(&key_file_of(&db)).unwrap();
    let settings = f.settings("sms");
    let import = |from: usize, n: usize| {
        let rows: Vec<_> = (from..from + n)
            .map(|i| {
                serde_json::from_value(dossier(&format!("K-{i}"), &format!("09310000{i:02}"), true))
                    .map_err(|e: serde_json::Error| e.to_string())
            })
            .collect();
        let keys = returned::Keys {
            key: &key,
            invite: &settings,
        };
        returned::import(&store, keys, &rows, None, "test", Utc::now()).unwrap();
    };
    import(0, 1);
    let waited = std::time::Instant::now();
    while !f.fake.lock().unwrap().holding && waited.elapsed().as_secs() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        f.fake.lock().unwrap().holding,
        "node A sent the first invitation"
    );
    a.kill().unwrap();
    a.wait().unwrap();
    f.fake.lock().unwrap().slow = None;
    let (_a2, _) = serve_process(&db, &flags);
    let (_b, _) = serve_process(&db, &flags);
    import(1, 40);
    let waiting = || {
        let later = Utc::now().naive_utc() + chrono::Duration::days(1);
        store
            .read(|c| hailong::store::invites::due(c, later, 100))
            .unwrap()
            .len()
    };
    let waited = std::time::Instant::now();
    while waiting() > 0 && waited.elapsed().as_secs() < 90 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(waiting(), 0, "every invitation sent");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    sent_once_but_the_killed_one(&f, &store);
}

/// A route without its settings, or a data key file that is not one, stops the start with
/// the flag to give.
#[test]
fn a_route_without_its_settings_does_not_start() {
    let db = fresh_database(Backend::Sqlite);
    let mut s = settings(&db);
    s.invite.via = Via::parse("zns,sms").unwrap();
    let e = hailong::startup::Application::build(s).err().unwrap();
    assert!(e.to_string().contains("--zns-url"), "{e}");
    let mut s = settings(&db);
    std::fs::write(&s.data_key_file, "not a key").unwrap();
    s.invite = InviteSettings::default();
    let e = hailong::startup::Application::build(s).err().unwrap();
    assert!(e.to_string().contains("64 hexadecimal digits"), "{e}");
}

fn counts_today(store: &Store) -> invite::UnitInvitations {
    let today = hailong::domain::local_date(Utc::now());
    invite::by_unit(store, today, today)
        .unwrap()
        .remove("phuong-a")
        .unwrap_or_default()
}

/// Each of the 41 numbers got its message once, but the one whose sender was killed: twice,
/// with the same code, which is one ticket.
fn sent_once_but_the_killed_one(f: &Fixture, store: &Store) {
    let p = f.fake.lock().unwrap();
    let mut by_phone: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for m in &p.sms {
        by_phone
            .entry(m["to"].as_str().unwrap())
            .or_default()
            .push(m["text"].as_str().unwrap());
    }
    let tallies = counts_today(store);
    assert_eq!(by_phone.len(), 41, "{by_phone:?} {tallies:?}");
    let killed = &by_phone["84931000000"];
    assert_eq!(killed.len(), 2, "the killed sending goes again");
    let code_of = |text: &str| text.rsplit("/t/").next().unwrap().to_string();
    assert_eq!(code_of(killed[0]), code_of(killed[1]), "with the same code");
    let twice: Vec<_> = by_phone
        .iter()
        .filter(|(k, v)| **k != "84931000000" && v.len() != 1)
        .collect();
    assert!(twice.is_empty(), "sent twice by two nodes: {twice:?}");
    let code = killed[0].rsplit("/t/").next().unwrap();
    let ticket = store
        .read(|c| hailong::store::tickets::get(c, code))
        .unwrap();
    assert_eq!(ticket.unwrap().invite_route.as_deref(), Some("sms"));
}
