//! Public pages that show only the public form's address: the unit's QR code and its
//! printable poster, plus the health check and a plain home page.

use crate::texts::tr;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::domain::lang::Lang;
use crate::domain::unit::Unit;
use crate::render::qr;
use crate::service::units;
use crate::web::errors::PageError;
use crate::web::pages::{self, SLOGAN};
use crate::web::{run, AppState};

#[derive(Template)]
#[template(path = "poster.html")]
struct Poster<'a> {
    lang: &'static str,
    paper: &'static str,
    a5: bool,
    parent_name: Option<String>,
    unit_name: &'a str,
    heading: &'static str,
    lead: &'static str,
    qr_svg: String,
    url: String,
    slogan: &'static str,
    feedback_line: String,
    demo: bool,
    demo_text: &'static str,
}

pub fn unit_url(state: &AppState, unit: &str) -> String {
    format!("{}/s/{unit}", state.public_url)
}

async fn find_unit(
    state: &web::Data<AppState>,
    code: String,
    lang: Lang,
) -> Result<(Unit, Option<Unit>), PageError> {
    let found = run(state, move |s| units::with_parent(&s.store, &code)).await?;
    found.ok_or_else(|| {
        PageError::new(
            StatusCode::NOT_FOUND,
            lang,
            tr(lang, "public.office_not_found"),
            tr(lang, "public.there_is_no_office_with_this"),
        )
    })
}

pub async fn unit_qr_svg(
    state: web::Data<AppState>,
    path: web::Path<String>,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let (unit, _) = find_unit(&state, path.into_inner(), lang).await?;
    let svg = qr::svg(&unit_url(&state, unit.code.as_str()), 400)?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

pub async fn unit_qr_png(
    state: web::Data<AppState>,
    path: web::Path<String>,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let (unit, _) = find_unit(&state, path.into_inner(), lang).await?;
    let png = qr::png(&unit_url(&state, unit.code.as_str()), 10)?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

pub async fn poster(
    state: web::Data<AppState>,
    path: web::Path<String>,
    lang: Lang,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (unit, parent) = find_unit(&state, path.into_inner(), lang).await?;
    let url = unit_url(&state, unit.code.as_str());
    let a5 = req
        .query_string()
        .split('&')
        .any(|kv| kv.eq_ignore_ascii_case("size=a5"));
    let page = Poster {
        lang: lang.code(),
        paper: if a5 { "A5" } else { "A4" },
        a5,
        parent_name: parent.map(|p| p.display_name(lang).to_string()),
        unit_name: unit.display_name(lang),
        heading: tr(lang, "public.how_satisfied_are_you"),
        lead: tr(lang, "public.scan_the_qr_code_with_your_phone"),
        qr_svg: qr::inline_svg(&url, 400, tr(lang, "public.qr_code_of_the_survey_form"))?,
        feedback_line: format!(
            "{}: {}/feedback/{}",
            tr(lang, "feedback.title"),
            state.public_url,
            unit.code
        ),
        url,
        slogan: SLOGAN,
        demo: state.demo,
        demo_text: tr(lang, "common.demo"),
    };
    let body = page.render()?;
    Ok(pages::html(StatusCode::OK, body))
}

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "draining"}));
    }
    let st = state.clone();
    let ok = web::block(move || st.store.ping()).await.unwrap_or(false);
    if !ok {
        return HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "unavailable"}));
    }
    // Reading is not enough: a node whose writer cannot store an answer is taken out by the
    // proxy until it can again.
    if !state.store.can_write().await {
        return HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "cannot_write"}));
    }
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub async fn not_found(state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    pages::message(
        StatusCode::NOT_FOUND,
        lang,
        state.demo,
        "",
        tr(lang, "public.page_not_found"),
        &[tr(lang, "public.this_address_does_not_exist").to_string()],
        &[(
            format!("/{}", crate::web::lang_suffix(lang)),
            tr(lang, "site.back_home").to_string(),
        )],
    )
}

/// The rating tablet's script (progressive enhancement; see the file).
pub async fn kiosk_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("static/kiosk.js"))
}

/// The rating tablet's service worker: it keeps the faces screen for a reload while offline
/// (see the file). Its scope is `/kiosk` itself, one level above the script.
pub async fn kiosk_sw() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("Service-Worker-Allowed", "/kiosk"))
        .body(include_str!("static/kiosk-sw.js"))
}

/// The paper entry's helper: the focus moves on after one valid key (see the file).
pub async fn paper_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("static/paper.js"))
}

/// The offline helper of the survey form (progressive enhancement; see the file).
pub async fn offline_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(include_str!("static/offline.js"))
}

/// Whether this request may read the metrics: a scraper on this machine that came through
/// no proxy (a loopback peer and no forwarding header), or one with `--metrics-token`.
const PROXY_HEADERS: [&str; 10] = [
    "x-forwarded-for",
    "forwarded",
    "x-real-ip",
    "via",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "x-cluster-client-ip",
];

fn may_read_metrics(state: &AppState, req: &actix_web::HttpRequest) -> bool {
    if let Some(token) = state
        .metrics_token
        .as_ref()
        .map(crate::secret::Secret::expose)
    {
        let given = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        if given.is_some_and(|g| {
            use sha2::{Digest, Sha256};
            // Compared as hashes: the time taken says nothing about the token.
            Sha256::digest(g.as_bytes()) == Sha256::digest(token.as_bytes())
        }) {
            return true;
        }
    }
    // Any header a proxy adds means the request came through one (C-15: a proxy that sets only
    // `X-Real-IP` made the metrics public).
    let forwarded = PROXY_HEADERS.iter().any(|h| req.headers().contains_key(*h));
    let loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    loopback && !forwarded
}

/// `GET /metrics`: Prometheus text, for this machine or a holder of `--metrics-token`
/// (anyone else gets 404: request counts show when staff sign in).
pub async fn metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    if !may_read_metrics(&state, &req) {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found\n");
    }
    let mut text = crate::telemetry::metrics_text(state.store.pool_state());
    text.push_str(&state.pages.metrics());
    if state.feedback.webhook {
        let st = state.clone();
        if let Ok(Ok(n)) = web::block(move || crate::service::webhook::pending(&st.store)).await {
            text.push_str(
                "# HELP hailong_webhook_pending Webhook deliveries not yet made.\n# TYPE hailong_webhook_pending gauge\n",
            );
            text.push_str(&format!("hailong_webhook_pending {n}\n"));
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
