#![allow(clippy::as_conversions, clippy::indexing_slicing)]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Returned dossiers and invitations (issue 33), each figure beside a reference measured in
//! the same run:
//!
//! 1. 100,000 returned dossiers imported on SQLite, 1,000 a call as the API takes them
//!    (checked, references hashed, dossier counts set, audit): target ≤ 5 s. Reference: the
//!    same rows stored bare (no check, no hash, no counts) in the same number of transactions.
//! 2. 2,000 invitations drained against a fake SMS gateway in this process: target ≥ 200
//!    messages/s. Reference: the same number of bare POSTs to the same gateway, 200 at once.
//!
//!     cargo bench --bench invitations
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it is a small smoke run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDate, Utc};
use hailong::domain::invite::{Hours, Via};
use hailong::secret::DataKey;
use hailong::service::invite::{self, InviteSettings, Sender, SmsSettings};
use hailong::service::returned;
use hailong::store::returned::ReturnedRow;
use hailong::store::Store;

fn store_with_units(dir: &std::path::Path, name: &str) -> Store {
    let store = Store::open(&format!("sqlite://{}", dir.join(name).display())).unwrap();
    let forms = hailong::service::forms::FormRegistry::builtin().unwrap();
    let csv = "code,name,name_en,parent\nphuong-a,Phường A,,\n";
    let list = hailong::service::units::parse_csv(csv, &forms).unwrap();
    hailong::service::units::import(&store, &list, false, Utc::now()).unwrap();
    store
}

fn row(i: usize, phone: bool) -> hailong::domain::returned::SentRow {
    let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + Duration::days((i % 80) as i64);
    hailong::domain::returned::SentRow {
        reference: format!("000.00.12.H29-{i:08}"),
        unit: "phuong-a".into(),
        procedure: Some("1.001193".into()),
        received_on: (day - Duration::days(5)).to_string(),
        due_on: day.to_string(),
        returned_on: day.to_string(),
        channel: "in_person".into(),
        phone: phone.then(|| format!("09{:08}", i)),
        invite: Some(phone),
    }
}

/// 1: the import against the bare store.
fn import(dir: &std::path::Path, n: usize) {
    let key = DataKey::from_bytes([7; 32]);
    let off = InviteSettings::default();
    let keys = returned::Keys {
        key: &key,
        invite: &off,
    };
    let store = store_with_units(dir, "import.db");
    let t0 = Instant::now();
    for start in (0..n).step_by(1000) {
        let rows: Vec<_> = (start..(start + 1000).min(n))
            .map(|i| Ok(row(i, false)))
            .collect();
        let o = returned::import(&store, keys, &rows, None, "bench", Utc::now()).unwrap();
        assert_eq!(o.taken, rows.len());
    }
    let took = t0.elapsed().as_secs_f64();
    let bare = store_with_units(dir, "bare.db");
    let t0 = Instant::now();
    for start in (0..n).step_by(1000) {
        bare.write(|c| -> Result<(), hailong::store::StoreError> {
            for i in start..(start + 1000).min(n) {
                let r = row(i, false);
                let day: NaiveDate = r.returned_on.parse().unwrap();
                let stored = ReturnedRow {
                    ref_hash: r.reference,
                    unit_code: r.unit,
                    procedure_code: r.procedure,
                    received_on: day - Duration::days(5),
                    due_on: day,
                    returned_on: day,
                    channel: r.channel,
                };
                hailong::store::returned::insert_new(c, &stored)?;
            }
            Ok(())
        })
        .unwrap();
    }
    let floor = t0.elapsed().as_secs_f64();
    println!(
        "import: {n} returned dossiers in {took:.2} s ({:.0}/s; target ≤ 5 s for 100,000); \
         bare rows {floor:.2} s; ratio {:.2}",
        n as f64 / took,
        took / floor
    );
}

/// A fake SMS gateway: answers every POST `{"CodeResult":"100"}` and counts them.
async fn gateway(count: Arc<AtomicUsize>) -> String {
    use actix_web::{web, App, HttpResponse, HttpServer};
    let data = web::Data::new(count);
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).default_service(web::to(
            |n: web::Data<Arc<AtomicUsize>>| async move {
                n.fetch_add(1, Ordering::Relaxed);
                HttpResponse::Ok().json(serde_json::json!({"CodeResult": "100"}))
            },
        ))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    tokio::spawn(server.run());
    format!("http://{addr}/sms")
}

/// 2: the queue drained against the bare POSTs.
async fn drain(dir: &std::path::Path, n: usize) {
    let count = Arc::new(AtomicUsize::new(0));
    let url = gateway(count.clone()).await;
    let settings = InviteSettings {
        via: Via::parse("sms").unwrap(),
        hours: Hours::parse("00-24").unwrap(),
        sms: Some(SmsSettings {
            url: url.clone(),
            token_file: None,
            auth_header: "Authorization".into(),
            body: r#"{"to":"{phone}","text":"{text}"}"#.into(),
            ok: Some(("CodeResult".into(), "100".into())),
            template: "{unit}: {link}".into(),
        }),
        ..Default::default()
    };
    let key = DataKey::from_bytes([9; 32]);
    let store = store_with_units(dir, "drain.db");
    let keys = returned::Keys {
        key: &key,
        invite: &settings,
    };
    for start in (0..n).step_by(1000) {
        let rows: Vec<_> = (start..(start + 1000).min(n))
            .map(|i| Ok(row(i, true)))
            .collect();
        returned::import(&store, keys, &rows, None, "bench", Utc::now()).unwrap();
    }
    let sender = Sender::new(store, settings, key, "https://khaosat.example").unwrap();
    let t0 = Instant::now();
    let mut delivered = 0;
    while delivered < n {
        let sent = invite::deliver_due(&sender, Utc::now()).await.unwrap();
        assert_eq!(sent.failed + sent.retried, 0, "{sent:?}");
        delivered += sent.delivered;
    }
    let took = t0.elapsed().as_secs_f64();
    let client = reqwest::Client::new();
    let t0 = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
        let posts = chunk.iter().map(|i| {
            let body = format!(r#"{{"to":"849{i:08}","text":"x"}}"#);
            client
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
        });
        for r in futures_util::future::join_all(posts).await {
            assert!(r.unwrap().status().is_success());
        }
    }
    let floor = t0.elapsed().as_secs_f64();
    println!(
        "queue: {n} invitations delivered in {took:.2} s ({:.0} messages/s; target ≥ 200); \
         bare POSTs {:.0}/s; ratio {:.2}",
        n as f64 / took,
        n as f64 / floor,
        floor / took
    );
    assert_eq!(count.load(Ordering::Relaxed), 2 * n, "each message once");
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let (imports, messages) = if benching {
        (100_000, 2_000)
    } else {
        (2_000, 100)
    };
    let dir = std::env::temp_dir().join(format!(
        "hailong-invite-bench-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    import(&dir, imports);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(drain(&dir, messages));
    let _ = std::fs::remove_dir_all(&dir);
}
