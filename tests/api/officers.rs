//! Officers' figures (issue 21): ratings go to the officer who had the counter open (open,
//! close, take-over, sign-out, the 12-hour close), METHODOLOGY's worked example end to end
//! in the CSV, who may see which figures (role × route), and no officer's name in anything
//! public (on the demo).

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::{fresh_database, settings, spawn_on, Backend, StaffClient, TestApp};
use hailong::domain::desk::{Band, Rating};
use hailong::domain::period::{Period, Scheme};
use hailong::domain::user::Role;
use hailong::service::access::Caller;
use hailong::service::kiosks::{self, KioskRow, KioskSettings, Taps};
use hailong::service::{counters, officers, users};

async fn app(backend: Backend) -> TestApp {
    let db = fresh_database(backend);
    let app = spawn_on(backend, &db, settings(&db)).await;
    app.seed_units();
    app
}

/// A paired kiosk of `unit` at `counter`, made at `at`.
fn kiosk(app: &TestApp, unit: &str, counter: &str, at: DateTime<Utc>) -> KioskRow {
    let admin = Caller::Staff(app.staff_named("admin-k"));
    let (_, code) = kiosks::add(
        &app.store,
        &mut rand::rng(),
        &admin,
        unit,
        counter,
        false,
        at,
    )
    .expect("a kiosk");
    let (row, _) = kiosks::pair(&app.store, &mut rand::rng(), &code, at).expect("paired");
    row
}

fn forms() -> hailong::service::forms::FormRegistry {
    hailong::service::forms::FormRegistry::load(Some(&crate::helpers::forms_dir())).unwrap()
}

fn q1() -> Period {
    Period::from_parts(Some("2026-Q1"), None, None, Scheme::Calendar)
        .unwrap()
        .unwrap()
}

/// 08:00 in Ho Chi Minh City on 2 March 2026, plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap() + Duration::minutes(minutes)
}

async fn attribution_follows_the_counter_open_at_each_rating(backend: Backend) {
    let app = app(backend).await;
    app.staff("admin-k", Role::Admin, None).await;
    let an_client = app.staff("an.ofc", Role::Officer, Some("phuong-a")).await;
    app.staff("binh.ofc", Role::Officer, Some("phuong-a")).await;
    let (an, binh) = (app.staff_named("an.ofc"), app.staff_named("binh.ofc"));
    let k1 = kiosk(&app, "phuong-a", "Quầy 1", at(0));
    kiosk(&app, "phuong-a", "Quầy 2", at(0));
    let taps = Taps::default();
    let settings = KioskSettings::default();
    let rate_late = |score: &str, tapped: DateTime<Utc>, when: DateTime<Utc>| {
        let tap = kiosks::Tap {
            id: uuid::Uuid::new_v4().to_string(),
            rating: Rating::parse(score, &[], "").unwrap(),
            at: tapped,
        };
        let stored = kiosks::rate(&app.store, &taps, &settings, &k1, &tap, when).unwrap();
        assert!(stored.new && stored.flag.is_none());
    };
    let rate = |score: &str, when: DateTime<Utc>| rate_late(score, when, when);

    rate("5", at(1)); // nobody has Quầy 1 open
    counters::open(&app.store, &an, "Quầy 1", at(2)).unwrap();
    rate("5", at(3)); // An
    assert_eq!(
        counters::close(&app.store, &an).unwrap().as_deref(),
        Some("Quầy 1")
    );
    rate("4", at(4)); // closed: nobody
    counters::open(&app.store, &binh, "Quầy 1", at(5)).unwrap();
    rate("2", at(6)); // Bình
                      // An opens Quầy 2, then takes Quầy 1 over from Bình (closing An's Quầy 2).
    counters::open(&app.store, &an, "Quầy 2", at(7)).unwrap();
    let taken = counters::open(&app.store, &an, "Quầy 1", at(8)).unwrap();
    assert_eq!(taken.taken_from.as_deref(), Some("binh.ofc"));
    assert!(counters::current(&app.store, &binh, at(8))
        .unwrap()
        .is_none());
    rate("5", at(9)); // An
                      // The 12-hour close: 11 h 59 min after opening still An's, 12 h 1 s after no one's.
    rate("4", at(8 + 12 * 60 - 1)); // An
    rate("5", at(8 + 12 * 60) + Duration::seconds(1)); // nobody
                                                       // A counter that is not the unit's (no tablet) cannot be opened.
    assert!(matches!(
        counters::open(&app.store, &an, "Quầy 9", at(800)),
        Err(counters::CounterError::UnknownCounter(_))
    ));
    // Signing out closes the counter.
    counters::open(&app.store, &an, "Quầy 1", at(900)).unwrap();
    // A tap from before An opened it, sent late (an offline queue): nobody's, not An's.
    rate_late("2", at(899), at(900) + Duration::seconds(30));
    rate("5", at(901)); // An
    users::logout(&app.store, &an_client.token, "an.ofc", at(902)).unwrap();
    rate("1", at(903)); // nobody

    ten_ratings_seven_satisfied_four_to_an_one_to_binh(&app);
}
both_backends!(attribution_follows_the_counter_open_at_each_rating);

