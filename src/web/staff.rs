//! Staff pages: sign-in and out, the dashboard of units, changing one's password.
//! Every state-changing form carries a CSRF token: the session's, or for the sign-in form
//! (before there is a session) a random value also set as a cookie (double submit).

use std::time::Instant;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use rand::Rng;

use crate::domain::form::Lang;
use crate::domain::local_date;
use crate::domain::period::Period;
use crate::render::table::pct;
use crate::service::access::{self, Action, Denied};
use crate::service::indices;
use crate::service::tickets::TicketError;
use crate::service::users::{self, Staff, UserError, SESSION_HOURS};
use crate::web::auth::{session_of, SESSION_COOKIE};
use crate::web::errors::PageError;
use crate::web::pages::{self, PageMeta};
use crate::web::{lang_of, parse_urlencoded, read_body, AppState};

const LOGIN_CSRF_COOKIE: &str = "hailong_login";

#[derive(Template)]
#[template(path = "staff_login.html")]
struct LoginPage {
    page: PageMeta,
    heading: &'static str,
    error: Option<String>,
    csrf: String,
    username: String,
    lang_suffix: &'static str,
    t_user: &'static str,
    t_password: &'static str,
}

pub struct UnitLine {
    code: String,
    name: String,
    today: u64,
    quarter: u64,
    sipas: String,
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct HomePage {
    page: PageMeta,
    heading: &'static str,
    username: String,
    role: &'static str,
    csrf: String,
    period: String,
    period_label: String,
    units: Vec<UnitLine>,
    may_read_responses: bool,
    t_logout: &'static str,
    t_period: &'static str,
    t_unit: &'static str,
    t_today: &'static str,
    t_quarter: &'static str,
    t_print: &'static str,
    t_poster: &'static str,
    t_downloads: &'static str,
    t_indices: &'static str,
    t_long: &'static str,
    t_responses: &'static str,
    t_change_password: &'static str,
    t_tickets: &'static str,
    reports: Vec<(String, String)>,
    t_reports: &'static str,
    manage: Vec<(&'static str, &'static str)>,
    t_manage: &'static str,
}

#[derive(Template)]
#[template(path = "staff_password.html")]
struct PasswordPage {
    page: PageMeta,
    heading: &'static str,
    error: Option<String>,
    csrf: String,
    t_current: &'static str,
    t_new: &'static str,
}

fn secure(state: &AppState) -> bool {
    state.public_url.starts_with("https://")
}

fn cookie<'a>(
    state: &AppState,
    name: &'a str,
    value: String,
    max_age: CookieDuration,
) -> Cookie<'a> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(secure(state))
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

pub(crate) fn render(
    status: StatusCode,
    page: &impl Template,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let body = page.render().map_err(|e| PageError::internal(lang, &e))?;
    Ok(pages::html(status, body))
}

fn login_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    error: Option<String>,
    username: String,
) -> Result<HttpResponse, PageError> {
    let csrf = hex::encode(rand::rng().random::<[u8; 16]>());
    let page = LoginPage {
        page: PageMeta::new(lang, state.demo),
        heading: lang.pick("Đăng nhập", "Sign in"),
        error,
        csrf: csrf.clone(),
        username,
        lang_suffix: lang.pick("", "?lang=en"),
        t_user: lang.pick("Tên đăng nhập", "User name"),
        t_password: lang.pick("Mật khẩu", "Password"),
    };
    let mut resp = render(status, &page, lang)?;
    resp.add_cookie(&cookie(
        state,
        LOGIN_CSRF_COOKIE,
        csrf,
        CookieDuration::hours(1),
    ))
    .map_err(|e| PageError::internal(lang, &e))?;
    Ok(resp)
}

pub async fn login_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    login_page(&state, lang_of(&req), StatusCode::OK, None, String::new())
}

pub(crate) fn field(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub(crate) fn forbidden(lang: Lang) -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        lang,
        lang.pick("Yêu cầu bị từ chối", "Request refused"),
        lang.pick(
            "Biểu mẫu đã hết hạn hoặc không gửi từ trang của hệ thống. Xin tải lại trang và thử lại.",
            "The form expired or was not sent from this site. Please reload the page and try again.",
        ),
    )
}

