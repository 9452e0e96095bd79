//! The audit log for admins: the latest entries as a page, the whole log as CSV (the
//! download is itself logged, by `service::audit`).

use crate::domain::lang::Lang;
use crate::service::access::Action;
use crate::texts::tr;
use crate::web::errors::PageError;
use crate::web::extract::StaffSession;
use crate::web::pages::PageMeta;
use crate::web::{run, AppState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use super::*;

#[derive(Template)]
#[template(path = "staff_audit.html")]
struct AuditPage {
    page: PageMeta,
    heading: &'static str,
    columns: [&'static str; 4],
    rows: Vec<(String, String, String, String, String)>,
}

/// `GET /staff/audit`: the latest 500 entries of the audit log (admins only).
pub async fn audit_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ReadAuditLog)?;
    let rows = run(&state, |s| crate::service::audit::recent(&s.store, 500)).await?;
    let page = AuditPage {
        page: PageMeta::new(lang, state.demo),
        heading: tr(lang, "staff_audit.audit_log"),
        columns: [
            tr(lang, "staff_audit.who"),
            tr(lang, "staff_audit.action"),
            tr(lang, "staff_audit.target"),
            tr(lang, "staff_audit.outcome"),
        ],
        rows: rows
            .into_iter()
            .map(|r| {
                (
                    r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    r.actor,
                    r.action,
                    r.target,
                    r.outcome,
                )
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// `GET /staff/audit.csv`: the whole log as CSV (admins only); the export is itself logged.
pub async fn audit_csv(
    state: web::Data<AppState>,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ReadAuditLog)?;
    let name = session.staff.username;
    let rows = run(&state, move |s| {
        crate::service::audit::export(&s.store, &name, Utc::now())
    })
    .await?;
    let mut w = csv::Writer::from_writer(crate::render::table::BOM.as_bytes().to_vec());
    let mut write = || -> Result<Vec<u8>, csv::Error> {
        w.write_record(["at_utc", "actor", "action", "target", "outcome"])?;
        for r in &rows {
            w.write_record([
                r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                crate::render::table::safe_cell(&r.actor),
                r.action.clone(),
                crate::render::table::safe_cell(&r.target),
                r.outcome.clone(),
            ])?;
        }
        w.flush()?;
        Ok(w.get_ref().clone())
    };
    let bytes = write()?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"hailong-audit.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}
