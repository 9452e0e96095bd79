//! Errors mapped to HTTP once: an HTML page a citizen understands, or
//! `{"error": {"code", "message"}}` for machines. Never a 500 for bad input; a database
//! failure is a 503 that asks to try again, and nothing half-written is kept.
//!
//! A handler needs no language to fail: every service error has one `From` here, which
//! makes a page to be written later (`PageError::later`); `render_errors` (a middleware)
//! writes it in the request's language, with the demo banner when the demo is loaded. An
//! internal failure (`PageError::failed`) logs its whole chain of causes under a short id.

mod api_code;
mod desk;
mod feedback;

pub use api_code::ApiCode;
pub(crate) use feedback::problem_text;

use crate::texts::tr;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::domain::lang::Lang;
use crate::service::submit::SubmitError;
use crate::service::tickets::TicketError;
use crate::web::pages;

/// Logs an internal error's cause with a new short id, and returns the id.
fn log_internal(cause: &dyn std::fmt::Display) -> String {
    let id = hex::encode(rand::random::<[u8; 4]>());
    tracing::error!(error_id = %id, error = %cause, "internal error");
    id
}

use crate::telemetry::chain;

/// A page written once the request's language is known.
type Later = Box<dyn Fn(Lang) -> PageError>;

/// An error shown to a citizen as a page.
pub struct PageError {
    pub status: StatusCode,
    pub lang: Lang,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub links: Vec<(String, String)>,
    pub demo: bool,
    /// Instead of a page, `303 See Other` to this address (staff without a session).
    pub location: Option<&'static str>,
    /// Written in the request's language by `render_errors` (the fields above are then a
    /// Vietnamese stand-in).
    pub(crate) later: Option<Later>,
}

impl std::fmt::Debug for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageError")
            .field("status", &self.status)
            .field("heading", &self.heading)
            .field("later", &self.later.is_some())
            .finish()
    }
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
            later: None,
        }
    }

    /// A page written when the request's language is known (by `render_errors`).
    pub fn later(write: impl Fn(Lang) -> PageError + 'static) -> PageError {
        let stand_in = write(Lang::Vi);
        PageError {
            later: Some(Box::new(write)),
            ..stand_in
        }
    }

    /// The page in `lang`: written now if it was left for later.
    pub fn in_lang(self, lang: Lang) -> PageError {
        match &self.later {
            Some(write) => {
                let mut page = write(lang);
                page.demo = page.demo || self.demo;
                page
            }
            None => self,
        }
    }

    /// An internal failure (the database, rendering, a worker thread): its whole chain of
    /// causes is logged here, once, under a short id that the page shows, so a clerk's report
    /// ("mã lỗi …") leads to the log line. The citizen is told to try again; nothing
    /// half-done was kept.
    pub fn failed(cause: &(dyn std::error::Error + 'static)) -> PageError {
        let id = log_internal(&chain(cause));
        PageError::later(move |lang| {
            let mut e = PageError::unavailable(lang);
            e.paragraphs
                .push(format!("{} {id}", tr(lang, "errors.error_id")));
            e
        })
    }

    /// A unit that has closed or been merged (410), with a link to each successor's page:
    /// `link` is the page's path before the unit's code and the words before its name.
    pub(crate) fn unit_closed(
        lang: Lang,
        closed: &crate::service::submit::ClosedUnit,
        heading: &str,
        link: (&str, &str),
    ) -> PageError {
        let mut page = PageError::new(
            StatusCode::GONE,
            lang,
            heading,
            &format!(
                "{} {}",
                closed.unit.display_name(lang),
                tr(lang, "errors.has_closed_or_been_merged_into")
            ),
        );
        page.links = closed
            .successors
            .iter()
            .map(|s| {
                (
                    format!("{}{}{}", link.0, s.code, crate::web::lang_suffix(lang)),
                    format!("{} {}", link.1, s.display_name(lang)),
                )
            })
            .collect();
        page
    }

    /// The same page, with the demo banner when the database holds the demo.
    pub fn with_demo(mut self, demo: bool) -> PageError {
        self.demo = demo;
        self
    }

    /// A staff page asked for without a session: to the sign-in page.
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
            SubmitError::UnitClosed(closed) => PageError::unit_closed(
                lang,
                closed,
                tr(lang, "errors.this_office_no_longer_takes_the"),
                ("/s/", tr(lang, "errors.rate")),
            ),
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
            SubmitError::Store(err) => PageError::failed(err),
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
    pub code: ApiCode,
    /// What was wrong, in English.
    pub message: String,
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ApiCode,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status,
            self.code.as_str(),
            self.message
        )
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
                code: self.code,
                message: self.message.clone(),
            },
        })
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: ApiCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(code: ApiCode, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(code: ApiCode, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, ApiCode::Forbidden, message)
    }
    /// An internal failure: logged once, here, under an id the answer carries.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> ApiError {
        let id = log_internal(&chain(cause));
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiCode::Unavailable,
            format!("the service failed (error id {id}); nothing was stored, try again"),
        )
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiCode::Unavailable,
            "the database did not answer; nothing was stored, try again",
        )
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> ApiError {
        let msg = e.to_string();
        match e {
            SubmitError::UnknownUnit(_) => ApiError::not_found(ApiCode::UnknownUnit, msg),
            SubmitError::UnknownForm(_) => ApiError::not_found(ApiCode::UnknownForm, msg),
            SubmitError::WrongForm { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ApiCode::WrongForm, msg)
            }
            SubmitError::UnitClosed(_) => ApiError::new(StatusCode::GONE, ApiCode::UnitClosed, msg),
            SubmitError::UnknownTicket => ApiError::not_found(ApiCode::UnknownTicket, msg),
            SubmitError::TicketUsed => {
                ApiError::new(StatusCode::CONFLICT, ApiCode::TicketUsed, msg)
            }
            SubmitError::TicketExpired => {
                ApiError::new(StatusCode::GONE, ApiCode::TicketExpired, msg)
            }
            SubmitError::TicketOtherUnit { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ApiCode::TicketOtherUnit,
                msg,
            ),
            SubmitError::BadSubmissionId(_) => ApiError::bad_request(ApiCode::BadSubmissionId, msg),
            SubmitError::Invalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ApiCode::InvalidAnswers,
                msg,
            ),
            SubmitError::Conflict(_) => {
                ApiError::new(StatusCode::CONFLICT, ApiCode::SubmissionConflict, msg)
            }
            SubmitError::Store(err) => ApiError::internal(&err),
        }
    }
}

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> ApiError {
        let msg = e.to_string();
        match e {
            TicketError::UnknownUnit(_) => ApiError::not_found(ApiCode::UnknownUnit, msg),
            TicketError::UnitClosed(_) => ApiError::new(StatusCode::GONE, ApiCode::UnitClosed, msg),
            TicketError::BadInput(_) => ApiError::bad_request(ApiCode::BadInput, msg),
            TicketError::Denied(_) => ApiError::forbidden(msg),
            TicketError::Store(err) => ApiError::internal(&err),
        }
    }
}

