//! The rating tablet at a counter: pairing (`/kiosk/pair`), the rating screen (`/kiosk`)
//! and its posts (`/kiosk/rate`). No staff session ever lives on the tablet: a device
//! cookie (random, stored hashed, `HttpOnly`, `SameSite=Strict`, path `/kiosk`) lets it post
//! ratings for its counter and nothing else. Without JavaScript every screen is a plain
//! form; the screen's state between two posts (a low face waiting for its reasons, the
//! thank-you) is a short cookie, so that every post answers `303 /kiosk`.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::domain::desk::{Rating, RatingError, REASONS};
use crate::domain::lang::Lang;
use crate::service::kiosks::{self as service, KioskError, KioskRow};
use crate::texts::{tr, Tr};
use crate::web::errors::ApiCode;
use crate::web::errors::PageError;
use crate::web::ratelimit::wall_clock;
use crate::web::{field, field_of, lang_suffix, run, AppState};

/// The device's secret.
const DEVICE: &str = "hailong_kiosk";
/// A face of 3 or less stored, waiting for its reasons: `id.score`.
const LOW: &str = "hailong_kiosk_low";
/// The thank-you is due.
const THANKS: &str = "hailong_kiosk_thanks";
const THANKS_SECS: i64 = 3;

fn cookie(state: &AppState, name: &'static str, value: String, secs: i64) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/kiosk")
        .http_only(true)
        .secure(state.public_url.starts_with("https://"))
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(secs))
        .finish()
}

fn gone(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build(name, "").path("/kiosk").finish();
    c.make_removal();
    c
}