pub fn too_many(lang: Lang) -> PageError {
    PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        lang,
        lang.pick("Quá nhiều lần gửi", "Too many attempts"),
        lang.pick(
            "Xin chờ vài phút rồi thử lại.",
            "Please wait a few minutes and try again.",
        ),
    )
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    if !state
        .login_limiter
        .allow(state.client_ip(&req), Instant::now())
    {
        return Err(too_many(lang));
    }
    let body = read_body(payload)
        .await
        .map_err(|_| PageError::bad_request(lang))?;
    let pairs = parse_urlencoded(&body).ok_or_else(|| PageError::bad_request(lang))?;
    let sent = field(&pairs, "csrf");
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    if sent.is_empty() || expected.as_deref() != Some(sent.as_str()) {
        return Err(forbidden(lang));
    }
    let username = field(&pairs, "username");
    let password = field(&pairs, "password");
    let permit = password_permit(&state, lang).await?;
    let st = state.clone();
    let name = username.clone();
    let result = web::block(move || {
        let _permit = permit;
        users::login(&st.store, &mut rand::rng(), &name, &password, Utc::now())
    })
    .await
    .map_err(|e| PageError::internal(lang, &e))?;
    match result {
        Ok(session) => {
            let mut resp = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/staff"))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish();
            resp.add_cookie(&cookie(
                &state,
                SESSION_COOKIE,
                session.token,
                CookieDuration::hours(SESSION_HOURS),
            ))
            .map_err(|e| PageError::internal(lang, &e))?;
            let mut gone = cookie(
                &state,
                LOGIN_CSRF_COOKIE,
                String::new(),
                CookieDuration::ZERO,
            );
            gone.make_removal();
            resp.add_cookie(&gone)
                .map_err(|e| PageError::internal(lang, &e))?;
            Ok(resp)
        }
        Err(UserError::Throttled(secs)) => login_page(
            &state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            Some(throttled_message(lang, secs)),
            username,
        ),
        Err(UserError::BadCredentials) => login_page(
            &state,
            lang,
            StatusCode::UNAUTHORIZED,
            Some(
                lang.pick(
                    "Tên đăng nhập hoặc mật khẩu không đúng.",
                    "The user name or password is wrong.",
                )
                .to_string(),
            ),
            username,
        ),
        Err(e) => Err(PageError::internal(lang, &e)),
    }
}

/// What a throttled sign-in (or password change) is told: the same for every name.
fn throttled_message(lang: Lang, secs: i64) -> String {
    lang.pick(
        "Đăng nhập tạm khóa: đã thử quá nhiều lần với tên này. Xin chờ {n} giây rồi thử lại.",
        "Signing in is paused: too many attempts for this name. Please wait {n} seconds and try again.",
    )
    .replace("{n}", &secs.to_string())
}

/// A password check costs about 19 MiB of memory for a moment (argon2id): only a few run at
/// once, the others wait their turn, and a long queue is told to come back.
async fn password_permit(
    state: &AppState,
    lang: Lang,
) -> Result<tokio::sync::OwnedSemaphorePermit, PageError> {
    let wait = actix_web::rt::time::timeout(
        std::time::Duration::from_secs(10),
        state.password_checks.clone().acquire_owned(),
    )
    .await;
    match wait {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(PageError::unavailable(lang)),
    }
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

/// The same, refused with 403 unless the role may do `action` (`service::access`).
pub(crate) async fn require(
    req: &HttpRequest,
    lang: Lang,
    action: Action,
) -> Result<(Staff, String), PageError> {
    let found = require_staff(req, lang).await?;
    if !access::role_may(found.0.role, action) {
        return Err(PageError::not_allowed(lang));
    }
    Ok(found)
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
        lang.pick("Nội dung quá lớn", "Too large"),
        &lang
            .pick(
                "Nội dung gửi lên lớn hơn {size}. Xin chia thành nhiều lần nhập.",
                "What was sent is larger than {size}. Please send it in parts.",
            )
            .replace("{size}", &size),
    )
}

