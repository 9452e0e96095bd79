//! The JSON API for machines: the one-stop software asks for one-time codes, kiosks and
//! offline-capable clients send responses. Every route needs a bearer token.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use utoipa::ToSchema;

use crate::domain::ticket::TicketCode;
use crate::render::qr;
use crate::service::access;
use crate::service::submit::{self, Source, Submission, Target};
use crate::service::tickets::{self, TicketRequest};
use crate::service::tokens::{self, TokenIdentity};
use crate::web::errors::ApiCode;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::{read_body, AppState, BodyError};

/// A caller that presented a valid bearer token.
pub struct ApiCaller(pub TokenIdentity);

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ApiCaller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = crate::web::auth::bearer(req);
        Box::pin(async move {
            let unauthorized = || {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ApiCode::Unauthorized,
                    "a valid bearer token is required (hailong tokens create NAME)",
                )
            };
            let (Some(state), Some(token)) = (state, token) else {
                return Err(unauthorized());
            };
            let identity = web::block(move || tokens::authenticate(&state.store, &token))
                .await?
                .map_err(|e| ApiError::internal(&e))?;
            identity.map(ApiCaller).ok_or_else(unauthorized)
        })
    }
}

async fn json_body(payload: web::Payload) -> Result<Value, ApiError> {
    let body = read_body(payload).await.map_err(|e| match e {
        BodyError::TooLarge => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiCode::TooLarge,
            "the body is larger than 64 KB",
        ),
        BodyError::Broken => ApiError::bad_request(ApiCode::BadBody, "the body could not be read"),
    })?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(ApiCode::BadJson, format!("the body is not valid JSON: {e}"))
    })?;
    if crate::web::json_has_nul(&value) {
        return Err(ApiError::bad_request(
            ApiCode::BadJson,
            "a string in the body holds a NUL character (\\u0000)",
        ));
    }
    Ok(value)
}

/// A one-time survey code for one citizen's dossier.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketBody {
    /// The unit's code, as on its poster (`/s/{unit}`).
    unit: String,
    /// The dossier's reference in the one-stop software (kept with the code, never exported).
    dossier_ref: Option<String>,
    /// The field (lĩnh vực) of the dossier.
    field: Option<String>,
}

/// An issued code, its survey address and its QR images.
#[derive(Serialize, ToSchema)]
pub struct TicketIssued {
    code: String,
    /// The address the citizen opens (what the QR code holds).
    url: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    expires_at: String,
    unit: String,
    qr_svg: String,
    qr_png: String,
}

/// A QR image, as SVG or PNG (a type for the API document only).
#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(value_type = String, format = Binary)]
pub struct Image(Vec<u8>);

