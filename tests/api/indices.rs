//! The Home Affairs Office's table: responses submitted over HTTP, the CSV downloaded, and
//! each cell compared with values computed by hand (see the comments), on both backends.

use std::collections::BTreeMap;

use chrono::Utc;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{as_refs, full_answers, spawn_app, Backend, TestApp};
use hailong::domain::index;
use hailong::service::forms::FormRegistry;
use hailong::service::indices;

fn today() -> String {
    hailong::domain::local_date(Utc::now()).to_string()
}

fn range() -> String {
    format!("from={}&to={}", today(), today())
}

async fn poster(app: &TestApp, unit: &str, pairs: &[(&str, &str)]) {
    let r = app.post_form(&format!("/s/{unit}"), pairs).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
}

/// Parses the CSV, checking the byte-order mark, into header and rows.
fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "UTF-8 with a byte-order mark, for Excel"
    );
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

async fn the_index_table_matches_hand_computed_values(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("phong-noi-vu", None);
    the_worked_example_is_answered(&app, &token).await;
    participation_before_any_dossier_count(&app, &token).await;
    twelve_dossiers_are_returned_today(&app, &token).await;
    let (_, rows) = the_wide_table_is_pinned_whole(&app, &token).await;
    phuong_b_is_computed_by_hand(&rows);
    the_other_rows_and_the_totals(&rows);
    the_long_shape_carries_every_measure(&app, &token).await;
    a_bad_period_and_no_token_are_refused(&app, &token).await;
}
both_backends!(the_index_table_matches_hand_computed_values);

