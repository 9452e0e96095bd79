//! "Đã nghe – đã làm" (you said, we did; issue 37): what a unit does about a published
//! period's weak criterion or comment topic, and how that criterion moved since (METHODOLOGY:
//! a change of a share is significant when |Δ| > z·SE of the two-proportion test).

use super::feedback::check_text;

/// The longest "what", and the longest public note.
pub const WHAT_MAX: usize = 500;
pub const NOTE_MAX: usize = 1000;
pub const WHO_MAX: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStatus {
    Planned,
    Doing,
    Done,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 3] = [
        ActionStatus::Planned,
        ActionStatus::Doing,
        ActionStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::Doing => "doing",
            ActionStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<ActionStatus> {
        Self::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }
}

/// What an action is against: a criterion of the unit's form, or a comment topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Criterion(String),
    Topic(&'static str),
}

impl Target {
    /// `criterion:<code>` or `topic:<code>`.
    pub fn parse(s: &str) -> Option<Target> {
        let (kind, code) = s.trim().split_once(':')?;
        match kind {
            "criterion" if !code.is_empty() => Some(Target::Criterion(code.to_string())),
            "topic" => super::topics::TOPICS
                .iter()
                .copied()
                .find(|t| *t == code)
                .map(Target::Topic),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Target::Criterion(_) => "criterion",
            Target::Topic(_) => "topic",
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Target::Criterion(c) => c,
            Target::Topic(t) => t,
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionProblem {
    Target,
    What,
    Who,
    Due,
    Note,
    Status,
}

/// The checked texts of an action: what, who, public note.
pub fn check_texts(
    what: &str,
    who: &str,
    note: &str,
) -> Result<(String, String, String), Vec<ActionProblem>> {
    let what = check_text(what, WHAT_MAX).map_err(|_e| ActionProblem::What);
    let who = check_text(who, WHO_MAX).map_err(|_e| ActionProblem::Who);
    // The public note may be empty; when given, it is checked like any text.
    let note = if note.trim().is_empty() {
        Ok(String::new())
    } else {
        check_text(note, NOTE_MAX).map_err(|_e| ActionProblem::Note)
    };
    match (what, who, note) {
        (Ok(a), Ok(b), Ok(c)) => Ok((a, b, c)),
        (a, b, c) => Err([a.err(), b.err(), c.err()].into_iter().flatten().collect()),
    }
}

/// A criterion's change from (satisfied, valid) before to after, in points, and whether it is
/// significant (two-proportion test at 95 %); none without answers on either side.
pub fn criterion_change(before: (u64, u64), after: (u64, u64)) -> Option<(f64, bool)> {
    let share = |(r, n): (u64, u64)| super::num::percent(r, n);
    let points = share(after)? - share(before)?;
    let se = super::stats::two_proportion_se(before.0, before.1, after.0, after.1)?;
    Some((points, points.abs() > super::stats::z95() * se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_criterions_change_is_tested_as_two_shares() {
        // 30/50 = 60 % to 45/50 = 90 %: +30 points; pooled p = 0.75, SE = 100·√(0.75·0.25·(2/50))
        // = 8.66 points; 30 > 1.96 × 8.66 = 16.97: significant.
        let (points, significant) = criterion_change((30, 50), (45, 50)).unwrap();
        assert!((points - 30.0).abs() < 1e-9 && significant);
        // 6/10 to 7/10: +10 points, SE = 100·√(0.65·0.35·0.2) = 21.33: not significant.
        let (points, significant) = criterion_change((6, 10), (7, 10)).unwrap();
        assert!((points - 10.0).abs() < 1e-9 && !significant);
        assert_eq!(criterion_change((0, 0), (7, 10)), None);
    }

    #[test]
    fn targets_and_texts_are_checked() {
        assert_eq!(Target::parse("topic:time"), Some(Target::Topic("time")));
        assert_eq!(Target::parse("topic:nope"), None);
        assert_eq!(
            Target::parse("criterion:tiep_can_1"),
            Some(Target::Criterion("tiep_can_1".into()))
        );
        assert_eq!(Target::parse("criterion:"), None);
        assert!(check_texts("Thêm ghế chờ", "Văn phòng UBND", "").is_ok());
        let long = "a".repeat(10_000);
        assert_eq!(
            check_texts(&long, "x", "").unwrap_err(),
            vec![ActionProblem::What]
        );
        assert_eq!(
            check_texts("\u{200B} \u{2800}", "x", "").unwrap_err(),
            vec![ActionProblem::What]
        );
        assert_eq!(
            check_texts("x", "x", &long).unwrap_err(),
            vec![ActionProblem::Note]
        );
    }
}
