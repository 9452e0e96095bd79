//! The HTTP face of Hailong (actix-web): the route table in one place, one file per audience
//! (staff pages one file per page, in `staff/`). A handler takes what it needs as extractors
//! (`extract`: the language, the staff session, a CSRF-checked form), calls the services
//! through `run` (on the blocking pool: diesel is synchronous) and renders; its errors become
//! pages or JSON through the `From`s in `errors`, the only error mapping. Handlers written
//! before the kit still read the request themselves (the layers test lists them).

pub mod actions_view;
pub mod api;
pub mod auth;
pub mod cache;
pub mod errors;
pub mod exports;
pub mod extract;
pub mod feed;
pub mod feedback;
pub mod kiosk;

pub mod open;
pub mod openapi;
pub mod pages;
pub mod privacy;
pub mod public;
pub mod ratelimit;
pub mod release;
pub mod report;
pub mod site;
pub mod staff;
pub mod survey;

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{middleware, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::domain::lang::Lang;
use crate::service::forms::FormRegistry;
use crate::store::Store;
use crate::web::errors::ApiCode;

/// Largest request body taken from anyone: a full form with a 1,000-character comment in
/// Vietnamese is well under 16 KB.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every handler shares. Nothing here is state another process would need.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Woken after a publication: the PDF printer (when there is one) looks for work.
    pub pdf_wake: Arc<tokio::sync::Notify>,
    /// Set when the process was told to stop: `/healthz` answers 503 so that a proxy sends
    /// new work elsewhere while this node finishes what it has.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    pub forms: Arc<FormRegistry>,
    /// The origin printed into QR codes, without a trailing slash.
    pub public_url: String,
    /// A bearer token that lets a scraper elsewhere read `/metrics` (loopback always may).
    pub metrics_token: Option<crate::secret::Secret>,
    pub ticket_ttl: chrono::Duration,
    /// The database holds the synthetic demo district: every page says so.
    pub demo: bool,
    /// Calendar quarters or the Decree 09 cut-off (METHODOLOGY §4).
    pub scheme: crate::domain::period::Scheme,
    /// Per-client limits on poster submissions and sign-in attempts.
    pub submit_limiter: Arc<ratelimit::RateLimiter>,
    pub login_limiter: Arc<ratelimit::RateLimiter>,
    /// Per-client limit on one-time code pages (`/t/{code}`): generous, against guessing.
    pub ticket_limiter: Arc<ratelimit::RateLimiter>,
    /// Per-tablet limit on `/kiosk/rate`, keyed by the device secret (before any database
    /// work), and per-address limit on wrong pairing codes.
    pub tablet_limiter: Arc<ratelimit::RateLimiter>,
    pub pair_limiter: Arc<ratelimit::RateLimiter>,
    /// Password checks (argon2id, ~19 MiB each) running at once.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// How long a raw export waits for a client that stopped reading.
    pub export_write_timeout: std::time::Duration,
    /// Take the client address from X-Forwarded-For (behind a reverse proxy you run).
    pub trust_proxy: bool,
    /// Citizen form pages, rendered and compressed once.
    pub form_pages: Arc<survey::FormPages>,
    /// Public pages rendered and compressed once per change (issue 38).
    pub pages: Arc<cache::PageCache>,
    /// Days a merged unit's old poster keeps taking answers for its successor.
    pub grace_days: i64,
    /// Feedback deadlines, and whether a webhook listens.
    pub feedback: Arc<crate::service::feedback::FeedbackSettings>,
    /// Rating tablets: the misuse rules and the idle time; the tablets' recent taps (SQLite).
    pub kiosk: crate::service::kiosks::KioskSettings,
    pub taps: Arc<crate::service::kiosks::Taps>,
    /// The record of processing the service runs under (SPEC §13).
    pub register: Arc<crate::domain::personal::Register>,
    /// Working days for citizens' requests about their data, and their limit per address.
    pub requests: crate::domain::requests::RequestDeadlines,
    pub request_limiter: Arc<ratelimit::RateLimiter>,
    /// The data key (keyed hashes, sealed numbers) and how invitations are sent.
    pub data_key: crate::secret::DataKey,
    pub invite: Arc<crate::service::invite::InviteSettings>,
    /// The invitations' providers, for the one-time codes that prove a phone.
    pub sender: crate::service::invite::Sender,
    /// Who issues the results and the release calendar's delay (SPEC §14).
    pub publishing: Arc<crate::service::calendar::Publishing>,
    /// The comment topics' rules the service runs by.
    pub topics: Arc<crate::service::topics::CurrentRules>,
}