/// The unit's table: ten ratings, seven satisfied, five nobody's (before, between and after
/// the counter was open), four to An, one to Bình.
fn ten_ratings_seven_satisfied_four_to_an_one_to_binh(app: &TestApp) {
    let admin = app.staff_named("admin-k");
    let rule = hailong::domain::desk::Fairness {
        min_n: 1,
        prior: 20.0,
    };
    let t = officers::table(
        &app.store,
        &forms(),
        &admin,
        &q1(),
        Some("phuong-a"),
        &rule,
        at(1000),
    )
    .unwrap();
    let unit = &t.units[0];
    assert_eq!((unit.ratings, unit.satisfied), (10, 7));
    assert_eq!(
        unit.unattributed, 5,
        "before, between and after the counter was open"
    );
    let of = |name: &str| {
        let s = unit.officers.iter().find(|s| s.who == name).unwrap();
        (s.figure.ratings, s.satisfied)
    };
    assert_eq!(of("an.ofc"), (4, 4));
    assert_eq!(of("binh.ofc"), (1, 0));
}

/// Stores ratings straight into the database: `(officer, satisfied, all, flagged)`.
fn ratings(app: &TestApp, k: &KioskRow, groups: &[(Option<i64>, u64, u64, u64)]) {
    let mut rows = Vec::new();
    for (officer, satisfied, all, flagged) in groups {
        for i in 0..*all + *flagged {
            rows.push(hailong::store::kiosks::RatingRow {
                id: uuid::Uuid::new_v4().to_string(),
                kiosk_id: k.id,
                unit_code: k.unit_code.clone(),
                counter: k.counter.clone(),
                day: chrono::NaiveDate::from_ymd_opt(2026, 2, 10).unwrap(),
                score: if i < *satisfied { 5 } else { 2 },
                reasons: String::new(),
                comment: None,
                flag: (i >= *all).then(|| "rapid".to_string()),
                synthetic: false,
                officer_id: *officer,
                settled: true,
            });
        }
    }
    app.store
        .write(|c| hailong::store::kiosks::insert_ratings(c, &rows))
        .unwrap();
}

