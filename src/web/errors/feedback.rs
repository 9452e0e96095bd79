//! Feedback errors as pages a citizen understands.

use actix_web::http::StatusCode;

use super::PageError;
use crate::domain::feedback::FeedbackProblem;
use crate::domain::lang::Lang;
use crate::service::feedback::FeedbackError;
use crate::texts::tr;

impl PageError {
    /// A feedback error as a page a citizen understands, in `lang`.
    pub(super) fn of_feedback(e: &FeedbackError, lang: Lang) -> PageError {
        match e {
            FeedbackError::UnknownUnit(_) => PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                tr(lang, "feedback.unit_not_found"),
                tr(lang, "feedback.unit_not_found_text"),
            ),
            FeedbackError::UnitClosed(closed) => PageError::unit_closed(
                lang,
                closed,
                tr(lang, "feedback.unit_closed"),
                ("/feedback/", tr(lang, "feedback.send_to")),
            ),
            FeedbackError::NotFound => PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                tr(lang, "feedback.code_not_found"),
                tr(lang, "feedback.code_not_found_text"),
            ),
            FeedbackError::NotRateable => PageError::new(
                StatusCode::CONFLICT,
                lang,
                tr(lang, "feedback.not_rateable"),
                tr(lang, "feedback.not_rateable_text"),
            ),
            FeedbackError::Denied(_) => PageError::not_allowed(lang),
            FeedbackError::WrongStep(..) | FeedbackError::Moved => PageError::new(
                StatusCode::CONFLICT,
                lang,
                tr(lang, "feedback.moved"),
                tr(lang, "feedback.moved_text"),
            ),
            FeedbackError::Store(_) => PageError::failed(e),
            other => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                tr(lang, "feedback.please_fix"),
                &what_to_fix(other, lang),
            ),
        }
    }
}

/// What to fix in what was sent (the 422 family), in words.
fn what_to_fix(e: &FeedbackError, lang: Lang) -> String {
    match e {
        FeedbackError::Invalid(problems) => problems
            .iter()
            .map(|(_, p)| problem_text(lang, p))
            .collect::<Vec<_>>()
            .join(" "),
        FeedbackError::MergeTarget(code) => {
            tr(lang, "feedback.merge_target").replace("{code}", code)
        }
        FeedbackError::MergeInto => tr(lang, "feedback.merge_into").to_string(),
        FeedbackError::HolidayLine { line, value } => tr(lang, "feedback.holiday_line")
            .replace("{line}", &line.to_string())
            .replace("{value}", value),
        FeedbackError::HolidayPast { line, value } => tr(lang, "feedback.holiday_past")
            .replace("{line}", &line.to_string())
            .replace("{value}", value),
        FeedbackError::HolidayTooMany(max) => {
            tr(lang, "feedback.holiday_too_many").replace("{max}", &max.to_string())
        }
        FeedbackError::SubjectLine(line) => {
            tr(lang, "feedback.subject_line").replace("{line}", &line.to_string())
        }
        // Bad input (and any error of this family yet to be worded) says what it is.
        _ => e.to_string(),
    }
}

/// Why a citizen's text was not taken, in words.
pub(crate) fn problem_text(lang: Lang, p: &FeedbackProblem) -> String {
    match p {
        FeedbackProblem::Empty => tr(lang, "feedback.problem_empty").to_string(),
        FeedbackProblem::TooLong { max } => {
            tr(lang, "feedback.problem_too_long").replace("{max}", &max.to_string())
        }
        FeedbackProblem::Contact => tr(lang, "feedback.problem_contact").to_string(),
        FeedbackProblem::Subject => tr(lang, "feedback.problem_subject").to_string(),
    }
}