impl AppState {
    /// What an import of returned dossiers needs besides its rows.
    pub fn returned_keys(&self) -> crate::service::returned::Keys<'_> {
        crate::service::returned::Keys {
            key: &self.data_key,
            invite: &self.invite,
        }
    }
}

impl AppState {
    /// The client address, for rate limits only: hashed there, never stored.
    ///
    /// Behind the proxy the README sets up, the address is the last hop of
    /// `X-Forwarded-For` (the one our proxy wrote; earlier hops are the client's to forge).
    /// `Forwarded` is never read: a client could send one past a proxy that does not strip it.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<std::net::IpAddr> {
        if self.trust_proxy {
            if let Some(ip) = last_forwarded_for(req) {
                return Some(ip);
            }
        }
        req.peer_addr().map(|a| a.ip())
    }
}

/// The last address of the last `X-Forwarded-For` header.
fn last_forwarded_for(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let last = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .last()?;
    let hop = last.rsplit(',').next()?.trim();
    hop.parse().ok().or_else(|| {
        // `[2001:db8::1]:4711` or `192.0.2.1:4711`
        hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip())
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    site_routes(cfg);
    citizen_routes(cfg);
    staff::routes(cfg);
    privacy::routes(cfg);
    cfg.route("/exports/indices.csv", web::get().to(exports::indices_csv))
        .route("/exports/desk.csv", web::get().to(exports::desk_csv))
        .route("/exports/topics.csv", web::get().to(exports::topics_csv))
        .route(
            "/exports/officers.csv",
            web::get().to(exports::officers_csv),
        )
        .route(
            "/exports/responses.csv",
            web::get().to(exports::responses_csv),
        )
        .route("/units/{unit}/qr.svg", web::get().to(public::unit_qr_svg))
        .route("/units/{unit}/qr.png", web::get().to(public::unit_qr_png))
        .route("/units/{unit}/poster", web::get().to(public::poster))
        .service(
            web::scope("/api/v1")
                .route("/tickets", web::post().to(api::issue_ticket))
                .route("/tickets/{code}/qr.svg", web::get().to(api::ticket_qr_svg))
                .route("/tickets/{code}/qr.png", web::get().to(api::ticket_qr_png))
                .route("/responses", web::post().to(api::submit_response))
                .route("/dossiers", web::post().to(exports::import_dossiers))
                .route(
                    "/dossiers/returned",
                    web::post().to(exports::import_returned),
                )
                .route("/indices", web::get().to(exports::indices_json))
                .route("/desk", web::get().to(exports::desk_json))
                .route("/topics", web::get().to(exports::topics_json))
                .route("/feedback", web::get().to(exports::feedback_json))
                .route("/invitations", web::get().to(exports::invitations_json))
                .default_service(web::to(api::not_found)),
        )
        .default_service(web::to(public::not_found));
}

/// The public site, the desk tablets, health, metrics and scripts.
fn site_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(site::front))
        .route("/reports", web::get().to(site::reports))
        .route("/units", web::get().to(site::units))
        .route("/methodology", web::get().to(site::methodology))
        .route("/open/indices.csv", web::get().to(open::open_csv))
        .route("/open/indices.json", web::get().to(open::open_json))
        .route("/open/indices.xlsx", web::get().to(open::open_xlsx))
        .route("/feed.xml", web::get().to(feed::feed))
        .route("/robots.txt", web::get().to(site::robots))
        .route("/feedback/track", web::get().to(site::track_box))
        .route("/kiosk", web::get().to(kiosk::show))
        .route("/kiosk/rate", web::post().to(kiosk::rate))
        .route("/kiosk/pair", web::get().to(kiosk::pair_form))
        .route("/kiosk/pair", web::post().to(kiosk::pair))
        .route("/healthz", web::get().to(public::healthz))
        .route("/metrics", web::get().to(public::metrics))
        .route("/openapi.json", web::get().to(openapi::openapi_json))
        .route("/static/offline.js", web::get().to(public::offline_js))
        .route("/static/kiosk.js", web::get().to(public::kiosk_js))
        .route("/kiosk/sw.js", web::get().to(public::kiosk_sw))
        .route("/static/paper.js", web::get().to(public::paper_js));
}