async fn the_csv_gives_methodologys_worked_example(backend: Backend) {
    let app = app(backend).await;
    app.staff("admin-k", Role::Admin, None).await;
    let admin = app.signed_in(Role::Admin, None).await;
    for name in ["a-officer", "b-officer", "c-officer", "d-officer"] {
        app.staff(name, Role::Officer, Some("phuong-a")).await;
    }
    let id = |name: &str| Some(app.staff_named(name).id);
    let k = kiosk(&app, "phuong-a", "Quầy 1", at(0));
    // The unit: 900 of 1,000 unflagged ratings satisfied; A 50/60, B 25/40 (and 3 flagged,
    // left out), C 58/60, D 9/10, the rest (758/830) while nobody had the counter open.
    ratings(
        &app,
        &k,
        &[
            (id("a-officer"), 50, 60, 0),
            (id("b-officer"), 25, 40, 3),
            (id("c-officer"), 58, 60, 0),
            (id("d-officer"), 9, 10, 0),
            (None, 758, 830, 0),
        ],
    );
    let r = admin.get("/exports/officers.csv?period=2026-Q1").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    // Both files of the worked example pinned whole (issue 32).
    insta::assert_snapshot!(
        "officers_csv_worked_example",
        text.trim_start_matches('\u{feff}')
    );
    let desk = admin.get("/exports/desk.csv?period=2026-Q1").await;
    assert_eq!(desk.status(), StatusCode::OK);
    insta::assert_snapshot!(
        "desk_csv_worked_example",
        desk.text().await.unwrap().trim_start_matches('\u{feff}')
    );
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "period,unit_code,officer,ratings,flagged,raw_pct,ci_low,ci_high,adjusted_pct,band,flags"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows,
        vec![
            "2026-Q1,phuong-a,a-officer,60,0,83.33,71.97,90.69,85.00,within,",
            "2026-Q1,phuong-a,b-officer,40,3,62.50,47.03,75.78,71.67,below,",
            "2026-Q1,phuong-a,c-officer,60,0,96.67,88.64,99.08,95.00,within,",
            "2026-Q1,phuong-a,d-officer,10,0,,,,,too_few,",
        ]
    );
    the_page_reads_the_worked_example(&admin).await;
}
both_backends!(the_csv_gives_methodologys_worked_example);

/// The officers' page of the worked example: by name, the adjusted share in bold, the band in
/// words, too few on one line, the trend, no rank.
async fn the_page_reads_the_worked_example(admin: &StaffClient<'_>) {
    let page = admin
        .get("/staff/officers?period=2026-Q1&unit=phuong-a&lang=en")
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let order: Vec<usize> = ["a-officer", "b-officer", "c-officer", "d-officer"]
        .iter()
        .map(|n| html.find(n).expect("listed"))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "by name");
    assert!(html.contains("<strong>71.67%</strong>"));
    assert!(html.contains("Below the unit"));
    // Too few: on one line, with what is still missing (D: 10 of 30).
    assert!(
        html.contains("Fewer than 30 ratings, no figure yet:"),
        "{html}"
    );
    assert!(html.contains("d-officer (20 more needed)"), "{html}");
    assert!(html.contains("Compared with the unit") && !html.contains("Xếp loại"));
    // The trend: four quarters to 2026-Q1; A's figure in the last, "–" before (no ratings).
    let trend = html.split_once("The last four periods").expect("a trend").1;
    assert!(
        trend.contains("<th scope=\"col\">2025-Q2</th>")
            && trend.contains("<th scope=\"col\">2026-Q1</th>")
    );
    assert!(
        trend.contains("<th scope=\"row\">a-officer</th><td>–</td><td>–</td><td>–</td><td>85.00% (71.97%–90.69%)</td>"),
        "{trend}"
    );
    assert!(html.contains("do not differ"));
    assert!(!html.to_lowercase().contains("rank</th>"));
    // The demo-free unit's share with its counts.
    assert!(html.contains("90.00% of 1,000 ratings (3 flagged, 830 while no counter was open)"));
}