fn not_text(lang: Lang) -> PageError {
    PageError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        lang,
        lang.pick("Tệp không đọc được", "The file could not be read"),
        lang.pick(
            "Tệp không phải văn bản UTF-8. Trong Excel, chọn Lưu thành → \"CSV UTF-8 (phân cách bằng dấu phẩy)\".",
            "The file is not UTF-8 text. In Excel, choose Save As → \"CSV UTF-8 (Comma delimited)\".",
        ),
    )
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
        use futures_util::StreamExt;
        let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
        let mut pairs = Vec::new();
        let mut size = 0usize;
        while let Some(part) = parts.next().await {
            let mut part = part.map_err(|_| PageError::bad_request(lang))?;
            let name = part.name().unwrap_or_default().to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|_| PageError::bad_request(lang))?;
                size += chunk.len();
                if size > limit {
                    return Err(too_large(lang, limit));
                }
                bytes.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(bytes).map_err(|_| not_text(lang))?;
            if text.contains('\0') || name.contains('\0') {
                return Err(PageError::bad_request(lang));
            }
            pairs.push((name, text));
        }
        pairs
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

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require_session(&req, lang).await?;
    form_with_csrf(&req, payload, &csrf, lang).await?;
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let st = state.clone();
        let token = c.value().to_string();
        web::block(move || users::logout(&st.store, &token, &staff.username, Utc::now()))
            .await
            .map_err(|e| PageError::internal(lang, &e))?
            .map_err(|e| PageError::internal(lang, &e))?;
    }
    let mut resp = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .finish();
    let mut gone = cookie(&state, SESSION_COOKIE, String::new(), CookieDuration::ZERO);
    gone.make_removal();
    resp.add_cookie(&gone)
        .map_err(|e| PageError::internal(lang, &e))?;
    Ok(resp)
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require_staff(&req, lang).await?;
    let today = local_date(Utc::now());
    let quarter_label = format!(
        "{}-Q{}",
        chrono::Datelike::year(&today),
        chrono::Datelike::month0(&today) / 3 + 1
    );
    let period =
        Period::parse(&quarter_label, state.scheme).map_err(|e| PageError::internal(lang, &e))?;
    let scope = access::unit_for(
        &access::Caller::Staff(staff.clone()),
        Action::ReadIndices,
        None,
    )
    .map_err(|_| PageError::not_allowed(lang))?;
    let st = state.clone();
    let p = period.clone();
    let (table, today_counts) = web::block(move || -> Result<_, indices::IndicesError> {
        let table = indices::table(&st.store, &st.forms, &p, scope.as_deref())?;
        let counts = indices::responses_on(&st.store, today)?;
        Ok((table, counts))
    })
    .await
    .map_err(|e| PageError::internal(lang, &e))?
    .map_err(|e| PageError::internal(lang, &e))?;
    let units = table
        .rows
        .iter()
        .filter(|r| r.unit_code != indices::TOTAL)
        .map(|r| UnitLine {
            code: r.unit_code.clone(),
            name: r.unit_name.clone(),
            today: today_counts
                .iter()
                .find(|(u, _)| u == &r.unit_code)
                .map(|(_, n)| *n as u64)
                .unwrap_or(0),
            quarter: r.responses,
            sipas: pct(r.indices.sipas.index),
        })
        .collect();
    let page = HomePage {
        page: PageMeta::new(lang, state.demo),
        heading: lang.pick("Các đơn vị", "Units"),
        username: staff.username.clone(),
        role: staff.role.as_str(),
        csrf,
        period: period.to_string(),
        period_label: period.label.clone(),
        // This quarter's live report, the last quarter's (the one usually published) and the year's.
        reports: [
            Some(period.label.clone()),
            period.previous().ok().map(|p| p.label),
            Some(chrono::Datelike::year(&today).to_string()),
        ]
        .into_iter()
        .flatten()
        .map(|label| {
            (
                format!("/reports/{label}{}", lang.pick("", "?lang=en")),
                label,
            )
        })
        .collect(),
        t_reports: lang.pick("Báo cáo (xem trước, công bố)", "Reports (preview, publish)"),
        units,
        may_read_responses: access::role_may(staff.role, Action::ReadResponses),
        t_logout: lang.pick("Đăng xuất", "Sign out"),
        t_period: lang.pick("Quý hiện tại", "This quarter"),
        t_unit: lang.pick("Đơn vị", "Unit"),
        t_today: lang.pick("Hôm nay", "Today"),
        t_quarter: lang.pick("Quý này", "This quarter"),
        t_print: lang.pick("In", "Print"),
        t_poster: lang.pick("Áp phích QR", "QR poster"),
        t_downloads: lang.pick("Tải về", "Downloads"),
        t_indices: lang.pick("Bảng chỉ số", "Index table"),
        t_long: lang.pick("dạng dài", "long form"),
        t_responses: lang.pick("Phiếu trả lời (đã ẩn danh)", "Responses (anonymised)"),
        t_change_password: lang.pick("Đổi mật khẩu", "Change password"),
        t_tickets: lang.pick("In phiếu mã khảo sát", "Print survey code slips"),
        manage: crate::web::admin::manage_links(lang, staff.role),
        t_manage: lang.pick("Quản lý", "Manage"),
    };
    render(StatusCode::OK, &page, lang)
}

