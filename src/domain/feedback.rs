//! Citizens' feedback (phản ánh, kiến nghị): the life of an item, its deadlines in working
//! days, what of it may be published, and the figures per unit and period. Pure: the clock
//! and the holiday list are passed in.
//!
//! An item is `received`, then `accepted` or `declined` (with a reason), then `answered`,
//! then `published`; a duplicate is `merged` into the item kept (its citizen follows that
//! one). Deadlines (Decision 766/QĐ-TTg, item 5.2; configurable): decide within 2 working
//! days of receipt, answer within 15 working days of receipt, publish within 2 working days
//! of the answer. Working days are Monday to Friday except the listed holidays.

use super::num::Real;
use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::domain::privacy;

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

/// A survey comment this long (characters) is offered to be sent as feedback.
pub const LONG_COMMENT: usize = 160;

/// Whether a survey's thank-you page offers to turn its comment into feedback: a comment
/// that is long, or that comes with an overall score of 1–2.
pub fn offers_feedback(comment: Option<&str>, overall: Option<&str>) -> bool {
    let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) else {
        return false;
    };
    matches!(overall.map(str::trim), Some("1" | "2")) || comment.chars().count() >= LONG_COMMENT
}

/// Why a citizen's feedback cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackProblem {
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the contact is neither a phone number nor an e-mail address")]
    Contact,
    #[error("the subject is not one this unit offers")]
    Subject,
}

/// Direction overrides and isolates: they turn a published text around on the page.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// Characters that show nothing: blanks, zero-width and other format characters, the
/// blank braille pattern, the Hangul fillers.
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
        || is_bidi_control(c)
}

/// The most combining marks kept on one letter (Vietnamese needs two).
const MARKS_PER_LETTER: usize = 3;

/// A citizen's text, trimmed and checked: not empty (nothing visible), not too long; direction
/// controls removed and stacks of combining marks cut to three a letter.
pub fn check_text(text: &str, max: usize) -> Result<String, FeedbackProblem> {
    use unicode_normalization::char::is_combining_mark;
    let mut cleaned = String::with_capacity(text.len());
    let mut marks = 0;
    for c in text.chars().filter(|c| !is_bidi_control(*c)) {
        if is_combining_mark(c) {
            marks += 1;
            if marks > MARKS_PER_LETTER {
                continue;
            }
        } else {
            marks = 0;
        }
        cleaned.push(c);
    }
    let text = cleaned.trim();
    if text
        .chars()
        .all(|c| is_invisible(c) || is_combining_mark(c))
    {
        return Err(FeedbackProblem::Empty);
    }
    if text.chars().count() > max {
        return Err(FeedbackProblem::TooLong { max });
    }
    Ok(text.to_string())
}

/// An optional contact: a phone number (8–15 digits, spaces, dots, dashes, a leading +) or
/// an e-mail address. Empty is none.
pub fn check_contact(contact: &str) -> Result<Option<String>, FeedbackProblem> {
    let c = contact.trim();
    if c.is_empty() {
        return Ok(None);
    }
    if c.chars().count() > CONTACT_MAX {
        return Err(FeedbackProblem::Contact);
    }
    let phone = {
        let digits = c.chars().filter(char::is_ascii_digit).count();
        let rest = c.trim_start_matches('+');
        (8..=15).contains(&digits)
            && rest
                .chars()
                .all(|ch| ch.is_ascii_digit() || matches!(ch, ' ' | '.' | '-' | '(' | ')'))
    };
    let email = match c.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !c.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if phone || email {
        Ok(Some(c.to_string()))
    } else {
        Err(FeedbackProblem::Contact)
    }
}

/// A citizen's text as it may be published: the contact they gave (wherever it appears) and
/// every e-mail address, phone and ID number masked (METHODOLOGY §6).
pub fn public_text(text: &str, contact: Option<&str>) -> String {
    let mut text = text.to_string();
    if let Some(contact) = contact.map(str::trim).filter(|c| c.chars().count() >= 3) {
        text = text.replace(contact, privacy::MASK);
    }
    privacy::mask(&text)
}

/// What one item adds to the figures of its unit and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureInput {
    pub timeline: Timeline,
    pub reply_satisfied: Option<bool>,
}

/// Feedback figures for one unit (or all) and one period of receipt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Items received (a merged duplicate counts once, in the item kept).
    pub received: u64,
    /// Items answered (published or not).
    pub answered: u64,
    /// Answered within the deadline.
    pub on_time: u64,
    /// Answered, or unanswered past the answer deadline: what `on_time` is a share of.
    pub due: u64,
    pub declined: u64,
    /// Median working days from receipt to answer.
    pub median_days: Option<f64>,
    /// Replies rated by the citizen, and how many satisfied.
    pub rated: u64,
    pub satisfied: u64,
}

impl Figures {
    pub fn compute(
        items: &[FigureInput],
        today: NaiveDate,
        cal: &Calendar,
        d: &Deadlines,
    ) -> Figures {
        let mut f = Figures::default();
        let mut days = Vec::new();
        let mut memo = DueMemo::default();
        for item in items {
            let t = &item.timeline;
            // A merged item counts in the item kept; a held one is not taken in yet.
            if matches!(t.status, Status::Merged | Status::Held) {
                continue;
            }
            f.received += 1;
            if t.status == Status::Declined {
                f.declined += 1;
                continue;
            }
            match t.answered {
                Some(a) => {
                    f.answered += 1;
                    f.due += 1;
                    if a <= memo.due(t, cal, d).answer {
                        f.on_time += 1;
                    }
                    days.push(cal.working_days_between(t.received, a));
                }
                None => {
                    if today > memo.due(t, cal, d).answer {
                        f.due += 1;
                    }
                }
            }
            if let Some(s) = item.reply_satisfied {
                f.rated += 1;
                if s {
                    f.satisfied += 1;
                }
            }
        }
        days.sort_unstable();
        f.median_days = median(&days);
        f
    }

    fn pct(num: u64, den: u64) -> Option<f64> {
        (den > 0).then(|| 100.0 * num.real() / den.real())
    }

    /// Answered on time, as a share of items answered or past their answer deadline.
    pub fn on_time_pct(&self) -> Option<f64> {
        Self::pct(self.on_time, self.due)
    }

    /// Replies rated satisfied, as a share of replies rated.
    pub fn reply_satisfied_pct(&self) -> Option<f64> {
        Self::pct(self.satisfied, self.rated)
    }
}

/// One item as exported or served by the API: masked text, no contact unless asked for by
/// an admin (and then audited).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportItem {
    /// The item's number (staff and exports never see the citizen's tracking code).
    pub id: i64,
    pub unit: String,
    pub subject: String,
    pub status: String,
    pub received: NaiveDate,
    pub decided: Option<NaiveDate>,
    pub answered: Option<NaiveDate>,
    pub published: Option<NaiveDate>,
    /// None while held (no deadline runs yet).
    pub answer_due: Option<NaiveDate>,
    pub overdue: Option<&'static str>,
    pub answered_on_time: Option<bool>,
    pub reply_satisfied: Option<bool>,
    pub from_survey: bool,
    pub text_masked: String,
    pub reply: Option<String>,
    pub decline_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// The median of sorted whole days (the mean of the middle two of an even count).
fn median(sorted: &[u32]) -> Option<f64> {
    let mid = sorted.len() / 2;
    let upper = f64::from(*sorted.get(mid)?);
    if sorted.len() % 2 == 1 {
        return Some(upper);
    }
    let lower = f64::from(*sorted.get(mid.checked_sub(1)?)?);
    Some((lower + upper) / 2.0)
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
