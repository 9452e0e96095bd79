//! The demo's rating tablets: each new ward (from 1 July 2025) has two or three paired
//! counters with ratings on every working day to 30 September 2026, higher than the SIPAS
//! survey (rated in front of the officer), low ratings mostly for time and repeat visits,
//! and now and then a rapid burst (a child tapping, an officer pressing) that the flags catch.
//!
//! Each ward has four synthetic officers (`demo.an.<ward>` …, who cannot sign in) who open
//! the counters: An is rated above the ward, Bình as the ward, Chi below it, and Dũng sits at
//! a counter so rarely that he has too few ratings for a figure, so the officers' page shows
//! all four bands. Some days a counter changes hands at noon, and some days nobody opened it
//! (its ratings go to no officer).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::ticket::hash_secret;
use crate::store::kiosks::{self, NewKiosk, RatingRow};
use crate::store::users;
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

/// The demo officers of a ward, and the share of their ratings that are 4 or 5.
const OFFICERS: [(&str, f64); 4] = [("an", 0.975), ("binh", 0.91), ("chi", 0.78), ("dung", 0.9)];

/// The demo officers' names as staff pages show them (by the login's middle part).
const NAMES: [(&str, &str); 4] = [
    ("an", "Nguyễn Văn An"),
    ("binh", "Trần Thị Bình"),
    ("chi", "Lê Minh Chi"),
    ("dung", "Phạm Quốc Dũng"),
];

/// A score on the demo's scale; `satisfied` the chance of a 4 or 5 (the weights of `SCORES`
/// within the satisfied and the other scores).
fn score(rng: &mut StdRng, satisfied: f64) -> i16 {
    let (high, low) = SCORES.split_at(3);
    let (pick, total): (&[(i16, f64)], f64) = if rng.random::<f64>() < satisfied {
        (low, low.iter().map(|s| s.1).sum())
    } else {
        (high, high.iter().map(|s| s.1).sum())
    };
    let mut x: f64 = rng.random::<f64>() * total;
    for (s, w) in pick {
        if x < *w {
            return *s;
        }
        x -= w;
    }
    pick.last().map_or(5, |s| s.0)
}

/// The ward's demo officers (made now; they have no password, so nobody signs in as one):
/// their ids with the chance of a 4 or 5 each is given.
fn officers(
    conn: &mut DbConnection,
    ward: &str,
    at: chrono::NaiveDateTime,
) -> Result<Vec<(i64, f64)>, StoreError> {
    let mut out = Vec::new();
    for (name, satisfied) in OFFICERS {
        let username = format!("demo.{name}.{ward}");
        users::insert(conn, &username, "!", "officer", Some(ward), at)?;
        if let Some(row) = users::by_name(conn, &username)? {
            if let Some((_, shown)) = NAMES.iter().find(|(n, _)| *n == name) {
                users::set_display_name(conn, row.id, shown)?;
            }
            out.push((row.id, satisfied));
        }
    }
    Ok(out)
}

/// Who has counter `n` of a ward open on a day: by turns among the first three officers,
/// the fourth now and then, nobody on one counter-day in ten, and a change of hands at noon
/// on one in four (the ratings split between the two).
fn shifts(
    rng: &mut StdRng,
    staff: &[(i64, f64)],
    n: usize,
    day_no: usize,
) -> Vec<Option<(i64, f64)>> {
    let [s0, s1, s2, s3, ..] = *staff else {
        return vec![None];
    };
    if rng.random::<f64>() < 0.1 {
        return vec![None];
    }
    let by_turns = |k: usize| match k % 3 {
        0 => s0,
        1 => s1,
        _ => s2,
    };
    let regular = by_turns(n + day_no);
    let first = if n == 1 && rng.random::<f64>() < 0.03 {
        s3
    } else {
        regular
    };
    if rng.random::<f64>() < 0.25 {
        vec![Some(first), Some(by_turns(n + day_no + 1))]
    } else {
        vec![Some(first)]
    }
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
        let at = paired_on.and_hms_opt(1, 0, 0).unwrap_or_default();
        let staff = officers(conn, ward, at)?;
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
            let mut day_no = 0;
            while day <= last {
                if day.weekday() != Weekday::Sun {
                    day_no += 1;
                    let per_day = if day.weekday() == Weekday::Sat {
                        3
                    } else {
                        4 + rng.random_range(0..5)
                    };
                    let hands = shifts(&mut rng, &staff, n, day_no);
                    for i in 0..per_day {
                        let who = hands.get(i * hands.len() / per_day).copied().flatten();
                        let satisfied = who.map_or(0.9, |w| w.1);
                        let mut r = rating(&mut rng, id, ward, n, day, None, satisfied);
                        r.officer_id = who.map(|w| w.0);
                        rows.push(r);
                    }
                    // About one day in sixty: a burst of rapid taps, flagged on arrival.
                    if rng.random::<f64>() < 1.0 / 60.0 {
                        let s = if rng.random::<bool>() { 1 } else { 5 };
                        for _ in 0..rng.random_range(4..9) {
                            let mut r = rating(&mut rng, id, ward, n, day, Some("rapid"), 0.9);
                            r.score = s;
                            r.reasons = String::new();
                            r.officer_id = hands.first().copied().flatten().map(|w| w.0);
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
    satisfied: f64,
) -> RatingRow {
    let score = score(rng, satisfied);
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
        settled: true,
    }
}
