//! Citizens' feedback (phản ánh, kiến nghị): the life of an item, its deadlines in working
//! days, what of it may be published, and the figures per unit and period. Pure: the clock
//! and the holiday list are passed in.
//!
//! An item is `received`, then `accepted` or `declined` (with a reason), then `answered`,
//! then `published`; a duplicate is `merged` into the item kept (its citizen follows that
//! one). Deadlines (Decision 766/QĐ-TTg, item 5.2; configurable): decide within 2 working
//! days of receipt, answer within 15 working days of receipt, publish within 2 working days
//! of the answer. Working days are Monday to Friday except the listed holidays.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::domain::privacy;

mod deadlines;
pub use deadlines::*;
mod text;
pub use text::*;
mod figures;
pub use figures::*;

/// Longest text a citizen may send (characters).
pub const BODY_MAX: usize = 4000;
/// Longest reply, decline reason and subject.
pub const REPLY_MAX: usize = 8000;
pub const REASON_MAX: usize = 1000;
pub const SUBJECT_MAX: usize = 200;
pub const CONTACT_MAX: usize = 100;
/// The subject chosen when none of the unit's list fits.
pub const OTHER: &str = "other";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Taken over the unit's hourly cap: kept, not public, no deadline running, until staff
    /// release it (it is then received, that day) or decline it.
    Held,
    Received,
    Accepted,
    Declined,
    Answered,
    Published,
    Merged,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Held,
        Status::Received,
        Status::Accepted,
        Status::Declined,
        Status::Answered,
        Status::Published,
        Status::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::Received => "received",
            Status::Accepted => "accepted",
            Status::Declined => "declined",
            Status::Answered => "answered",
            Status::Published => "published",
            Status::Merged => "merged",
        }
    }

    /// A stored or asked-for status; an unknown one is an error naming it, never a default.
    pub fn parse(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown feedback status \"{s}\""))
    }

    /// No further step is owed by staff.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Declined | Status::Published | Status::Merged)
    }
}

