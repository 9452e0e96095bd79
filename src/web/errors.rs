//! Errors mapped to HTTP once: an HTML page a citizen understands, or
//! `{"error": {"code", "message"}}` for machines. Never a 500 for bad input; a database
//! failure is a 503 that asks to try again, and nothing half-written is kept.

use crate::texts::tr;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::domain::form::Lang;
use crate::service::submit::SubmitError;
use crate::service::tickets::TicketError;
use crate::web::pages;

/// Logs an internal error's cause with a new short id, and returns the id.
fn log_internal(cause: &dyn std::fmt::Display) -> String {
    let id = hex::encode(rand::random::<[u8; 4]>());
    tracing::error!(error_id = %id, error = %cause, "internal error");
    id
}

/// An error shown to a citizen as a page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub lang: Lang,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub links: Vec<(String, String)>,
    pub demo: bool,
    /// Instead of a page, `303 See Other` to this address (staff without a session).
    pub location: Option<&'static str>,
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.heading)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        if let Some(location) = self.location {
            return HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, location))
                .finish();
        }
        pages::message(
            self.status,
            self.lang,
            self.demo,
            "",
            &self.heading,
            &self.paragraphs,
            &self.links,
        )
    }
}

impl PageError {
    pub fn new(status: StatusCode, lang: Lang, heading: &str, paragraph: &str) -> PageError {
        PageError {
            status,
            lang,
            heading: heading.to_string(),
            paragraphs: vec![paragraph.to_string()],
            links: Vec::new(),
            demo: false,
            location: None,
        }
    }

    /// A staff page asked for without a session: to the sign-in page.
    /// The same page, with the demo banner when the database holds the demo.
    pub fn with_demo(mut self, demo: bool) -> PageError {
        self.demo = demo;
        self
    }

    pub fn sign_in(lang: Lang) -> PageError {
        PageError {
            location: Some("/login"),
            ..PageError::new(StatusCode::SEE_OTHER, lang, "", "")
        }
    }

    /// Signed in, but the role may not use this page.
    pub fn not_allowed(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::FORBIDDEN,
            lang,
            tr(lang, "errors.not_allowed"),
            tr(lang, "errors.your_account_may_not_use_this"),
        )
    }

    pub fn bad_request(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::BAD_REQUEST,
            lang,
            tr(lang, "errors.the_form_could_not_be_read"),
            tr(lang, "errors.what_was_sent_could_not_be_read"),
        )
    }

    pub fn too_large(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            lang,
            tr(lang, "errors.the_form_is_too_long"),
            tr(lang, "errors.please_shorten_your_comment_and"),
        )
    }

    pub fn unavailable(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            tr(lang, "errors.the_service_is_busy"),
            tr(lang, "errors.your_answers_were_not_saved"),
        )
    }

    /// An internal failure (the database, rendering, a worker thread): its cause is logged
    /// here, once, under a short id that the page shows, so a clerk's report ("mã lỗi …")
    /// leads to the log line. The citizen is told to try again; nothing half-done was kept.
    pub fn internal(lang: Lang, cause: &dyn std::fmt::Display) -> PageError {
        let id = log_internal(cause);
        let mut e = PageError::unavailable(lang);
        e.paragraphs
            .push(format!("{} {id}", tr(lang, "errors.error_id")));
        e
    }

    pub fn from_submit(e: &SubmitError, lang: Lang) -> PageError {
        match e {
            SubmitError::UnknownUnit(_)
            | SubmitError::UnknownForm(_)
            | SubmitError::WrongForm { .. } => PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                tr(lang, "errors.survey_page_not_found"),
                tr(lang, "errors.this_qr_code_or_address_does_not"),
            ),
            SubmitError::UnitClosed(closed) => {
                let (unit, successors) = (&closed.unit, &closed.successors);
                let mut page = PageError::new(
                    StatusCode::GONE,
                    lang,
                    tr(lang, "errors.this_office_no_longer_takes_the"),
                    &format!(
                        "{} {}",
                        unit.display_name(lang),
                        tr(lang, "errors.has_closed_or_been_merged_into")
                    ),
                );
                page.links = successors
                    .iter()
                    .map(|s| {
                        (
                            format!(
                                "/s/{}{}",
                                s.code,
                                if lang == Lang::En { "?lang=en" } else { "" }
                            ),
                            format!("{} {}", tr(lang, "errors.rate"), s.display_name(lang)),
                        )
                    })
                    .collect();
                page
            }
            SubmitError::UnknownTicket => PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                tr(lang, "errors.survey_code_not_found"),
                tr(lang, "errors.this_survey_code_is_not_valid"),
            ),
            SubmitError::TicketUsed => PageError::new(
                StatusCode::CONFLICT,
                lang,
                tr(lang, "errors.this_survey_code_has_already"),
                tr(lang, "errors.each_code_can_be_used_once_and"),
            ),
            SubmitError::TicketExpired => PageError::new(
                StatusCode::GONE,
                lang,
                tr(lang, "errors.this_survey_code_has_expired"),
                tr(lang, "errors.the_time_to_answer_with_this"),
            ),
            SubmitError::TicketOtherUnit { .. }
            | SubmitError::BadSubmissionId(_)
            | SubmitError::Invalid(_) => PageError::bad_request(lang),
            SubmitError::Conflict(_) => PageError::new(
                StatusCode::CONFLICT,
                lang,
                tr(lang, "errors.this_form_was_already_sent"),
                tr(lang, "errors.this_form_was_already_sent_with"),
            ),
            SubmitError::Store(err) => PageError::internal(lang, &err),
        }
    }
}

