//! An item's deadlines in working days: the calendar (weekends and listed holidays), when each stage is due, and whether it is overdue.

use super::*;

/// Working days allowed for each stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub decide: u32,
    pub answer: u32,
    pub publish: u32,
}

impl Default for Deadlines {
    /// Decision 766/QĐ-TTg, item 5.2: decide in 2 working days, answer in 15, publish in 2.
    fn default() -> Deadlines {
        Deadlines {
            decide: 2,
            answer: 15,
            publish: 2,
        }
    }
}

impl Deadlines {
    /// Reads `decide,answer,publish` in working days, each 1–120 (`2,15,2`).
    pub fn parse(s: &str) -> Result<Deadlines, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let bad = || {
            format!(
                "\"{s}\": write three numbers of working days, decide,answer,publish (e.g. {})",
                Deadlines::default()
            )
        };
        let n = |p: &str| p.parse::<u32>().ok().filter(|n| (1..=120).contains(n));
        match parts.as_slice() {
            [d, a, p] => match (n(d), n(a), n(p)) {
                (Some(decide), Some(answer), Some(publish)) => Ok(Deadlines {
                    decide,
                    answer,
                    publish,
                }),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Deadlines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{}", self.decide, self.answer, self.publish)
    }
}

/// Monday to Friday, except the holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_working(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The `n`th working day after `day` (`day` itself never counts: an item filed on a
    /// Friday evening or a Sunday has its first working day on Monday).
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        let mut left = n;
        // A year of holidays cannot hold more than 366 days: the loop always ends.
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not later).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working(d) {
                n += 1;
            }
        }
        n
    }
}

/// Due dates of many items at once: items received (or answered) on the same day share them,
/// so each is counted once (a flood of 100,000 items on one day costs one count).
#[derive(Default)]
pub struct DueMemo {
    seen: std::collections::HashMap<(NaiveDate, Option<NaiveDate>), Due>,
}

impl DueMemo {
    pub fn due(&mut self, t: &Timeline, cal: &Calendar, d: &Deadlines) -> Due {
        *self
            .seen
            .entry((t.received, t.answered))
            .or_insert_with(|| t.due(cal, d))
    }

    /// `Timeline::overdue`, from the memo.
    pub fn overdue(
        &mut self,
        t: &Timeline,
        today: NaiveDate,
        cal: &Calendar,
        d: &Deadlines,
    ) -> Option<Overdue> {
        let due = self.due(t, cal, d);
        t.overdue_by(&due, today)
    }
}

/// The dates an item's deadlines are counted from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub status: Status,
    pub received: NaiveDate,
    pub decided: Option<NaiveDate>,
    pub answered: Option<NaiveDate>,
    pub published: Option<NaiveDate>,
}

/// The stage whose deadline has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overdue {
    Decide,
    Answer,
    Publish,
}

impl Overdue {
    pub fn as_str(self) -> &'static str {
        match self {
            Overdue::Decide => "decide",
            Overdue::Answer => "answer",
            Overdue::Publish => "publish",
        }
    }
}

/// The due dates of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub decide: NaiveDate,
    pub answer: NaiveDate,
    pub publish: Option<NaiveDate>,
}

impl Timeline {
    pub fn due(&self, cal: &Calendar, d: &Deadlines) -> Due {
        Due {
            decide: cal.add_working_days(self.received, d.decide),
            answer: cal.add_working_days(self.received, d.answer),
            publish: self.answered.map(|a| cal.add_working_days(a, d.publish)),
        }
    }

    /// The first stage still owed whose due date is before `today`.
    pub fn overdue(&self, today: NaiveDate, cal: &Calendar, d: &Deadlines) -> Option<Overdue> {
        self.overdue_by(&self.due(cal, d), today)
    }

    /// The first stage still owed whose due date (given) is before `today`.
    pub fn overdue_by(&self, due: &Due, today: NaiveDate) -> Option<Overdue> {
        match self.status {
            Status::Received if today > due.decide => Some(Overdue::Decide),
            Status::Received | Status::Accepted if today > due.answer => Some(Overdue::Answer),
            Status::Answered if due.publish.is_some_and(|p| today > p) => Some(Overdue::Publish),
            _ => None,
        }
    }

    /// Answered within the answer deadline.
    pub fn answered_on_time(&self, cal: &Calendar, d: &Deadlines) -> Option<bool> {
        self.answered.map(|a| a <= self.due(cal, d).answer)
    }
}
