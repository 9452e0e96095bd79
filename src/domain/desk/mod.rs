//! Desk ratings (METHODOLOGY "Desk ratings"; Decree 118/2025 Art. 31(b)): one tap on a tablet
//! at a counter, a score 1–5 and, for 3 or less, the reasons of Art. 33 and a comment. A
//! different instrument from the SIPAS questionnaire: it never enters a SIPAS index.

use super::num::Real;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::domain::stats::{self, Interval};

mod figures;
pub use figures::*;
mod officers;
pub use officers::*;

/// The reasons of Art. 33, in the law's order (a … i), by their codes.
pub const REASONS: [&str; 9] = [
    "time",
    "agencies",
    "visits",
    "information",
    "conduct",
    "cost",
    "explanation",
    "online",
    "other",
];

/// A comment's longest length, in characters.
pub const MAX_COMMENT: usize = 500;

/// The settings of the misuse rules, judged on tap times (METHODOLOGY "Desk ratings"): a tap
/// less than `interval` seconds after the device's previous tap is `rapid`; a tap less than
/// `BURST_GAP_SECS` after the previous one, when the device already had `burst` taps or more
/// in the `window` seconds before it, is `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misuse {
    pub interval_secs: i64,
    pub burst: usize,
    pub window_secs: i64,
}

/// A tap at least this many seconds after the device's previous one is never `burst`: an
/// honest rating after a pause does not share the fate of a run of taps before it.
pub const BURST_GAP_SECS: i64 = 30;

/// The oldest tap a tablet may still send (its offline queue): seven days.
pub const MAX_AGE_MS: i64 = 7 * 24 * 3600 * 1000;

impl Default for Misuse {
    fn default() -> Misuse {
        Misuse {
            interval_secs: 5,
            burst: 20,
            window_secs: 600,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Rapid,
    Burst,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Rapid => "rapid",
            Flag::Burst => "burst",
        }
    }

    /// A stored flag; an unknown one is an error (never read as "not flagged").
    pub fn parse(s: &str) -> Result<Flag, UnknownFlag> {
        match s {
            "rapid" => Ok(Flag::Rapid),
            "burst" => Ok(Flag::Burst),
            other => Err(UnknownFlag(other.chars().take(40).collect())),
        }
    }
}

/// A stored misuse flag this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown misuse flag \"{0}\"")]
pub struct UnknownFlag(pub String);

impl Misuse {
    /// The flag of a tap at `tap`, given the device's other recent taps (any order, any
    /// time: only those at or before `tap` are earlier, so a late queue is judged in tap
    /// order). `rapid` wins over `burst`.
    pub fn judge(&self, taps: &[DateTime<Utc>], tap: DateTime<Utc>) -> Option<Flag> {
        let gap_ms = |t: &DateTime<Utc>| (tap - *t).num_milliseconds();
        let earlier = || taps.iter().filter(|t| **t <= tap);
        let gap = earlier().map(gap_ms).min()?;
        if gap < self.interval_secs * 1000 {
            return Some(Flag::Rapid);
        }
        let within = earlier()
            .filter(|t| gap_ms(t) < self.window_secs * 1000)
            .count();
        (within >= self.burst && gap < BURST_GAP_SECS * 1000).then_some(Flag::Burst)
    }
}

/// The time of a tap sent `age` milliseconds after it happened (the tablet's queue): `now`
/// less the age; no age is 0. A negative age, one over seven days, or one that is not a
/// whole number is refused.
pub fn tap_time(now: DateTime<Utc>, age: Option<&str>) -> Result<DateTime<Utc>, RatingError> {
    let ms = match age {
        None | Some("") => 0,
        Some(a) if a.bytes().all(|b| b.is_ascii_digit()) && a.len() <= 12 => {
            a.parse::<i64>().ok().ok_or(RatingError::Age)?
        }
        Some(_) => return Err(RatingError::Age),
    };
    if ms > MAX_AGE_MS {
        return Err(RatingError::Age);
    }
    Ok(now - chrono::Duration::milliseconds(ms))
}