/// The paired kiosk of the request's device cookie.
async fn device_of(
    state: &web::Data<AppState>,
    req: &HttpRequest,
) -> Result<Option<KioskRow>, PageError> {
    let Some(secret) = req.cookie(DEVICE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    run(state, move |s| service::device(&s.store, &secret)).await
}

pub struct Face {
    score: u8,
    word: String,
}

enum Screen {
    Faces { id: String, faces: Vec<Face> },
    Reasons { id: String, score: u8 },
    Thanks,
    NotPaired,
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    lang: &'static str,
    t: Tr,
    demo: bool,
    place: String,
    switch_url: String,
    switch_label: &'static str,
    refresh: Option<(u32, String)>,
    idle: u32,
    /// Art. 33's reasons (code, words), for the reasons screen (and its template when the
    /// tablet runs the script).
    reasons: Vec<(&'static str, &'static str)>,
    /// The face waiting for its reasons (no script): its id and score.
    low: Option<(String, u8)>,
    screen: Screen,
}

fn page(state: &AppState, lang: Lang, place: String, screen: Screen) -> KioskPage {
    let home = format!("/kiosk{}", lang_suffix(lang));
    let refresh = match &screen {
        Screen::Thanks => Some((u32::try_from(THANKS_SECS).unwrap_or(3), home)),
        Screen::Reasons { .. } => Some((state.kiosk.idle_secs + 1, home)),
        _ => None,
    };
    KioskPage {
        lang: lang.code(),
        t: Tr(lang),
        demo: state.demo,
        place,
        switch_url: match lang {
            Lang::Vi => "/kiosk?lang=en".into(),
            Lang::En => "/kiosk".into(),
        },
        switch_label: match lang {
            Lang::Vi => "English",
            Lang::En => "Tiếng Việt",
        },
        refresh,
        idle: state.kiosk.idle_secs,
        reasons: REASONS
            .iter()
            .map(|c| (*c, tr(lang, crate::render::report::reason_key(c))))
            .collect(),
        low: match &screen {
            Screen::Reasons { id, score } => Some((id.clone(), *score)),
            _ => None,
        },
        screen,
    }
}

/// The page; a screen that returns to the faces by itself (the thank-you, the reasons of a
/// face already stored) says when with a `Refresh` header, as a shared public device must
/// (the script does the same with a timer; `--kiosk-idle` sets the wait).
fn html(status: StatusCode, page: &KioskPage) -> Result<HttpResponse, PageError> {
    let mut resp = HttpResponse::build(status);
    resp.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some((secs, url)) = &page.refresh {
        resp.insert_header((header::REFRESH, format!("{secs}; url={url}")));
    }
    Ok(resp.body(page.render()?))
}

/// The screen a paired tablet shows now: the thank-you, the reasons of a low face, or the
/// faces with a fresh rating id.
fn screen_now(lang: Lang, req: &HttpRequest, scale: &[crate::domain::form::ScaleLevel]) -> Screen {
    if req.cookie(THANKS).is_some() {
        return Screen::Thanks;
    }
    let low = req.cookie(LOW).and_then(|c| {
        let (id, score) = c.value().split_once('.')?;
        let score: u8 = score.parse().ok().filter(|s| (1..=3).contains(s))?;
        uuid::Uuid::parse_str(id)
            .ok()
            .map(|_| (id.to_string(), score))
    });
    if let Some((id, score)) = low {
        return Screen::Reasons { id, score };
    }
    let faces = (1..=5u8)
        .map(|score| Face {
            score,
            word: scale
                .iter()
                .find(|l| l.value == score)
                .map(|l| l.text.get(lang).to_string())
                .unwrap_or_else(|| score.to_string()),
        })
        .collect();
    Screen::Faces {
        id: uuid::Uuid::new_v4().to_string(),
        faces,
    }
}

/// `GET /kiosk`: the rating screen (403 "not paired" without a paired device cookie).
pub async fn show(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let Some(kiosk) = device_of(&state, &req).await? else {
        let page = page(&state, lang, String::new(), Screen::NotPaired);
        return html(StatusCode::FORBIDDEN, &page);
    };
    let k = kiosk.clone();
    let (unit, scale) = run(&state, move |s| service::screen(&s.store, &s.forms, &k)).await?;
    let place = match unit {
        Some(u) => format!("{} · {}", u.display_name(lang), kiosk.counter),
        None => kiosk.counter.clone(),
    };
    let screen = screen_now(lang, &req, &scale);
    let shows_thanks = matches!(screen, Screen::Thanks);
    let mut resp = html(StatusCode::OK, &page(&state, lang, place, screen))?;
    if shows_thanks {
        resp.add_removal_cookie(&gone(THANKS)).ok();
    }
    Ok(resp)
}

fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The tap a post carries: its id, the checked score, reasons and comment, and its tap time
/// (`age`: milliseconds since the tap, sent by the tablet's queue; none is 0).
fn read_tap(body: &[u8], now: chrono::DateTime<Utc>) -> Result<service::Tap, RatingError> {
    let pairs = crate::web::parse_urlencoded(body).ok_or(RatingError::Score)?;
    let once = |name: &str| pairs.iter().filter(|(k, _)| k == name).count() <= 1;
    if !["id", "score", "comment", "age"].into_iter().all(once) {
        return Err(RatingError::Twice);
    }
    let reasons: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .collect();
    let rating = Rating::parse(
        field_of(&pairs, "score").unwrap_or_default(),
        &reasons,
        &field(&pairs, "comment"),
    )?;
    let at = crate::domain::desk::tap_time(now, field_of(&pairs, "age"))?;
    Ok(service::Tap {
        id: field_of(&pairs, "id").unwrap_or_default().to_string(),
        rating,
        at,
    })
}

/// `POST /kiosk/rate`: `id` (a random UUID), `score` 1–5, `reason` (repeatable) and `comment`
/// for 3 or less, `age` (milliseconds since the tap). `303 /kiosk`, or `201` JSON for a
/// client that accepts it; the same id twice stores one rating. More than the tablet's limit
/// (60 a minute) is `429` before anything is read from the database.
pub async fn rate(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let to = Answer {
        state: &state,
        lang,
        json: wants_json(&req),
    };
    if let Some(refused) = over_limit(&state, &to, &req).await {
        return Ok(refused);
    }
    let Some(kiosk) = device_of(&state, &req).await? else {
        let why = tr(lang, "kiosk.not_paired");
        return Ok(to.refuse(StatusCode::FORBIDDEN, ApiCode::NotPaired, why));
    };
    let tap = match read_tap(&body, Utc::now()) {
        Ok(tap) => tap,
        Err(why) => return Ok(to.refuse(UNPROCESSABLE, rating_code(&why), &why.to_string())),
    };
    let Some(stored) = store_rating(&state, kiosk, &tap).await? else {
        let why = "the rating's id is not a random (version 4) UUID";
        return Ok(to.refuse(UNPROCESSABLE, ApiCode::BadId, why));
    };
    if to.json {
        return Ok(HttpResponse::Created().json(serde_json::json!({
            "id": tap.id.trim(),
            "stored": if stored.new { "new" } else { "already" },
            "flag": stored.flag.map(|f| f.as_str()),
        })));
    }
    let id = tap.id.trim();
    Ok(after_rating(&state, lang, id, &tap.rating, stored.new))
}

/// A tablet past its limit (keyed by its device secret, before any database work): the 429
/// that tells its queue to send again later.
async fn over_limit(state: &AppState, to: &Answer<'_>, req: &HttpRequest) -> Option<HttpResponse> {
    let secret = req.cookie(DEVICE)?.value().to_string();
    if state.tablet_limiter.allow_name(&secret, wall_clock()).await {
        return None;
    }
    let why = tr(to.lang, "kiosk.too_many");
    let mut resp = to.refuse(StatusCode::TOO_MANY_REQUESTS, ApiCode::TooMany, why);
    resp.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
    Some(resp)
}

/// Stores a rating; none when its id is not a random UUID.
async fn store_rating(
    state: &web::Data<AppState>,
    kiosk: KioskRow,
    tap: &service::Tap,
) -> Result<Option<service::Stored>, PageError> {
    let tap = tap.clone();
    run(state, move |s| {
        match service::rate(&s.store, &s.taps, &s.kiosk, &kiosk, &tap, Utc::now()) {
            Ok(stored) => Ok(Some(stored)),
            Err(KioskError::Store(e)) => Err(e),
            Err(_) => Ok(None),
        }
    })
    .await
}

/// Whom a refusal is written for: a page in the tablet's language, or JSON.
struct Answer<'a> {
    state: &'a AppState,
    lang: Lang,
    json: bool,
}

