//! Durability under faults: a server killed with SIGKILL mid-load loses nothing it
//! acknowledged and half-stores nothing; a ticket stays single-use with two `serve`
//! processes on one PostgreSQL database.

use std::collections::BTreeSet;

use std::process::Command;

use reqwest::StatusCode;

use crate::helpers::{fresh_database, full_answers, Backend};

fn serve(db: &str) -> (crate::helpers::Node, String) {
    crate::helpers::serve_process(db, &["--rate-limit", "off"])
}

pub(crate) fn seed(db: &str) {
    let dir = std::env::temp_dir().join(format!("hailong-dur-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("units.csv"), crate::helpers::UNITS_CSV).unwrap();
    let ok = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args(["--database-url", db, "units", "import"])
        .arg(dir.join("units.csv"))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "units import: {:?} {}",
        ok.status,
        String::from_utf8_lossy(&ok.stderr)
    );
}

async fn sigkill_mid_load_loses_nothing_acknowledged(backend: Backend) {
    let db = fresh_database(backend);
    seed(&db);
    let (mut child, address) = serve(&db);
    // A request cut by the kill must end (in the full suite one hung for ever once, and the
    // run with it): one unanswered for 30 s counts as not acknowledged, as any failure does.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let client = client.clone();
        let url = format!("{address}/s/phuong-a");
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..400 {
                let id = uuid::Uuid::new_v4().to_string();
                let mut body = full_answers(if (worker + i) % 2 == 0 { "4" } else { "2" });
                body.push(("submission_id".into(), id.clone()));
                match client.post(&url).form(&body).send().await {
                    Ok(r) if r.status() == StatusCode::SEE_OTHER => {
                        acknowledged.push(id);
                        done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ => break,
                }
            }
            acknowledged
        }));
    }
    // Kill once the load is well under way, however fast or slow this machine is today.
    let started = std::time::Instant::now();
    while done.load(std::sync::atomic::Ordering::SeqCst) < 200 && started.elapsed().as_secs() < 60 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let mut acknowledged = BTreeSet::new();
    for t in tasks {
        acknowledged.extend(t.await.unwrap());
    }
    assert!(
        acknowledged.len() > 50,
        "the load ran ({} acknowledged)",
        acknowledged.len()
    );
    // Restart on the same database: everything acknowledged is there, once.
    let (mut again, address) = serve(&db);
    assert_eq!(
        client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    again.kill().unwrap();
    again.wait().unwrap();
    let store = hailong::store::Store::open(&db).unwrap();
    let stored = stored_ids(&store);
    let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), stored_set.len(), "no response stored twice");
    let lost: Vec<_> = acknowledged.difference(&stored_set).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged responses lost",
        lost.len()
    );
    // Nothing half-stored: the tallies count exactly the stored responses.
    assert_eq!(tallied(&store), stored.len());
}

/// The submission ids of every stored response.
pub(crate) fn stored_ids(store: &hailong::store::Store) -> Vec<String> {
    store
        .read(|c| {
            use diesel::prelude::*;
            use hailong::store::schema::responses::dsl::*;
            responses
                .select(submission_id)
                .load::<String>(c)
                .map_err(hailong::store::StoreError::from)
        })
        .unwrap()
}