impl From<crate::service::indices::IndicesError> for ApiError {
    fn from(e: crate::service::indices::IndicesError) -> ApiError {
        use crate::service::indices::IndicesError;
        match e {
            IndicesError::UnknownUnit(_) => {
                ApiError::not_found(ApiCode::UnknownUnit, e.to_string())
            }
            IndicesError::MissingForm(_) => {
                ApiError::new(StatusCode::CONFLICT, ApiCode::MissingForm, e.to_string())
            }
            IndicesError::Store(err) => ApiError::internal(&err),
        }
    }
}

impl From<crate::service::export::ExportError> for ApiError {
    fn from(e: crate::service::export::ExportError) -> ApiError {
        use crate::service::export::ExportError;
        match e {
            ExportError::UnknownUnit(_) => ApiError::not_found(ApiCode::UnknownUnit, e.to_string()),
            ExportError::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiCode::Busy,
                e.to_string(),
            ),
            ExportError::MissingForm(_) => {
                ApiError::new(StatusCode::CONFLICT, ApiCode::MissingForm, e.to_string())
            }
            ExportError::Store(_) | ExportError::Write(_) => ApiError::internal(&e),
        }
    }
}

impl From<crate::service::returned::ReturnedError> for ApiError {
    fn from(e: crate::service::returned::ReturnedError) -> ApiError {
        use crate::service::returned::ReturnedError;
        match e {
            ReturnedError::OtherUnit { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, ApiCode::Forbidden, e.to_string())
            }
            ReturnedError::Store(err) => ApiError::internal(&err),
        }
    }
}

