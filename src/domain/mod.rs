//! The domain: pure types and rules, no I/O, no clock, no randomness that is not passed in.

pub mod actions;
pub mod desk;
pub mod feedback;
pub mod form;
pub mod index;
pub mod invite;
pub mod lang;
pub mod num;
pub mod paper;
pub mod period;
pub mod personal;
pub mod privacy;
pub mod quote;
pub mod report;
pub mod requests;
pub mod returned;
pub mod stats;
pub mod table;
pub mod ticket;
pub mod topics;
pub mod unit;
pub mod user;

#[cfg(test)]
mod properties;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Vietnam keeps UTC+7 all year (Asia/Ho_Chi_Minh): a response belongs to the local date
/// of its submission (METHODOLOGY §4).
#[allow(clippy::expect_used)]
pub fn local_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

use chrono::TimeZone;

pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&local_offset()).date_naive()
}

/// The start of a local date (00:00 in UTC+7), in UTC.
pub fn local_midnight_utc(date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    match local_offset().from_local_datetime(&naive).single() {
        Some(t) => t.with_timezone(&Utc),
        None => naive.and_utc(),
    }
}

/// A time cut to its (UTC) day: what is kept of when a response came or a ticket was used,
/// so that neither can be joined to the other, or to a visit, by the minute.
pub fn day_of(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    at.date().and_hms_opt(0, 0, 0).unwrap_or(at)
}

/// A text without its diacritics, lower-case (`Mật khẩu` → `mat khau`; `đ` → `d`): how
/// passwords are weighed and comment topics matched.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.to_lowercase()
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_evening_in_utc_is_the_next_day_in_vietnam() {
        let at = DateTime::parse_from_rfc3339("2021-03-31T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_date(at), NaiveDate::from_ymd_opt(2021, 4, 1).unwrap());
        let at = DateTime::parse_from_rfc3339("2021-03-31T16:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            local_date(at),
            NaiveDate::from_ymd_opt(2021, 3, 31).unwrap()
        );
        assert_eq!(
            local_midnight_utc(NaiveDate::from_ymd_opt(2021, 4, 1).unwrap()).to_rfc3339(),
            "2021-03-31T17:00:00+00:00"
        );
    }
}