/// How many responses the running tallies count.
pub(crate) fn tallied(store: &hailong::store::Store) -> usize {
    let tallies = store
        .read(|c| {
            hailong::store::tallies::sum_range(
                c,
                chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            )
        })
        .unwrap();
    tallies.values().map(|t| t.responses as usize).sum()
}
crate::both_backends!(sigkill_mid_load_loses_nothing_acknowledged);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_single_use_across_two_processes_on_postgresql() {
    let db = fresh_database(Backend::Postgres);
    seed(&db);
    let (mut one, a) = serve(&db);
    let (mut two, b) = serve(&db);
    let store = hailong::store::Store::open(&db).unwrap();
    let issued = hailong::service::tickets::issue(
        &store,
        &mut rand::rng(),
        hailong::service::tickets::TicketRequest {
            unit: "phuong-a".into(),
            ..Default::default()
        },
        1,
        chrono::Duration::days(1),
        chrono::Utc::now(),
    )
    .unwrap();
    let code = issued[0].code.to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let url = format!("{}/t/{code}", if i % 2 == 0 { &a } else { &b });
        let client = client.clone();
        let mut body = full_answers("4");
        body.push(("submission_id".into(), uuid::Uuid::new_v4().to_string()));
        tasks.push(tokio::spawn(async move {
            client.post(url).form(&body).send().await.unwrap().status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::SEE_OTHER {
            ok += 1;
        }
    }
    one.kill().unwrap();
    two.kill().unwrap();
    one.wait().unwrap();
    two.wait().unwrap();
    assert_eq!(ok, 1);
    assert_eq!(store.read(hailong::store::responses::count).unwrap(), 1);
}

/// SIGTERM drains: requests in flight are answered (no resets, no 5xx), what was acknowledged
/// is stored, and the process exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_submissions() {
    let db = fresh_database(Backend::Sqlite);
    seed(&db);
    let (mut child, address) = serve(&db);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, url, done) = (
            client.clone(),
            format!("{address}/s/phuong-a"),
            done.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut failures = Vec::new();
            for _ in 0..200 {
                let id = uuid::Uuid::new_v4().to_string();
                let mut body = full_answers("4");
                body.push(("submission_id".into(), id.clone()));
                match client.post(&url).form(&body).send().await {
                    Ok(r) if r.status() == StatusCode::SEE_OTHER => {
                        acknowledged.push(id);
                        done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    Ok(r) => failures.push(r.status().as_u16()),
                    // Refused after the listener closed: never sent, nothing to lose.
                    Err(_) => break,
                }
            }
            (acknowledged, failures)
        }));
    }
    let started = std::time::Instant::now();
    while done.load(std::sync::atomic::Ordering::SeqCst) < 200 && started.elapsed().as_secs() < 60 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut acknowledged = BTreeSet::new();
    for t in tasks {
        let (ok, failures) = t.await.unwrap();
        assert!(failures.is_empty(), "answers during shutdown: {failures:?}");
        acknowledged.extend(ok);
    }
    let exit = child.wait().unwrap();
    assert!(exit.success(), "a clean exit after draining: {exit:?}");
    let store = hailong::store::Store::open(&db).unwrap();
    let stored: BTreeSet<String> = stored_ids(&store).into_iter().collect();
    assert!(
        acknowledged.is_subset(&stored),
        "everything acknowledged is stored"
    );
}

/// Two nodes started at once on one empty PostgreSQL database with `--demo` (issue 22): one
/// migrates while the other waits, the demo is loaded and published once, the first admin
/// made once, and both serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_starting_at_once_migrate_and_load_the_demo_once() {
    let db = fresh_database(Backend::Postgres);
    let spawn = || {
        let db = db.clone();
        std::thread::spawn(move || crate::helpers::serve_process(&db, &["--demo"]))
    };
    let (a, b) = (spawn(), spawn());
    let (mut a, url_a) = a.join().expect("node A starts");
    let (mut b, url_b) = b.join().expect("node B starts");
    for url in [&url_a, &url_b] {
        let r = reqwest::get(format!("{url}/healthz")).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{url}");
    }
    let store = hailong::store::Store::open(&db).unwrap();
    let units = hailong::service::units::list(&store).unwrap();
    assert_eq!(units.len(), 19, "the demo's units, once");
    let published =
        hailong::service::public::published(&store, hailong::domain::period::Scheme::Calendar)
            .unwrap();
    let revisions: usize = published.iter().map(|p| p.revisions.len()).sum();
    assert_eq!((published.len(), revisions), (10, 11), "published once");
    let admins = hailong::service::users::list(&store)
        .unwrap()
        .into_iter()
        .filter(|u| u.role == "admin")
        .count();
    assert_eq!(admins, 1, "one first admin");
    for child in [&mut a, &mut b] {
        child.kill().ok();
        child.wait().ok();
    }
}