impl Answer<'_> {
    fn refuse(&self, status: StatusCode, code: ApiCode, message: &str) -> HttpResponse {
        refusal(self.state, self.lang, self.json, status, code, message)
    }
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// `303 /kiosk`: to the reasons of a low face just stored alone, else to the thank-you.
fn after_rating(
    state: &AppState,
    lang: Lang,
    id: &str,
    rating: &Rating,
    new: bool,
) -> HttpResponse {
    let mut resp = HttpResponse::SeeOther();
    resp.insert_header((header::LOCATION, format!("/kiosk{}", lang_suffix(lang))));
    if new && rating.score <= 3 && rating.reasons.is_empty() && rating.comment.is_none() {
        let secs = i64::from(state.kiosk.idle_secs);
        resp.cookie(cookie(state, LOW, format!("{id}.{}", rating.score), secs));
    } else {
        resp.cookie(gone(LOW));
        resp.cookie(cookie(state, THANKS, "1".into(), THANKS_SECS));
    }
    resp.finish()
}

/// The code of a rating refused.
fn rating_code(why: &RatingError) -> ApiCode {
    match why {
        RatingError::Age => ApiCode::BadAge,
        _ => ApiCode::BadRating,
    }
}

/// A refusal as JSON (`{"error": {"code", "message"}}`) or as a page with the way back.
fn refusal(
    state: &AppState,
    lang: Lang,
    json: bool,
    status: StatusCode,
    code: ApiCode,
    message: &str,
) -> HttpResponse {
    if json {
        return HttpResponse::build(status)
            .json(serde_json::json!({"error": {"code": code.as_str(), "message": message}}));
    }
    let back = (
        format!("/kiosk{}", lang_suffix(lang)),
        tr(lang, "kiosk.title").to_string(),
    );
    crate::web::pages::message(
        status,
        lang,
        state.demo,
        "",
        tr(lang, "kiosk.bad_rating"),
        &[message.to_string()],
        &[back],
    )
}

