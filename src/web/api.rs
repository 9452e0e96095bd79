//! The JSON API for machines: the one-stop software asks for one-time codes, kiosks and
//! offline-capable clients send responses. Every route needs a bearer token.

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;

use crate::domain::ticket::TicketCode;
use crate::render::qr;
use crate::service::submit::{self, Source, Submission, Target};
use crate::service::tickets::{self, TicketRequest};
use crate::service::tokens::{self, TokenIdentity};
use crate::store::tickets as ticket_store;
use crate::web::errors::ApiError;
use crate::web::{read_body, AppState, BodyError};

/// A caller that presented a valid bearer token.
pub struct ApiCaller(pub TokenIdentity);

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ApiCaller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        Box::pin(async move {
            let unauthorized = || {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "a valid bearer token is required (hailong tokens create NAME)",
                )
            };
            let (Some(state), Some(token)) = (state, token) else {
                return Err(unauthorized());
            };
            let identity = web::block(move || tokens::authenticate(&state.store, &token))
                .await?
                .map_err(|_| ApiError::unavailable())?;
            identity.map(ApiCaller).ok_or_else(unauthorized)
        })
    }
}

async fn json_body(payload: web::Payload) -> Result<Value, ApiError> {
    let body = read_body(payload).await.map_err(|e| match e {
        BodyError::TooLarge => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is larger than 64 KB",
        ),
        BodyError::Broken => ApiError::bad_request("bad_body", "the body could not be read"),
    })?;
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("bad_json", format!("the body is not valid JSON: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TicketBody {
    unit: String,
    dossier_ref: Option<String>,
    field: Option<String>,
}

pub async fn issue_ticket(
    state: web::Data<AppState>,
    caller: ApiCaller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let value = json_body(payload).await?;
    let body: TicketBody = serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request("bad_request", e.to_string()))?;
    if !caller.0.may_act_for(&body.unit) {
        return Err(ApiError::forbidden(format!(
            "this token may not issue codes for unit \"{}\"",
            body.unit
        )));
    }
    let st = state.clone();
    let issued = web::block(move || {
        tickets::issue(
            &st.store,
            &mut rand::rng(),
            TicketRequest {
                unit: body.unit,
                dossier_ref: body.dossier_ref,
                field: body.field,
            },
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
    Ok(HttpResponse::Created().json(json!({
        "code": t.code.as_str(),
        "url": format!("{}/t/{}", state.public_url, t.code),
        "expires_at": t.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "unit": t.unit.code.as_str(),
        "qr_svg": format!("/api/v1/tickets/{}/qr.svg", t.code),
        "qr_png": format!("/api/v1/tickets/{}/qr.png", t.code),
    })))
}

async fn ticket_url(
    state: &web::Data<AppState>,
    caller: &ApiCaller,
    raw: String,
) -> Result<String, ApiError> {
    let missing = || ApiError::not_found("unknown_ticket", "there is no such survey code");
    let code = TicketCode::parse(&raw).map_err(|_| missing())?;
    let st = state.clone();
    let lookup = code.as_str().to_string();
    let row = web::block(move || st.store.read(|c| ticket_store::get(c, &lookup)))
        .await?
        .map_err(|_| ApiError::unavailable())?
        .ok_or_else(missing)?;
    if !caller.0.may_act_for(&row.unit_code) {
        return Err(missing());
    }
    Ok(format!("{}/t/{}", state.public_url, code))
}

pub async fn ticket_qr_svg(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let url = ticket_url(&state, &caller, path.into_inner()).await?;
    let svg = qr::svg(&url, 240).map_err(|e| ApiError::bad_request("qr", e.to_string()))?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

pub async fn ticket_qr_png(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let url = ticket_url(&state, &caller, path.into_inner()).await?;
    let png = qr::png(&url, 8).map_err(|e| ApiError::bad_request("qr", e.to_string()))?;
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
                "invalid_answers",
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseBody {
    submission_id: String,
    unit: Option<String>,
    ticket: Option<String>,
    form: Option<String>,
    answers: serde_json::Map<String, Value>,
}

pub async fn submit_response(
    state: web::Data<AppState>,
    caller: ApiCaller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let value = json_body(payload).await?;
    let body: ResponseBody = serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request("bad_request", e.to_string()))?;
    // A unit-scoped token's ticket must be of its own unit: checked before anything is stored.
    let unit = body.unit.or_else(|| caller.0.unit.clone());
    let target = match (unit, body.ticket) {
        (Some(unit), Some(ticket)) => Target::Both { unit, ticket },
        (Some(unit), None) => Target::Unit(unit),
        (None, Some(ticket)) => Target::Ticket(ticket),
        (None, None) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "name a \"unit\" or a \"ticket\"",
            ))
        }
    };
    if let Target::Unit(u) | Target::Both { unit: u, .. } = &target {
        if !caller.0.may_act_for(u) {
            return Err(ApiError::forbidden(format!(
                "this token may not submit for unit \"{u}\""
            )));
        }
    }
    let submission = Submission {
        target,
        form: body.form,
        pairs: answer_pairs(&body.answers)?,
        submission_id: Some(body.submission_id),
        source: Source::Api,
    };
    let st = state.clone();
    let receipt =
        web::block(move || submit::submit(&st.store, &st.forms, submission, Utc::now(), false))
            .await??;
    // The same submission id twice is answered the second time exactly as the first,
    // with a header that says it was a replay.
    let mut resp = HttpResponse::Created();
    if !receipt.created {
        resp.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(resp.json(json!({
        "id": receipt.response_id,
        "submission_id": receipt.submission_id,
        "unit": receipt.unit_code,
    })))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("not_found", "no such API route"))
}
