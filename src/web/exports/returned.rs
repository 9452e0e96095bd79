//! `POST /api/v1/dossiers/returned` (SPEC §11): returned dossiers from the one-stop software,
//! a JSON array of at most 1,000; each bad row refused by its index, the others taken.

use super::*;
use crate::service::returned;

/// The largest body taken: a thousand rows of a few hundred bytes.
const RETURNED_LIMIT: usize = 512 * 1024;

/// One returned dossier as sent (SPEC §11).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ReturnedDossier {
    /// The one-stop software's dossier id (kept only as a keyed hash).
    #[serde(rename = "ref")]
    reference: String,
    unit: String,
    procedure: Option<String>,
    #[schema(format = Date)]
    received_on: String,
    #[schema(format = Date)]
    due_on: String,
    #[schema(format = Date)]
    returned_on: String,
    /// `in_person`, `online_partial`, `online_full` or `postal`
    channel: String,
    /// A Vietnamese mobile number (0912…, +84 912…, 84912…).
    phone: Option<String>,
    /// The citizen agreed to be asked; absent = no.
    invite: Option<bool>,
}

/// A row refused: its index in the array (from 0) and why.
#[derive(Serialize, ToSchema)]
pub struct RefusedRow {
    index: u64,
    reason: String,
}

/// What a call did.
#[derive(Serialize, ToSchema)]
pub struct ReturnedTaken {
    /// New dossiers stored.
    taken: u64,
    /// Dossiers sent before (the same `ref`): left as they were.
    already: u64,
    refused: Vec<RefusedRow>,
}

#[utoipa::path(
    post,
    path = "/api/v1/dossiers/returned",
    tag = "dossiers",
    request_body(content = Vec<ReturnedDossier>, content_type = "application/json"),
    responses(
        (status = 200, description = "Every row taken (or known already)", body = ReturnedTaken),
        (status = 400, description = "Not a JSON array", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "A row of a unit this token may not write for: nothing taken", body = ErrorBody),
        (status = 413, description = "Body over 512 KB", body = ErrorBody),
        (status = 422, description = "Some rows refused, each by its index; the others taken", body = ReturnedTaken),
    ),
    security(("bearer" = []))
)]
/// `POST /api/v1/dossiers/returned`: a JSON array of returned dossiers.
pub async fn import_returned(
    state: web::Data<AppState>,
    caller: ApiCaller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::web::read_body_up_to(payload, RETURNED_LIMIT)
        .await
        .map_err(|e| body_error(e, RETURNED_LIMIT / 1024))?;
    let rows = returned::rows_of_json(body_text(&body)?)
        .map_err(|e| ApiError::bad_request(ApiCode::BadJson, e))?;
    let (st, scope) = (state.clone(), caller.0.unit.clone());
    let actor = format!("token:{}", caller.0.name);
    let now = chrono::Utc::now();
    let outcome = web::block(move || {
        returned::import(
            &st.store,
            st.returned_keys(),
            &rows,
            scope.as_deref(),
            &actor,
            now,
        )
    })
    .await??;
    Ok(answer(outcome))
}

/// 200 when every row was taken, else 422 naming the refused rows.
fn answer(outcome: returned::Outcome) -> HttpResponse {
    let status = if outcome.refused.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    HttpResponse::build(status).json(ReturnedTaken {
        taken: crate::domain::num::u64_of(outcome.taken),
        already: crate::domain::num::u64_of(outcome.already),
        refused: outcome
            .refused
            .into_iter()
            .map(|(index, reason)| RefusedRow {
                index: crate::domain::num::u64_of(index),
                reason,
            })
            .collect(),
    })
}