/// A counter's name as typed: trimmed, inner runs of blanks made one space, and refused when
/// it holds a character that shows nothing or controls the direction of text (two counters
/// must never look alike), or is empty or longer than `max` characters.
pub fn counter_name(typed: &str, max: usize) -> Option<String> {
    let words: Vec<&str> = typed.split_whitespace().collect();
    let name = words.join(" ");
    let bad = |c: char| c != ' ' && (c.is_control() || crate::domain::feedback::is_invisible(c));
    let marks = crate::domain::feedback::check_text(&name, max).ok()?;
    (marks == name && !name.is_empty() && !name.chars().any(bad)).then_some(name)
}

/// What is wrong with a rating as sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("the score is one of 1, 2, 3, 4, 5")]
    Score,
    #[error("\"{0}\" is not one of the reasons ({list})", list = REASONS.join(", "))]
    Reason(String),
    #[error("reasons and a comment are asked for a score of 3 or less only")]
    NotAsked,
    #[error("a comment has at most {MAX_COMMENT} characters")]
    Comment,
    #[error("the comment shows nothing, or holds control characters")]
    CommentText,
    #[error("at most {} reasons", REASONS.len())]
    TooMany,
    #[error("a field was sent twice")]
    Twice,
    #[error("the age is the whole milliseconds since the tap, from 0 to 7 days")]
    Age,
}

/// A rating's score, reasons (each once, in the law's order) and comment, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub score: u8,
    pub reasons: Vec<&'static str>,
    pub comment: Option<String>,
}

