//! The figures of feedback per unit and period (received, answered, on time, median days, satisfied with the reply) and an exported item.

use super::*;

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
        crate::domain::num::percent(num, den)
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