/// Asks `url` with `token` until it answers 401 or `within` has passed: how long it took.
async fn refused_within(
    url: &str,
    token: &str,
    within: std::time::Duration,
) -> Option<std::time::Duration> {
    let start = std::time::Instant::now();
    let client = reqwest::Client::new();
    while start.elapsed() <= within {
        let r = client
            .get(format!("{url}/api/v1/indices?period=2026-Q1"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::UNAUTHORIZED {
            return Some(start.elapsed());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

/// Issue 22: a token revoked through one node, or by `hailong tokens revoke`, is refused by
/// the other node within a second (PostgreSQL LISTEN/NOTIFY clears its memo; the 5-second
/// expiry would be too late).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_anywhere_is_refused_by_every_node_within_a_second() {
    let db = fresh_database(Backend::Postgres);
    let store = hailong::store::Store::open(&db).unwrap();
    let (mut a, url_a) = crate::helpers::serve_process(&db, &[]);
    let (mut b, url_b) = crate::helpers::serve_process(&db, &[]);
    let now = chrono::Utc::now();
    let make = |name: &str| {
        hailong::service::tokens::create(&store, &mut rand::rng(), name, None, now).unwrap()
    };
    let (by_cli, by_page) = (make("by-cli"), make("by-page"));
    let client = reqwest::Client::new();
    for t in [&by_cli, &by_page] {
        for url in [&url_a, &url_b] {
            let r = client
                .get(format!("{url}/api/v1/indices?period=2026-Q1"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::OK,
                "in use (and in the memo) on {url}"
            );
        }
    }
    // Revoked from the command line: both nodes refuse it within a second.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args(["--database-url", &db, "tokens", "revoke", "by-cli"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = std::time::Duration::from_secs(1);
    for url in [&url_a, &url_b] {
        let took = refused_within(url, &by_cli, second).await;
        assert!(
            took.is_some(),
            "{url} still takes a token revoked by the CLI after 1 s"
        );
    }
    // Revoked on node A's page by an admin: node B refuses it within a second.
    let session = an_admins_session(&store);
    let r = client
        .post(format!("{url_a}/staff/tokens/revoke"))
        .header("cookie", format!("hailong_session={}", session.token))
        .header("origin", url_a.clone())
        .form(&[("csrf", session.csrf.as_str()), ("name", "by-page")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let took = refused_within(&url_b, &by_page, second).await;
    assert!(
        took.is_some(),
        "node B still takes a token revoked on node A after 1 s"
    );
    for child in [&mut a, &mut b] {
        child.kill().ok();
        child.wait().ok();
    }
}

/// A new admin account, signed in through the service.
fn an_admins_session(store: &hailong::store::Store) -> hailong::service::users::NewSession {
    use hailong::domain::user::Role;
    let now = chrono::Utc::now();
    hailong::service::users::add(
        store,
        &mut rand::rng(),
        hailong::service::users::NewUser {
            username: "so-noi-vu",
            role: Role::Admin,
            unit: None,
            password: Some(crate::helpers::STAFF_PASSWORD),
            lead: false,
        },
        "test",
        now,
    )
    .unwrap();
    hailong::service::users::login(
        store,
        &mut rand::rng(),
        "so-noi-vu",
        crate::helpers::STAFF_PASSWORD,
        now,
    )
    .unwrap()
}

/// Issue 22: after SIGTERM a node answers `/healthz` with 503 for `--drain-seconds` while it
/// still serves requests (a proxy takes it out of the pool first), then exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_turns_healthz_to_503_while_the_node_drains() {
    let db = fresh_database(Backend::Sqlite);
    seed(&db);
    let (mut node, address) = crate::helpers::serve_process(&db, &["--drain-seconds", "3"]);
    let health = || async {
        reqwest::get(format!("{address}/healthz"))
            .await
            .unwrap()
            .status()
    };
    assert_eq!(health().await, StatusCode::OK);
    let status = Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(health().await, StatusCode::SERVICE_UNAVAILABLE, "draining");
    let form = reqwest::get(format!("{address}/s/phuong-a")).await.unwrap();
    assert_eq!(
        form.status(),
        StatusCode::OK,
        "requests are still served while draining"
    );
    let started = std::time::Instant::now();
    let code = loop {
        if let Some(s) = node.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed().as_secs() < 30, "the node did not stop");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(code.success(), "a clean exit: {code:?}");
    assert!(
        started.elapsed().as_millis() >= 2000,
        "it waited out the drain"
    );
}

/// Issue 22: the repository's nginx configuration, run as it is (only its ports changed), in
/// front of two nodes on one PostgreSQL: requests pass, and when one node is killed the other
/// takes the pages and the submissions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_behind_the_repositorys_nginx_config() {
    let db = fresh_database(Backend::Postgres);
    seed(&db);
    let (mut a, url_a) =
        crate::helpers::serve_process(&db, &["--trust-proxy", "--rate-limit", "off"]);
    let (_b, url_b) = crate::helpers::serve_process(&db, &["--trust-proxy", "--rate-limit", "off"]);
    let (_nginx, front) = nginx_in_front_of(&url_a, &url_b);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    wait_until_healthy(&client, &front).await;
    let before = submit_through(&client, &front, 20).await;
    a.kill().unwrap();
    a.wait().unwrap();
    // Node A is gone: pages and submissions go to node B.
    for _ in 0..10 {
        let r = client
            .get(format!("{front}/s/phuong-a"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let after = submit_through(&client, &front, 20).await;
    let store = hailong::store::Store::open(&db).unwrap();
    let n = store
        .read(hailong::store::responses::answers_of_all)
        .unwrap()
        .len();
    assert_eq!(
        n,
        before + after,
        "every acknowledged submission stored once"
    );
}

/// nginx, stopped with SIGTERM when dropped (a SIGKILL of the master would leave its workers
/// running).
pub(crate) struct Nginx(std::process::Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// The repository's nginx configuration, only its ports changed, in front of the nodes at
/// `url_a` and `url_b`; the front's address.
pub(crate) fn nginx_in_front_of(url_a: &str, url_b: &str) -> (Nginx, String) {
    let port = |url: &str| url.rsplit(':').next().unwrap().to_string();
    let front = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let front_port = front.local_addr().unwrap().port();
    drop(front);
    let dir = std::env::temp_dir().join(format!("hailong-nginx-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let site = include_str!("../../deploy/nginx-hailong.conf")
        .replace("127.0.0.1:8081", &format!("127.0.0.1:{}", port(url_a)))
        .replace("127.0.0.1:8082", &format!("127.0.0.1:{}", port(url_b)))
        .replace("listen 80;", &format!("listen 127.0.0.1:{front_port};"))
        .replace(
            "/var/cache/nginx/hailong",
            &dir.join("cache").display().to_string(),
        );
    std::fs::write(dir.join("hailong.conf"), site).unwrap();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "pid {0}/nginx.pid;\nerror_log {0}/logs/error.log;\nevents {{}}\nhttp {{\n access_log off;\n include {0}/hailong.conf;\n}}\n",
            dir.display()
        ),
    )
    .unwrap();
    let nginx = Command::new("nginx")
        .args([
            "-p",
            &dir.display().to_string(),
            "-c",
            &dir.join("nginx.conf").display().to_string(),
        ])
        .args(["-g", "daemon off;"])
        .spawn()
        .expect("nginx (Debian's nginx package) runs");
    (Nginx(nginx), format!("http://127.0.0.1:{front_port}"))
}

pub(crate) async fn wait_until_healthy(client: &reqwest::Client, front: &str) {
    let mut ready = false;
    for _ in 0..50 {
        if client
            .get(format!("{front}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "nginx answers in front of the nodes");
}

/// `n` submissions through the front, each acknowledged; how many.
async fn submit_through(client: &reqwest::Client, front: &str, n: usize) -> usize {
    let mut stored = 0;
    for _ in 0..n {
        let r = client
            .post(format!("{front}/s/phuong-a"))
            .form(&full_answers("4"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        stored += 1;
    }
    stored
}
