//! Issue 22: two `hailong serve` processes on one PostgreSQL database keep every guarantee
//! of one: the sign-in throttle, the per-address limits, work done once, and no acknowledged
//! response lost or stored twice when one of them is killed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;

use crate::durability::seed;
use crate::helpers::{fresh_database, full_answers, serve_process, Backend};

/// A client for the nodes' public pages (no redirect followed, a generous timeout).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// 60 wrong passwords at once, half through each node, on an account and on a name that is
/// no account: the password is checked at most `FREE_ATTEMPTS` times in all (not per node),
/// and the right password right after is refused by both nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_wrong_passwords_over_two_nodes_throttle_both() {
    let db = fresh_database(Backend::Postgres);
    let store = hailong::store::Store::open(&db).unwrap();
    hailong::service::users::add(
        &store,
        &mut rand::rng(),
        hailong::service::users::NewUser {
            username: "can-bo",
            role: hailong::domain::user::Role::Viewer,
            unit: None,
            password: Some(crate::helpers::STAFF_PASSWORD),
            lead: false,
        },
        "test",
        chrono::Utc::now(),
    )
    .unwrap();
    // The per-address limit is off: the throttle of names is what is tested here.
    let off = ["--login-rate-limit", "off"];
    let (_a, url_a) = serve_process(&db, &off);
    let (_b, url_b) = serve_process(&db, &off);
    let form = crate::helpers::SignInForm::open(&url_a).await;
    let free = usize::try_from(hailong::service::users::FREE_ATTEMPTS).unwrap();
    for name in ["can-bo", "khong-co-ai"] {
        let tries = (0..60).map(|i| {
            let (form, base) = (&form, if i % 2 == 0 { &url_a } else { &url_b });
            async move { form.sign_in_at(base, name, "một mật khẩu sai").await }
        });
        let statuses = futures::future::join_all(tries).await;
        let checked = statuses.iter().filter(|s| **s == 401).count();
        assert!(
            statuses.iter().all(|s| *s == 401 || *s == 429),
            "{name}: {statuses:?}"
        );
        assert!(
            checked <= free,
            "{name}: {checked} passwords checked over two nodes, the limit is {free} in all"
        );
        for base in [&url_a, &url_b] {
            assert_eq!(
                form.sign_in_at(base, name, crate::helpers::STAFF_PASSWORD)
                    .await,
                429,
                "{name}: the right password right after is refused on {base}"
            );
        }
    }
}

