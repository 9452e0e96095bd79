//! `GET /openapi.json`: the `/api/v1` routes as OpenAPI 3.1, generated from the handlers'
//! annotations and the types they send and take (`utoipa`), never written by hand.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::web::{api, exports};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hailong API",
        description = "One-time survey codes, responses from kiosks and offline clients, dossier counts, and the satisfaction indices of a period. Bearer tokens come from `hailong tokens create NAME [--unit CODE]`; `GET /api/v1/indices` also takes a staff session."
    ),
    paths(
        api::issue_ticket,
        api::ticket_qr_svg,
        api::ticket_qr_png,
        api::submit_response,
        exports::import_dossiers,
        exports::import_returned,
        exports::indices_json,
        exports::desk_json,
        exports::topics_json,
        exports::feedback_json,
        exports::invitations_json,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document, built once.
pub fn document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}