/// Why a code did not pair: its status and the page's heading and text.
fn pairing_refusal(e: &KioskError) -> (StatusCode, (&'static str, &'static str)) {
    match e {
        KioskError::Expired => (StatusCode::GONE, ("kiosk.expired", "kiosk.expired_text")),
        _ => (
            StatusCode::NOT_FOUND,
            ("kiosk.unknown_code", "kiosk.unknown_code_text"),
        ),
    }
}

#[derive(Template)]
#[template(path = "kiosk_pair.html")]
struct PairPage {
    lang: &'static str,
    t: Tr,
    demo: bool,
    error: Option<(&'static str, &'static str)>,
    /// A code from the staff page's QR link, filled in (pairing still takes the tap).
    code: String,
}

/// `GET /kiosk/pair[?code=…]`: the form a tablet is paired with; the QR code on the staff
/// page opens it with the code filled in.
pub async fn pair_form(
    state: web::Data<AppState>,
    lang: Lang,
    q: web::Query<PairForm>,
) -> Result<HttpResponse, PageError> {
    let code: String = q
        .code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(20)
        .collect();
    let p = PairPage {
        lang: lang.code(),
        t: Tr(lang),
        demo: state.demo,
        error: None,
        code,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(p.render()?))
}

#[derive(Debug, Deserialize)]
pub struct PairForm {
    #[serde(default)]
    code: String,
}

/// `POST /kiosk/pair` (`code`): `303 /kiosk` with the device cookie; a wrong or expired code
/// is the form again with why. Wrong codes are limited per address by a budget of their own
/// (`--pair-rate-limit`), so that setting up tablets never spends the staff's sign-ins.
pub async fn pair(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    form: web::Form<PairForm>,
) -> Result<HttpResponse, PageError> {
    let client = state.client_ip(&req);
    if !state.pair_limiter.would_allow(client) {
        let minutes = state.pair_limiter.wait_minutes();
        let page = crate::web::staff::too_many_wait(lang, minutes, "/kiosk/pair");
        return Err(page.with_demo(state.demo));
    }
    let code = form.into_inner().code;
    let paired = run(&state, move |s| {
        match service::pair(&s.store, &mut rand::rng(), &code, Utc::now()) {
            Ok(found) => Ok(Ok(found)),
            Err(KioskError::Store(e)) => Err(e),
            Err(other) => Ok(Err(other)),
        }
    })
    .await?;
    match paired {
        Ok((_, secret)) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/kiosk{}", lang_suffix(lang))))
            .cookie(cookie(&state, DEVICE, secret, 5 * 365 * 86400))
            .cookie(gone(LOW))
            .finish()),
        Err(e) => {
            // A wrong code spends the address's pairing budget; a right one never does.
            state.pair_limiter.allow(client, wall_clock()).await;
            pairing_page(&state, lang, &e)
        }
    }
}

/// The pairing form again, saying why a code did not pair.
fn pairing_page(state: &AppState, lang: Lang, e: &KioskError) -> Result<HttpResponse, PageError> {
    let (status, (title, text)) = pairing_refusal(e);
    let p = PairPage {
        lang: lang.code(),
        t: Tr(lang),
        demo: state.demo,
        error: Some((tr(lang, title), tr(lang, text))),
        code: String::new(),
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(p.render()?))
}
