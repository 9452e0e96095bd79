//! Faults are features (issue 31, first part): the writer comes back after its connection is
//! killed (B2), and the hourly sealing runs over counted paper sheets (B1, in `paper`).

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{fresh_database, full_answers, settings, spawn_on, Backend};

/// B2: every PostgreSQL connection of the service is killed (as a restart does) under a load of
/// 16 clients: submissions are taken again within 5 s without restarting Hailong, `/healthz`
/// says ok again, and every acknowledged response is stored once. Before, the writer kept its
/// dead connection and every answer got 503 until the process restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_comes_back_after_its_connection_is_killed() {
    let db = fresh_database(Backend::Postgres);
    let app = spawn_on(Backend::Postgres, &db, settings(&db)).await;
    app.seed_units();
    let post = |app: &crate::helpers::TestApp| {
        let mut body = full_answers("4");
        body.push(("submission_id".into(), uuid::Uuid::new_v4().to_string()));
        let (client, url) = (app.client.clone(), app.url("/s/phuong-a"));
        async move {
            client
                .post(url)
                .form(&body)
                .send()
                .await
                .map(|r| r.status())
                .ok()
        }
    };
    assert_eq!(post(&app).await, Some(StatusCode::SEE_OTHER));
    let kill = || {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::PgConnection::establish(&db).unwrap();
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut c)
        .unwrap();
    };
    let acknowledged = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(1));
    let stop = Instant::now() + Duration::from_secs(8);
    let mut clients = Vec::new();
    for _ in 0..16 {
        let (app_client, url, acknowledged) = (
            app.client.clone(),
            app.url("/s/phuong-a"),
            acknowledged.clone(),
        );
        clients.push(tokio::spawn(async move {
            while Instant::now() < stop {
                let mut body = full_answers("4");
                body.push(("submission_id".into(), uuid::Uuid::new_v4().to_string()));
                if let Ok(r) = app_client.post(&url).form(&body).send().await {
                    if r.status() == StatusCode::SEE_OTHER {
                        acknowledged.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    kill();
    let killed = Instant::now();
    // Within 5 s an answer is taken again.
    let mut back = None;
    while killed.elapsed() < Duration::from_secs(5) {
        if post(&app).await == Some(StatusCode::SEE_OTHER) {
            acknowledged.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            back = Some(killed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        back.is_some(),
        "no answer taken within 5 s of the connections' death"
    );
    for c in clients {
        c.await.unwrap();
    }
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    // Every acknowledged answer is stored (once: the submission id is unique); a batch cut by
    // the kill may have committed without its answers reaching the clients (at most one each).
    let n = usize::try_from(app.count_responses()).unwrap();
    let acked = acknowledged.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        n >= acked && n <= acked + 16,
        "{n} stored, {acked} acknowledged"
    );
}
