//! What every staff page shares: the guards (a session, a role for an action), the form
//! readers that check the CSRF token (URL-encoded or multipart, with size limits), and the
//! small refusals (403, 413, 429).

use crate::domain::lang::Lang;
use crate::service::users::Staff;
use crate::texts::tr;
use crate::web::auth::session_of;
use crate::web::errors::PageError;
use crate::web::parse_urlencoded;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};

pub(crate) use crate::web::{field, render_page as render};

pub(crate) fn forbidden(lang: Lang) -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        lang,
        tr(lang, "staff_forms.request_refused"),
        tr(lang, "staff_forms.the_form_expired_or_was_not_sent"),
    )
}

/// The 429 page of a rate limit: how long to wait, and the way back to the page (`back`).
pub fn too_many_wait(lang: Lang, minutes: u64, back: &str) -> PageError {
    let mut page = PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        lang,
        tr(lang, "staff_forms.too_many_attempts"),
        &tr(lang, "staff_forms.wait_minutes").replace("{n}", &minutes.to_string()),
    );
    let suffix = crate::web::lang_suffix(lang);
    page.links = vec![(
        format!("{back}{suffix}"),
        tr(lang, "staff_forms.try_again").to_string(),
    )];
    page
}

pub fn too_many(lang: Lang) -> PageError {
    PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        lang,
        tr(lang, "staff_forms.too_many_attempts"),
        tr(lang, "staff_forms.please_wait_a_few_minutes_and"),
    )
}

/// The signed-in member of staff and the session's CSRF token; without a session the error
/// is a redirect to the sign-in page, and before a printed password is changed, a redirect
/// to the page that changes it.
pub(crate) async fn require_staff(
    req: &HttpRequest,
    lang: Lang,
) -> Result<(Staff, String), PageError> {
    let found = require_session(req, lang).await?;
    if found.0.must_change_password {
        return Err(PageError {
            location: Some("/staff/password"),
            ..PageError::sign_in(lang)
        });
    }
    Ok(found)
}

/// A session, even one whose password must be changed first (the password page, sign-out).
pub(crate) async fn require_session(
    req: &HttpRequest,
    lang: Lang,
) -> Result<(Staff, String), PageError> {
    match session_of(req).await {
        Ok(Some(found)) => Ok(found),
        _ => Err(PageError::sign_in(lang)),
    }
}

pub(crate) async fn form_with_csrf(
    req: &HttpRequest,
    payload: web::Payload,
    csrf: &str,
    lang: Lang,
) -> Result<Vec<(String, String)>, PageError> {
    form_with_csrf_up_to(req, payload, csrf, lang, crate::web::BODY_LIMIT).await
}

/// Staff imports (a quarter of a province's dossier counts) are larger than a citizen's form.
pub(crate) const IMPORT_LIMIT: usize = 4 * 1024 * 1024;

fn too_large(lang: Lang, limit: usize) -> PageError {
    let size = if limit >= 1024 * 1024 {
        format!("{} MB", limit / (1024 * 1024))
    } else {
        format!("{} KB", limit / 1024)
    };
    PageError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        lang,
        tr(lang, "staff_forms.too_large"),
        &tr(lang, "staff_forms.what_was_sent_is_larger_than").replace("{size}", &size),
    )
}

fn not_text(lang: Lang) -> PageError {
    PageError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        lang,
        tr(lang, "staff_forms.the_file_could_not_be_read"),
        tr(lang, "staff_forms.the_file_is_not_utf_8_text_in"),
    )
}

/// The fields of a `multipart/form-data` body (a file field read as UTF-8 text), up to
/// `limit` bytes in all.
async fn multipart_fields(
    req: &HttpRequest,
    payload: web::Payload,
    lang: Lang,
    limit: usize,
) -> Result<Vec<(String, String)>, PageError> {
    use futures_util::StreamExt;
    let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
    let mut pairs = Vec::new();
    let mut size = 0usize;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|e| unreadable(lang, &e))?;
        let name = part.name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| unreadable(lang, &e))?;
            size += chunk.len();
            if size > limit {
                return Err(too_large(lang, limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(not_text(lang));
        };
        if text.contains('\0') || name.contains('\0') {
            return Err(PageError::bad_request(lang));
        }
        pairs.push((name, text));
    }
    Ok(pairs)
}

/// A staff form's fields, sent URL-encoded or as `multipart/form-data` (a file field is read
/// as UTF-8 text under its field name), refused with 403 unless it carries the session's
/// CSRF token.
pub(crate) async fn form_with_csrf_up_to(
    req: &HttpRequest,
    payload: web::Payload,
    csrf: &str,
    lang: Lang,
    limit: usize,
) -> Result<Vec<(String, String)>, PageError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let pairs = if multipart {
        multipart_fields(req, payload, lang, limit).await?
    } else {
        let body = crate::web::read_body_up_to(payload, limit)
            .await
            .map_err(|e| match e {
                crate::web::BodyError::TooLarge => too_large(lang, limit),
                crate::web::BodyError::Broken => PageError::bad_request(lang),
            })?;
        parse_urlencoded(&body).ok_or_else(|| PageError::bad_request(lang))?
    };
    if field(&pairs, "csrf") != csrf {
        return Err(forbidden(lang));
    }
    Ok(pairs)
}

/// A multipart body that cannot be read (cut off, malformed): a 400, and why in the log.
fn unreadable(lang: Lang, e: &actix_multipart::MultipartError) -> PageError {
    tracing::debug!(error = %e, "an upload could not be read");
    PageError::bad_request(lang)
}