/// A step staff take on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Release,
    Accept,
    Decline,
    Answer,
    Publish,
    Merge,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Release => "release",
            Step::Accept => "accept",
            Step::Decline => "decline",
            Step::Answer => "answer",
            Step::Publish => "publish",
            Step::Merge => "merge",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        [
            Step::Release,
            Step::Accept,
            Step::Decline,
            Step::Answer,
            Step::Publish,
            Step::Merge,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Whether the step may be taken from `status`, and the status it leads to. An item
    /// still `received` may be answered at once (the answer accepts it). A held item is only
    /// released or declined.
    pub fn from(self, status: Status) -> Option<Status> {
        use Status::*;
        match (self, status) {
            (Step::Release, Held) => Some(Received),
            (Step::Accept, Received) => Some(Accepted),
            (Step::Decline, Held | Received | Accepted) => Some(Declined),
            (Step::Answer, Received | Accepted | Answered) => Some(Answered),
            (Step::Publish, Answered) => Some(Published),
            (Step::Merge, Received | Accepted) => Some(Merged),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_read_back_what_they_print() {
        let d = Deadlines::default();
        assert_eq!(Deadlines::parse(&d.to_string()).unwrap(), d);
        assert_eq!(
            Deadlines::parse(" 3, 20 ,1").unwrap(),
            Deadlines {
                decide: 3,
                answer: 20,
                publish: 1
            }
        );
        for bad in ["", "2,15", "2,15,2,2", "0,15,2", "2,121,2", "a,b,c"] {
            assert!(Deadlines::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn invisible_texts_are_empty_and_disruptive_ones_are_tamed() {
        for blank in [
            "\u{200B}",
            "\u{2800}\u{2800}",
            "\u{3164}",
            " \u{FEFF}\u{200D} \t",
            "\u{202E}\u{0301}\u{0301}",
        ] {
            assert_eq!(
                check_text(blank, 100),
                Err(FeedbackProblem::Empty),
                "{blank:?}"
            );
        }
        assert_eq!(check_text("a\u{202E}bc", 100).unwrap(), "abc");
        let stacked = format!("a{}", "\u{0301}".repeat(3999));
        assert_eq!(check_text(&stacked, 100).unwrap().chars().count(), 4);
        // Vietnamese keeps its marks, composed or not.
        assert_eq!(check_text("Nguyễn", 100).unwrap(), "Nguyễn");
        assert_eq!(
            check_text("Nguye\u{0302}\u{0303}n", 100).unwrap(),
            "Nguye\u{0302}\u{0303}n"
        );
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn deadlines_skip_weekends_and_holidays() {
        // Friday 2026-04-24; Thursday 30 April and Friday 1 May are holidays.
        let cal = Calendar::new([d("2026-04-30"), d("2026-05-01")]);
        assert_eq!(cal.add_working_days(d("2026-04-24"), 2), d("2026-04-28"));
        assert_eq!(cal.add_working_days(d("2026-04-28"), 2), d("2026-05-04"));
        // Filed on a Sunday: Monday is the first working day.
        assert_eq!(cal.add_working_days(d("2026-04-26"), 1), d("2026-04-27"));
        assert_eq!(
            cal.working_days_between(d("2026-04-28"), d("2026-05-04")),
            2
        );
        assert_eq!(
            cal.working_days_between(d("2026-05-04"), d("2026-04-28")),
            0
        );
        let t = Timeline {
            status: Status::Received,
            received: d("2026-04-28"),
            decided: None,
            answered: None,
            published: None,
        };
        let dl = Deadlines::default();
        assert_eq!(t.overdue(d("2026-05-04"), &cal, &dl), None);
        assert_eq!(t.overdue(d("2026-05-05"), &cal, &dl), Some(Overdue::Decide));
        let accepted = Timeline {
            status: Status::Accepted,
            ..t.clone()
        };
        assert_eq!(accepted.overdue(d("2026-05-05"), &cal, &dl), None);
        // 15 working days after Tuesday 28 April, two holidays between: Thursday 21 May.
        assert_eq!(t.due(&cal, &dl).answer, d("2026-05-21"));
        assert_eq!(accepted.overdue(d("2026-05-21"), &cal, &dl), None);
        assert_eq!(
            accepted.overdue(d("2026-05-22"), &cal, &dl),
            Some(Overdue::Answer)
        );
    }

    #[test]
    fn steps_follow_the_life_of_an_item() {
        assert_eq!(Step::Accept.from(Status::Received), Some(Status::Accepted));
        assert_eq!(Step::Publish.from(Status::Accepted), None);
        assert_eq!(Step::Answer.from(Status::Received), Some(Status::Answered));
        assert_eq!(Step::Merge.from(Status::Answered), None);
        assert_eq!(Step::Decline.from(Status::Published), None);
        // A held item is only released or declined.
        assert_eq!(Step::Release.from(Status::Held), Some(Status::Received));
        assert_eq!(Step::Decline.from(Status::Held), Some(Status::Declined));
        for step in [Step::Accept, Step::Answer, Step::Publish, Step::Merge] {
            assert_eq!(step.from(Status::Held), None, "{step:?}");
        }
        assert_eq!(Step::Release.from(Status::Received), None);
        let held = Timeline {
            status: Status::Held,
            received: d("2026-01-05"),
            decided: None,
            answered: None,
            published: None,
        };
        assert_eq!(
            held.overdue(d("2026-12-01"), &Calendar::default(), &Deadlines::default()),
            None,
            "no deadline runs while held"
        );
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
        }
        assert!(Status::parse("recieved").is_err());
        {}
    }

    #[test]
    fn contacts_and_texts() {
        assert_eq!(
            check_contact(" 0912 345 678 ").unwrap().as_deref(),
            Some("0912 345 678")
        );
        assert!(check_contact("an@example.vn").unwrap().is_some());
        assert!(check_contact("").unwrap().is_none());
        assert!(check_contact("call me").is_err());
        assert!(check_contact("12345").is_err());
        assert_eq!(check_text("   ", 10), Err(FeedbackProblem::Empty));
        assert_eq!(
            check_text(&"ệ".repeat(11), 10),
            Err(FeedbackProblem::TooLong { max: 10 })
        );
        assert_eq!(check_text(&"ệ".repeat(10), 10).unwrap().chars().count(), 10);
        let shown = public_text(
            "Gọi tôi: 0912.345.678 hoặc an@example.vn, mã A-12",
            Some("A-12"),
        );
        assert!(!shown.contains("345"), "{shown}");
        assert!(!shown.contains("example"), "{shown}");
        assert!(!shown.contains("A-12"), "{shown}");
    }

    #[test]
    fn figures_count_on_time_against_what_was_due() {
        let cal = Calendar::default();
        let dl = Deadlines::default();
        let item = |status, received: &str, answered: Option<&str>, rated| FigureInput {
            timeline: Timeline {
                status,
                received: d(received),
                decided: None,
                answered: answered.map(d),
                published: None,
            },
            reply_satisfied: rated,
        };
        let items = [
            // Monday 2 Nov 2026: due Monday 23 Nov; answered in 3 working days.
            item(
                Status::Published,
                "2026-11-02",
                Some("2026-11-05"),
                Some(true),
            ),
            // Answered late: 16 working days.
            item(
                Status::Answered,
                "2026-11-02",
                Some("2026-11-24"),
                Some(false),
            ),
            // Not answered, deadline passed by 1 Dec: due, not on time.
            item(Status::Accepted, "2026-11-02", None, None),
            // Not answered, still within the deadline: not yet due.
            item(Status::Received, "2026-11-30", None, None),
            item(Status::Declined, "2026-11-03", None, None),
            item(Status::Merged, "2026-11-03", None, None),
            // Held over the cap: not taken in yet.
            item(Status::Held, "2026-11-03", None, None),
        ];
        let f = Figures::compute(&items, d("2026-12-01"), &cal, &dl);
        assert_eq!(f.received, 5);
        assert_eq!(f.answered, 2);
        assert_eq!(f.due, 3);
        assert_eq!(f.on_time, 1);
        assert_eq!(f.declined, 1);
        assert_eq!(f.median_days, Some(9.5));
        assert_eq!(f.rated, 2);
        assert_eq!(f.satisfied, 1);
        assert!((f.on_time_pct().unwrap() - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(f.reply_satisfied_pct(), Some(50.0));
    }
}