/// A poster flood spread over both nodes meets one limit: 20 submissions per address in
/// all, not 20 per node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poster_flood_over_two_nodes_meets_one_limit() {
    let db = fresh_database(Backend::Postgres);
    seed(&db);
    let limit = ["--rate-limit", "20/600"];
    let (_a, url_a) = serve_process(&db, &limit);
    let (_b, url_b) = serve_process(&db, &limit);
    let client = client();
    let posts = (0..60).map(|i| {
        let client = &client;
        let base = if i % 2 == 0 { &url_a } else { &url_b };
        async move {
            let mut body = full_answers("4");
            body.push(("submission_id".into(), uuid::Uuid::new_v4().to_string()));
            client
                .post(format!("{base}/s/phuong-a"))
                .form(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let statuses = futures::future::join_all(posts).await;
    let taken = statuses.iter().filter(|s| **s == 303).count();
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 429),
        "{statuses:?}"
    );
    // Exactly 20 within one window; a window turning mid-flood may let one more by (the
    // sliding estimate rounds in the client's favour).
    assert!(
        (20..=21).contains(&taken),
        "{taken} of 60 taken over two nodes with a limit of 20 (per node it would be 40)"
    );
    let store = hailong::store::Store::open(&db).unwrap();
    assert_eq!(crate::durability::stored_ids(&store).len(), taken);
}

/// What the webhook receiver of the next test saw: each call's delivery id and status.
#[derive(Default)]
struct Seen {
    calls: Vec<(String, u16)>,
    /// Held without an answer: the first call, long enough to kill its sender.
    holding: bool,
}

async fn slow_receiver(seen: Arc<Mutex<Seen>>) -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    let data = web::Data::new(seen);
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).default_service(web::to(
            |req: HttpRequest, seen: web::Data<Arc<Mutex<Seen>>>| async move {
                let id = req
                    .headers()
                    .get("x-hailong-delivery")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let hold = {
                    let mut s = seen.lock().unwrap();
                    let first = s.calls.is_empty();
                    s.calls.push((id, 200));
                    s.holding = first;
                    first
                };
                if hold {
                    tokio::time::sleep(Duration::from_secs(8)).await;
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
    (format!("http://127.0.0.1:{}/hook", addr.port()), handle)
}

fn enqueue(store: &hailong::store::Store, n: i64) {
    store
        .write(|c| -> Result<(), hailong::store::StoreError> {
            for id in 0..n {
                hailong::service::webhook::enqueue_feedback(c, id, "phuong-a", chrono::Utc::now())?;
            }
            Ok(())
        })
        .unwrap();
}

fn pending(store: &hailong::store::Store) -> i64 {
    hailong::service::webhook::pending(store).unwrap()
}

/// Webhook events with two nodes polling one outbox: each is sent once. A node killed
/// (SIGKILL) while its receiver holds a delivery leaves the event to the other node once the
/// lease ends; the receiver gets that one event twice with the same delivery id (it never
/// learnt its first answer reached no one) and can drop the repeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_events_go_out_once_with_two_nodes_and_one_killed_mid_delivery() {
    let db = fresh_database(Backend::Postgres);
    seed(&db);
    let store = hailong::store::Store::open(&db).unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (url, handle) = slow_receiver(seen.clone()).await;
    let hook = [
        "--webhook-url",
        url.as_str(),
        "--webhook-secret",
        "a-shared-secret-of-some-length",
    ];
    // One event, sent by node A alone and held by the receiver: A is killed mid-delivery.
    let (mut a, _) = serve_process(&db, &hook);
    enqueue(&store, 1);
    let waited = std::time::Instant::now();
    while !seen.lock().unwrap().holding && waited.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen.lock().unwrap().holding, "node A sent the first event");
    a.kill().unwrap();
    a.wait().unwrap();
    // Two nodes now (B, and A started again), and 40 more events.
    let (_a2, _) = serve_process(&db, &hook);
    let (_b, _) = serve_process(&db, &hook);
    enqueue(&store, 40);
    // The killed delivery's lease (30 s) ends, and one of them sends it again.
    let waited = std::time::Instant::now();
    while pending(&store) > 0 && waited.elapsed() < Duration::from_secs(90) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(pending(&store), 0, "every event delivered");
    // A wrong second sending would show itself now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let calls = std::mem::take(&mut seen.lock().unwrap().calls);
    handle.stop(false).await;
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for (id, _) in &calls {
        *by_id.entry(id.clone()).or_default() += 1;
    }
    assert_eq!(by_id.len(), 41, "41 events, each with its own id");
    let killed = &calls[0].0;
    assert_eq!(
        by_id[killed], 2,
        "the killed delivery is sent again, same id"
    );
    let twice: Vec<_> = by_id
        .iter()
        .filter(|(id, n)| *id != killed && **n != 1)
        .collect();
    assert!(
        twice.is_empty(),
        "sent more than once by two nodes: {twice:?}"
    );
}

/// kill -9 one node of two under a submission load through both: every acknowledged
/// response is stored, none twice, and the tallies count exactly the stored responses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_one_node_of_two_under_load_loses_nothing() {
    let db = fresh_database(Backend::Postgres);
    seed(&db);
    let off = ["--rate-limit", "off"];
    let (mut a, url_a) = serve_process(&db, &off);
    let (b, url_b) = serve_process(&db, &off);
    let client = client();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for worker in 0..16usize {
        let (client, done) = (client.clone(), done.clone());
        let urls = [url_a.clone(), url_b.clone()];
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut a_is_down = false;
            for i in 0..300usize {
                // As a proxy would: both nodes in turn, and only B once A stopped answering.
                let node = if a_is_down { 1 } else { (worker + i) % 2 };
                let id = uuid::Uuid::new_v4().to_string();
                let mut body = full_answers(if i % 2 == 0 { "4" } else { "2" });
                body.push(("submission_id".into(), id.clone()));
                let sent = client
                    .post(format!("{}/s/phuong-a", urls[node]))
                    .form(&body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == StatusCode::SEE_OTHER => {
                        acknowledged.push(id);
                        done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ if node == 0 => a_is_down = true,
                    _ => break,
                }
            }
            acknowledged
        }));
    }
    let started = std::time::Instant::now();
    while done.load(std::sync::atomic::Ordering::SeqCst) < 300 && started.elapsed().as_secs() < 60 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.kill().unwrap(); // SIGKILL
    a.wait().unwrap();
    let mut acknowledged = BTreeSet::new();
    for t in tasks {
        acknowledged.extend(t.await.unwrap());
    }
    let at_kill = 300;
    assert!(
        acknowledged.len() > at_kill + 100,
        "node B went on taking the load ({} acknowledged)",
        acknowledged.len()
    );
    drop(b);
    let store = hailong::store::Store::open(&db).unwrap();
    let stored = crate::durability::stored_ids(&store);
    let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), stored_set.len(), "no response stored twice");
    let lost = acknowledged.difference(&stored_set).count();
    assert_eq!(lost, 0, "{lost} acknowledged responses lost");
    assert_eq!(crate::durability::tallied(&store), stored.len());
}

/// C-8: one tablet whose posts alternate between two nodes is judged on all its taps: a tap
/// 2 s after the previous one is `rapid` whichever node each of them reached (each node
/// alone would see only every other tap).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_is_judged_on_all_its_taps_over_two_nodes() {
    let db = fresh_database(Backend::Postgres);
    seed(&db);
    let store = hailong::store::Store::open(&db).unwrap();
    let admin = hailong::service::access::Caller::Staff(hailong::service::users::Staff {
        id: 0,
        username: "test".into(),
        role: hailong::domain::user::Role::Admin,
        unit: None,
        must_change_password: false,
        lead: false,
    });
    let (_, code) = hailong::service::kiosks::add(
        &store,
        &mut rand::rng(),
        &admin,
        "phuong-a",
        "Quầy 1",
        false,
        chrono::Utc::now(),
    )
    .unwrap();
    let (_a, url_a) = serve_process(&db, &[]);
    let (_b, url_b) = serve_process(&db, &[]);
    let client = client();
    let paired = client
        .post(format!("{url_a}/kiosk/pair"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let device = crate::staff::set_cookie(&paired, "hailong_kiosk")
        .unwrap()
        .0;
    let mut flags = Vec::new();
    for (i, age) in [30_000, 28_000, 20_000, 19_000].into_iter().enumerate() {
        let base = if i % 2 == 0 { &url_a } else { &url_b };
        let r = client
            .post(format!("{base}/kiosk/rate"))
            .header("accept", "application/json")
            .header("cookie", format!("hailong_kiosk={device}"))
            .form(&[
                ("id", uuid::Uuid::new_v4().to_string()),
                ("score", "5".into()),
                ("age", age.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        flags.push(r.json::<serde_json::Value>().await.unwrap()["flag"].clone());
    }
    let n = serde_json::Value::Null;
    assert_eq!(flags, [n.clone(), "rapid".into(), n, "rapid".into()]);
}
