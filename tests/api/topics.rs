//! Issue 36: what comments are about, counted per unit and by hand on a small fixture, in
//! `/exports/topics.csv` and `/api/v1/topics` (SPEC §12), on both backends.

use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

/// Four answers with comments in Phường A and one in the district; the shares and intervals
/// as computed by hand.
async fn topics_are_counted_per_unit_by_hand(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    for (unit, comment) in [
        ("phuong-a", "Phải chờ lâu quá"),
        ("phuong-a", "Nhân viên nhiệt tình, cảm ơn"),
        ("phuong-a", "không phải chờ lâu"),
        ("phuong-a", "Phòng chờ nóng"),
        ("quan-test", "ko co cho de xe"),
    ] {
        let mut fields = full_answers("4");
        fields.push(("comment".into(), comment.into()));
        let r = app
            .post_form(&format!("/s/{unit}"), &as_refs(&fields))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{unit}: {comment}");
    }
    let today = hailong::domain::local_date(chrono::Utc::now());
    let admin = app
        .signed_in(hailong::domain::user::Role::Admin, None)
        .await;
    let q = format!("from={today}&to={today}");
    let csv = admin
        .get(&format!("/exports/topics.csv?{q}"))
        .await
        .text()
        .await
        .unwrap();
    let row = |unit: &str, topic: &str| -> Vec<String> {
        csv.lines()
            .find(|l| l.contains(&format!(",{unit},")) && l.contains(&format!(",{topic},")))
            .unwrap_or_else(|| panic!("{unit} {topic} in {csv}"))
            .split(',')
            .skip(3)
            .map(str::to_string)
            .collect()
    };
    // Phường A: 4 comments; time in 2 (a complaint and a negated one) → 50 %, Wilson(2, 4)
    // = 15.00–85.00 %; conduct 1; praise 2 (thanks, "không phải chờ lâu"); facilities 1.
    assert_eq!(
        row("phuong-a", "time"),
        ["4", "time", "2", "50.00", "15.00", "85.00"]
    );
    assert_eq!(row("phuong-a", "conduct")[2], "1");
    assert_eq!(row("phuong-a", "praise")[2], "2");
    assert_eq!(row("phuong-a", "facilities")[2], "1");
    assert_eq!(
        row("quan-test", "facilities"),
        ["1", "facilities", "1", "100.00", "20.65", "100.00"]
    );
    // TOTAL: 5 comments, facilities in 2.
    assert_eq!(row("TOTAL", "facilities")[..3], ["5", "facilities", "2"]);
    the_api_and_the_scope_agree(&app, &admin, &q).await;
}
both_backends!(topics_are_counted_per_unit_by_hand);

/// The API says what the CSV says; an officer of the district sees the district only.
async fn the_api_and_the_scope_agree(app: &TestApp, admin: &StaffClient<'_>, q: &str) {
    let json: serde_json::Value = admin
        .get(&format!("/api/v1/topics?{q}"))
        .await
        .json()
        .await
        .unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert!(rows
        .iter()
        .any(|r| r["unit_code"] == "phuong-a" && r["topic"] == "time" && r["tagged"] == 2));
    let officer = app
        .signed_in(hailong::domain::user::Role::Officer, Some("quan-test"))
        .await;
    let own = officer
        .get(&format!("/exports/topics.csv?{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !own.contains("phuong-a") && own.contains("quan-test"),
        "{own}"
    );
    assert_eq!(
        officer
            .get(&format!("/exports/topics.csv?{q}&unit=phuong-a"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// `serve --topics FILE`: the service counts by that file's rules; a bad file stops the start
/// with its line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_runs_by_the_rules_it_is_given() {
    let db = fresh_database(Backend::Sqlite);
    let rules = key_file_of(&db).with_extension("topics.toml");
    std::fs::write(
        &rules,
        "[[topic]]\ncode = \"online\"\ncomplaint = [\"zalo\"]\n",
    )
    .unwrap();
    let mut s = settings(&db);
    s.topics_file = Some(rules.clone());
    let app = spawn_on(Backend::Sqlite, &db, s).await;
    app.seed_units();
    let mut fields = full_answers("4");
    fields.push(("comment".into(), "Nên có Zalo của phường".into()));
    let r = app.post_form("/s/phuong-a", &as_refs(&fields)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let today = hailong::domain::local_date(chrono::Utc::now());
    let admin = app
        .signed_in(hailong::domain::user::Role::Admin, None)
        .await;
    let csv = admin
        .get(&format!("/exports/topics.csv?from={today}&to={today}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains(",phuong-a,Phường A,1,online,1,100.00,"),
        "{csv}"
    );
    drop(app);
    std::fs::write(
        &rules,
        "[[topic]]\ncode = \"online\"\ncomplaint = [\"*\"]\n",
    )
    .unwrap();
    let path = rules.to_str().unwrap();
    let (ok, _, err) = crate::cli::run(&db, &["serve", "--bind", "127.0.0.1:0", "--topics", path]);
    assert!(
        !ok && err.contains("--topics") && err.contains("line 3"),
        "{err}"
    );
}
