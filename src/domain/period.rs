//! Reporting periods (kỳ báo cáo): a month, quarter, half-year, nine months or year, on the
//! calendar or on the state reporting cut-off of Decree 09/2019/NĐ-CP (the 15th of the month
//! before to the 14th), or a custom range. A period is a closed range of local dates (UTC+7).

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Q1 = 1 Jan–31 Mar, and so on.
    #[default]
    Calendar,
    /// Decree 09/2019/NĐ-CP Art. 12: 2021-Q1 = 15 Dec 2020–14 Mar 2021.
    Decree09,
}

impl Scheme {
    pub fn parse(s: &str) -> Result<Scheme, PeriodError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "calendar" => Ok(Scheme::Calendar),
            "decree09" => Ok(Scheme::Decree09),
            other => Err(PeriodError(format!(
                "\"{other}\" is not a period scheme: use calendar or decree09"
            ))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Calendar => "calendar",
            Scheme::Decree09 => "decree09",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Month(u32),
    Quarter(u32),
    Half(u32),
    NineMonths,
    Year,
    Custom,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub label: String,
    pub kind: Kind,
    pub year: i32,
    /// First local date in the period.
    pub start: NaiveDate,
    /// Last local date in the period (inclusive).
    pub end: NaiveDate,
    pub scheme: Scheme,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PeriodError(pub String);

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, PeriodError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| PeriodError(format!("{y}-{m:02}-{d:02} is not a date")))
}

/// The last day of month `m` of year `y`.
fn month_end(y: i32, m: u32) -> Result<NaiveDate, PeriodError> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Ok(date(ny, nm, 1)? - Duration::days(1))
}

/// Months `first..=last` of year `y` under a scheme.
fn months(
    y: i32,
    first: u32,
    last: u32,
    scheme: Scheme,
) -> Result<(NaiveDate, NaiveDate), PeriodError> {
    match scheme {
        Scheme::Calendar => Ok((date(y, first, 1)?, month_end(y, last)?)),
        Scheme::Decree09 => {
            let start = if first == 1 {
                date(y - 1, 12, 15)?
            } else {
                date(y, first - 1, 15)?
            };
            Ok((start, date(y, last, 14)?))
        }
    }
}

const HELP: &str = "write a period as 2021-Q1, 2021-H1, 2021-9M, 2021 or 2021-03";