async fn the_worked_example_is_answered(app: &TestApp, token: &str) {
    // phuong-b uses the quick form: one criterion per factor.
    // R1: access 5, procedure 4, staff 2, result 0 (no opinion), feedback 3; overall 4; online.
    poster(
        app,
        "phuong-b",
        &[
            ("access.1", "5"),
            ("procedure.1", "4"),
            ("staff.1", "2"),
            ("result.1", "0"),
            ("feedback.1", "3"),
            ("overall", "4"),
            ("channel", "online_full"),
        ],
    )
    .await;
    // R2: all 4; overall 2; in person.
    poster(
        app,
        "phuong-b",
        &[
            ("access.1", "4"),
            ("procedure.1", "4"),
            ("staff.1", "4"),
            ("result.1", "4"),
            ("feedback.1", "4"),
            ("overall", "2"),
            ("channel", "in_person"),
        ],
    )
    .await;
    // R3, on a one-time code (two issued): access 1, the rest 5; overall 5; channel not answered.
    let t1: Value = app
        .post_json("/api/v1/tickets", Some(token), &json!({"unit": "phuong-b"}))
        .await
        .json()
        .await
        .unwrap();
    app.post_json("/api/v1/tickets", Some(token), &json!({"unit": "phuong-b"}))
        .await;
    let r = app
        .post_form(
            &format!("/t/{}", t1["code"].as_str().unwrap()),
            &[
                ("access.1", "1"),
                ("procedure.1", "5"),
                ("staff.1", "5"),
                ("result.1", "5"),
                ("feedback.1", "5"),
                ("overall", "5"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // phuong-a uses sipas-2017: one response, all 5.
    poster(app, "phuong-a", &as_refs(&full_answers("5"))).await;
}

/// Participation before any dossier count: ticket responses / tickets = 1/2.
async fn participation_before_any_dossier_count(app: &TestApp, token: &str) {
    let v: Value = app
        .client
        .get(app.url(&format!("/api/v1/indices?{}&unit=phuong-b", range())))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 1);
    // The whole answer pinned, today written as DAY.
    insta::assert_snapshot!(
        "indices_json_before_dossiers",
        serde_json::to_string_pretty(&v)
            .unwrap()
            .replace(&today(), "DAY")
    );
    assert_eq!(v["rows"][0]["participation_pct"], json!(50.0));
    assert_eq!(v["rows"][0]["denominator"], "tickets");
    assert_eq!(v["rows"][0]["sipas"]["index_pct"], json!(80.0));
}

/// 12 dossiers returned today: participation = 3/12.
async fn twelve_dossiers_are_returned_today(app: &TestApp, token: &str) {
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(format!(
            "unit_code,date,dossiers\nphuong-b,{},12\n",
            today()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn the_wide_table_is_pinned_whole(
    app: &TestApp,
    token: &str,
) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let r = app
        .client
        .get(app.url(&format!("/exports/indices.csv?{}", range())))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let bytes = r.bytes().await.unwrap();
    // The whole table pinned (today's date written as DAY): any change to a cell, a column
    // or the number format shows as a diff to review. Both backends must give this file.
    insta::assert_snapshot!(
        "hao_table_wide",
        String::from_utf8_lossy(&bytes).replace(&today(), "DAY")
    );
    let (header, rows) = read_csv(&bytes);
    assert_eq!(
        header.join(","),
        "period,period_start,period_end,unit_code,unit_name,responses,tickets_issued,dossiers,participation_pct,\
         sipas_pct,sipas_ci_low,sipas_ci_high,access_pct,procedure_pct,staff_pct,result_pct,feedback_pct,\
         online_pct,mean_score,flags,prev_period,prev_sipas_pct,sipas_pooled_pct,sipas_pooled_ci_low,\
         sipas_pooled_ci_high,feedback_received,feedback_answered,feedback_on_time_pct,feedback_reply_satisfied_pct,\
         invitations_delivered,invited_responses,invited_response_pct,dossiers_returned,on_time_return_pct"
    );
    (header, rows)
}

/// The row of a unit in the wide table.
fn row_of(rows: &[BTreeMap<String, String>], code: &str) -> BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["unit_code"] == code)
        .unwrap_or_else(|| panic!("no row {code}"))
        .clone()
}

fn phuong_b_is_computed_by_hand(rows: &[BTreeMap<String, String>]) {
    let b = row_of(rows, "phuong-b");
    let day = today();
    let expect = [
        ("unit_name", "Phường B"),
        ("period_start", day.as_str()),
        ("responses", "3"),
        ("tickets_issued", "2"),
        ("dossiers", "12"),
        ("participation_pct", "25.00"),
        // Factor indices: access 2/3, procedure 3/3, staff 2/3, result 2/2 (no opinion left out), feedback 2/3.
        ("access_pct", "66.67"),
        ("procedure_pct", "100.00"),
        ("staff_pct", "66.67"),
        ("result_pct", "100.00"),
        ("feedback_pct", "66.67"),
        // SIPAS = mean of the five = 80. Respondent shares s = 50, 100, 80: sd 25.166, SE 14.530,
        // 80 ± 1.95996·14.530 = 51.52 … 108.48, clipped to 100.
        ("sipas_pct", "80.00"),
        ("sipas_ci_low", "51.52"),
        ("sipas_ci_high", "100.00"),
        // Online: 1 of the 2 who answered the channel question.
        ("online_pct", "50.00"),
        // Mean of the 14 valid answers: 55/14.
        ("mean_score", "3.93"),
        ("flags", "small_sample"),
        // SPEC §9: a custom range has no previous period; a unit's pooled SIPAS is its own;
        // no feedback was filed: counts 0, shares empty.
        ("prev_period", ""),
        ("prev_sipas_pct", ""),
        ("sipas_pooled_pct", "80.00"),
        ("sipas_pooled_ci_low", "51.52"),
        ("sipas_pooled_ci_high", "100.00"),
        ("feedback_received", "0"),
        ("feedback_answered", "0"),
        ("feedback_on_time_pct", ""),
        ("feedback_reply_satisfied_pct", ""),
    ];
    for (col, want) in expect {
        assert_eq!(b[col], want, "phuong-b {col}");
    }
}

fn the_other_rows_and_the_totals(rows: &[BTreeMap<String, String>]) {
    let a = row_of(rows, "phuong-a");
    assert_eq!(
        (a["sipas_pct"].as_str(), a["sipas_ci_low"].as_str()),
        ("100.00", ""),
        "one respondent: no interval"
    );
    assert_eq!(a["flags"], "small_sample;no_denominator");
    let q = row_of(rows, "quan-test");
    assert_eq!(
        (
            q["responses"].as_str(),
            q["sipas_pct"].as_str(),
            q["mean_score"].as_str()
        ),
        ("0", "", ""),
        "no answers: empty, never 0"
    );
    assert!(
        rows.iter().all(|r| r["unit_code"] != "phuong-cu"),
        "a unit merged before the period is not listed"
    );
    // Two forms in the period: two TOTAL rows, never pooled across forms.
    let totals: Vec<_> = rows.iter().filter(|r| r["unit_code"] == "TOTAL").collect();
    assert_eq!(totals.len(), 2);
    assert!(totals.iter().all(|t| t["flags"].contains("mixed_forms")));
    let quick_total = totals
        .iter()
        .find(|t| t["flags"].contains("form=quick@1"))
        .unwrap();
    assert_eq!(quick_total["sipas_pct"], "80.00");
    // METHODOLOGY §3 (B5): only phuong-b has a dossier count, so TOTAL participation is its
    // 3 responses / 12 dossiers (phuong-a's answer is not counted against them), and the
    // coverage says those 3 are 75 % of the period's 4 answers. (It was 4 / 12 = 33.33.)
    assert_eq!(quick_total["participation_pct"], "25.00");
    assert!(quick_total["flags"].contains("coverage=75.00%"));
}

/// The long shape carries criterion, factor, SIPAS, overall, online and participation.
async fn the_long_shape_carries_every_measure(app: &TestApp, token: &str) {
    let r = app
        .client
        .get(app.url(&format!("/exports/indices.csv?{}&shape=long", range())))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let (header, long) = read_csv(&r.bytes().await.unwrap());
    assert!(header.contains(&"n_valid".to_string()) && header.contains(&"ci_low".to_string()));
    let find = |unit: &str, measure: &str, code: &str| {
        long.iter()
            .find(|r| r["unit_code"] == unit && r["measure"] == measure && r["code"] == code)
            .unwrap()
            .clone()
    };
    let staff = find("phuong-b", "criterion", "staff.1");
    assert_eq!(
        (
            staff["n_valid"].as_str(),
            staff["n_satisfied"].as_str(),
            staff["index_pct"].as_str()
        ),
        ("3", "2", "66.67")
    );
    // Wilson 2/3: 20.77 … 93.85.
    assert_eq!(
        (staff["ci_low"].as_str(), staff["ci_high"].as_str()),
        ("20.77", "93.85")
    );
    let overall = find("phuong-b", "overall", "overall");
    assert_eq!(overall["index_pct"], "66.67");
    let p = find("phuong-b", "participation", "participation");
    assert_eq!(
        (p["denominator"].as_str(), p["index_pct"].as_str()),
        ("dossiers", "25.00")
    );
}

/// A bad period is a 400 that says why; no token is a 401.
async fn a_bad_period_and_no_token_are_refused(app: &TestApp, token: &str) {
    let r = app
        .client
        .get(app.url("/exports/indices.csv?period=2021-Q5"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "bad_period");
    assert!(e["error"]["message"].as_str().unwrap().contains("Q1 to Q4"));
    assert_eq!(
        app.get(&format!("/exports/indices.csv?{}", range()))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn a_unit_token_sees_only_its_unit(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("phuong-a-only", Some("phuong-a"));
    let r = app
        .client
        .get(app.url(&format!("/exports/indices.csv?{}", range())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (_, rows) = read_csv(&r.bytes().await.unwrap());
    assert_eq!(
        rows.iter()
            .map(|r| r["unit_code"].as_str())
            .collect::<Vec<_>>(),
        vec!["phuong-a"]
    );
    let r = app
        .client
        .get(app.url(&format!("/api/v1/indices?{}&unit=phuong-b", range())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&token)
        .json(&json!([{"unit_code": "phuong-b", "date": today(), "dossiers": 3}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both_backends!(a_unit_token_sees_only_its_unit);

async fn a_bad_dossier_line_keeps_nothing_and_reimport_replaces(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("mot-cua", None);
    let post = |body: String| {
        app.client
            .post(app.url("/api/v1/dossiers"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let r =
        post("unit_code,date,dossiers\nphuong-a,2021-03-01,5\nphuong-a,2021-03-02,nam\n".into())
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 3"));
    let r = post("unit_code,date,dossiers\nphuong-a,2021-03-01,5\nkhong-co,2021-03-02,1\n".into())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let sum = |app: &TestApp| -> i64 {
        app.store
            .read(|c| {
                use diesel::prelude::*;
                use hailong::store::schema::dossier_counts::dsl::*;
                dossier_counts
                    .select(dossiers)
                    .load::<i32>(c)
                    .map(|v| v.iter().map(|x| i64::from(*x)).sum())
                    .map_err(hailong::store::StoreError::from)
            })
            .unwrap()
    };
    assert_eq!(sum(&app), 0, "nothing of a bad file is kept");
    assert_eq!(
        post("unit_code,date,dossiers\nphuong-a,2021-03-01,5\n".into())
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        post("unit_code,date,dossiers\nphuong-a,2021-03-01,7\n".into())
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(sum(&app), 7, "re-importing a unit and day replaces it");
}
both_backends!(a_bad_dossier_line_keeps_nothing_and_reimport_replaces);

/// The running tallies equal a recomputation from the raw answers, for random submissions.
async fn running_tallies_equal_a_recomputation(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let registry = FormRegistry::load(Some(&crate::helpers::forms_dir())).unwrap();
    sixty_random_answers(&app, &registry).await;
    let stored = app
        .store
        .read(|c| {
            hailong::store::tallies::sum_range(
                c,
                chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2100, 12, 31).unwrap(),
            )
        })
        .unwrap();
    let recomputed = indices::recompute_tallies(&app.store, &registry).unwrap();
    let mut merged: BTreeMap<(String, String, i32), index::Tally> = BTreeMap::new();
    for (k, t) in recomputed {
        merged
            .entry((k.unit_code, k.form_id, k.form_version))
            .or_default()
            .merge(&t);
    }
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored.keys().collect::<Vec<_>>(),
        merged.keys().collect::<Vec<_>>()
    );
    for (key, t) in &stored {
        let r = &merged[key];
        assert_eq!(
            (
                t.responses,
                &t.criteria,
                t.overall,
                t.score_sum,
                t.channel,
                &t.expectations
            ),
            (
                r.responses,
                &r.criteria,
                r.overall,
                r.score_sum,
                r.channel,
                &r.expectations
            ),
            "{key:?}"
        );
        the_indices_agree(&registry, key, t, r);
    }
}
both_backends!(running_tallies_equal_a_recomputation);

/// Sixty answers of random scores, channels and expectations to two units on two forms.
async fn sixty_random_answers(app: &TestApp, registry: &FormRegistry) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(20210331);
    for _ in 0..60 {
        let unit = if rng.random::<bool>() {
            "phuong-a"
        } else {
            "phuong-b"
        };
        let form = registry
            .latest(if unit == "phuong-a" {
                "sipas-2017"
            } else {
                "quick"
            })
            .unwrap();
        let mut pairs: Vec<(String, String)> = form
            .criteria()
            .map(|(_, c)| (c.code.clone(), rng.random_range(0..=5u8).to_string()))
            .collect();
        pairs.push(("overall".into(), rng.random_range(1..=5u8).to_string()));
        if rng.random::<f64>() < 0.7 {
            let ch =
                ["in_person", "online_partial", "online_full", "postal"][rng.random_range(0..4)];
            pairs.push(("channel".into(), ch.into()));
        }
        if unit == "phuong-a" {
            for e in ["staff", "result", "other"] {
                if rng.random::<f64>() < 0.4 {
                    pairs.push(("expect".into(), e.into()));
                }
            }
        }
        poster(app, unit, &as_refs(&pairs)).await;
    }
}

/// The indices of a stored and a recomputed tally agree (to 1e-9).
fn the_indices_agree(
    registry: &FormRegistry,
    key: &(String, String, i32),
    t: &index::Tally,
    r: &index::Tally,
) {
    let form = registry.get(&key.1, key.2 as u32).unwrap();
    let (a, b) = (index::compute(&form, t), index::compute(&form, r));
    assert_eq!(a.criteria, b.criteria);
    let close = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    };
    assert!(close(a.sipas.index, b.sipas.index));
    assert!(close(a.sipas.ci.map(|c| c.low), b.sipas.ci.map(|c| c.low)));
    for (fa, fb) in a.factors.iter().zip(&b.factors) {
        assert!(
            close(fa.ci.map(|c| c.low), fb.ci.map(|c| c.low)) && close(fa.alpha, fb.alpha),
            "{}",
            fa.code
        );
    }
}

async fn the_raw_export_is_anonymised(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let token = app.token("phong-noi-vu", None);
    let code = three_answers_one_by_ticket(&app, &token).await;
    let r = app
        .client
        .get(app.url(&format!("/exports/responses.csv?{}", range())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        !text.contains("0912") && !text.contains("gmail") && !text.contains("079123456789"),
        "{text}"
    );
    assert!(!text.contains(&code), "no ticket code in the raw export");
    let (header, rows) = read_csv(&bytes);
    assert_eq!(
        &header[..5],
        ["date", "unit_code", "unit_name", "form", "source"]
    );
    assert!(header.contains(&"staff.6".to_string()) && header.contains(&"expect".to_string()));
    assert_eq!(rows.len(), 3);
    let first = rows
        .iter()
        .find(|r| r["comment"].starts_with("Gọi"))
        .unwrap();
    assert_eq!(first["comment"], "Gọi tôi […] hoặc […], CCCD […]");
    assert_eq!(first["expect"], "staff;result");
    assert_eq!(first["access.1"], "4");
    assert!(
        rows.iter()
            .any(|r| r["comment"] == "'=HYPERLINK(\"http://x\")"),
        "formulas are neutralised"
    );
    let ticket_row = rows.iter().find(|r| r["unit_code"] == "phuong-b").unwrap();
    assert_eq!(
        (
            ticket_row["source"].as_str(),
            ticket_row["form"].as_str(),
            ticket_row["access.1"].as_str()
        ),
        ("ticket", "quick@1", "3")
    );
    assert_eq!(
        ticket_row["staff.6"], "",
        "a question its form does not have is empty"
    );
}
both_backends!(the_raw_export_is_anonymised);

/// Two poster answers to phuong-a (one comment full of contacts, one a formula) and one
/// through a code to phuong-b; the code.
async fn three_answers_one_by_ticket(app: &TestApp, token: &str) -> String {
    let mut one = full_answers("4");
    one.push((
        "comment".into(),
        "Gọi tôi 0912 345 678 hoặc nguyen.a@gmail.com, CCCD 079123456789".into(),
    ));
    one.push(("expect".into(), "staff".into()));
    one.push(("expect".into(), "result".into()));
    poster(app, "phuong-a", &as_refs(&one)).await;
    let mut two = full_answers("0");
    two.push(("comment".into(), "=HYPERLINK(\"http://x\")".into()));
    poster(app, "phuong-a", &as_refs(&two)).await;
    let t: Value = app
        .post_json("/api/v1/tickets", Some(token), &json!({"unit": "phuong-b"}))
        .await
        .json()
        .await
        .unwrap();
    let code = t["code"].as_str().unwrap().to_string();
    let r = app
        .post_form(
            &format!("/t/{code}"),
            &[
                ("access.1", "3"),
                ("procedure.1", "3"),
                ("staff.1", "3"),
                ("result.1", "3"),
                ("feedback.1", "3"),
                ("overall", "3"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_writes_csv_and_a_real_spreadsheet() {
    use std::io::Read;
    let app = spawn_app(Backend::Sqlite).await;
    app.seed_units();
    for _ in 0..2 {
        poster(
            &app,
            "phuong-b",
            &[
                ("access.1", "5"),
                ("procedure.1", "4"),
                ("staff.1", "2"),
                ("result.1", "4"),
                ("feedback.1", "3"),
                ("overall", "4"),
            ],
        )
        .await;
    }
    let dir = std::env::temp_dir().join(format!("hailong-xlsx-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_hailong");
    let day = today();
    for name in ["t.csv", "t.xlsx"] {
        let status = std::process::Command::new(bin)
            .args([
                "--database-url",
                &app.db_url,
                "export",
                "indices",
                "--from",
                &day,
                "--to",
                &day,
                "--out",
            ])
            .arg(dir.join(name))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let (_, rows) = read_csv(&std::fs::read(dir.join("t.csv")).unwrap());
    let b = rows.iter().find(|r| r["unit_code"] == "phuong-b").unwrap();
    // access 2/2, procedure 2/2, staff 0/2, result 2/2, feedback 0/2 → SIPAS 60.
    assert_eq!(b["sipas_pct"], "60.00");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(dir.join("t.xlsx")).unwrap()).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    assert!(strings.contains("Phường B") && strings.contains("sipas_pct"));
    assert!(
        sheet.contains("<v>60</v>"),
        "the SIPAS index is a number cell"
    );
    let bad = std::process::Command::new(bin)
        .args([
            "--database-url",
            &app.db_url,
            "export",
            "indices",
            "--period",
            "2021-Q9",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Q1 to Q4"));
}
