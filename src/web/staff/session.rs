//! Signing in and out and changing one's password. The sign-in form, before there is a
//! session, carries a random CSRF value also set as a cookie (double submit); every attempt
//! is throttled per name by `service::users`, and password checks run a few at a time.

use crate::domain::lang::Lang;
use crate::service::users::{self, UserError, SESSION_HOURS};
use crate::texts::tr;
use crate::web::auth::SESSION_COOKIE;
use crate::web::errors::PageError;
use crate::web::pages::PageMeta;
use crate::web::{lang_of, parse_urlencoded, read_body, run, AppState};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use rand::Rng;

use super::*;

const LOGIN_CSRF_COOKIE: &str = "hailong_login";
/// A browser that has signed in to an account before (OWASP device cookies).
const DEVICE_COOKIE: &str = "hailong_device";

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
        heading: tr(lang, "staff_session.sign_in"),
        error,
        csrf: csrf.clone(),
        username,
        lang_suffix: tr(lang, "staff_session.lang_en"),
        t_user: tr(lang, "staff_session.user_name"),
        t_password: tr(lang, "staff_session.password"),
    };
    let mut resp = render(status, &page)?;
    resp.add_cookie(&cookie(
        state,
        LOGIN_CSRF_COOKIE,
        csrf,
        CookieDuration::hours(1),
    ))?;
    Ok(resp)
}

pub async fn login_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    login_page(&state, lang_of(&req), StatusCode::OK, None, String::new())
}

/// The sign-in form's fields, refused unless its CSRF value matches the form's cookie.
async fn login_form_fields(
    req: &HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<Vec<(String, String)>, PageError> {
    let Ok(body) = read_body(payload).await else {
        return Err(PageError::bad_request(lang));
    };
    let pairs = parse_urlencoded(&body).ok_or_else(|| PageError::bad_request(lang))?;
    let sent = field(&pairs, "csrf");
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    if sent.is_empty() || expected.as_deref() != Some(sent.as_str()) {
        return Err(forbidden(lang));
    }
    Ok(pairs)
}

/// To the dashboard, with the session's cookie and the browser's device cookie (the sign-in
/// form's cookie removed).
fn signed_in(state: &AppState, session: users::NewSession) -> Result<HttpResponse, PageError> {
    let mut resp = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/staff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish();
    let hours = CookieDuration::hours(SESSION_HOURS);
    resp.add_cookie(&cookie(state, SESSION_COOKIE, session.token, hours))?;
    // This browser is known to the account from now on (see users::login_from_device).
    let days = CookieDuration::days(180);
    resp.add_cookie(&cookie(state, DEVICE_COOKIE, session.device, days))?;
    let mut gone = cookie(
        state,
        LOGIN_CSRF_COOKIE,
        String::new(),
        CookieDuration::ZERO,
    );
    gone.make_removal();
    resp.add_cookie(&gone)?;
    Ok(resp)
}

pub async fn login(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let client = state.client_ip(&req);
    within_login_budget(&state, client, lang)?;
    let pairs = login_form_fields(&req, payload, lang).await?;
    let username = field(&pairs, "username");
    let password = field(&pairs, "password");
    let permit = password_permit(&state, lang).await?;
    let (st, name) = (state.clone(), username.clone());
    let device = req.cookie(DEVICE_COOKIE).map(|c| c.value().to_string());
    let result = web::block(move || {
        let _permit = permit;
        let (rng, now) = (&mut rand::rng(), Utc::now());
        users::login_from_device(&st.store, rng, &name, &password, device.as_deref(), now)
    })
    .await?;
    let again = |status, message: String| login_page(&state, lang, status, Some(message), username);
    if result.is_err() {
        state
            .login_limiter
            .allow(client, crate::web::ratelimit::wall_clock())
            .await;
    }
    match result {
        Ok(session) => signed_in(&state, session),
        Err(UserError::Throttled(secs)) => {
            again(StatusCode::TOO_MANY_REQUESTS, throttled_message(lang, secs))
        }
        Err(UserError::BadCredentials) => {
            let wrong = tr(lang, "staff_session.the_user_name_or_password_is");
            again(StatusCode::UNAUTHORIZED, wrong.to_string())
        }
        Err(e) => Err(PageError::failed(&e)),
    }
}

/// Only failed sign-ins spend an address's budget (they are counted after the check): a
/// morning of signing in at one desk never locks the desk out.
fn within_login_budget(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    lang: Lang,
) -> Result<(), PageError> {
    if state.login_limiter.would_allow(client) {
        return Ok(());
    }
    let minutes = state.login_limiter.wait_minutes();
    Err(crate::web::staff::too_many_wait(lang, minutes, "/login"))
}

/// What a throttled sign-in (or password change) is told: the same for every name.
fn throttled_message(lang: Lang, secs: i64) -> String {
    tr(lang, "staff_session.signing_in_is_paused_too_many").replace("{n}", &secs.to_string())
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

pub async fn logout(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (staff, csrf) = require_session(&req, lang).await?;
    form_with_csrf(&req, payload, &csrf, lang).await?;
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let token = c.value().to_string();
        run(&state, move |s| {
            users::logout(&s.store, &token, &staff.username, Utc::now())
        })
        .await?;
    }
    let mut resp = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .finish();
    let mut gone = cookie(&state, SESSION_COOKIE, String::new(), CookieDuration::ZERO);
    gone.make_removal();
    resp.add_cookie(&gone)?;
    Ok(resp)
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
        heading: tr(lang, "staff_session.change_password"),
        error,
        csrf,
        t_current: tr(lang, "staff_session.current_password"),
        t_new: tr(lang, "staff_session.new_password_at_least_10"),
    };
    render(status, &page)
}

pub async fn password_form(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (staff, csrf) = require_session(&req, lang).await?;
    let notice = staff
        .must_change_password
        .then(|| tr(lang, "staff_session.this_password_was_printed_at").to_string());
    password_page(&state, lang, csrf, StatusCode::OK, notice)
}

pub async fn change_password(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (staff, csrf) = require_session(&req, lang).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let (current, new) = (field(&pairs, "current"), field(&pairs, "new"));
    let permit = password_permit(&state, lang).await?;
    let st = state.clone();
    let result = web::block(move || {
        let _permit = permit;
        let (rng, now) = (&mut rand::rng(), Utc::now());
        users::change_password(&st.store, rng, &staff, &current, &new, now)
    })
    .await?;
    let again = |status, message: String| password_page(&state, lang, csrf, status, Some(message));
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    match result {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/login"))
            .finish()),
        Err(UserError::Invalid(msg)) => again(refused, msg),
        Err(UserError::BadCredentials) => {
            let wrong = tr(lang, "staff_session.the_current_password_is_wrong");
            again(refused, wrong.to_string())
        }
        Err(UserError::Throttled(secs)) => {
            again(StatusCode::TOO_MANY_REQUESTS, throttled_message(lang, secs))
        }
        Err(e) => Err(PageError::failed(&e)),
    }
}