async fn each_role_sees_only_what_it_should(backend: Backend) {
    let app = app(backend).await;
    app.staff("admin-k", Role::Admin, None).await;
    let officer_a = app.staff("an-a", Role::Officer, Some("phuong-a")).await;
    let officer_b = app.staff("binh-b", Role::Officer, Some("phuong-b")).await;
    let lead_a = app.lead("lead-a", "phuong-a").await;
    let lead_b = app.lead("lead-b", "phuong-b").await;
    let viewer = app.signed_in(Role::Viewer, None).await;
    let admin = app.signed_in(Role::Admin, None).await;
    let ka = kiosk(&app, "phuong-a", "Quầy A", at(0));
    let kb = kiosk(&app, "phuong-b", "Quầy B", at(0));
    ratings(&app, &ka, &[(Some(app.staff_named("an-a").id), 30, 35, 0)]);
    ratings(
        &app,
        &kb,
        &[(Some(app.staff_named("binh-b").id), 20, 31, 0)],
    );
    let officers = [&officer_a, &officer_b, &lead_a, &lead_b, &viewer];
    an_officer_sees_their_own_figures_alone(officers).await;
    a_lead_sees_the_units_officers(&lead_a).await;
    a_viewer_sees_counters_and_no_names(&viewer).await;
    an_admin_sees_every_unit(&admin).await;
    nobody_and_no_machine_sees_names(&app).await;
    // Only officers open counters.
    assert_eq!(
        admin.get("/staff/counter").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get("/staff/counter").await.status(),
        StatusCode::FORBIDDEN
    );
    every_look_at_names_is_audited(&app);
}
both_backends!(each_role_sees_only_what_it_should);

const P: &str = "?period=2026-Q1";

/// An answer's status and text.
async fn page_of(r: reqwest::Response) -> (StatusCode, String) {
    (r.status(), r.text().await.unwrap())
}

