//! Open data (SPEC §14): the tables frozen with each publication, per revision, as CSV (the
//! bytes frozen), JSON (the bytes frozen) and XLSX (the frozen CSV's cells, numbers as numbers;
//! the same bytes at every request). Anyone may take them; machines get JSON errors.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::domain::period::Period;
use crate::service::public;
use crate::web::errors::{ApiCode, ApiError};
use crate::web::AppState;

#[derive(Debug, Deserialize)]
pub struct OpenQuery {
    period: Option<String>,
    revision: Option<String>,
}

/// The period and revision a query names.
pub(crate) fn open_query(
    q: &OpenQuery,
    scheme: crate::domain::period::Scheme,
) -> Result<(Period, Option<i32>), ApiError> {
    let Some(label) = q.period.as_deref() else {
        return Err(ApiError::bad_request(
            ApiCode::BadPeriod,
            "name a published period: ?period=2026-Q2 (the list is at /reports and /feed.xml)",
        ));
    };
    let period =
        Period::parse(label, scheme).map_err(|e| ApiError::bad_request(ApiCode::BadPeriod, e.0))?;
    let revision = match q.revision.as_deref() {
        None => None,
        Some(r) => Some(r.trim().parse::<i32>().ok().ok_or_else(|| {
            ApiError::bad_request(
                ApiCode::BadRevision,
                format!("\"{r}\" is not a revision number"),
            )
        })?),
    };
    Ok((period, revision))
}

/// The frozen table a query names, or the JSON error a machine can act on.
async fn frozen(
    state: &web::Data<AppState>,
    q: &OpenQuery,
) -> Result<(Period, public::FrozenTable), ApiError> {
    let (period, revision) = open_query(q, state.scheme)?;
    let p = period.clone();
    let st = state.clone();
    let found = web::block(move || public::frozen_table(&st.store, &p, revision))
        .await?
        .map_err(|e| ApiError::internal(&e))?;
    let not_published = || {
        ApiError::not_found(
            ApiCode::NotPublished,
            format!(
                "{} is not published (or has no such revision)",
                period.label
            ),
        )
    };
    let found = found.ok_or_else(not_published)?;
    if found.table_csv.is_empty() {
        return Err(ApiError::not_found(
            ApiCode::NotFrozen,
            format!(
                "revision {} of {} was published before open data was kept; its figures are in /reports/{}",
                found.revision, period.label, period.label
            ),
        ));
    }
    Ok((period, found))
}

fn open_response(content_type: &str, at: NaiveDateTime) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    r.content_type(content_type.to_string())
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((
            header::LAST_MODIFIED,
            DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        ));
    r
}

/// `GET /open/indices.csv?period=P[&revision=N]`: the HAO table frozen with the publication.
pub async fn open_csv(
    state: web::Data<AppState>,
    q: web::Query<OpenQuery>,
) -> Result<HttpResponse, ApiError> {
    let (period, t) = frozen(&state, &q).await?;
    Ok(open_response("text/csv; charset=utf-8", t.published_at)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"hailong-indices-{}-r{}.csv\"",
                period.label, t.revision
            ),
        ))
        .body(t.table_csv))
}

/// `GET /open/indices.json?period=P[&revision=N]`: the same table as `/api/v1/indices` gave it.
pub async fn open_json(
    state: web::Data<AppState>,
    q: web::Query<OpenQuery>,
) -> Result<HttpResponse, ApiError> {
    let (_, t) = frozen(&state, &q).await?;
    Ok(open_response("application/json", t.published_at).body(t.table_json))
}

/// `GET /open/indices.xlsx?period=P[&revision=N]`: the frozen CSV as a spreadsheet.
pub async fn open_xlsx(
    state: web::Data<AppState>,
    q: web::Query<OpenQuery>,
) -> Result<HttpResponse, ApiError> {
    let (period, t) = frozen(&state, &q).await?;
    let sheet = format!("SIPAS {} r{}", period.label, t.revision);
    let bytes = crate::render::xlsx::xlsx_of_csv(&t.table_csv, &sheet, t.published_at)
        .map_err(|e| ApiError::internal(&e))?;
    Ok(open_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        t.published_at,
    )
    .insert_header((
        header::CONTENT_DISPOSITION,
        format!(
            "attachment; filename=\"hailong-indices-{}-r{}.xlsx\"",
            period.label, t.revision
        ),
    ))
    .body(bytes))
}
