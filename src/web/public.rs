//! Public pages that show only the public form's address: the unit's QR code and its
//! printable poster, plus the health check and a plain home page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::domain::form::Lang;
use crate::domain::unit::Unit;
use crate::render::qr;
use crate::service::units;
use crate::web::errors::PageError;
use crate::web::pages::{self, DEMO_EN, DEMO_VI, SLOGAN};
use crate::web::{lang_of, AppState};

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
    let st = state.clone();
    let found = web::block(move || units::with_parent(&st.store, &code))
        .await
        .map_err(|e| PageError::internal(lang, &e))?
        .map_err(|e| PageError::internal(lang, &e))?;
    found.ok_or_else(|| {
        PageError::new(
            StatusCode::NOT_FOUND,
            lang,
            lang.pick("Không tìm thấy đơn vị", "Office not found"),
            lang.pick(
                "Không có đơn vị nào với mã này.",
                "There is no office with this code.",
            ),
        )
    })
}

pub async fn unit_qr_svg(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (unit, _) = find_unit(&state, path.into_inner(), lang).await?;
    let svg = qr::svg(&unit_url(&state, unit.code.as_str()), 400)
        .map_err(|_| PageError::bad_request(lang))?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

pub async fn unit_qr_png(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (unit, _) = find_unit(&state, path.into_inner(), lang).await?;
    let png = qr::png(&unit_url(&state, unit.code.as_str()), 10)
        .map_err(|_| PageError::bad_request(lang))?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

pub async fn poster(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
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
        heading: lang.pick("Khảo sát sự hài lòng", "How satisfied are you?"),
        lead: lang.pick(
            "Quét mã QR bằng điện thoại để đánh giá sự phục vụ của chúng tôi. Không ghi tên, chưa đến một phút.",
            "Scan the QR code with your phone to rate our service. Anonymous, under a minute.",
        ),
        qr_svg: qr::inline_svg(&url, 400, lang.pick("Mã QR dẫn tới phiếu khảo sát", "QR code of the survey form"))
            .map_err(|_| PageError::bad_request(lang))?,
        url,
        slogan: SLOGAN,
        demo: state.demo,
        demo_text: lang.pick(DEMO_VI, DEMO_EN),
    };
    let body = page.render().map_err(|e| PageError::internal(lang, &e))?;
    Ok(pages::html(StatusCode::OK, body))
}

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let st = state.clone();
    let ok = web::block(move || st.store.ping()).await.unwrap_or(false);
    if ok {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
    }
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let lang = lang_of(&req);
    pages::message(
        StatusCode::OK,
        lang,
        state.demo,
        "",
        "Hailong",
        &[lang
            .pick(
                "Khảo sát sự hài lòng của người dân, tổ chức đối với dịch vụ hành chính công. Xin quét mã QR tại quầy Bộ phận Một cửa để đánh giá.",
                "Citizen-satisfaction survey of public administrative services. Please scan the QR code at the one-stop desk to answer.",
            )
            .to_string()],
        &[])
}

pub async fn not_found(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let lang = lang_of(&req);
    pages::message(
        StatusCode::NOT_FOUND,
        lang,
        state.demo,
        "",
        lang.pick("Không tìm thấy trang", "Page not found"),
        &[lang
            .pick(
                "Địa chỉ này không có trên hệ thống. Xin quét lại mã QR tại quầy.",
                "This address does not exist. Please scan the QR code at the desk again.",
            )
            .to_string()],
        &[],
    )
}

/// The offline helper of the survey form (progressive enhancement; see the file).
pub async fn offline_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(include_str!("static/offline.js"))
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::telemetry::metrics_text(state.store.pool_state()))
}
