//! Properties of the pure rules, on many generated inputs (issue 31): intervals, shrinkage,
//! desk misuse in any arrival order, period arithmetic, paper comparison and masking.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use crate::domain::desk::{officer_figure, Fairness, Misuse};
use crate::domain::paper::{differences, Row, RowKind, Typed};
use crate::domain::period::{Period, Scheme};
use crate::domain::privacy::mask;
use crate::domain::stats::wilson;

proptest! {
    /// Wilson bounds lie in [0, 100] and around the observed share.
    #[test]
    fn wilson_bounds_are_inside_and_around_p(n in 1u64..100_000, share in 0.0f64..=1.0) {
        let r = ((n as f64) * share).floor() as u64;
        let i = wilson(r, n).unwrap();
        let p = 100.0 * r as f64 / n as f64;
        prop_assert!(0.0 <= i.low && i.low <= p + 1e-9 && p <= i.high + 1e-9 && i.high <= 100.0,
            "{r}/{n}: {} ≤ {p} ≤ {}", i.low, i.high);
        prop_assert!(wilson(r, 0).is_none() && wilson(n + 1, n).is_none());
    }

    /// An officer's adjusted share lies between the raw share and the unit's.
    #[test]
    fn shrinkage_lies_between_raw_and_the_unit(n in 30u64..5000, share in 0.0f64..=1.0, m in 0.0f64..=100.0) {
        let x = ((n as f64) * share).floor() as u64;
        let f = officer_figure(x, n, m, &Fairness::default());
        let (raw, adjusted) = (f.raw_pct.unwrap(), f.adjusted_pct.unwrap());
        let (lo, hi) = if raw <= m { (raw, m) } else { (m, raw) };
        prop_assert!(lo - 1e-9 <= adjusted && adjusted <= hi + 1e-9, "{raw} {adjusted} {m}");
    }

    /// A tap's misuse flag depends only on the taps before it in tap time: the tablet's other
    /// taps given in any order, later ones (a queue sent late) and replays of later ones
    /// included, judge it as the earlier ones alone do.
    #[test]
    fn misuse_flags_follow_tap_time_whatever_the_arrival(
        gaps in prop::collection::vec(1i64..120_000, 1..40),
        seed in any::<u64>(),
    ) {
        let rule = Misuse { interval_secs: 5, burst: 10, window_secs: 600 };
        let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let mut taps = Vec::new();
        let mut t = start;
        for g in gaps {
            t += Duration::milliseconds(g);
            taps.push(t);
        }
        let mut s = seed;
        for (i, tap) in taps.iter().enumerate() {
            let earlier = &taps[..i];
            let mut arrived: Vec<DateTime<Utc>> = taps.iter().filter(|o| *o != tap).copied().collect();
            // Replays of the later taps, then the whole in a random order.
            arrived.extend(taps[i + 1..].iter().copied());
            for j in (1..arrived.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                arrived.swap(j, (s >> 33) as usize % (j + 1));
            }
            prop_assert_eq!(rule.judge(&arrived, *tap), rule.judge(earlier, *tap), "tap {}", i);
        }
    }

    /// A period's label reads back as the same period, and the previous quarter, month, half
    /// or year ends the day before it starts.
    #[test]
    fn periods_round_trip_and_follow_one_another(year in 2001i32..2100, n in 1u32..=12, kind in 0u8..4, decree in any::<bool>()) {
        let scheme = if decree { Scheme::Decree09 } else { Scheme::Calendar };
        let label = match kind {
            0 => format!("{year}-Q{}", (n - 1) % 4 + 1),
            1 => format!("{year}-{n:02}"),
            2 => format!("{year}-H{}", (n - 1) % 2 + 1),
            _ => format!("{year}"),
        };
        let p = Period::parse(&label, scheme).unwrap();
        prop_assert_eq!(&p.label, &label);
        prop_assert_eq!(Period::parse(&p.label, scheme).unwrap(), p.clone());
        let before = p.previous().unwrap();
        prop_assert_eq!(before.end + Duration::days(1), p.start, "{} then {}", before.label, p.label);
        prop_assert!(p.start <= p.end);
    }

    /// Paper entries: the differences are symmetric (values swapped) and none on equal entries.
    #[test]
    fn paper_differences_are_symmetric_and_empty_on_equal_entries(
        a in prop::collection::btree_map("[a-e]", "[0-5]?", 0..5),
        b in prop::collection::btree_map("[a-e]", "[0-5]?", 0..5),
    ) {
        let rows: Vec<Row> = ["a", "b", "c", "d", "e"].iter().map(|k| Row {
            key: k.to_string(),
            number: k.to_string(),
            label: k.to_string(),
            group: String::new(),
            kind: RowKind::Score,
            choices: Vec::new(),
        }).collect();
        let (a, b): (Typed, Typed) = (a, b);
        prop_assert!(differences(&rows, &a, &a).is_empty());
        let ab = differences(&rows, &a, &b);
        let ba: Vec<_> = differences(&rows, &b, &a).into_iter().map(|(k, x, y)| (k, y, x)).collect();
        prop_assert_eq!(ab, ba);
    }

    /// Masking twice masks nothing more: what is published once is stable.
    #[test]
    fn masking_is_idempotent(text in prop_oneof!["[0-9a-zA-Z@. \\-+()không chín một hai ba]{0,60}", "\\PC{0,80}"]) {
        let once = mask(&text);
        prop_assert_eq!(mask(&once), once.clone());
    }
}
