//! Desk figures fit for an appraisal (issue 30): nobody can watch a colleague's ratings land
//! (closed days only, comments the day after, in random order), a counter taken over is told
//! and audited by its day, and nothing stored orders a day's ratings once it has closed (no
//! rowid on SQLite; on PostgreSQL no rating's `xmin` between two audit rows).

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{fresh_database, settings, spawn_on, Backend, TestApp};
use crate::staff::{secret_of, set_cookie};
use hailong::domain::user::Role;

async fn app(backend: Backend) -> TestApp {
    let db = fresh_database(backend);
    let app = spawn_on(backend, &db, settings(&db)).await;
    app.seed_units();
    app
}

/// A tablet for `counter` of phuong-a, added by its lead: the device cookie.
async fn tablet(app: &TestApp, counter: &str) -> String {
    let lead = app
        .lead(
            &format!("lead-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]),
            "phuong-a",
        )
        .await;
    let page = lead
        .post_form(
            "/staff/kiosks",
            &[("unit", "phuong-a"), ("counter", counter)],
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let code = secret_of(&page.text().await.unwrap());
    let r = app.post_form("/kiosk/pair", &[("code", &code)]).await;
    set_cookie(&r, "hailong_kiosk").expect("a device cookie").0
}

/// A rating tapped `age_ms` ago: the JSON answer.
async fn rate(app: &TestApp, device: &str, fields: &str, age_ms: i64) -> Value {
    let body = format!("id={}&{fields}&age={age_ms}", uuid::Uuid::new_v4());
    let r = app
        .client
        .post(app.url("/kiosk/rate"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("cookie", format!("hailong_kiosk={device}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

/// C-3: the officer at the counter reads nothing of today's ratings (no figure, no comment);
/// yesterday's comment reaches them, masked.
async fn the_rated_officer_sees_no_rating_of_today(backend: Backend) {
    let app = app(backend).await;
    let device = tablet(&app, "Quầy 1").await;
    let officer = app.staff("an.ofc", Role::Officer, Some("phuong-a")).await;
    let r = officer
        .post_form("/staff/counter", &[("counter", "Quầy 1")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Today: a 1 with a comment and a phone number.
    rate(
        &app,
        &device,
        "score=1&comment=H%C3%B4m+nay+ch%E1%BB%9D+l%C3%A2u+0912345678",
        0,
    )
    .await;
    let period = hailong::domain::period::Period::quarter_containing(
        hailong::domain::local_date(Utc::now()),
        hailong::domain::period::Scheme::Calendar,
    )
    .unwrap();
    let me = officer
        .get(&format!("/staff/me?period={}", period.label))
        .await
        .text()
        .await
        .unwrap();
    assert!(!me.contains("Hôm nay chờ lâu"), "today's comment");
    assert!(!me.contains("1/5"), "today's rating");
    let today = hailong::domain::local_date(Utc::now());
    for path in [
        format!("/api/v1/desk?from={today}&to={today}"),
        format!("/exports/desk.csv?period={}", period.label),
    ] {
        let r = officer.get(&path).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
    // Tomorrow (the service asked as if it were), the comment is there, masked.
    let mine = hailong::service::officers::mine(
        &app.store,
        &hailong::service::forms::FormRegistry::load(Some(&crate::helpers::forms_dir())).unwrap(),
        &app.staff_named("an.ofc"),
        &period,
        &hailong::domain::desk::Fairness::default(),
        Utc::now() + Duration::days(1),
    )
    .unwrap();
    let texts: Vec<&str> = mine.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts.len(), 1);
    assert!(texts[0].starts_with("Hôm nay chờ lâu") && !texts[0].contains("0912345678"));
}
both_backends!(the_rated_officer_sees_no_rating_of_today);

/// C-2: a colleague opening your counter takes it over; you are told at your next page,
/// once, and the take-over is audited with its day alone; the lead sees it per day.
async fn a_counter_taken_over_is_told_and_audited_by_day(backend: Backend) {
    let app = app(backend).await;
    tablet(&app, "Quầy 2").await;
    let an = app.staff("an.ofc", Role::Officer, Some("phuong-a")).await;
    let binh = app.staff("binh.ofc", Role::Officer, Some("phuong-a")).await;
    an.post_form("/staff/counter", &[("counter", "Quầy 2")])
        .await;
    let r = binh
        .post_form("/staff/counter", &[("counter", "Quầy 2")])
        .await;
    assert!(
        r.text().await.unwrap().contains("an.ofc"),
        "the taker is told whose it was"
    );
    let home = an.get("/staff").await.text().await.unwrap();
    assert!(
        home.contains("binh.ofc") && home.contains("nhận thay"),
        "{home}"
    );
    let again = an.get("/staff").await.text().await.unwrap();
    assert!(!again.contains("nhận thay"), "told once");
    let audit = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 50))
        .unwrap();
    let row = audit
        .iter()
        .find(|a| a.action == "counter.takeover")
        .expect("audited");
    assert_eq!(row.actor, "binh.ofc");
    assert!(row.target.contains("Quầy 2") && row.target.contains("an.ofc"));
    let local = chrono::DateTime::<Utc>::from_naive_utc_and_offset(row.at, Utc)
        .with_timezone(&hailong::domain::local_offset());
    assert_eq!(
        local.format("%H:%M:%S").to_string(),
        "00:00:00",
        "the day only, no time of day"
    );
    let lead = app.lead("lead-t", "phuong-a").await;
    let page = lead.get("/staff/officers").await.text().await.unwrap();
    assert!(page.contains("binh.ofc nhận thay an.ofc"), "{page}");
}
both_backends!(a_counter_taken_over_is_told_and_audited_by_day);

#[derive(diesel::QueryableByName)]
struct Xid {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    x: i64,
}

/// The transaction ids of a table's rows (PostgreSQL).
fn xmins(app: &TestApp, table: &str) -> Vec<i64> {
    use diesel::{Connection, RunQueryDsl};
    let mut c = diesel::PgConnection::establish(&app.db_url).unwrap();
    diesel::sql_query(format!("SELECT xmin::text::bigint AS x FROM {table}"))
        .load::<Xid>(&mut c)
        .unwrap()
        .into_iter()
        .map(|r| r.x)
        .collect()
}

/// C-4: once a day has closed its ratings are rewritten in random order, together: on
/// PostgreSQL no rating's `xmin` falls between two audit rows (before the rewrite they do);
/// on SQLite the table has no rowid. The figures are unchanged and a day is rewritten once.
async fn a_closed_day_keeps_no_order_of_its_ratings(backend: Backend) {
    let app = app(backend).await;
    let yesterday = Duration::days(1).num_milliseconds();
    let mut devices = Vec::new();
    // Audit rows (a tablet added) between the ratings of yesterday.
    for n in 1..=3 {
        let device = tablet(&app, &format!("Quầy {n}")).await;
        rate(&app, &device, "score=5", yesterday).await;
        rate(&app, &device, "score=2&reason=time", yesterday - 10_000).await;
        devices.push(device);
    }
    tablet(&app, "Quầy 4").await;
    let bracketed = |app: &TestApp| {
        let audit = xmins(app, "audit_log");
        let (lo, hi) = (*audit.iter().min().unwrap(), *audit.iter().max().unwrap());
        xmins(app, "desk_ratings")
            .into_iter()
            .filter(|x| lo < *x && *x < hi)
            .count()
    };
    if backend == Backend::Postgres {
        assert_eq!(
            bracketed(&app),
            6,
            "before the rewrite, each rating sits between audit rows"
        );
    } else {
        let r = app
            .store
            .read(|c| -> Result<Vec<Xid>, hailong::store::StoreError> {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query("SELECT rowid AS x FROM desk_ratings").load::<Xid>(c)?)
            });
        assert!(r.is_err(), "desk_ratings has no rowid");
    }
    let day = hailong::domain::local_date(Utc::now() - Duration::days(1));
    let before = hailong::service::kiosks::table(
        &app.store,
        &hailong::domain::period::Period::custom(day, day).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(
        hailong::service::kiosks::settle_closed_days(&app.store, Utc::now()).unwrap(),
        6
    );
    assert_eq!(
        hailong::service::kiosks::settle_closed_days(&app.store, Utc::now()).unwrap(),
        0,
        "a day is rewritten once"
    );
    if backend == Backend::Postgres {
        assert_eq!(bracketed(&app), 0);
        let xs = xmins(&app, "desk_ratings");
        assert!(xs.iter().all(|x| *x == xs[0]), "one transaction");
    }
    let after = hailong::service::kiosks::table(
        &app.store,
        &hailong::domain::period::Period::custom(day, day).unwrap(),
        None,
    )
    .unwrap();
    let total = |t: &hailong::domain::desk::DeskTable| t.rows.last().unwrap().figures.clone();
    assert_eq!(total(&before), total(&after));
    assert_eq!(total(&after).ratings, 6);
    // A late rating of that day (an offline queue) is rewritten at the next run.
    rate(&app, &devices[0], "score=4", yesterday - 60_000).await;
    assert_eq!(
        hailong::service::kiosks::settle_closed_days(&app.store, Utc::now()).unwrap(),
        7
    );
}
both_backends!(a_closed_day_keeps_no_order_of_its_ratings);