fn password_page(
    state: &AppState,
    lang: Lang,
    csrf: String,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let page = PasswordPage {
        page: PageMeta::new(lang, state.demo),
        heading: lang.pick("Đổi mật khẩu", "Change password"),
        error,
        csrf,
        t_current: lang.pick("Mật khẩu hiện tại", "Current password"),
        t_new: lang.pick(
            "Mật khẩu mới (ít nhất 10 ký tự)",
            "New password (at least 10 characters)",
        ),
    };
    render(status, &page, lang)
}

pub async fn password_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require_session(&req, lang).await?;
    let notice = staff.must_change_password.then(|| {
        lang.pick(
            "Mật khẩu này được in ra khi cài đặt: xin đổi mật khẩu trước khi làm việc khác.",
            "This password was printed at installation: please change it before anything else.",
        )
        .to_string()
    });
    password_page(&state, lang, csrf, StatusCode::OK, notice)
}

pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require_session(&req, lang).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let (current, new) = (field(&pairs, "current"), field(&pairs, "new"));
    let permit = password_permit(&state, lang).await?;
    let st = state.clone();
    let result = web::block(move || {
        let _permit = permit;
        users::change_password(
            &st.store,
            &mut rand::rng(),
            &staff,
            &current,
            &new,
            Utc::now(),
        )
    })
    .await
    .map_err(|e| PageError::internal(lang, &e))?;
    match result {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/login"))
            .finish()),
        Err(UserError::Invalid(msg)) => password_page(
            &state,
            lang,
            csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
        ),
        Err(UserError::BadCredentials) => password_page(
            &state,
            lang,
            csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(
                lang.pick(
                    "Mật khẩu hiện tại không đúng.",
                    "The current password is wrong.",
                )
                .to_string(),
            ),
        ),
        Err(UserError::Throttled(secs)) => password_page(
            &state,
            lang,
            csrf,
            StatusCode::TOO_MANY_REQUESTS,
            Some(throttled_message(lang, secs)),
        ),
        Err(e) => Err(PageError::internal(lang, &e)),
    }
}

/// `GET /staff/audit`: the latest 500 entries of the audit log (admins only).
pub async fn audit_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (_admin, _) = require(&req, lang, Action::ReadAuditLog).await?;
    let st = state.clone();
    let rows = web::block(move || crate::service::audit::recent(&st.store, 500))
        .await
        .map_err(|e| PageError::internal(lang, &e))?
        .map_err(|e| PageError::internal(lang, &e))?;
    let mut body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title>\
         <style>body{{font:15px/1.4 system-ui,sans-serif;margin:1rem}}table{{border-collapse:collapse}}th,td{{border:1px solid #888;padding:.2rem .4rem;text-align:left}}a{{color:#0b4f8a}}</style></head><body><main>\
         <p><a href=\"/staff\">Hailong</a> · <a href=\"/staff/audit.csv\">CSV</a></p><h1>{}</h1><table><thead><tr><th scope=\"col\">UTC</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        lang.code(),
        lang.pick("Nhật ký", "Audit log"),
        lang.pick("Nhật ký hoạt động", "Audit log"),
        lang.pick("Người thực hiện", "Who"),
        lang.pick("Hành động", "Action"),
        lang.pick("Đối tượng", "Target"),
        lang.pick("Kết quả", "Outcome"),
    );
    for r in rows {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.at.format("%Y-%m-%d %H:%M:%S"),
            pages::escape(&r.actor),
            pages::escape(&r.action),
            pages::escape(&r.target),
            pages::escape(&r.outcome)
        ));
    }
    body.push_str("</tbody></table></main></body></html>");
    Ok(pages::html(StatusCode::OK, body))
}