impl TicketIssued {
    fn of(t: &crate::domain::ticket::IssuedTicket, public_url: &str) -> TicketIssued {
        TicketIssued {
            code: t.code.as_str().to_string(),
            url: format!("{public_url}/t/{}", t.code),
            expires_at: t.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            unit: t.unit.code.as_str().to_string(),
            qr_svg: format!("/api/v1/tickets/{}/qr.svg", t.code),
            qr_png: format!("/api/v1/tickets/{}/qr.png", t.code),
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets",
    tag = "tickets",
    request_body = TicketBody,
    responses(
        (status = 201, description = "Issued", body = TicketIssued),
        (status = 400, description = "Not a ticket request", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token is scoped to another unit", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
        (status = 410, description = "The unit is closed", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn issue_ticket(
    state: web::Data<AppState>,
    caller: ApiCaller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let value = json_body(payload).await?;
    let body: TicketBody = serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request(ApiCode::BadRequest, e.to_string()))?;
    if !access::token_acts_for(&caller.0, &body.unit) {
        return Err(ApiError::forbidden(format!(
            "this token may not issue codes for unit \"{}\"",
            body.unit
        )));
    }
    let st = state.clone();
    let request = TicketRequest {
        unit: body.unit,
        dossier_ref: body.dossier_ref,
        field: body.field,
    };
    let issued = web::block(move || {
        tickets::issue(
            &st.store,
            &mut rand::rng(),
            request,
            1,
            st.ticket_ttl,
            Utc::now(),
        )
    })
    .await??;
    let t = issued
        .into_iter()
        .next()
        .ok_or_else(ApiError::unavailable)?;
    Ok(HttpResponse::Created().json(TicketIssued::of(&t, &state.public_url)))
}

async fn ticket_url(
    state: &web::Data<AppState>,
    caller: &ApiCaller,
    raw: String,
) -> Result<String, ApiError> {
    let missing = || ApiError::not_found(ApiCode::UnknownTicket, "there is no such survey code");
    let code = TicketCode::parse(&raw).ok().ok_or_else(&missing)?;
    let st = state.clone();
    let lookup = code.clone();
    let unit = web::block(move || tickets::unit_of(&st.store, &lookup))
        .await?
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(missing)?;
    if !access::token_acts_for(&caller.0, &unit) {
        return Err(missing());
    }
    Ok(format!("{}/t/{}", state.public_url, code))
}

#[utoipa::path(
    get,
    path = "/api/v1/tickets/{code}/qr.svg",
    tag = "tickets",
    params(("code" = String, Path, description = "The survey code")),
    responses(
        (status = 200, description = "The QR code of the code's survey address", content_type = "image/svg+xml", body = Image),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 404, description = "No such code (or not this token's unit)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn ticket_qr_svg(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let url = ticket_url(&state, &caller, path.into_inner()).await?;
    let svg = qr::svg(&url, 240).map_err(|e| ApiError::bad_request(ApiCode::Qr, e.to_string()))?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

#[utoipa::path(
    get,
    path = "/api/v1/tickets/{code}/qr.png",
    tag = "tickets",
    params(("code" = String, Path, description = "The survey code")),
    responses(
        (status = 200, description = "The QR code of the code's survey address", content_type = "image/png", body = Image),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 404, description = "No such code (or not this token's unit)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn ticket_qr_png(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let url = ticket_url(&state, &caller, path.into_inner()).await?;
    let png = qr::png(&url, 8).map_err(|e| ApiError::bad_request(ApiCode::Qr, e.to_string()))?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// Flattens JSON answers into the key/value pairs every submission path validates.
fn answer_pairs(
    answers: &serde_json::Map<String, Value>,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs = Vec::new();
    for (k, v) in answers {
        let bad = || {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ApiCode::InvalidAnswers,
                format!("{k}: an answer is a number, a string, or a list of strings"),
            )
        };
        match v {
            Value::Null => {}
            Value::Number(n) => pairs.push((k.clone(), n.to_string())),
            Value::String(s) => pairs.push((k.clone(), s.clone())),
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(s) => pairs.push((k.clone(), s.clone())),
                        Value::Number(n) => pairs.push((k.clone(), n.to_string())),
                        _ => return Err(bad()),
                    }
                }
            }
            _ => return Err(bad()),
        }
    }
    Ok(pairs)
}

/// One citizen's answers, from a kiosk or an offline-capable client.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    /// Chosen by the client (a UUID): sending it again is answered as the first time.
    submission_id: String,
    /// The unit (or the token's own unit when it is scoped to one).
    unit: Option<String>,
    /// A one-time survey code instead of, or besides, the unit.
    ticket: Option<String>,
    /// `form_id@version` the answers were given on; the unit's current form when absent.
    form: Option<String>,
    /// Question code → answer: a number, a string, or a list of strings (multiple choice).
    #[schema(value_type = Object)]
    answers: serde_json::Map<String, Value>,
}

/// A stored response.
#[derive(Serialize, ToSchema)]
pub struct ResponseAccepted {
    id: i64,
    submission_id: String,
    unit: String,
}

/// Where a JSON submission goes: its unit (a unit-scoped token's own by default), its ticket,
/// or both; a unit-scoped token may submit for its own unit only (checked before anything is
/// stored).
fn target_of(
    caller: &ApiCaller,
    unit: Option<String>,
    ticket: Option<String>,
) -> Result<Target, ApiError> {
    let unit = unit.or_else(|| caller.0.unit.clone());
    let target = match (unit, ticket) {
        (Some(unit), Some(ticket)) => Target::Both { unit, ticket },
        (Some(unit), None) => Target::Unit(unit),
        (None, Some(ticket)) => Target::Ticket(ticket),
        (None, None) => {
            return Err(ApiError::bad_request(
                ApiCode::BadRequest,
                "name a \"unit\" or a \"ticket\"",
            ))
        }
    };
    if let Target::Unit(u) | Target::Both { unit: u, .. } = &target {
        if !access::token_acts_for(&caller.0, u) {
            return Err(ApiError::forbidden(format!(
                "this token may not submit for unit \"{u}\""
            )));
        }
    }
    Ok(target)
}

#[utoipa::path(
    post,
    path = "/api/v1/responses",
    tag = "responses",
    request_body = ResponseBody,
    responses(
        (status = 201, description = "Stored (or stored before: header Idempotent-Replayed: true)", body = ResponseAccepted),
        (status = 400, description = "Not a response body", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token is scoped to another unit", body = ErrorBody),
        (status = 404, description = "No such unit or code", body = ErrorBody),
        (status = 409, description = "The code was used, or this submission id came with other answers", body = ErrorBody),
        (status = 410, description = "The unit is closed or the code expired", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
        (status = 422, description = "Answers missing or out of range", body = ErrorBody),
    ),
    security(("bearer" = []))
)]

pub async fn submit_response(
    state: web::Data<AppState>,
    caller: ApiCaller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let value = json_body(payload).await?;
    let body: ResponseBody = serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request(ApiCode::BadRequest, e.to_string()))?;
    let target = target_of(&caller, body.unit, body.ticket)?;
    let submission = Submission {
        target,
        form: body.form,
        pairs: answer_pairs(&body.answers)?,
        submission_id: Some(body.submission_id),
        source: Source::Api,
        grace_days: state.grace_days,
    };
    let now = Utc::now();
    let receipt = match submit::submit_inline(&state.store, &state.forms, &submission, now).await {
        Some(done) => done?,
        None => {
            let st = state.clone();
            web::block(move || submit::submit(&st.store, &st.forms, submission, now, false))
                .await??
        }
    };
    // The same submission id twice is answered the second time exactly as the first,
    // with a header that says it was a replay.
    let mut resp = HttpResponse::Created();
    if receipt.created {
        crate::service::tokens::note_response(&state.store, &caller.0.name, now).await;
    } else {
        resp.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(resp.json(ResponseAccepted {
        id: receipt.response_id,
        submission_id: receipt.submission_id,
        unit: receipt.unit_code,
    }))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(ApiCode::NotFound, "no such API route"))
}