impl Period {
    /// Reads `2021-Q1`, `2021-H1`, `2021-9M`, `2021`, `2021-03`.
    pub fn parse(text: &str, scheme: Scheme) -> Result<Period, PeriodError> {
        let t = text.trim().to_ascii_uppercase();
        let bad = || PeriodError(format!("\"{}\" is not a period: {HELP}", text.trim()));
        let (year_s, rest) = match t.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (t.as_str(), None),
        };
        if year_s.len() != 4 {
            return Err(bad());
        }
        let year: i32 = year_s.parse().ok().ok_or_else(&bad)?;
        if !(2000..=2100).contains(&year) {
            return Err(PeriodError(format!(
                "the year {year} is out of range (2000–2100)"
            )));
        }
        let (kind, first, last) = match rest {
            None => (Kind::Year, 1, 12),
            Some("H1") => (Kind::Half(1), 1, 6),
            Some("H2") => (Kind::Half(2), 7, 12),
            Some("9M") => (Kind::NineMonths, 1, 9),
            Some(q) if q.len() == 2 && q.starts_with('Q') => {
                let n: u32 = q[1..].parse().ok().ok_or_else(&bad)?;
                if !(1..=4).contains(&n) {
                    return Err(PeriodError(format!(
                        "\"{}\": a year has quarters Q1 to Q4",
                        text.trim()
                    )));
                }
                (Kind::Quarter(n), 3 * n - 2, 3 * n)
            }
            Some(m) if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) => {
                let n: u32 = m.parse().ok().ok_or_else(&bad)?;
                if !(1..=12).contains(&n) {
                    return Err(PeriodError(format!(
                        "\"{}\": months run from 01 to 12",
                        text.trim()
                    )));
                }
                (Kind::Month(n), n, n)
            }
            Some(_) => return Err(bad()),
        };
        let (start, end) = months(year, first, last, scheme)?;
        let label = match kind {
            Kind::Year => format!("{year}"),
            Kind::Half(h) => format!("{year}-H{h}"),
            Kind::NineMonths => format!("{year}-9M"),
            Kind::Quarter(q) => format!("{year}-Q{q}"),
            Kind::Month(m) => format!("{year}-{m:02}"),
            Kind::Custom => String::new(),
        };
        Ok(Period {
            label,
            kind,
            year,
            start,
            end,
            scheme,
        })
    }

    /// The quarter that holds `day` under `scheme`: under Decree 09 a quarter runs from the
    /// 15th of the month before it, so 20 December 2025 is in 2026-Q1.
    pub fn quarter_containing(day: NaiveDate, scheme: Scheme) -> Result<Period, PeriodError> {
        let (mut year, month) = (day.year(), day.month());
        let mut quarter = (month - 1) / 3 + 1;
        if scheme == Scheme::Decree09 && day.day() >= 15 && month % 3 == 0 {
            // The last month of a quarter, from its 15th: the next quarter has begun.
            quarter += 1;
            if quarter == 5 {
                quarter = 1;
                year += 1;
            }
        }
        Period::parse(&format!("{year}-Q{quarter}"), scheme)
    }

    /// The same period, cut to end by `last` at the latest (the days before a day still
    /// open). When `last` is before its start it holds no day: nothing is read for it.
    pub fn through(mut self, last: NaiveDate) -> Period {
        self.end = self.end.min(last);
        self
    }

    /// A custom range of local dates, both ends included.
    pub fn custom(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if to < from {
            return Err(PeriodError(format!(
                "the period ends ({to}) before it starts ({from})"
            )));
        }
        if (to - from).num_days() > 3660 {
            return Err(PeriodError(
                "a custom period may span at most ten years".into(),
            ));
        }
        Ok(Period {
            label: format!("{from}..{to}"),
            kind: Kind::Custom,
            year: from.year(),
            start: from,
            end: to,
            scheme: Scheme::Calendar,
        })
    }

    /// Reads `from`/`to` ISO dates, as given in a query string.
    pub fn parse_range(from: &str, to: &str) -> Result<Period, PeriodError> {
        let d = |s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .ok_or_else(|| {
                    PeriodError(format!("\"{}\" is not a date like 2021-01-31", s.trim()))
                })
        };
        Period::custom(d(from)?, d(to)?)
    }

    /// A named period, or a from/to range; `None` when neither (or both) is given, so each
    /// caller can say how to give one in its own terms (query string or command line).
    pub fn from_parts(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        scheme: Scheme,
    ) -> Option<Result<Period, PeriodError>> {
        match (period, from, to) {
            (Some(p), None, None) => Some(Period::parse(p, scheme)),
            (None, Some(f), Some(t)) => Some(Period::parse_range(f, t)),
            _ => None,
        }
    }

    /// The previous period of the same kind, for the change column of reports.
    pub fn previous(&self) -> Result<Period, PeriodError> {
        let y = self.year;
        let label = match self.kind {
            Kind::Year => format!("{}", y - 1),
            Kind::NineMonths => format!("{}-9M", y - 1),
            Kind::Half(1) => format!("{}-H2", y - 1),
            Kind::Half(_) => format!("{y}-H1"),
            Kind::Quarter(1) => format!("{}-Q4", y - 1),
            Kind::Quarter(q) => format!("{y}-Q{}", q - 1),
            Kind::Month(1) => format!("{}-12", y - 1),
            Kind::Month(m) => format!("{y}-{:02}", m - 1),
            Kind::Custom => {
                let days = (self.end - self.start).num_days();
                let end = self.start - Duration::days(1);
                return Period::custom(end - Duration::days(days), end);
            }
        };
        Period::parse(&label, self.scheme)
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} – {}, {})",
            self.label,
            self.start,
            self.end,
            self.scheme.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quarter_of_a_day_follows_the_scheme() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        for (day, calendar, decree) in [
            ("2025-12-14", "2025-Q4", "2025-Q4"),
            ("2025-12-15", "2025-Q4", "2026-Q1"),
            ("2025-12-20", "2025-Q4", "2026-Q1"),
            ("2025-12-31", "2025-Q4", "2026-Q1"),
            ("2026-01-01", "2026-Q1", "2026-Q1"),
            ("2026-03-14", "2026-Q1", "2026-Q1"),
            ("2026-03-15", "2026-Q1", "2026-Q2"),
            ("2026-06-30", "2026-Q2", "2026-Q3"),
            ("2026-09-15", "2026-Q3", "2026-Q4"),
            ("2026-11-15", "2026-Q4", "2026-Q4"),
        ] {
            for (scheme, want) in [(Scheme::Calendar, calendar), (Scheme::Decree09, decree)] {
                let q = Period::quarter_containing(d(day), scheme).unwrap();
                assert_eq!(q.label, want, "{day} {scheme:?}");
                assert!(q.contains(d(day)), "{day} {scheme:?}: {} holds it", q.label);
            }
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn range(p: &str, scheme: Scheme) -> (NaiveDate, NaiveDate) {
        let p = Period::parse(p, scheme).unwrap();
        (p.start, p.end)
    }

    #[test]
    fn calendar_periods() {
        assert_eq!(
            range("2021-Q1", Scheme::Calendar),
            (d("2021-01-01"), d("2021-03-31"))
        );
        assert_eq!(
            range("2021-q4", Scheme::Calendar),
            (d("2021-10-01"), d("2021-12-31"))
        );
        assert_eq!(
            range("2021-H1", Scheme::Calendar),
            (d("2021-01-01"), d("2021-06-30"))
        );
        assert_eq!(
            range("2021-9M", Scheme::Calendar),
            (d("2021-01-01"), d("2021-09-30"))
        );
        assert_eq!(
            range("2021", Scheme::Calendar),
            (d("2021-01-01"), d("2021-12-31"))
        );
        assert_eq!(
            range("2024-02", Scheme::Calendar),
            (d("2024-02-01"), d("2024-02-29"))
        );
    }

    #[test]
    fn decree09_periods_cut_on_the_14th() {
        assert_eq!(
            range("2021-Q1", Scheme::Decree09),
            (d("2020-12-15"), d("2021-03-14"))
        );
        assert_eq!(
            range("2021-Q3", Scheme::Decree09),
            (d("2021-06-15"), d("2021-09-14"))
        );
        assert_eq!(
            range("2021-H1", Scheme::Decree09),
            (d("2020-12-15"), d("2021-06-14"))
        );
        assert_eq!(
            range("2021-9M", Scheme::Decree09),
            (d("2020-12-15"), d("2021-09-14"))
        );
        assert_eq!(
            range("2021", Scheme::Decree09),
            (d("2020-12-15"), d("2021-12-14"))
        );
        assert_eq!(
            range("2021-03", Scheme::Decree09),
            (d("2021-02-15"), d("2021-03-14"))
        );
        assert_eq!(
            range("2021-01", Scheme::Decree09),
            (d("2020-12-15"), d("2021-01-14"))
        );
    }

    #[test]
    fn previous_periods_are_of_the_same_kind() {
        let prev = |p: &str| {
            Period::parse(p, Scheme::Calendar)
                .unwrap()
                .previous()
                .unwrap()
                .label
        };
        assert_eq!(prev("2021-Q1"), "2020-Q4");
        assert_eq!(prev("2021-Q3"), "2021-Q2");
        assert_eq!(prev("2021-H1"), "2020-H2");
        assert_eq!(prev("2021-9M"), "2020-9M");
        assert_eq!(prev("2021-01"), "2020-12");
        let c = Period::parse_range("2021-03-01", "2021-03-10")
            .unwrap()
            .previous()
            .unwrap();
        assert_eq!((c.start, c.end), (d("2021-02-19"), d("2021-02-28")));
    }

    #[test]
    fn bad_periods_say_why() {
        for bad in ["2021-Q5", "21-Q1", "2021-13", "2021-X", "", "Q1-2021"] {
            let e = Period::parse(bad, Scheme::Calendar).unwrap_err();
            assert!(!e.0.is_empty(), "{bad}");
        }
        assert!(Period::parse("2021-Q5", Scheme::Calendar)
            .unwrap_err()
            .0
            .contains("Q1 to Q4"));
        assert!(Period::parse_range("2021-03-10", "2021-03-01")
            .unwrap_err()
            .0
            .contains("before"));
        assert!(Period::parse_range("2021-02-30", "2021-03-01").is_err());
    }
}