impl From<crate::service::dossiers::DossierError> for ApiError {
    fn from(e: crate::service::dossiers::DossierError) -> ApiError {
        use crate::service::dossiers::DossierError;
        match e {
            DossierError::Store(err) => ApiError::internal(&err),
            other => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ApiCode::BadDossiers,
                other.to_string(),
            ),
        }
    }
}

impl From<crate::service::feedback::FeedbackError> for ApiError {
    fn from(e: crate::service::feedback::FeedbackError) -> ApiError {
        use crate::service::feedback::FeedbackError as F;
        match e {
            F::Denied(d) => ApiError::forbidden(d.to_string()),
            F::UnknownUnit(_) => ApiError::not_found(ApiCode::UnknownUnit, e.to_string()),
            F::Store(err) => ApiError::internal(&err),
            other => ApiError::bad_request(ApiCode::BadRequest, other.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::internal(&e)
    }
}

// One `From` per error a page handler meets, so that a handler says `?`.

/// Errors that are only ever an internal failure to a page: logged with their causes, and
/// "try again" with the error id.
macro_rules! failures {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for PageError {
            fn from(e: $t) -> PageError {
                PageError::failed(&e)
            }
        }
    )*};
}

failures!(
    actix_web::error::BlockingError,
    actix_web::error::HttpError,
    crate::store::StoreError,
    askama::Error,
    csv::Error,
    crate::render::qr::QrError,
    crate::domain::period::PeriodError,
    crate::service::indices::IndicesError,
    crate::service::publish::PublishError,
    crate::service::users::UserError,
);

impl From<SubmitError> for PageError {
    fn from(e: SubmitError) -> PageError {
        match e {
            SubmitError::Store(err) => PageError::failed(&err),
            e => PageError::later(move |lang| PageError::from_submit(&e, lang)),
        }
    }
}

impl From<crate::service::feedback::FeedbackError> for PageError {
    fn from(e: crate::service::feedback::FeedbackError) -> PageError {
        use crate::service::feedback::FeedbackError;
        match e {
            FeedbackError::Store(err) => PageError::failed(&err),
            e => PageError::later(move |lang| PageError::of_feedback(&e, lang)),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError::failed(&e)
    }
}

impl std::error::Error for ApiError {}

/// Middleware: a page left for later (`PageError::later`) is written in the request's
/// language, with the demo banner when the demo is loaded.
pub async fn render_errors(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let demo = req
        .app_data::<actix_web::web::Data<crate::web::AppState>>()
        .is_some_and(|s| s.demo);
    let res = next.call(req).await?;
    let later = res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .and_then(|p| {
            p.later
                .as_ref()
                .map(|write| (write(crate::web::lang_of(res.request())), p.demo))
        });
    match later {
        Some((mut page, was_demo)) => {
            page.demo = page.demo || was_demo || demo;
            let (req, _) = res.into_parts();
            Ok(
                actix_web::dev::ServiceResponse::new(req, page.error_response())
                    .map_into_right_body(),
            )
        }
        None => Ok(res.map_into_left_body()),
    }
}

/// A caller the rules refuse: the "not allowed" page, in the request's language.
impl From<crate::service::access::Denied> for PageError {
    fn from(denied: crate::service::access::Denied) -> PageError {
        tracing::debug!(reason = %denied, "refused");
        PageError::later(PageError::not_allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test as actix_test, web, App};

    fn hello(lang: Lang) -> PageError {
        let heading = match lang {
            Lang::En => "Hello",
            Lang::Vi => "Xin chào",
        };
        PageError::new(StatusCode::CONFLICT, lang, heading, "")
    }

    /// A handler fails without knowing the language; the page comes out in the request's.
    #[actix_web::test]
    async fn a_page_left_for_later_is_written_in_the_request_language() {
        let app = actix_test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(render_errors))
                .route(
                    "/x",
                    web::get().to(|| async { Err::<HttpResponse, _>(PageError::later(hello)) }),
                ),
        )
        .await;
        for (uri, want) in [("/x?lang=en", "Hello"), ("/x", "Xin chào")] {
            let res = actix_test::call_service(
                &app,
                actix_test::TestRequest::get().uri(uri).to_request(),
            )
            .await;
            assert_eq!(res.status(), StatusCode::CONFLICT);
            let body = String::from_utf8(actix_test::read_body(res).await.to_vec()).unwrap();
            assert!(body.contains(want), "{uri}: {body}");
        }
    }

    #[test]
    fn a_failure_logs_its_whole_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("inner"));
        assert_eq!(chain(&e), "outer: inner");
    }
}
