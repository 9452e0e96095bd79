//! Who is asking: a member of staff (session cookie) or a machine (bearer token).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Utc;

use crate::service::tokens;
use crate::service::users::{self, Staff};
use crate::web::errors::ApiCode;
use crate::web::errors::ApiError;
use crate::web::AppState;

pub const SESSION_COOKIE: &str = "hailong_session";

pub fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            // The scheme is case-insensitive (RFC 9110 §11.1).
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .map(|t| t.trim().to_string())
}

/// The signed-in member of staff behind the session cookie, if any, once their password is
/// their own: a session whose printed password must still be changed counts as none here.
pub async fn staff_of(req: &HttpRequest) -> Result<Option<(Staff, String)>, ApiError> {
    Ok(session_of(req)
        .await?
        .filter(|(staff, _)| !staff.must_change_password))
}

/// Any live session, including one that must change its password first.
pub async fn session_of(req: &HttpRequest) -> Result<Option<(Staff, String)>, ApiError> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(None);
    };
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let token = cookie.value().to_string();
    web::block(move || users::session(&state.store, &token, Utc::now()))
        .await?
        .map_err(|e| ApiError::internal(&e))
}

pub use crate::service::access::Caller;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(token) = bearer(&req) {
                let state = req
                    .app_data::<web::Data<AppState>>()
                    .cloned()
                    .ok_or_else(ApiError::unavailable)?;
                let identity = web::block(move || tokens::authenticate(&state.store, &token))
                    .await?
                    .map_err(|e| ApiError::internal(&e))?;
                return identity.map(Caller::Token).ok_or_else(unauthorized);
            }
            match staff_of(&req).await? {
                Some((staff, _)) => Ok(Caller::Staff(staff)),
                None => Err(unauthorized()),
            }
        })
    }
}

pub fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ApiCode::Unauthorized,
        "sign in at /login, or send a bearer token (hailong tokens create NAME)",
    )
}
