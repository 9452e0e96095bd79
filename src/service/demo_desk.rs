//! The demo's rating tablets: each new ward (from 1 July 2025) has two or three paired
//! counters with ratings on every working day to 30 September 2026, higher than the SIPAS
//! survey (rated in front of the officer), low ratings mostly for time and repeat visits,
//! and now and then a rapid burst (a child tapping, an officer pressing) that the flags catch.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::ticket::hash_secret;
use crate::store::kiosks::{self, NewKiosk, RatingRow};
use crate::store::{DbConnection, StoreError};

/// Scores 1..=5 and their weights: 2 %, 3 %, 5 %, 28 %, 62 % (about 90 % satisfied).
const SCORES: [(i16, f64); 5] = [(1, 0.02), (2, 0.03), (3, 0.05), (4, 0.28), (5, 0.62)];
/// Reasons a low rating gives, with how likely each is chosen.
const REASONS: [(&str, f64); 6] = [
    ("time", 0.5),
    ("visits", 0.35),
    ("information", 0.15),
    ("online", 0.1),
    ("conduct", 0.08),
    ("other", 0.05),
];

fn score(rng: &mut StdRng) -> i16 {
    let mut x: f64 = rng.random();
    for (s, w) in SCORES {
        if x < w {
            return s;
        }
        x -= w;
    }
    5
}

fn reasons(rng: &mut StdRng) -> String {
    let chosen: Vec<&str> = REASONS
        .iter()
        .filter(|(_, p)| rng.random::<f64>() < *p)
        .map(|(r, _)| *r)
        .collect();
    let order = crate::domain::desk::REASONS;
    let mut sorted = chosen;
    sorted.sort_by_key(|r| order.iter().position(|k| k == r));
    sorted.join(",")
}

fn uuid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

/// Adds the tablets and their ratings, in the demo's transaction; how many ratings.
pub fn insert(
    conn: &mut DbConnection,
    wards: &[&str],
    paired_on: NaiveDate,
    last: NaiveDate,
) -> Result<usize, StoreError> {
    let mut rng = StdRng::seed_from_u64(31);
    let mut rows = Vec::new();
    for ward in wards {
        let counters = 2 + usize::from(rng.random::<f64>() < 0.5);
        for n in 1..=counters {
            let secret = hex::encode(rng.random::<[u8; 16]>());
            let at = paired_on.and_hms_opt(1, 0, 0).unwrap_or_default();
            let id = kiosks::insert(
                conn,
                &NewKiosk {
                    unit_code: ward.to_string(),
                    counter: format!("Quầy {n}"),
                    pairing_hash: None,
                    pairing_expires_at: None,
                    secret_hash: Some(hash_secret(&format!("demo-{secret}"))),
                    created_at: at,
                    created_by: "demo".into(),
                    paired_at: Some(at),
                    synthetic: true,
                },
            )?;
            let mut day = paired_on;
            while day <= last {
                if day.weekday() != Weekday::Sun {
                    let per_day = if day.weekday() == Weekday::Sat {
                        3
                    } else {
                        4 + rng.random_range(0..5)
                    };
                    for _ in 0..per_day {
                        rows.push(rating(&mut rng, id, ward, n, day, None));
                    }
                    // About one day in sixty: a burst of rapid taps, flagged on arrival.
                    if rng.random::<f64>() < 1.0 / 60.0 {
                        let s = if rng.random::<bool>() { 1 } else { 5 };
                        for _ in 0..rng.random_range(4..9) {
                            let mut r = rating(&mut rng, id, ward, n, day, Some("rapid"));
                            r.score = s;
                            r.reasons = String::new();
                            rows.push(r);
                        }
                    }
                }
                day += Duration::days(1);
            }
        }
    }
    kiosks::insert_ratings(conn, &rows)?;
    Ok(rows.len())
}

fn rating(
    rng: &mut StdRng,
    kiosk: i64,
    ward: &str,
    n: usize,
    day: NaiveDate,
    flag: Option<&str>,
) -> RatingRow {
    let score = score(rng);
    let reasons = if score <= 3 && rng.random::<f64>() < 0.7 {
        reasons(rng)
    } else {
        String::new()
    };
    RatingRow {
        id: uuid(rng),
        kiosk_id: kiosk,
        unit_code: ward.to_string(),
        counter: format!("Quầy {n}"),
        day,
        score,
        reasons,
        comment: None,
        flag: flag.map(str::to_string),
        synthetic: true,
        officer_id: None,
    }
}
