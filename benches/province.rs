#![allow(clippy::as_conversions, clippy::indexing_slicing)]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A whole country's quarter (issue: reorganisation): 3,321 commune-level units with 300
//! responses each and their daily dossier counts, then the time to compute the quarter's
//! index table — the plain table, and the full one the CSV serves (previous period,
//! weighted TOTAL, feedback figures). Target: under 1 s on SQLite and on PostgreSQL.
//!
//!     cargo bench --bench province                      # SQLite
//!     HAILONG_BENCH_PG=postgres://postgres@127.0.0.1:5432/test cargo bench --bench province
//!
//! The table reads the per-unit, per-day tallies (what submissions keep up to date), so the
//! bench stores those and the dossier counts directly rather than a million raw rows.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use hailong::domain::form::AnswerValue;
use hailong::domain::index::Tally;
use hailong::domain::period::{Period, Scheme};
use hailong::service::feedback::FeedbackSettings;
use hailong::service::forms::FormRegistry;
use hailong::service::{indices, units};
use hailong::store::dossiers::{self, DossierCountRow};
use hailong::store::tallies::{self, TallyKey};
use hailong::store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn fill(store: &Store, forms: &FormRegistry, n_units: usize, per_unit: usize) {
    let form = forms.latest("sipas-2017").unwrap();
    let mut csv = String::from("code,name,name_en,parent\nquoc-gia,Cả nước,,\n");
    for i in 0..n_units {
        csv.push_str(&format!("xa-{i:04},Xã {i},,quoc-gia\n"));
    }
    let list = units::parse_csv(&csv, forms).unwrap();
    units::import(store, &list, false, chrono::Utc::now()).unwrap();
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let days: Vec<NaiveDate> = (0..90)
        .map(|d| start + Duration::days(d))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    let mut rng = StdRng::seed_from_u64(3321);
    let t0 = Instant::now();
    for chunk in (0..n_units).collect::<Vec<_>>().chunks(200) {
        let mut tallies_map: BTreeMap<TallyKey, Tally> = BTreeMap::new();
        let mut dossier_rows = Vec::new();
        for &u in chunk {
            let code = format!("xa-{u:04}");
            let level = 0.6 + 0.35 * rng.random::<f64>();
            for k in 0..per_unit {
                let day = days[k % days.len()];
                let values: BTreeMap<String, AnswerValue> = form
                    .criteria()
                    .map(|(_, c)| {
                        let s = if rng.random::<f64>() < level {
                            4 + rng.random_range(0..2)
                        } else {
                            rng.random_range(1..4)
                        };
                        (c.code.clone(), AnswerValue::Score(s))
                    })
                    .chain([("overall".to_string(), AnswerValue::Score(4))])
                    .collect();
                tallies_map
                    .entry(TallyKey {
                        unit_code: code.clone(),
                        day,
                        form_id: form.id.clone(),
                        form_version: 1,
                    })
                    .or_default()
                    .add(&form, &values, false);
            }
            for &day in &days {
                dossier_rows.push(DossierCountRow {
                    unit_code: code.clone(),
                    day,
                    dossiers: rng.random_range(5..40),
                    synthetic: true,
                });
            }
        }
        store
            .write(|c| -> Result<(), hailong::store::StoreError> {
                tallies::insert_all(c, &tallies_map)?;
                dossiers::insert_new(c, &dossier_rows)
            })
            .unwrap();
    }
    eprintln!(
        "  filled {n_units} units × {per_unit} responses in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    store
        .write(|c| -> Result<(), hailong::store::StoreError> {
            if let hailong::store::DbConnection::Pg(pg) = c {
                pg.batch_execute("ANALYZE tallies; ANALYZE dossier_counts; ANALYZE units;")?;
            }
            Ok(())
        })
        .unwrap();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(label: &str, url: &str, n_units: usize, per_unit: usize) {
    println!("== {label}: {n_units} units × {per_unit} responses, 2026-Q1");
    let store = Store::open(url).unwrap();
    let forms = FormRegistry::builtin().unwrap();
    fill(&store, &forms, n_units, per_unit);
    let period = Period::parse("2026-Q1", Scheme::Calendar).unwrap();
    let settings = FeedbackSettings::default();
    let (mut plain, mut full) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        let table = indices::table(&store, &forms, &period, None).unwrap();
        plain.push(t.elapsed().as_secs_f64());
        let total = table.rows.iter().find(|r| r.unit_code == "TOTAL").unwrap();
        assert_eq!(total.responses, (n_units * per_unit) as u64);
        assert!(
            total.flags.iter().any(|f| f == "weighted"),
            "{:?}",
            total.flags
        );
        let t = Instant::now();
        let table =
            indices::full_table(&store, &forms, &period, None, &settings, chrono::Utc::now())
                .unwrap();
        full.push(t.elapsed().as_secs_f64());
        assert_eq!(table.rows.len(), n_units + 2);
    }
    println!(
        "  index table: median {:.0} ms; with the SPEC §9 columns (previous period, feedback): median {:.0} ms (5 runs each)",
        median(plain) * 1000.0,
        median(full) * 1000.0
    );
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too, without `--bench`: then this is a
    // quick smoke run, so CI proves the benchmark still works.
    let benching = std::env::args().any(|a| a == "--bench");
    let (n_units, per_unit) = if benching { (3321, 300) } else { (40, 30) };
    let dir = std::env::temp_dir().join(format!(
        "hailong-province-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    run(
        "SQLite",
        &format!("sqlite://{}", dir.join("bench.db").display()),
        n_units,
        per_unit,
    );
    if let (true, Ok(admin)) = (benching, std::env::var("HAILONG_BENCH_PG")) {
        let name = format!("hailong_bench_{}", uuid::Uuid::new_v4().simple());
        let mut c = diesel::PgConnection::establish(&admin).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.rsplit_once('/').unwrap().0.to_string();
        run("PostgreSQL", &format!("{base}/{name}"), n_units, per_unit);
        c.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