impl Rating {
    /// Reads a rating strictly: the score is exactly one digit 1–5; the comment is cleaned
    /// as a feedback text is (direction controls dropped, stacks of marks cut), and refused
    /// when it shows nothing or holds control characters other than line ends and tabs.
    pub fn parse(score: &str, reasons: &[String], comment: &str) -> Result<Rating, RatingError> {
        let score = match score.as_bytes() {
            [d @ b'1'..=b'5'] => d - b'0',
            _ => return Err(RatingError::Score),
        };
        if reasons.len() > REASONS.len() {
            return Err(RatingError::TooMany);
        }
        let mut chosen = Vec::new();
        for r in reasons.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            let Some(known) = REASONS.iter().find(|k| **k == r) else {
                return Err(RatingError::Reason(r.chars().take(40).collect()));
            };
            if !chosen.contains(known) {
                chosen.push(*known);
            }
        }
        chosen.sort_by_key(|r| REASONS.iter().position(|k| k == r));
        let comment = if comment.trim().is_empty() {
            None
        } else {
            if comment
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                return Err(RatingError::CommentText);
            }
            match crate::domain::feedback::check_text(comment, MAX_COMMENT) {
                Ok(text) => Some(text),
                Err(crate::domain::feedback::FeedbackProblem::TooLong { .. }) => {
                    return Err(RatingError::Comment)
                }
                Err(_) => return Err(RatingError::CommentText),
            }
        };
        if score > 3 && (!chosen.is_empty() || comment.is_some()) {
            return Err(RatingError::NotAsked);
        }
        Ok(Rating {
            score,
            reasons: chosen,
            comment,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_back_and_an_unknown_one_is_refused() {
        for f in [Flag::Rapid, Flag::Burst] {
            assert_eq!(Flag::parse(f.as_str()).ok(), Some(f));
        }
        assert!(Flag::parse("bogus").is_err());
        assert!(Flag::parse("").is_err());
    }
    use chrono::{Duration, TimeZone};

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap() + Duration::seconds(secs)
    }

    #[test]
    fn rapid_is_under_the_interval_and_burst_a_quick_tap_past_the_count() {
        let rule = Misuse::default();
        assert_eq!(rule.judge(&[], at(0)), None);
        // 4.999 s after the last: rapid; exactly 5 s: not.
        let just = at(10) - Duration::milliseconds(1);
        assert_eq!(rule.judge(&[at(5)], just), Some(Flag::Rapid));
        assert_eq!(rule.judge(&[at(5)], at(10)), None);
        // The same tap time twice (a copy): rapid.
        assert_eq!(rule.judge(&[at(5)], at(5)), Some(Flag::Rapid));
        // 20 taps 20 s apart are fine; the 21st within 10 minutes, 20 s after the last, is burst.
        let twenty: Vec<_> = (0..20).map(|i| at(i * 20)).collect();
        assert_eq!(rule.judge(&twenty[..19], at(19 * 20)), None);
        assert_eq!(rule.judge(&twenty, at(20 * 20)), Some(Flag::Burst));
        // The first of them 600 s before the tap is out of the window: 19 within, fine.
        let spread: Vec<_> = std::iter::once(at(0))
            .chain((0..19).map(|i| at(400 + i * 10)))
            .collect();
        assert_eq!(rule.judge(&spread, at(600)), None);
        assert_eq!(rule.judge(&spread, at(599)), Some(Flag::Burst));
        // Both apply: rapid wins.
        assert_eq!(rule.judge(&twenty, at(19 * 20 + 1)), Some(Flag::Rapid));
    }

    #[test]
    fn an_honest_tap_after_a_pause_is_not_burst() {
        let rule = Misuse::default();
        // 21 quick taps (6 s apart) fill the window.
        let run: Vec<_> = (0..21).map(|i| at(i * 6)).collect();
        let last = 20 * 6;
        // 29.999 s after the run's last tap: still part of it.
        let quick = at(last + 30) - Duration::milliseconds(1);
        assert_eq!(rule.judge(&run, quick), Some(Flag::Burst));
        // 30 s, 60 s after: a pause, never burst, however full the window.
        assert_eq!(rule.judge(&run, at(last + 30)), None);
        assert_eq!(rule.judge(&run, at(last + 60)), None);
    }

    #[test]
    fn a_late_queue_is_judged_on_its_tap_times_in_tap_order() {
        let rule = Misuse::default();
        // Known taps at 0 s and 100 s; a queued tap from 50 s arrives late: its previous tap is
        // the one at 0 s, and the one at 100 s (after it) does not make it rapid.
        assert_eq!(rule.judge(&[at(0), at(100)], at(50)), None);
        assert_eq!(rule.judge(&[at(0), at(100)], at(3)), Some(Flag::Rapid));
        // Two offline taps 6 s apart, sent together an hour later: neither is flagged.
        let first = rule.judge(&[], at(0));
        let second = rule.judge(&[at(0)], at(6));
        assert_eq!((first, second), (None, None));
    }

    #[test]
    fn the_tap_time_is_now_less_a_checked_age() {
        let now = at(1_000_000);
        assert_eq!(tap_time(now, None), Ok(now));
        assert_eq!(tap_time(now, Some("")), Ok(now));
        assert_eq!(tap_time(now, Some("6000")), Ok(now - Duration::seconds(6)));
        let week = MAX_AGE_MS.to_string();
        assert_eq!(
            tap_time(now, Some(&week)),
            Ok(now - Duration::days(7)),
            "seven days is the oldest"
        );
        let eight_days = (8 * 24 * 3600 * 1000_i64).to_string();
        for bad in [
            "-1",
            "abc",
            "1.5",
            " 5",
            "+5",
            &eight_days,
            "99999999999999999999",
        ] {
            assert_eq!(tap_time(now, Some(bad)), Err(RatingError::Age), "{bad}");
        }
    }

    #[test]
    fn a_counter_name_shows_what_it_holds() {
        assert_eq!(counter_name("  Quầy   1 ", 40).as_deref(), Some("Quầy 1"));
        let long = "x".repeat(41);
        let stacked = format!("Q{}", "\u{301}".repeat(10));
        for bad in [
            "",
            "   ",
            "Quầy\u{200B}1",
            "Quầy 1\u{202E}",
            "\u{3164}",
            "Quầy\u{1b}1",
            &long,
            &stacked,
        ] {
            assert_eq!(counter_name(bad, 40), None, "{bad:?}");
        }
    }

    #[test]
    fn a_rating_is_read_strictly() {
        let r = Rating::parse(
            "2",
            &["visits".into(), "time".into(), "time".into()],
            " chờ lâu ",
        )
        .unwrap();
        assert_eq!(r.score, 2);
        assert_eq!(
            r.reasons,
            vec!["time", "visits"],
            "once each, in the law's order"
        );
        assert_eq!(r.comment.as_deref(), Some("chờ lâu"));
        for bad in ["0", "6", "abc", "", "2.5", " 2 ", "+3", "03", "２"] {
            assert_eq!(
                Rating::parse(bad, &[], ""),
                Err(RatingError::Score),
                "{bad}"
            );
        }
        assert!(matches!(
            Rating::parse("1", &["bribe".into()], ""),
            Err(RatingError::Reason(_))
        ));
        assert_eq!(
            Rating::parse("5", &["time".into()], ""),
            Err(RatingError::NotAsked)
        );
        assert_eq!(
            Rating::parse("3", &[], &"x".repeat(501)),
            Err(RatingError::Comment)
        );
        assert!(Rating::parse("3", &[], &"ư".repeat(500)).is_ok());
        let hundred: Vec<String> = (0..100).map(|_| "time".to_string()).collect();
        assert_eq!(Rating::parse("2", &hundred, ""), Err(RatingError::TooMany));
        // The feedback form's hygiene: controls refused, invisible texts refused, direction
        // marks dropped, stacks of marks cut.
        for bad in ["a\u{1b}[31mred\u{7}", "\u{200B}", "\u{2800}\u{2800}"] {
            assert_eq!(
                Rating::parse("2", &[], bad),
                Err(RatingError::CommentText),
                "{bad:?}"
            );
        }
        let r = Rating::parse("2", &[], "abc\u{202E}evil").unwrap();
        assert_eq!(r.comment.as_deref(), Some("abcevil"));
        let stacked = format!("a{}", "\u{301}".repeat(50));
        let r = Rating::parse("2", &[], &stacked).unwrap();
        assert_eq!(r.comment.unwrap().chars().count(), 4);
        let r = Rating::parse("1", &[], "dòng 1\ndòng 2").unwrap();
        assert!(r.comment.unwrap().contains('\n'), "line ends stay");
    }

    #[test]
    fn figures_leave_flagged_ratings_out_and_share_reasons_among_those_who_chose() {
        let r = |score: u8, reasons: &[&str], flag: Option<Flag>| Scored {
            score,
            reasons: reasons.iter().map(|s| s.to_string()).collect(),
            flag,
        };
        let all = vec![
            r(5, &[], None),
            r(5, &[], None),
            r(4, &[], None),
            r(2, &["time", "visits"], None),
            r(3, &["time"], None),
            r(1, &[], None),
            r(1, &["conduct"], Some(Flag::Rapid)),
            r(5, &[], Some(Flag::Burst)),
        ];
        let f = figures(&all);
        // n = 6 unflagged, x = 3 (5, 5, 4): 50 %; mean (5+5+4+2+3+1)/6 = 3.333…
        assert_eq!((f.ratings, f.flagged, f.satisfied), (6, 2, 3));
        assert_eq!(f.satisfied_pct, Some(50.0));
        assert!((f.mean_score.unwrap() - 20.0 / 6.0).abs() < 1e-12);
        // Wilson 3/6: 18.76 … 81.24.
        let ci = f.ci.unwrap();
        assert_eq!(
            (stats::round2(ci.low), stats::round2(ci.high)),
            (18.76, 81.24)
        );
        // Two low ratings chose reasons: time 2/2, visits 1/2; the flagged "conduct" is out.
        assert_eq!(f.reasons, vec![("time", 100.0), ("visits", 50.0)]);
        assert_eq!(figures(&[]), DeskFigures::default());
    }

    #[test]
    fn methodologys_worked_example_of_four_officers() {
        // Unit m = 900/1000 = 90.00 %.
        let rule = Fairness::default();
        let r2 = |x: Option<f64>| x.map(stats::round2);
        let check = |x, n, raw, low, high, adjusted, band| {
            let f = officer_figure(x, n, 90.0, &rule);
            let ci = f.ci.unwrap();
            assert_eq!(r2(f.raw_pct), Some(raw), "{x}/{n} raw");
            assert_eq!(
                (stats::round2(ci.low), stats::round2(ci.high)),
                (low, high),
                "{x}/{n} Wilson"
            );
            assert_eq!(r2(f.adjusted_pct), Some(adjusted), "{x}/{n} adjusted");
            assert_eq!(f.band, band, "{x}/{n} band");
        };
        check(50, 60, 83.33, 71.97, 90.69, 85.00, Band::Within);
        check(25, 40, 62.50, 47.03, 75.78, 71.67, Band::Below);
        check(58, 60, 96.67, 88.64, 99.08, 95.00, Band::Within);
        // D 9/10: too few ratings, no figure.
        let d = officer_figure(9, 10, 90.0, &rule);
        assert_eq!(
            (d.band, d.raw_pct, d.adjusted_pct, d.ci),
            (Band::TooFew, None, None, None)
        );
        // Above: the whole interval over the unit's share.
        assert_eq!(officer_figure(99, 100, 80.0, &rule).band, Band::Above);
    }

    #[test]
    fn standings_measure_each_officer_against_the_whole_unit() {
        let rule = Fairness {
            min_n: 3,
            prior: 20.0,
        };
        let r = |counter: &str, officer: Option<i64>, score: u8, flagged: bool| Attributed {
            counter: counter.into(),
            officer,
            score,
            flagged,
        };
        let ratings = vec![
            r("Quầy 1", Some(1), 5, false),
            r("Quầy 1", Some(1), 4, false),
            r("Quầy 1", Some(1), 2, false),
            r("Quầy 1", Some(1), 5, true),
            r("Quầy 2", Some(2), 5, false),
            r("Quầy 2", None, 1, false),
            r("Quầy 2", None, 5, false),
        ];
        let names: BTreeMap<i64, String> =
            [(1, "zoe".into()), (2, "an".into()), (3, "binh".into())]
                .into_iter()
                .collect();
        let u = standings("p", "Phường P", &ratings, &names, &rule);
        // m over all six unflagged ratings, attributed or not: 4 of 6.
        assert_eq!(
            (u.satisfied, u.ratings, u.flagged, u.unattributed),
            (4, 6, 1, 2)
        );
        assert!((u.unit_pct.unwrap() - 400.0 / 6.0).abs() < 1e-9);
        // By name, not by figure; binh has no ratings and stands as too few.
        let who: Vec<&str> = u.officers.iter().map(|s| s.who.as_str()).collect();
        assert_eq!(who, vec!["an", "binh", "zoe"]);
        let zoe = &u.officers[2];
        assert_eq!((zoe.satisfied, zoe.flagged, zoe.figure.ratings), (2, 1, 3));
        // (2 + 20·4/6) / (3 + 20) = 0.66666…
        assert!(
            (zoe.figure.adjusted_pct.unwrap() - 100.0 * (2.0 + 20.0 * 4.0 / 6.0) / 23.0).abs()
                < 1e-9
        );
        assert_eq!(u.officers[0].figure.band, Band::TooFew, "an: 1 rating");
        assert_eq!(u.officers[1].figure.band, Band::TooFew, "binh: none");
        let counters: Vec<(&str, u64)> = u
            .counters
            .iter()
            .map(|s| (s.who.as_str(), s.figure.ratings))
            .collect();
        assert_eq!(counters, vec![("Quầy 1", 3), ("Quầy 2", 3)]);
    }
}