/// The body of every JSON API error: a stable code a machine can act on, and a message.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// For example `unauthorized`, `bad_request`, `unknown_unit`, `invalid_answers`.
    pub code: String,
    /// What was wrong, in English.
    pub message: String,
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            resp.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.insert_header(("Retry-After", "30"));
        }
        resp.json(ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
            },
        })
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    /// An internal failure: logged once, here, under an id the answer carries.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        let id = log_internal(cause);
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("the service failed (error id {id}); nothing was stored, try again"),
        )
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database did not answer; nothing was stored, try again",
        )
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> ApiError {
        let msg = e.to_string();
        match e {
            SubmitError::UnknownUnit(_) => ApiError::not_found("unknown_unit", msg),
            SubmitError::UnknownForm(_) => ApiError::not_found("unknown_form", msg),
            SubmitError::WrongForm { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "wrong_form", msg)
            }
            SubmitError::UnitClosed(_) => ApiError::new(StatusCode::GONE, "unit_closed", msg),
            SubmitError::UnknownTicket => ApiError::not_found("unknown_ticket", msg),
            SubmitError::TicketUsed => ApiError::new(StatusCode::CONFLICT, "ticket_used", msg),
            SubmitError::TicketExpired => ApiError::new(StatusCode::GONE, "ticket_expired", msg),
            SubmitError::TicketOtherUnit { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "ticket_other_unit", msg)
            }
            SubmitError::BadSubmissionId(_) => ApiError::bad_request("bad_submission_id", msg),
            SubmitError::Invalid(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_answers", msg)
            }
            SubmitError::Conflict(_) => {
                ApiError::new(StatusCode::CONFLICT, "submission_conflict", msg)
            }
            SubmitError::Store(err) => ApiError::internal(&err),
        }
    }
}

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> ApiError {
        let msg = e.to_string();
        match e {
            TicketError::UnknownUnit(_) => ApiError::not_found("unknown_unit", msg),
            TicketError::UnitClosed(_) => ApiError::new(StatusCode::GONE, "unit_closed", msg),
            TicketError::BadInput(_) => ApiError::bad_request("bad_input", msg),
            TicketError::Denied(_) => ApiError::forbidden(msg),
            TicketError::Store(err) => ApiError::internal(&err),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::internal(&e)
    }
}
