//! Errors mapped to HTTP once: an HTML page a citizen understands, or
//! `{"error": {"code", "message"}}` for machines. Never a 500 for bad input; a database
//! failure is a 503 that asks to try again, and nothing half-written is kept.

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
            lang.pick("Không có quyền", "Not allowed"),
            lang.pick(
                "Tài khoản của bạn không được dùng trang này.",
                "Your account may not use this page.",
            ),
        )
    }

    pub fn bad_request(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::BAD_REQUEST,
            lang,
            lang.pick("Không đọc được phiếu", "The form could not be read"),
            lang.pick(
                "Nội dung gửi lên không hợp lệ. Xin Ông/Bà mở lại trang khảo sát và thử lại.",
                "What was sent could not be read. Please open the survey page again and retry.",
            ),
        )
    }

    pub fn too_large(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            lang,
            lang.pick("Phiếu quá dài", "The form is too long"),
            lang.pick(
                "Xin rút ngắn phần góp ý và gửi lại.",
                "Please shorten your comment and send it again.",
            ),
        )
    }

    pub fn unavailable(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            lang.pick("Hệ thống đang bận", "The service is busy"),
            lang.pick(
                "Phiếu của Ông/Bà chưa được lưu. Xin chờ một lát rồi gửi lại.",
                "Your answers were not saved. Please wait a moment and send them again.",
            ),
        )
    }

    /// An internal failure (the database, rendering, a worker thread): its cause is logged
    /// here, once, under a short id that the page shows, so a clerk's report ("mã lỗi …")
    /// leads to the log line. The citizen is told to try again; nothing half-done was kept.
    pub fn internal(lang: Lang, cause: &dyn std::fmt::Display) -> PageError {
        let id = log_internal(cause);
        let mut e = PageError::unavailable(lang);
        e.paragraphs
            .push(format!("{} {id}", lang.pick("Mã lỗi:", "Error id:")));
        e
    }

    pub fn from_submit(e: &SubmitError, lang: Lang) -> PageError {
        let l = |vi: &str, en: &str| lang.pick(vi, en).to_string();
        match e {
            SubmitError::UnknownUnit(_) | SubmitError::UnknownForm(_) | SubmitError::WrongForm { .. } => PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                &l("Không tìm thấy trang khảo sát", "Survey page not found"),
                &l(
                    "Mã QR hoặc đường dẫn này không dẫn tới đơn vị nào. Xin quét lại mã QR tại quầy.",
                    "This QR code or address does not lead to any office. Please scan the code at the desk again.",
                ),
            ),
            SubmitError::UnitClosed(closed) => {
                let (unit, successors) = (&closed.unit, &closed.successors);
                let mut page = PageError::new(
                    StatusCode::GONE,
                    lang,
                    &l("Đơn vị này không còn tiếp nhận khảo sát", "This office no longer takes the survey"),
                    &format!(
                        "{} {}",
                        unit.display_name(lang),
                        l(
                            "đã ngừng hoạt động hoặc đã được sắp xếp, sáp nhập.",
                            "has closed or been merged into another office."
                        )
                    ),
                );
                page.links = successors
                    .iter()
                    .map(|s| {
                        (
                            format!("/s/{}{}", s.code, if lang == Lang::En { "?lang=en" } else { "" }),
                            format!("{} {}", l("Đánh giá", "Rate"), s.display_name(lang)),
                        )
                    })
                    .collect();
                page
            }
            SubmitError::UnknownTicket => PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                &l("Không tìm thấy mã khảo sát", "Survey code not found"),
                &l(
                    "Mã khảo sát này không đúng. Xin kiểm tra lại mã in trên phiếu hẹn, hoặc quét mã QR tại quầy.",
                    "This survey code is not valid. Please check the code on your receipt, or scan the QR code at the desk.",
                ),
            ),
            SubmitError::TicketUsed => PageError::new(
                StatusCode::CONFLICT,
                lang,
                &l("Mã khảo sát này đã được sử dụng", "This survey code has already been used"),
                &l(
                    "Mỗi mã chỉ dùng được một lần, và ý kiến cho lần giao dịch này đã được ghi nhận. Cảm ơn Ông/Bà.",
                    "Each code can be used once, and the answers for this visit have already been received. Thank you.",
                ),
            ),
            SubmitError::TicketExpired => PageError::new(
                StatusCode::GONE,
                lang,
                &l("Mã khảo sát đã hết hạn", "This survey code has expired"),
                &l(
                    "Thời hạn đánh giá của mã này đã qua. Ông/Bà vẫn có thể góp ý bằng mã QR dán tại quầy.",
                    "The time to answer with this code is over. You can still give your opinion with the QR code posted at the desk.",
                ),
            ),
            SubmitError::TicketOtherUnit { .. } | SubmitError::BadSubmissionId(_) | SubmitError::Invalid(_) => {
                PageError::bad_request(lang)
            }
            SubmitError::Conflict(_) => PageError::new(
                StatusCode::CONFLICT,
                lang,
                &l("Phiếu này đã được gửi", "This form was already sent"),
                &l(
                    "Phiếu này đã được gửi với câu trả lời khác. Xin mở lại trang khảo sát nếu Ông/Bà muốn gửi phiếu mới.",
                    "This form was already sent with other answers. Please open the survey page again to send a new one.",
                ),
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
