//! A citizen's request about their personal data (SPEC §13; Law 91/2025, Decree 356/2025):
//! access, correction, deletion, withdrawal of consent — acknowledged within `ack` working
//! days, done within `done`, once extended by `done` more with a reason.

use chrono::NaiveDate;

use crate::domain::feedback::Calendar;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Access,
    Correction,
    Deletion,
    Withdrawal,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] = [
        RequestKind::Access,
        RequestKind::Correction,
        RequestKind::Deletion,
        RequestKind::Withdrawal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Correction => "correction",
            RequestKind::Deletion => "deletion",
            RequestKind::Withdrawal => "withdrawal",
        }
    }

    pub fn parse(s: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A phone's one-time code (a request proved by the phone an invitation went to): its
/// digits, the minutes it is good for, the wrong tries it takes, and how many codes one
/// number may be sent a day.
pub const CODE_DIGITS: u32 = 6;
pub const CODE_MINUTES: i64 = 10;
pub const CODE_TRIES: i32 = 5;
pub const CODES_PER_DAY: i32 = 3;

/// The code's SMS when none is configured (no diacritics: one segment).
pub const DEFAULT_CODE_SMS: &str =
    "Hailong: ma xac minh yeu cau ve du lieu ca nhan cua ong/ba la {code} (dung trong 10 phut). Khong dua ma nay cho ai.";

/// Working days to acknowledge and to complete (`--privacy-ack-days`, `--privacy-done-days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestDeadlines {
    pub ack: u32,
    pub done: u32,
}

impl Default for RequestDeadlines {
    fn default() -> RequestDeadlines {
        RequestDeadlines { ack: 2, done: 15 }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDates {
    pub received: NaiveDate,
    pub acknowledged: Option<NaiveDate>,
    pub extended: bool,
    pub completed: Option<NaiveDate>,
}

impl RequestDates {
    /// The day it must be acknowledged by, and the day it must be done by.
    pub fn due(&self, cal: &Calendar, d: RequestDeadlines) -> (NaiveDate, NaiveDate) {
        let done = if self.extended { 2 * d.done } else { d.done };
        (
            cal.add_working_days(self.received, d.ack),
            cal.add_working_days(self.received, done),
        )
    }

    /// The step past its deadline on `today`: `ack` or `done`.
    pub fn overdue(
        &self,
        today: NaiveDate,
        cal: &Calendar,
        d: RequestDeadlines,
    ) -> Option<&'static str> {
        let (ack, done) = self.due(cal, d);
        if self.completed.is_some() {
            return None;
        }
        if today > done {
            Some("done")
        } else if self.acknowledged.is_none() && today > ack {
            Some("ack")
        } else {
            None
        }
    }
}

/// The longest reason for an extension, and the shortest.
pub const REASON_MAX: usize = 500;

/// A reason given for an extension: 5 to 500 characters, no control characters.
pub fn check_reason(reason: &str) -> Option<String> {
    let r = reason.trim();
    let n = r.chars().count();
    ((5..=REASON_MAX).contains(&n) && !r.chars().any(char::is_control)).then(|| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn deadlines_count_working_days_over_a_holiday() {
        // Received Thursday 30 April 2026; 1 May (Friday) is a holiday.
        let cal = Calendar::new([day(5, 1)]);
        let d = RequestDeadlines::default();
        let mut r = RequestDates {
            received: day(4, 30),
            acknowledged: None,
            extended: false,
            completed: None,
        };
        // Working days after it: Mon 4 May, Tue 5 May.
        assert_eq!(r.due(&cal, d).0, day(5, 5));
        // Fifteen: 4–8, 11–15, 18–22 May.
        assert_eq!(r.due(&cal, d).1, day(5, 22));
        assert_eq!(r.overdue(day(5, 6), &cal, d), Some("ack"));
        r.acknowledged = Some(day(5, 4));
        assert_eq!(r.overdue(day(5, 6), &cal, d), None);
        assert_eq!(r.overdue(day(5, 25), &cal, d), Some("done"));
        r.extended = true;
        assert_eq!(r.due(&cal, d).1, day(6, 12));
        assert_eq!(r.overdue(day(5, 25), &cal, d), None);
        assert!(check_reason("  cần thêm thời gian  ").is_some());
        assert!(check_reason("x").is_none());
        assert!(check_reason(&"x".repeat(501)).is_none());
    }
}
