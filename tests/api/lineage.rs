//! After 1 July 2025: predecessors with shares (checked by line), the previous period rebuilt
//! through the lineage, answers through an old poster within the grace period, and
//! dossier-weighted totals checked against a hand computation and a property.

use std::collections::BTreeMap;

use chrono::Utc;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::{
    as_refs, forms_dir, fresh_database, full_answers, spawn_app, Backend, TestApp,
};
use hailong::domain::index::{self, Tally};
use hailong::domain::stats;
use hailong::service::forms::FormRegistry;

/// Parses the index CSV into a header and rows keyed by column.
fn read_csv(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn import_units(app: &TestApp, csv: &str) {
    let registry = FormRegistry::load(Some(&forms_dir())).unwrap();
    let list = hailong::service::units::parse_csv(csv, &registry).unwrap();
    hailong::service::units::import(&app.store, &list, false, Utc::now()).unwrap();
}

async fn answer(app: &TestApp, unit: &str, score: &str) {
    let r = app
        .post_form(&format!("/s/{unit}"), &as_refs(&full_answers(score)))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{unit}");
}

async fn push_dossiers(app: &TestApp, token: &str, csv: &str) {
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

async fn indices(app: &TestApp, token: &str, period: &str) -> Vec<BTreeMap<String, String>> {
    let r = app
        .client
        .get(app.url(&format!("/exports/indices.csv?period={period}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    read_csv(&r.text().await.unwrap())
}

/// Three units with known answers and dossiers: the TOTAL is their dossier-weighted mean,
/// its interval from the stratified variance; the pooled figure stays beside it.
async fn the_total_is_weighted_by_dossiers(backend: Backend) {
    let app = spawn_app(backend).await;
    import_units(
        &app,
        "code,name,name_en,parent\nu1,Đơn vị 1,,\nu2,Đơn vị 2,,\nu3,Đơn vị 3,,\nu4,Đơn vị 4,,\n",
    );
    // Respondent shares s_i: u1 100, 100, 0 (I 66.67, SE 33.33); u2 100, 0 (I 50, SE 50);
    // u3 four times 100 (I 100, SE 0).
    for (unit, scores) in [("u1", "552"), ("u2", "52"), ("u3", "5555")] {
        for s in scores.chars() {
            answer(&app, unit, &s.to_string()).await;
        }
    }
    let token = app.token("hnv", None);
    let today = hailong::domain::local_date(Utc::now());
    push_dossiers(
        &app,
        &token,
        &format!("unit_code,date,dossiers\nu1,{today},100\nu2,{today},300\nu3,{today},600\n"),
    )
    .await;
    let year = chrono::Datelike::year(&today).to_string();
    let rows = indices(&app, &token, &year).await;
    let total = rows.iter().find(|r| r["unit_code"] == "TOTAL").unwrap();
    // I_w = (100·66.667 + 300·50 + 600·100) / 1000 = 81.67; V = 0.1²·33.33² + 0.3²·50² =
    // 236.11, SE 15.366; 81.67 − 1.96·15.366 = 51.55; the upper end clipped to 100.
    assert_eq!(total["sipas_pct"], "81.67");
    assert_eq!(total["sipas_ci_low"], "51.55");
    assert_eq!(total["sipas_ci_high"], "100.00");
    assert_eq!(total["access_pct"], "81.67", "factors are weighted too");
    // Pooled: 7 of 9 respondents satisfied on everything.
    assert_eq!(total["sipas_pooled_pct"], "77.78");
    assert_eq!(total["flags"], "small_sample;weighted");
    let u1 = rows.iter().find(|r| r["unit_code"] == "u1").unwrap();
    assert_eq!(
        (u1["sipas_pct"].as_str(), u1["sipas_pooled_pct"].as_str()),
        ("66.67", "66.67")
    );

    // A unit with dossiers but no answers lowers the coverage.
    push_dossiers(
        &app,
        &token,
        &format!("unit_code,date,dossiers\nu4,{today},250\n"),
    )
    .await;
    let rows = indices(&app, &token, &year).await;
    let total = rows.iter().find(|r| r["unit_code"] == "TOTAL").unwrap();
    assert_eq!(total["sipas_pct"], "81.67");
    assert_eq!(total["flags"], "small_sample;weighted;coverage=80.00%");
    // A unit with answers but no dossier count: the pooled figure, flagged.
    answer(&app, "u4", "2").await;
    let rows = indices(&app, &token, &year).await;
    let total = rows.iter().find(|r| r["unit_code"] == "TOTAL").unwrap();
    assert_eq!(
        total["flags"], "small_sample;weighted",
        "u4 has its count now: {total:?}"
    );
    import_units(&app, "code,name,name_en,parent\nu5,Đơn vị 5,,\n");
    answer(&app, "u5", "5").await;
    let rows = indices(&app, &token, &year).await;
    let total = rows.iter().find(|r| r["unit_code"] == "TOTAL").unwrap();
    // Participation (METHODOLOGY §3) leaves u5's answer out and says how much is covered:
    // 10 of the 11 answers come from units with counts.
    assert_eq!(
        total["flags"],
        "small_sample;coverage=90.91%;unweighted_fallback"
    );
    assert_eq!(
        total["participation_pct"], "0.80",
        "10 answers / 1,250 dossiers"
    );
    assert_eq!(total["sipas_pct"], total["sipas_pooled_pct"]);
    // Pooled: 7 + 1 satisfied of 11.
    assert_eq!(total["sipas_pct"], "72.73");
}
both_backends!(the_total_is_weighted_by_dossiers);

/// Property: when every unit's weight is proportional to its respondents (complete answers),
/// the weighted SIPAS equals the pooled one. 300 random districts from a fixed seed.
#[test]
fn weights_proportional_to_respondents_give_the_pooled_figure() {
    let registry = FormRegistry::builtin().unwrap();
    let form = registry.latest("sipas-2017").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    for case in 0..300 {
        let units = rng.random_range(1..8);
        let mut pooled = Tally::default();
        let mut strata = Vec::new();
        for _ in 0..units {
            let n = rng.random_range(1..40);
            let mut t = Tally::default();
            let level = rng.random::<f64>();
            for _ in 0..n {
                let answers: BTreeMap<String, hailong::domain::form::AnswerValue> = form
                    .criteria()
                    .map(|(_, c)| {
                        let s = if rng.random::<f64>() < level {
                            4 + rng.random_range(0..2)
                        } else {
                            1 + rng.random_range(0..3)
                        };
                        (c.code.clone(), hailong::domain::form::AnswerValue::Score(s))
                    })
                    .collect();
                t.add(&form, &answers, false);
            }
            pooled.merge(&t);
            let ix = index::compute(&form, &t);
            // Any constant of proportionality.
            strata.push((3.5 * n as f64, ix.sipas.index, ix.sipas.se));
        }
        let pooled_ix = index::compute(&form, &pooled).sipas.index.unwrap();
        let (weighted, _, _) = stats::weighted_index(&strata).unwrap();
        assert!(
            (pooled_ix - weighted).abs() < 1e-9,
            "case {case}: pooled {pooled_ix}, weighted {weighted}"
        );
    }
}

#[test]
fn lineage_shares_are_checked_and_bad_lines_named() {
    let db = fresh_database(Backend::Sqlite);
    let dir =
        std::env::temp_dir().join(format!("hailong-lineage-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("units.csv");
    let run = |args: &[&str]| crate::cli::run(&db, args);
    let head = "code,name,name_en,parent,form,valid_from,valid_to,predecessors\n";
    let old = "cu-1,Phường Cũ 1,,,,,2025-06-30,\ncu-2,Phường Cũ 2,,,,,2025-06-30,\n";
    // cu-2 split 0.5 + 0.4: line 5 names it last.
    std::fs::write(
        &file,
        format!("{head}{old}moi-a,Phường Mới A,,,,2025-07-01,,cu-1;cu-2:0.5\nmoi-b,Phường Mới B,,,,2025-07-01,,cu-2:0.4\n"),
    )
    .unwrap();
    let (ok, _, err) = run(&["units", "import", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("line 5") && err.contains("cu-2") && err.contains("0.900"),
        "{err}"
    );
    let (_, out, _) = run(&["units", "list"]);
    assert!(
        !out.contains("cu-1"),
        "nothing of a bad file is kept: {out}"
    );
    // A share that is not a number, or above 1.
    std::fs::write(
        &file,
        format!("{head}{old}moi-a,Phường Mới A,,,,2025-07-01,,cu-1:một nửa\n"),
    )
    .unwrap();
    let (ok, _, err) = run(&["units", "import", file.to_str().unwrap()]);
    assert!(
        !ok && err.contains("line 4") && err.contains("not a number"),
        "{err}"
    );
    std::fs::write(
        &file,
        format!("{head}{old}moi-a,Phường Mới A,,,,2025-07-01,,cu-1:1.2\n"),
    )
    .unwrap();
    let (ok, _, err) = run(&["units", "import", file.to_str().unwrap()]);
    assert!(
        !ok && err.contains("line 4") && err.contains("at most 1"),
        "{err}"
    );
    // Good: shares sum to 1 (0.995 is within the tolerance); the list shows the lineage.
    std::fs::write(
        &file,
        format!("{head}{old}moi-a,Phường Mới A,,,,2025-07-01,,cu-1;cu-2:0.5\nmoi-b,Phường Mới B,,,,2025-07-01,,cu-2:0.495\n"),
    )
    .unwrap();
    let (ok, _, err) = run(&["units", "import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (_, out, _) = run(&["units", "list"]);
    assert!(
        out.contains("moi-a\tPhường Mới A") && out.contains("cu-1;cu-2:0.5"),
        "{out}"
    );
    // A later file that names cu-1 again breaks its sum: refused, naming its line.
    std::fs::write(
        &file,
        format!("{head}moi-c,Phường Mới C,,,,2025-07-01,,cu-1:0.3\n"),
    )
    .unwrap();
    let (ok, _, err) = run(&["units", "import", file.to_str().unwrap()]);
    assert!(
        !ok && err.contains("line 2") && err.contains("cu-1"),
        "{err}"
    );
}

/// Stores `scores` as complete sipas-2017 answers of `unit` on `day`, as if given then.
pub(crate) fn answers_on(app: &TestApp, unit: &str, day: chrono::NaiveDate, scores: &str) {
    use hailong::domain::form::{AnswerValue, Answers};
    let registry = FormRegistry::builtin().unwrap();
    let form = registry.latest("sipas-2017").unwrap();
    let rows: Vec<hailong::store::responses::NewResponseRow> = scores
        .chars()
        .map(|s| {
            let score: u8 = s.to_digit(10).unwrap() as u8;
            let mut values: BTreeMap<String, AnswerValue> = form
                .criteria()
                .map(|(_, c)| (c.code.clone(), AnswerValue::Score(score)))
                .collect();
            values.insert("overall".into(), AnswerValue::Score(score));
            let answers = Answers {
                values,
                comment: None,
            };
            hailong::store::responses::NewResponseRow {
                submission_id: uuid::Uuid::new_v4().to_string(),
                unit_code: unit.into(),
                form_id: "sipas-2017".into(),
                form_version: 1,
                source: "poster".into(),
                via_ticket: false,
                submitted_at: day.and_hms_opt(0, 0, 0).unwrap(),
                local_date: day,
                answers: answers.to_json(),
                comment: None,
                digest: uuid::Uuid::new_v4().to_string(),
                synthetic: false,
                via_predecessor: false,
                officer_id: None,
            }
        })
        .collect();
    app.store
        .write(|c| hailong::store::responses::insert(c, &rows))
        .unwrap();
}

const MERGER: &str = "code,name,name_en,parent,form,valid_from,valid_to,predecessors
cu-1,Phường Cũ 1,,,,,2025-06-30,
cu-2,Phường Cũ 2,,,,,2025-06-30,
moi-a,Phường Mới A,,,,2025-07-01,,cu-1;cu-2:0.5
moi-b,Phường Mới B,,,,2025-07-01,,cu-2:0.5
";

/// The first quarter after the merger compares with the quarter before it, rebuilt from the
/// predecessors weighted by share × their dossiers (responses where they had no count).
async fn the_previous_period_is_rebuilt_through_the_lineage(backend: Backend) {
    let app = spawn_app(backend).await;
    import_units(&app, MERGER);
    let q2 = chrono::NaiveDate::from_ymd_opt(2025, 5, 12).unwrap();
    let q3 = chrono::NaiveDate::from_ymd_opt(2025, 8, 12).unwrap();
    answers_on(&app, "cu-1", q2, "552"); // 66.67, SE 33.33
    answers_on(&app, "cu-2", q2, "52"); // 50, SE 50
    answers_on(&app, "moi-a", q3, "55");
    answers_on(&app, "moi-b", q3, "5");
    let registry = FormRegistry::load(Some(&forms_dir())).unwrap();
    hailong::service::indices::rebuild_tallies(&app.store, &registry).unwrap();
    let token = app.token("hnv", None);
    // Without dossier counts: weights share × responses: cu-1 1·3, cu-2 0.5·2 →
    // (3·66.67 + 1·50) / 4 = 62.50.
    let rows = indices(&app, &token, "2025-Q3").await;
    let a = rows.iter().find(|r| r["unit_code"] == "moi-a").unwrap();
    assert_eq!(a["prev_period"], "2025-Q2");
    assert_eq!(a["prev_sipas_pct"], "62.50");
    assert!(a["flags"].split(';').any(|f| f == "lineage"), "{a:?}");
    let b = rows.iter().find(|r| r["unit_code"] == "moi-b").unwrap();
    assert_eq!(b["prev_sipas_pct"], "50.00");
    // With dossiers: cu-1 1·100, cu-2 0.5·300 → (100·66.67 + 150·50) / 250 = 56.67; V = 0.4²·33.33²
    // + 0.6²·50² = 1077.8, SE 32.83.
    push_dossiers(
        &app,
        &token,
        "unit_code,date,dossiers\ncu-1,2025-05-12,100\ncu-2,2025-05-12,300\n",
    )
    .await;
    let rows = indices(&app, &token, "2025-Q3").await;
    let a = rows.iter().find(|r| r["unit_code"] == "moi-a").unwrap();
    assert_eq!(a["prev_sipas_pct"], "56.67");
    let r = app
        .client
        .get(app.url("/api/v1/indices?period=2025-Q3&unit=moi-a"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    let row = &v["rows"][0];
    assert_eq!(row["prev_sipas_pct"], 56.67);
    assert_eq!(row["prev_sipas_ci_low"], 0.0, "56.67 − 1.96·32.83 clipped");
    assert!(row["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "lineage"));
    // The old units keep their own previous figures; a unit with no lineage is not flagged.
    let rows = indices(&app, &token, "2025-Q2").await;
    let c1 = rows.iter().find(|r| r["unit_code"] == "cu-1").unwrap();
    assert_eq!(c1["prev_period"], "2025-Q1");
    assert_eq!(c1["prev_sipas_pct"], "");
    assert!(!c1["flags"].contains("lineage"));
}
both_backends!(the_previous_period_is_rebuilt_through_the_lineage);

/// An old poster keeps working for the grace period: the answer counts for the successor
/// that took the largest share, flagged; after the grace period, 410 with the link.
async fn old_posters_count_for_the_successor_within_the_grace_period(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = hailong::domain::local_date(Utc::now());
    let closed = today - chrono::Duration::days(10);
    let long_ago = today - chrono::Duration::days(200);
    import_units(
        &app,
        &format!(
            "code,name,name_en,parent,form,valid_from,valid_to,predecessors
gan,Phường Vừa Nhập,,,,,{closed},
xa,Phường Nhập Lâu,,,,,{long_ago},
lon,Phường Lớn,,,,{},,gan:0.7;xa
nho,Phường Nhỏ,,,,{},,gan:0.3
",
            closed + chrono::Duration::days(1),
            closed + chrono::Duration::days(1)
        ),
    );
    let form = app.get("/s/gan").await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(
        form.text().await.unwrap().contains("Phường Lớn"),
        "the successor's form"
    );
    let r = app.post_form("/s/gan", &as_refs(&full_answers("4"))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/s/lon/thanks"));
    let stored = app
        .store
        .read(|c| hailong::store::responses::list_for_unit(c, "lon"))
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(app
        .store
        .read(|c| hailong::store::responses::list_for_unit(c, "gan"))
        .unwrap()
        .is_empty());
    let token = app.token("hnv", None);
    let year = chrono::Datelike::year(&today).to_string();
    let rows = indices(&app, &token, &year).await;
    let lon = rows.iter().find(|r| r["unit_code"] == "lon").unwrap();
    assert!(
        lon["flags"].split(';').any(|f| f == "via_predecessor"),
        "{lon:?}"
    );
    // Past the grace period: 410, with the link.
    let r = app.post_form("/s/xa", &as_refs(&full_answers("4"))).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("/s/lon"));
    // Its form page too.
    assert_eq!(app.get("/s/xa").await.status(), StatusCode::GONE);
}
both_backends!(old_posters_count_for_the_successor_within_the_grace_period);

/// The monthly sums give the same table as the days: any range, whole months or not.
async fn monthly_sums_agree_with_the_days(backend: Backend) {
    use hailong::store::tallies::{self, TallyKey};
    let app = spawn_app(backend).await;
    import_units(&app, "code,name,name_en,parent\na,A,,\nb,B,,\n");
    let registry = FormRegistry::builtin().unwrap();
    let form = registry.latest("sipas-2017").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let start = chrono::NaiveDate::from_ymd_opt(2025, 12, 20).unwrap();
    let mut daily: BTreeMap<TallyKey, Tally> = BTreeMap::new();
    for d in 0..120 {
        let day = start + chrono::Duration::days(d);
        for unit in ["a", "b"] {
            let t = random_tally(&mut rng, &form);
            let key = TallyKey {
                unit_code: unit.into(),
                day,
                form_id: form.id.clone(),
                form_version: 1,
            };
            // Half through the bulk insert, half one by one as submissions do.
            if d % 2 == 0 {
                daily.insert(key, t);
            } else {
                app.store.write(|c| tallies::add(c, &key, &t)).unwrap();
            }
        }
    }
    app.store.write(|c| tallies::insert_all(c, &daily)).unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    for (from, to) in [
        ("2026-01-01", "2026-03-31"),
        ("2025-12-25", "2026-02-10"),
        ("2026-01-15", "2026-01-20"),
        ("2026-02-01", "2026-02-28"),
        ("2025-12-01", "2026-04-30"),
        ("2026-01-31", "2026-03-01"),
    ] {
        let fast = app
            .store
            .read(|c| tallies::sum_range(c, d(from), d(to)))
            .unwrap();
        let mut slow: BTreeMap<(String, String, i32), Tally> = BTreeMap::new();
        let all = app
            .store
            .read(|c| tallies::sum_days(c, d(from), d(to)))
            .unwrap();
        for (k, t) in all {
            slow.entry(k).or_default().merge(&t);
        }
        // Counts exactly; the sums of shares up to the order of floating-point additions.
        assert_eq!(fast.len(), slow.len(), "{from}..{to}");
        for (k, f) in &fast {
            let sl = &slow[k];
            assert_eq!(
                (f.responses, &f.criteria),
                (sl.responses, &sl.criteria),
                "{from}..{to} {k:?}"
            );
            let (a, b) = (index::compute(&form, f), index::compute(&form, sl));
            let close = |x: Option<f64>, y: Option<f64>| match (x, y) {
                (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                (None, None) => true,
                _ => false,
            };
            assert!(
                close(a.sipas.index, b.sipas.index) && close(a.sipas.se, b.sipas.se),
                "{from}..{to} {k:?}"
            );
            assert!(
                close(a.factors[0].alpha, b.factors[0].alpha),
                "{from}..{to} {k:?}"
            );
        }
    }
}
both_backends!(monthly_sums_agree_with_the_days);

/// Up to three answers of random scores, as one day's tally.
fn random_tally(rng: &mut rand::rngs::StdRng, form: &hailong::domain::form::Form) -> Tally {
    let mut t = Tally::default();
    for _ in 0..rng.random_range(0..4) {
        let answers: BTreeMap<String, hailong::domain::form::AnswerValue> = form
            .criteria()
            .map(|(_, c)| {
                (
                    c.code.clone(),
                    hailong::domain::form::AnswerValue::Score(rng.random_range(1..6)),
                )
            })
            .collect();
        t.add(form, &answers, false);
    }
    t
}

/// A database from before the monthly sums gets them from its daily tallies on start.
async fn monthly_sums_are_built_for_an_older_database(backend: Backend) {
    use diesel::connection::SimpleConnection;
    use hailong::store::tallies;
    let app = spawn_app(backend).await;
    import_units(&app, "code,name,name_en,parent\na,A,,\n");
    answers_on(
        &app,
        "a",
        chrono::NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
        "5542",
    );
    answers_on(
        &app,
        "a",
        chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        "31",
    );
    let registry = FormRegistry::load(Some(&forms_dir())).unwrap();
    hailong::service::indices::rebuild_tallies(&app.store, &registry).unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let before = app
        .store
        .read(|c| tallies::sum_range(c, d("2026-01-01"), d("2026-03-31")))
        .unwrap();
    app.store
        .write(|c| {
            c.batch_execute("DELETE FROM tally_months")
                .map_err(hailong::store::StoreError::from)
        })
        .unwrap();
    assert_eq!(app.store.read(tallies::months_count).unwrap(), 0);
    hailong::service::indices::ensure_tallies(&app.store, &registry).unwrap();
    assert_eq!(app.store.read(tallies::months_count).unwrap(), 2);
    let after = app
        .store
        .read(|c| tallies::sum_range(c, d("2026-01-01"), d("2026-03-31")))
        .unwrap();
    assert_eq!(
        before[&("a".to_string(), "sipas-2017".to_string(), 1)].responses,
        6
    );
    assert_eq!(before, after);
}
both_backends!(monthly_sums_are_built_for_an_older_database);