/// A citizen's survey and feedback, and the reports.
fn citizen_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/s/{unit}", web::get().to(survey::show_unit_form))
        .route("/s/{unit}", web::post().to(survey::submit_unit_form))
        .route("/s/{unit}/thanks", web::get().to(survey::thanks))
        .route("/t/{code}", web::get().to(survey::show_ticket_form))
        .route("/t/{code}", web::post().to(survey::submit_ticket_form))
        .route("/t/{code}/stop", web::post().to(survey::stop_invitations))
        .route("/feedback", web::get().to(feedback::all_replies))
        .route(
            "/feedback/from-survey",
            web::post().to(feedback::from_survey),
        )
        .route("/feedback/track/{code}", web::get().to(feedback::track))
        .route(
            "/feedback/track/{code}/rate",
            web::post().to(feedback::rate),
        )
        .route("/feedback/{unit}", web::get().to(feedback::show_form))
        .route("/feedback/{unit}", web::post().to(feedback::file))
        .route(
            "/units/{unit}/feedback",
            web::get().to(feedback::unit_replies),
        )
        .route(
            "/units/{unit}/feedback/print",
            web::get().to(feedback::print_sheet),
        )
        .route("/reports/{period}", web::get().to(report::show))
        .route("/reports/{period}/card.png", web::get().to(report::card))
        .route("/reports/{period}/report.pdf", web::get().to(report::pdf))
        .route("/reports/{period}/publish", web::post().to(report::publish));
}

/// Headers for every answer: no sniffing, no framing, no referrer leaking a ticket code.
pub fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; script-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
}

/// The query string that keeps a page in English (`?lang=en`), or nothing for Vietnamese.
pub fn lang_suffix(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "?lang=en",
        Lang::Vi => "",
    }
}

/// A page rendered from its template, or the internal-error page.
pub fn render_page(
    status: actix_web::http::StatusCode,
    page: &impl askama::Template,
) -> Result<HttpResponse, errors::PageError> {
    Ok(pages::html(status, page.render()?))
}

/// Runs a blocking service call on the blocking pool with the application's state; a
/// failure of the pool or of the call comes back as a page error (`?` in a handler).
pub async fn run<T, E>(
    state: &web::Data<AppState>,
    f: impl FnOnce(&AppState) -> Result<T, E> + Send + 'static,
) -> Result<T, errors::PageError>
where
    T: Send + 'static,
    E: Into<errors::PageError> + Send + 'static,
{
    let state = state.clone();
    web::block(move || f(&state)).await?.map_err(Into::into)
}

/// A form field's value as sent, if it was.
pub fn field_of<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The raw value of a query parameter (not percent-decoded), if present.
pub fn query_value(req: &HttpRequest, key: &str) -> Option<String> {
    req.query_string()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
}

/// The value of a form field (empty when absent).
pub fn field(pairs: &[(String, String)], key: &str) -> String {
    field_of(pairs, key).unwrap_or_default().to_string()
}

/// Refuses a client over `limiter`'s rate with the 429 page.
pub async fn within_limit(
    state: &AppState,
    limiter: &ratelimit::RateLimiter,
    req: &HttpRequest,
    lang: Lang,
) -> Result<(), errors::PageError> {
    if limiter
        .allow(state.client_ip(req), ratelimit::wall_clock())
        .await
    {
        Ok(())
    } else {
        let back = req.path().to_string();
        Err(staff::too_many_wait(lang, limiter.wait_minutes(), &back).with_demo(state.demo))
    }
}

pub fn lang_of(req: &HttpRequest) -> Lang {
    let query = req.query_string();
    let value = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v);
    Lang::from_query(value)
}

pub enum BodyError {
    TooLarge,
    Broken,
}

/// Reads a request body up to `BODY_LIMIT` bytes.
pub async fn read_body(payload: web::Payload) -> Result<web::BytesMut, BodyError> {
    read_body_up_to(payload, BODY_LIMIT).await
}

/// Reads a request body up to `limit` bytes.
pub async fn read_body_up_to(
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, BodyError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::debug!(error = %e, "a request body could not be read");
            BodyError::Broken
        })?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses `application/x-www-form-urlencoded`, keeping repeated keys, refusing invalid UTF-8
/// (the usual parsers replace it silently).
pub fn parse_urlencoded(body: &[u8]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for part in body.split(|&b| b == b'&') {
        if part.is_empty() {
            continue;
        }
        let (k, v) = match part.iter().position(|&b| b == b'=') {
            Some(i) => (
                part.get(..i).unwrap_or_default(),
                part.get(i + 1..).unwrap_or_default(),
            ),
            None => (part, &b""[..]),
        };
        out.push((decode_component(k)?, decode_component(v)?));
    }
    Some(out)
}

