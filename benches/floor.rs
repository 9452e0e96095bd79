//! The floor for the submission benchmark (issue 13): a bare actix-web handler that parses the
//! same JSON as `POST /api/v1/responses` and answers 201, storing nothing. `benches/load/cpu.sh`
//! runs it beside the real service and reports durable submissions/s as a ratio to it, so the
//! figure means the same on a noisy machine.
//!
//! Usage: `cargo bench --bench floor -- PORT` (serves until killed; cargo passes `--bench`).
#![allow(clippy::as_conversions, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Submission {
    submission_id: String,
    unit: Option<String>,
    ticket: Option<String>,
    form: Option<String>,
    answers: BTreeMap<String, serde_json::Value>,
}

async fn respond(body: web::Bytes) -> HttpResponse {
    match serde_json::from_slice::<Submission>(&body) {
        Ok(s) => HttpResponse::Created().json(serde_json::json!({
            "id": s.answers.len(),
            "submission_id": s.submission_id,
            "unit": s.unit,
        })),
        Err(e) => HttpResponse::BadRequest().body(e.to_string()),
    }
}

fn main() -> std::io::Result<()> {
    // `cargo test --all-targets` runs bench binaries too, without `--bench`: a server that
    // never ends has no place there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("floor: a server for benches/load/cpu.sh; run it with --bench PORT");
        return Ok(());
    }
    let port: u16 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(18080);
    actix_web::rt::System::new().block_on(async move {
        println!("floor listening on port {port}");
        HttpServer::new(|| App::new().route("/api/v1/responses", web::post().to(respond)))
            .bind(("127.0.0.1", port))?
            .run()
            .await
    })
}
