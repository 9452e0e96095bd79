//! Open data (SPEC §14): the tables frozen with each publication, per revision, as CSV (the
//! bytes frozen), JSON (the bytes frozen) and XLSX (the frozen CSV's cells, numbers as numbers;
//! the same bytes at every request). Anyone may take them; machines get JSON errors.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::domain::period::Period;
use crate::service::public;
use crate::web::cache::Made;
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

/// The moment a revision was published, as `Last-Modified` says it.
fn system_time(at: NaiveDateTime) -> std::time::SystemTime {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc).into()
}

/// An open-data file of a revision: anyone may fetch it from a page of their own (CORS), and
/// it is saved under a name that says what it is.
fn open_file(
    content_type: &'static str,
    body: Vec<u8>,
    t: &public::FrozenTable,
    name: Option<String>,
) -> Made {
    let mut headers = vec![(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string())];
    if let Some(name) = name {
        headers.push((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ));
    }
    Made {
        body,
        content_type,
        last_modified: Some(system_time(t.published_at)),
        headers,
        compress: true,
    }
}

/// The file `ext` of the revision a query names, kept ready (issue 38).
async fn open_kept(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<OpenQuery>,
    ext: &'static str,
) -> Result<HttpResponse, ApiError> {
    let (period, revision) = open_query(&q, state.scheme)?;
    let which = revision.map_or("latest".to_string(), |n| n.to_string());
    let key = format!("open:{ext}:{}:{which}", period.label);
    crate::web::cache::serve(&state, &req, key, || async {
        let (period, t) = frozen(&state, &q).await?;
        let name = |e: &str| {
            Some(format!(
                "hailong-indices-{}-r{}.{e}",
                period.label, t.revision
            ))
        };
        Ok(match ext {
            "csv" => {
                let body = t.table_csv.clone().into_bytes();
                open_file("text/csv; charset=utf-8", body, &t, name("csv"))
            }
            "json" => open_file(
                "application/json",
                t.table_json.clone().into_bytes(),
                &t,
                None,
            ),
            _ => {
                let sheet = format!("SIPAS {} r{}", period.label, t.revision);
                let bytes = crate::render::xlsx::xlsx_of_csv(&t.table_csv, &sheet, t.published_at)
                    .map_err(|e| ApiError::internal(&e))?;
                let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                open_file(xlsx, bytes, &t, name("xlsx"))
            }
        })
    })
    .await
}

/// `GET /open/indices.csv?period=P[&revision=N]`: the HAO table frozen with the publication.
pub async fn open_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<OpenQuery>,
) -> Result<HttpResponse, ApiError> {
    open_kept(state, req, q, "csv").await
}

/// `GET /open/indices.json?period=P[&revision=N]`: the same table as `/api/v1/indices` gave it.
pub async fn open_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<OpenQuery>,
) -> Result<HttpResponse, ApiError> {
    open_kept(state, req, q, "json").await
}

/// `GET /open/indices.xlsx?period=P[&revision=N]`: the frozen CSV as a spreadsheet.
pub async fn open_xlsx(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<OpenQuery>,
) -> Result<HttpResponse, ApiError> {
    open_kept(state, req, q, "xlsx").await
}
