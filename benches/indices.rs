#![allow(clippy::as_conversions, clippy::indexing_slicing)]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Aggregation and export at scale (issue: quarterly indices). Fills a fresh database with
//! N responses over one quarter for 12 units (default 1,000,000; HAILONG_BENCH_N to change),
//! then times the quarter's index table and the streamed raw export.
//!
//!     cargo bench --bench indices                       # SQLite
//!     HAILONG_BENCH_PG=postgres://postgres@127.0.0.1:5432/test cargo bench --bench indices
//!
//! Not a test: it prints figures for the issue notes.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use hailong::domain::form::{AnswerValue, Answers};
use hailong::domain::index::Tally;
use hailong::domain::period::{Period, Scheme};
use hailong::service::forms::FormRegistry;
use hailong::service::{export, indices, submit, units};
use hailong::store::responses::NewResponseRow;
use hailong::store::tallies::{self, TallyKey};
use hailong::store::{responses, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const UNITS: &str = "code,name,name_en,parent
quan,Quận,District,
p01,Phường 1,,quan
p02,Phường 2,,quan
p03,Phường 3,,quan
p04,Phường 4,,quan
p05,Phường 5,,quan
p06,Phường 6,,quan
p07,Phường 7,,quan
p08,Phường 8,,quan
p09,Phường 9,,quan
p10,Phường 10,,quan
dat-dai,Đất đai,,quan
";

fn fill(store: &Store, forms: &FormRegistry, n: u64) {
    let form = forms.latest("sipas-2017").unwrap();
    let list = units::parse_csv(UNITS, forms).unwrap();
    units::import(store, &list, false, chrono::Utc::now()).unwrap();
    let codes: Vec<String> = list.iter().map(|u| u.code.to_string()).collect();
    let start = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let chunk = 50_000u64;
    let mut done = 0u64;
    let t0 = Instant::now();
    while done < n {
        let m = chunk.min(n - done);
        let mut rows = Vec::with_capacity(m as usize);
        let mut tallies_map: BTreeMap<TallyKey, Tally> = BTreeMap::new();
        for i in 0..m {
            let k = done + i;
            let unit = &codes[(k % codes.len() as u64) as usize];
            let day = start + Duration::days((k * 90 / n) as i64);
            let mut a = Answers::default();
            let p = 0.6 + 0.03 * (k % 12) as f64;
            for (_, c) in form.criteria() {
                let s = if rng.random::<f64>() < 0.03 {
                    0
                } else if rng.random::<f64>() < p {
                    4 + rng.random_range(0..2)
                } else {
                    rng.random_range(1..4)
                };
                a.values.insert(c.code.clone(), AnswerValue::Score(s));
            }
            a.values
                .insert("overall".into(), AnswerValue::Score(rng.random_range(1..6)));
            a.values.insert(
                "channel".into(),
                AnswerValue::Choice(
                    if rng.random::<f64>() < 0.2 {
                        "online_full"
                    } else {
                        "in_person"
                    }
                    .into(),
                ),
            );
            tallies_map
                .entry(TallyKey {
                    unit_code: unit.clone(),
                    day,
                    form_id: form.id.clone(),
                    form_version: 1,
                })
                .or_default()
                .add(&form, &a.values, false);
            rows.push(NewResponseRow {
                submission_id: uuid::Uuid::new_v4().to_string(),
                unit_code: unit.clone(),
                form_id: form.id.clone(),
                form_version: 1,
                via_ticket: false,
                source: "poster".into(),
                submitted_at: day.and_hms_opt(3, 0, 0).unwrap(),
                local_date: day,
                answers: a.to_json(),
                comment: None,
                digest: submit::digest_for(unit, &form, &a),
                synthetic: true,
                via_predecessor: false,
                officer_id: None,
            });
        }
        store
            .write(|c| -> Result<(), hailong::store::StoreError> {
                responses::insert(c, &rows)?;
                for (key, t) in &tallies_map {
                    tallies::add(c, key, t)?;
                }
                Ok(())
            })
            .unwrap();
        done += m;
        eprint!(
            "\r  filled {done}/{n} ({:.0} rows/s)",
            done as f64 / t0.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    // What autovacuum would do after a bulk load: fresh planner statistics.
    store
        .write(|c| -> Result<(), hailong::store::StoreError> {
            if let hailong::store::DbConnection::Pg(pg) = c {
                pg.batch_execute("ANALYZE responses; ANALYZE tallies;")?;
            }
            Ok(())
        })
        .unwrap();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(label: &str, url: &str, n: u64) {
    println!("== {label}: {n} responses over 2021-Q1, 12 units");
    let store = Store::open(url).unwrap();
    let forms = FormRegistry::builtin().unwrap();
    fill(&store, &forms, n);
    let period = Period::parse("2021-Q1", Scheme::Calendar).unwrap();
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let table = indices::table(&store, &forms, &period, None).unwrap();
        times.push(t.elapsed().as_secs_f64());
        rows = table.rows.len();
        assert_eq!(
            table
                .rows
                .iter()
                .find(|r| r.unit_code == "TOTAL")
                .unwrap()
                .responses,
            n
        );
    }
    println!(
        "  index table (13 rows = {rows}): median {:.1} ms over 5 runs",
        median(times) * 1000.0
    );
    let t = Instant::now();
    let exported = export::responses_csv(&store, &forms, &period, None, std::io::sink()).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  raw export: {exported} rows in {:.2} s = {:.0} rows/s",
        secs,
        exported as f64 / secs
    );
    let t = Instant::now();
    let recomputed = indices::recompute_tallies(&store, &forms).unwrap();
    println!(
        "  for comparison, recomputing from raw answers: {:.2} s ({} tallies)",
        t.elapsed().as_secs_f64(),
        recomputed.len()
    );
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too, without `--bench`: then this is a
    // quick smoke run on a small database, so CI proves the benchmark still works.
    let benching = std::env::args().any(|a| a == "--bench");
    let n: u64 = std::env::var("HAILONG_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if benching { 1_000_000 } else { 2_000 });
    let dir = std::env::temp_dir().join(format!("hailong-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    run(
        "SQLite",
        &format!("sqlite://{}", dir.join("bench.db").display()),
        n,
    );
    if let (true, Ok(admin)) = (benching, std::env::var("HAILONG_BENCH_PG")) {
        let name = format!("hailong_bench_{}", uuid::Uuid::new_v4().simple());
        let mut c = diesel::PgConnection::establish(&admin).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.rsplit_once('/').unwrap().0.to_string();
        run("PostgreSQL", &format!("{base}/{name}"), n);
        c.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