fn decode_component(raw: &[u8]) -> Option<String> {
    let plus: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&plus).collect();
    // A NUL byte is in no answer, name or password; PostgreSQL refuses it in text.
    if bytes.contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// True when any string (or key) in a JSON value holds a NUL character, which no field of
/// ours takes and PostgreSQL would refuse deep inside a transaction.
pub fn json_has_nul(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v)),
        _ => false,
    }
}

/// Middleware: times every request and hands the route pattern (never the raw path, so no
/// ticket code is kept) and status to telemetry.
pub async fn record_request(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let start = std::time::Instant::now();
    let method = req.method().clone();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "(unmatched)".to_string());
    let res = next.call(req).await?;
    // A rating tablet's posts are not counted one by one: a scraper of the counter would hold
    // each tap's time (C-15). They are counted nowhere per request.
    if route == "/kiosk/rate" {
        return Ok(res);
    }
    crate::telemetry::observe_request(
        method.as_str(),
        &route,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    Ok(res)
}

/// Middleware: a NUL byte in the path or query (`/s/an-lac%00`) is bad input, refused with
/// 400 before any handler or the database sees it.
pub async fn refuse_nul(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let uri = req.uri();
    let raw = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("");
    let has_nul = raw.as_bytes().windows(3).any(|w| w == b"%00");
    if !has_nul {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let response = if req.path().starts_with("/api/") {
        actix_web::ResponseError::error_response(&errors::ApiError::bad_request(
            ApiCode::BadRequest,
            "the address holds a NUL byte (%00)",
        ))
    } else {
        let lang = lang_of(req.request());
        actix_web::ResponseError::error_response(&errors::PageError::bad_request(lang))
    };
    Ok(req.into_response(response).map_into_right_body())
}

/// Whether a form post comes from another site: `Sec-Fetch-Site: cross-site`, or (for a
/// browser that sends no fetch metadata, or says `same-site`) an `Origin` that is neither this
/// request's host nor the public URL's. A post with neither header (older browsers, scripts) passes: the staff
/// forms carry CSRF tokens, and the citizen forms are rate-limited.
fn is_cross_site(req: &actix_web::dev::ServiceRequest, public_url: &str) -> bool {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_ascii_lowercase())
    };
    match header("sec-fetch-site").as_deref() {
        Some("cross-site") => return true,
        // Another site under the same registrable domain (another portal of the province)
        // is not this site: its `Origin` decides, as for a browser without fetch metadata.
        Some("same-site") => {}
        Some(_) => return false,
        None => {}
    }
    let Some(origin) = header("origin") else {
        return false;
    };
    let host_of = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or("").to_string())
    };
    let Some(from) = host_of(&origin) else {
        return true; // "null" or garbage
    };
    let own = req.connection_info().host().to_ascii_lowercase();
    let public = host_of(&public_url.to_ascii_lowercase()).unwrap_or_default();
    from != own && from != public
}

/// Middleware: a form posted from another site (a page that makes its visitors' browsers
/// file items) is refused with 403 before any handler. The machine API (`/api/`, bearer
/// tokens) is not a browser form and is left alone.
pub async fn refuse_cross_site(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let public_url = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.public_url.clone())
        .unwrap_or_default();
    if req.method() != actix_web::http::Method::POST
        || req.path().starts_with("/api/")
        || !is_cross_site(&req, &public_url)
    {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let lang = lang_of(req.request());
    let page = errors::PageError::new(
        actix_web::http::StatusCode::FORBIDDEN,
        lang,
        crate::texts::tr(lang, "errors.cross_site"),
        crate::texts::tr(lang, "errors.cross_site_text"),
    );
    let response = actix_web::ResponseError::error_response(&page);
    Ok(req.into_response(response).map_into_right_body())
}

pub fn no_store(mut resp: HttpResponse) -> HttpResponse {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_keeps_repeats_and_refuses_bad_utf8() {
        let p = parse_urlencoded(b"expect=staff&expect=result&comment=T%E1%BB%91t+l%E1%BA%AFm&x")
            .unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(p[2], ("comment".into(), "Tốt lắm".into()));
        assert_eq!(p[3], ("x".into(), "".into()));
        assert!(parse_urlencoded(b"comment=%FF%FE").is_none());
        assert!(parse_urlencoded(b"username=admin%00").is_none());
        assert!(json_has_nul(&serde_json::json!({"a": ["x", "y\u{0}"]})));
        assert!(!json_has_nul(&serde_json::json!({"a": ["x", "\\u0000"]})));
    }
}