/// An officer: their own figures; nobody else's; not the officers' page or the CSV (nor may
/// an officer or lead of another unit see phuong-a's, nor a viewer the CSV).
async fn an_officer_sees_their_own_figures_alone(
    [officer_a, officer_b, lead_a, lead_b, viewer]: [&StaffClient<'_>; 5],
) {
    let p = P;
    let (s, mine) = page_of(officer_a.get(&format!("/staff/me{p}")).await).await;
    assert_eq!(s, StatusCode::OK);
    assert!(mine.contains("an-a") && mine.contains("35 (0)"), "{mine}");
    assert!(!mine.contains("binh-b") && !mine.contains("lead-a"));
    let forbidden = [
        (officer_a, format!("/staff/officers{p}")),
        (officer_a, format!("/exports/officers.csv{p}")),
        (officer_b, format!("/staff/officers{p}&unit=phuong-a")),
        (lead_b, format!("/staff/officers{p}&unit=phuong-a")),
        (lead_b, format!("/exports/officers.csv{p}&unit=phuong-a")),
        (lead_a, format!("/exports/officers.csv{p}&unit=phuong-b")),
        (viewer, format!("/exports/officers.csv{p}")),
    ];
    for (who, path) in &forbidden {
        assert_eq!(
            who.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

/// A lead: the unit's officers by name, and the CSV of the unit; not the other unit's.
async fn a_lead_sees_the_units_officers(lead_a: &StaffClient<'_>) {
    let p = P;
    let (s, page) = page_of(lead_a.get(&format!("/staff/officers{p}")).await).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("an-a") && !page.contains("binh-b"));
    let csv = lead_a.get(&format!("/exports/officers.csv{p}")).await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(csv.contains(",an-a,35,") && !csv.contains("binh-b"));
}

async fn a_viewer_sees_counters_and_no_names(viewer: &StaffClient<'_>) {
    let p = P;
    let (s, page) = page_of(viewer.get(&format!("/staff/officers{p}")).await).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Quầy A") && page.contains("Quầy B"));
    for name in ["an-a", "binh-b", "lead-a"] {
        assert!(!page.contains(name), "a viewer sees no names: {name}");
    }
}

/// An admin: every unit's officers; the CSV of all.
async fn an_admin_sees_every_unit(admin: &StaffClient<'_>) {
    let p = P;
    let (s, page) = page_of(admin.get(&format!("/staff/officers{p}")).await).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("an-a") && page.contains("binh-b"));
    let all = admin
        .get(&format!("/exports/officers.csv{p}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(all.contains(",an-a,35,") && all.contains(",binh-b,31,"));
}

/// Nobody signed in, and a machine's token.
async fn nobody_and_no_machine_sees_names(app: &TestApp) {
    let p = P;
    assert_eq!(
        app.get(&format!("/staff/me{p}")).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get(&format!("/staff/officers{p}")).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get(&format!("/exports/officers.csv{p}")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let token = app.token("machine", None);
    let r = app
        .client
        .get(app.url(&format!("/exports/officers.csv{p}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// Every look at names is audited, with who looked; a viewer's look at counters is not.
fn every_look_at_names_is_audited(app: &TestApp) {
    let audit = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 200))
        .unwrap();
    let looks: Vec<(&str, &str)> = audit
        .iter()
        .filter(|a| a.action == "officers.view")
        .map(|a| (a.actor.as_str(), a.target.as_str()))
        .collect();
    assert!(looks.contains(&("lead-a", "phuong-a 2026-Q1")), "{looks:?}");
    assert!(looks
        .iter()
        .any(|(who, t)| who.starts_with("admin-") && *t == "all units 2026-Q1"));
    assert_eq!(
        looks.iter().filter(|(who, _)| *who == "lead-a").count(),
        2,
        "page and CSV"
    );
    assert!(!looks.iter().any(|(who, _)| who.starts_with("viewer-")));
}

async fn an_officer_opens_and_closes_a_counter_from_the_page(backend: Backend) {
    let app = app(backend).await;
    app.staff("admin-k", Role::Admin, None).await;
    kiosk(&app, "phuong-a", "Quầy 1", Utc::now());
    let an = app.staff("an.ofc", Role::Officer, Some("phuong-a")).await;
    let binh = app.staff("binh.ofc", Role::Officer, Some("phuong-a")).await;
    let page = an.get("/staff/counter").await.text().await.unwrap();
    assert!(page.contains("<option value=\"Quầy 1\""));
    let r = an
        .post_form("/staff/counter", &[("counter", "Quầy 1")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Đã mở Quầy 1 cho bạn."));
    // Bình takes it over: told whose it was.
    let r = binh
        .post_form("/staff/counter", &[("counter", "Quầy 1")])
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("đang mở cho an.ofc"), "{html}");
    // A counter of no tablet, and a forged form: refused, nothing changed.
    let r = binh
        .post_form("/staff/counter", &[("counter", "Quầy 7")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = binh
        .post_exactly("/staff/counter/close", &[("counter", "Quầy 1")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let binh_staff = app.staff_named("binh.ofc");
    assert!(counters::current(&app.store, &binh_staff, Utc::now())
        .unwrap()
        .is_some());
    let r = binh
        .post_form("/staff/counter/close", &[("counter", "Quầy 1")])
        .await;
    assert!(r.text().await.unwrap().contains("Đã đóng Quầy 1."));
    assert!(counters::current(&app.store, &binh_staff, Utc::now())
        .unwrap()
        .is_none());
}
both_backends!(an_officer_opens_and_closes_a_counter_from_the_page);

async fn the_demo_shows_every_band_and_publishes_no_officer(backend: Backend) {
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.demo = true;
    let app = spawn_on(backend, &db, s).await;
    let names: Vec<String> = users::list(&app.store)
        .unwrap()
        .into_iter()
        .filter(|u| u.username.starts_with("demo."))
        .map(|u| u.username)
        .collect();
    assert_eq!(
        names.len(),
        20,
        "four officers in each of the five new wards"
    );
    let admin = app.signed_in(Role::Admin, None).await;
    let html = admin
        .get("/staff/officers?period=2026-Q3")
        .await
        .text()
        .await
        .unwrap();
    for band in ["above", "within", "below", "too_few"] {
        assert!(html.contains(&format!("class=\"b-{band}\"")), "band {band}");
    }
    let t = officers::table(
        &app.store,
        &forms(),
        &app.staff_named(&admin_name(&app)),
        &Period::from_parts(Some("2026-Q3"), None, None, Scheme::Calendar)
            .unwrap()
            .unwrap(),
        None,
        &Default::default(),
        Utc::now(),
    )
    .unwrap();
    let bands: Vec<Band> = t
        .units
        .iter()
        .flat_map(|u| u.officers.iter().map(|o| o.figure.band))
        .collect();
    assert!(bands.contains(&Band::Above) && bands.contains(&Band::Below));
    // Nothing public names an officer: the front page, the reports (every published one),
    // open data, the feed, the units.
    let mut public = vec![
        "/".to_string(),
        "/reports".into(),
        "/units".into(),
        "/feed.xml".into(),
        "/methodology".into(),
    ];
    for q in ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"] {
        public.push(format!("/reports/{q}"));
        public.push(format!("/reports/{q}?lang=en"));
        public.push(format!("/open/indices.csv?period={q}"));
        public.push(format!("/open/indices.json?period={q}"));
    }
    for path in public {
        let r = app.get(&path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let body = r.text().await.unwrap();
        for name in &names {
            assert!(!body.contains(name.as_str()), "{name} in {path}");
        }
        assert!(!body.contains("demo."), "{path}");
        for shown in [
            "Nguyễn Văn An",
            "Trần Thị Bình",
            "Lê Minh Chi",
            "Phạm Quốc Dũng",
        ] {
            assert!(!body.contains(shown), "{shown} in {path}");
        }
    }
}
both_backends!(the_demo_shows_every_band_and_publishes_no_officer);

fn admin_name(app: &TestApp) -> String {
    users::list(&app.store)
        .unwrap()
        .into_iter()
        .find(|u| u.role == "admin" && u.username.starts_with("admin-"))
        .unwrap()
        .username
}

async fn answers_with_an_officers_slips_count_for_that_officer(backend: Backend) {
    use crate::helpers::{as_refs, full_answers};
    let app = app(backend).await;
    let officer = app.staff("chi.ofc", Role::Officer, Some("phuong-a")).await;
    app.staff("admin-k", Role::Admin, None).await;
    let chi = app.staff_named("chi.ofc");
    let now = Utc::now();
    let ttl = Duration::days(30);
    let mine = hailong::service::tickets::issue_slips(
        &app.store,
        &mut rand::rng(),
        &chi,
        "phuong-a",
        3,
        ttl,
        now,
    )
    .unwrap();
    let admins = hailong::service::tickets::issue_slips(
        &app.store,
        &mut rand::rng(),
        &app.staff_named("admin-k"),
        "phuong-a",
        1,
        ttl,
        now,
    )
    .unwrap();
    for t in mine.iter().take(2).chain(admins.iter()) {
        let r = app
            .post_form(
                &format!("/t/{}", t.code.as_str()),
                &as_refs(&full_answers("5")),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "stored");
    }
    // Two answers with Chi's slips, one with the admin's (no officer).
    let period =
        Period::quarter_containing(hailong::domain::local_date(now), Scheme::Calendar).unwrap();
    let rule = hailong::domain::desk::Fairness {
        min_n: 2,
        prior: 20.0,
    };
    // Today is open: no per-officer figure moves with today's answers (closed days only).
    let m = officers::mine(&app.store, &forms(), &chi, &period, &rule, now).unwrap();
    assert!(m
        .unit
        .as_ref()
        .is_none_or(|u| u.officers.iter().all(|o| o.survey == 0)));
    let page = officer
        .get(&format!("/staff/me?period={}", period.label))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<td>2</td></tr>"), "{page}");
    // Once the day has closed, they count.
    let tomorrow = now + Duration::days(1);
    let m = officers::mine(&app.store, &forms(), &chi, &period, &rule, tomorrow).unwrap();
    let me = &m.unit.unwrap().officers[0];
    assert_eq!((me.who.as_str(), me.survey), ("chi.ofc", 2));
    assert_eq!(me.survey_sipas, Some(100.0), "all fives");
    // The response itself holds the officer and nothing of the ticket.
    let held: Vec<Option<i64>> = app
        .store
        .read(hailong::store::responses::officers_of_all)
        .unwrap();
    assert_eq!(held.iter().filter(|o| **o == Some(chi.id)).count(), 2);
    assert_eq!(held.iter().filter(|o| o.is_none()).count(), 1);
}
both_backends!(answers_with_an_officers_slips_count_for_that_officer);