/// `GET /staff/audit.csv`: the whole log as CSV (admins only); the export is itself logged.
pub async fn audit_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, _) = require(&req, lang, Action::ReadAuditLog).await?;
    let st = state.clone();
    let name = staff.username.clone();
    let rows = web::block(move || crate::service::audit::export(&st.store, &name, Utc::now()))
        .await
        .map_err(|e| PageError::internal(lang, &e))?
        .map_err(|e| PageError::internal(lang, &e))?;
    let mut w = csv::Writer::from_writer(crate::render::table::BOM.as_bytes().to_vec());
    let mut write = || -> Result<Vec<u8>, csv::Error> {
        w.write_record(["at_utc", "actor", "action", "target", "outcome"])?;
        for r in &rows {
            w.write_record([
                r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                crate::render::table::safe_cell(&r.actor),
                r.action.clone(),
                crate::render::table::safe_cell(&r.target),
                r.outcome.clone(),
            ])?;
        }
        w.flush()?;
        Ok(w.get_ref().clone())
    };
    let bytes = write().map_err(|e| PageError::internal(lang, &e))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"hailong-audit.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

/// `GET /staff/tickets`: a form to print a sheet of one-time codes (officers: their unit).
pub async fn tickets_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require_staff(&req, lang).await?;
    if !access::role_may(staff.role, Action::IssueSlips) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            lang,
            lang.pick("Không có quyền", "Not allowed"),
            lang.pick(
                "Lãnh đạo xem báo cáo; mã khảo sát do cán bộ một cửa in.",
                "Leaders read reports; desk officers print survey codes.",
            ),
        ));
    }
    let st = state.clone();
    let units = web::block(move || crate::service::units::list(&st.store))
        .await
        .map_err(|e| PageError::internal(lang, &e))?
        .map_err(|e| PageError::internal(lang, &e))?;
    let today = local_date(Utc::now());
    let options: String = units
        .iter()
        .filter(|u| u.is_valid_on(today))
        .filter(|u| access::slips(&staff, u.code.as_str(), 1).is_ok())
        .map(|u| {
            format!(
                "<option value=\"{}\">{}</option>",
                pages::escape(u.code.as_str()),
                pages::escape(u.display_name(lang))
            )
        })
        .collect();
    let body = format!(
        "<!doctype html><html lang=\"{l}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{h}</title>\
         <style>body{{font:17px/1.5 system-ui,sans-serif;margin:1rem;max-width:40rem}}label{{display:block;margin-top:.8rem}}select,input,button{{font:inherit;min-height:44px;padding:.4rem}}a{{color:#0b4f8a}}</style></head>\
         <body><main><p><a href=\"/staff\">Hailong</a></p><h1>{h}</h1><form method=\"post\" action=\"/staff/tickets\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"unit\">{tu}</label><select id=\"unit\" name=\"unit\">{options}</select>\
         <label for=\"count\">{tc}</label><input id=\"count\" name=\"count\" type=\"number\" min=\"1\" max=\"200\" value=\"50\">\
         <p><button type=\"submit\">{tb}</button></p></form></main></body></html>",
        l = lang.code(),
        h = lang.pick("In phiếu mã khảo sát", "Print survey code slips"),
        csrf = pages::escape(&csrf),
        tu = lang.pick("Đơn vị", "Unit"),
        tc = lang.pick("Số phiếu (1–200)", "Number of slips (1–200)"),
        tb = lang.pick("Tạo và in", "Create and print"),
    );
    Ok(pages::html(StatusCode::OK, body))
}

/// `POST /staff/tickets`: issues the codes and answers with the printable A4 sheet.
pub async fn tickets_issue(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require_staff(&req, lang).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let unit = field(&pairs, "unit");
    let count: u32 = field(&pairs, "count").trim().parse().unwrap_or(0);
    let st = state.clone();
    let issued = web::block(move || {
        crate::service::tickets::issue_slips(
            &st.store,
            &mut rand::rng(),
            &staff,
            &unit,
            count,
            st.ticket_ttl,
            Utc::now(),
        )
    })
    .await
    .map_err(|e| PageError::internal(lang, &e))?;
    let issued = match issued {
        Ok(issued) => issued,
        Err(TicketError::Denied(Denied::Count { max })) => {
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                lang.pick("Số phiếu không hợp lệ", "Not a valid number of slips"),
                &lang
                    .pick("Xin nhập từ 1 đến {max}.", "Please enter 1 to {max}.")
                    .replace("{max}", &max.to_string()),
            ))
        }
        Err(TicketError::Denied(_)) => return Err(forbidden(lang)),
        Err(TicketError::Store(e)) => return Err(PageError::internal(lang, &e)),
        Err(_) => return Err(PageError::bad_request(lang)),
    };
    let sheet = crate::render::slips::sheet(&state.public_url, &issued)
        .map_err(|e| PageError::internal(lang, &e))?;
    Ok(pages::html(StatusCode::OK, sheet))
}
