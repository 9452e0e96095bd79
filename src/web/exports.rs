//! What the Home Affairs Office downloads and the one-stop software pushes: the index table
//! as CSV and JSON, the anonymised raw responses (streamed) and the dossier counts pushed in,
//! here; the desk ratings (`desk.csv`) and officers' figures (`officers.csv`) in `desk`; the
//! feedback of a period (JSON, paged) in `feedback`. A bearer token or a signed-in member of
//! staff is needed; a unit-scoped token or an officer sees their own unit only, and officers'
//! figures go only to the officer, their unit's lead and admins.

use crate::domain::num::Real;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::period::Period;
use crate::domain::stats::round2;
use crate::render::table;
use crate::render::table::IndicesJson;
use crate::service::access::{self, Action};
use crate::service::dossiers::{self, DossierCount};
use crate::service::export;
use crate::service::indices::{self, IndexTable};
use crate::web::api::ApiCaller;
use crate::web::auth::Caller;
use crate::web::errors::ApiCode;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::{read_body, AppState, BodyError};
use utoipa::{IntoParams, ToSchema};

mod desk;
mod feedback;
mod invitations;
mod returned;
mod topics;
pub use desk::*;
pub use feedback::*;
pub use invitations::*;
pub use returned::*;
pub use topics::*;

/// A period by name or by dates, and optionally one unit.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// `2021-Q1`, `2021-H1`, `2021-9M`, `2021` or `2021-03` (quarters per the configured scheme).
    pub period: Option<String>,
    /// First day of a custom range (`YYYY-MM-DD`), with `to`.
    pub from: Option<String>,
    /// Last day of a custom range, with `from`.
    pub to: Option<String>,
    /// One unit's rows only (an officer's token or account sees its own unit).
    pub unit: Option<String>,
    /// `long` for the tidy table (CSV only).
    pub shape: Option<String>,
}

/// A page of a long list: the items after an id, at most `limit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items with an id above this one (the `next_after` of the page before); 0 or none: from the first.
    pub after: Option<i64>,
    /// Items on this page: 1–1000, 200 by default.
    pub limit: Option<i64>,
}

impl PageQuery {
    /// The page asked for, checked: `after` from 0, `limit` 1–1,000 (200 if not given).
    pub fn page(&self) -> Result<crate::service::feedback::ExportPage, ApiError> {
        use crate::service::feedback as fb;
        let page = fb::ExportPage {
            after: self.after.unwrap_or(0).max(0),
            limit: self.limit.unwrap_or(fb::API_PAGE_DEFAULT),
        };
        if !(1..=fb::EXPORT_PAGE_MAX).contains(&page.limit) {
            return Err(ApiError::bad_request(
                ApiCode::BadLimit,
                format!("limit is 1 to {}", fb::EXPORT_PAGE_MAX),
            ));
        }
        Ok(page)
    }
}

pub fn period_of(q: &PeriodQuery, state: &AppState) -> Result<Period, ApiError> {
    match Period::from_parts(q.period.as_deref(), q.from.as_deref(), q.to.as_deref(), state.scheme) {
        Some(parsed) => parsed.map_err(|e| ApiError::bad_request(ApiCode::BadPeriod, e.0)),
        None => Err(ApiError::bad_request(
            ApiCode::BadPeriod,
            "name a period (?period=2021-Q1, 2021-H1, 2021-9M, 2021 or 2021-03) or a range (?from=2021-01-01&to=2021-03-31)",
        )),
    }
}

/// The unit a caller asks for, within what it may do and see (`service::access`).
fn scoped_unit(
    caller: &Caller,
    action: Action,
    asked: &Option<String>,
) -> Result<Option<String>, ApiError> {
    access::unit_for(caller, action, asked.as_deref())
        .map_err(|e| ApiError::forbidden(e.to_string()))
}

async fn compute(
    state: &web::Data<AppState>,
    caller: &Caller,
    q: &PeriodQuery,
) -> Result<IndexTable, ApiError> {
    let period = period_of(q, state)?;
    let unit = scoped_unit(caller, Action::ReadIndices, &q.unit)?;
    let st = state.clone();
    Ok(web::block(move || {
        indices::full_table(
            &st.store,
            &st.forms,
            &period,
            unit.as_deref(),
            &st.feedback,
            chrono::Utc::now(),
        )
    })
    .await??)
}

fn csv_response(name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(bytes)
}

pub async fn indices_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let t = compute(&state, &caller, &q).await?;
    let long = match q.shape.as_deref() {
        None | Some("wide") => false,
        Some("long") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                ApiCode::BadShape,
                format!("shape \"{other}\": use wide or long"),
            ))
        }
    };
    let bytes = if long {
        table::long_csv(&t)
    } else {
        table::wide_csv(&t)
    }
    .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ApiCode::Csv, e.to_string()))?;
    let name = format!(
        "hailong-indices-{}{}.csv",
        t.period.label.replace("..", "_"),
        if long { "-long" } else { "" }
    );
    Ok(csv_response(&name, bytes))
}

#[utoipa::path(
    get,
    path = "/api/v1/indices",
    tag = "indices",
    params(PeriodQuery),
    responses(
        (status = 200, description = "The index table of the period", body = IndicesJson),
        (status = 400, description = "No period, or a bad one", body = ErrorBody),
        (status = 401, description = "Neither a session nor a bearer token", body = ErrorBody),
        (status = 403, description = "Another unit than the caller's own", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn indices_json(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let t = compute(&state, &caller, &q).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(table::json(&t)))
}

/// One unit's count of dossiers received on one day. The JSON reader below takes these
/// fields one by one (numbers or strings, each line numbered in errors); this type gives
/// the API document their shape.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct DossierRow {
    unit_code: String,
    #[schema(format = Date)]
    date: String,
    dossiers: u64,
}

/// How many counts were stored (each replacing an earlier count of its unit and day).
#[derive(Serialize, ToSchema)]
pub struct DossiersImported {
    imported: u64,
}

#[utoipa::path(
    post,
    path = "/api/v1/dossiers",
    tag = "dossiers",
    request_body(
        description = "CSV with the header `unit_code,date,dossiers`, or JSON: a list of rows or `{\"dossiers\": [...]}`",
        content(
            (String = "text/csv"),
            (Vec<DossierRow> = "application/json"),
        )
    ),
    responses(
        (status = 200, description = "Stored; nothing is stored when any line is bad", body = DossiersImported),
        (status = 400, description = "Not CSV or JSON", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
        (status = 422, description = "A bad line, named by its number", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// `POST /api/v1/dossiers`: CSV (`unit_code,date,dossiers`) or JSON
/// (`[{"unit_code","date","dossiers"}]` or `{"dossiers": [...]}`).
pub async fn import_dossiers(
    state: web::Data<AppState>,
    caller: ApiCaller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload).await.map_err(|e| body_error(e, 64))?;
    let text = body_text(&body)?;
    let is_json = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let counts = if is_json {
        dossiers_json(text)?
    } else {
        dossiers::parse_csv(text)?
    };
    let st = state.clone();
    let scope = caller.0.unit.clone();
    let n = web::block(move || dossiers::import(&st.store, &counts, scope.as_deref())).await??;
    Ok(HttpResponse::Ok().json(DossiersImported {
        imported: crate::domain::num::u64_of(n),
    }))
}

/// A body the API could not take whole: larger than `limit_kb` (send it in parts), or cut off.
fn body_error(e: BodyError, limit_kb: usize) -> ApiError {
    match e {
        BodyError::TooLarge => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiCode::TooLarge,
            format!("the body is larger than {limit_kb} KB; send it in parts"),
        ),
        BodyError::Broken => ApiError::bad_request(ApiCode::BadBody, "the body could not be read"),
    }
}

/// A body as text: UTF-8 (where it stops being so, said) and without a NUL byte.
fn body_text(body: &[u8]) -> Result<&str, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::bad_request(
            ApiCode::BadBody,
            format!("the body is not UTF-8 (after byte {})", e.valid_up_to()),
        )
    })?;
    if text.contains('\0') {
        return Err(ApiError::bad_request(
            ApiCode::BadBody,
            "the body holds a NUL byte",
        ));
    }
    Ok(text)
}

/// Dossier counts sent as JSON: a list, or `{"dossiers": [...]}`, of objects with
/// `unit_code`, `date` and `dossiers` (strings or numbers); an item at fault is named.
fn dossiers_json(text: &str) -> Result<Vec<DossierCount>, ApiError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::bad_request(ApiCode::BadJson, e.to_string()))?;
    if crate::web::json_has_nul(&value) {
        return Err(ApiError::bad_request(
            ApiCode::BadJson,
            "a string in the body holds a NUL character (\\u0000)",
        ));
    }
    let items = match &value {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("dossiers") {
            Some(Value::Array(a)) => a,
            _ => return Err(not_a_list()),
        },
        _ => return Err(not_a_list()),
    };
    let counts = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |k: &str| match item.get(k) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            let (unit, date, n) = (field("unit_code"), field("date"), field("dossiers"));
            dossiers::check_one(&unit, &date, &n, crate::domain::num::u64_of(i) + 1)
        })
        .collect::<Result<_, _>>()?;
    Ok(counts)
}

fn not_a_list() -> ApiError {
    ApiError::bad_request(ApiCode::BadRequest, "send a list, or {\"dossiers\": [...]}")
}

/// Sends what the CSV writer writes to the HTTP response, a batch at a time. A client that
/// stops reading for `timeout` ends the export, and so does one that reads slower than
/// `MIN_RATE` on average after the first `RATE_GRACE` (a trickling reader would otherwise
/// hold an export slot for hours): either way its database connection is freed.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<web::Bytes>,
    buf: Vec<u8>,
    timeout: std::time::Duration,
    started: std::time::Instant,
    sent: u64,
    /// `MIN_RATE` and `RATE_GRACE` (other values in tests).
    min_rate: u64,
    grace: std::time::Duration,
}

impl ChannelWriter {
    fn new(tx: tokio::sync::mpsc::Sender<web::Bytes>, timeout: std::time::Duration) -> Self {
        ChannelWriter {
            tx,
            buf: Vec::with_capacity(256 * 1024),
            timeout,
            started: std::time::Instant::now(),
            sent: 0,
            min_rate: MIN_RATE,
            grace: RATE_GRACE,
        }
    }
}

/// The slowest average a download may keep, in bytes a second (32 KiB/s, a weak mobile
/// link: a month of a province's answers, ~50 MB, within 30 minutes).
const MIN_RATE: u64 = 32 * 1024;
/// Time a download has before its average rate is checked.
const RATE_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 256 * 1024 {
            self.flush()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let elapsed = self.started.elapsed();
        let owed = crate::domain::num::count_of(self.min_rate.real() * elapsed.as_secs_f64());
        if elapsed > self.grace && self.sent < owed {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client reads too slowly",
            ));
        }
        self.sent += crate::domain::num::u64_of(self.buf.len());
        let mut chunk = web::Bytes::from(std::mem::take(&mut self.buf));
        let start = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(1);
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "the client went away",
                    ))
                }
                Err(tokio::sync::mpsc::error::TrySendError::Full(back)) => {
                    if start.elapsed() >= self.timeout {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the client stopped reading",
                        ));
                    }
                    chunk = back;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(100));
                }
            }
        }
    }
}

/// `GET /exports/responses.csv?period=…`: streamed, in constant memory.
pub async fn responses_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let unit = scoped_unit(&caller, Action::ReadResponses, &q.unit)?;
    let period = period_of(&q, &state)?;
    // The connection is reserved (and the unit checked) before the answer starts, so "busy"
    // and "no such unit" are real statuses rather than a cut-off download.
    let st = state.clone();
    let asked = unit.clone();
    let slot = web::block(move || export::reserve(&st.store, asked.as_deref())).await??;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<web::Bytes>(4);
    let st = state.clone();
    let label = period.label.replace("..", "_");
    actix_web::rt::task::spawn_blocking(move || {
        let writer = ChannelWriter::new(tx, st.export_write_timeout);
        if let Err(e) = slot.responses_csv(&st.forms, &period, unit.as_deref(), writer) {
            tracing::warn!(error = %e, "the responses export stopped");
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| {
        rx.poll_recv(cx).map(|o| o.map(Ok::<_, actix_web::Error>))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"hailong-responses-{label}.csv\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        // A proxy passes it on as it comes (nginx would otherwise buffer it whole).
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// B-4: a reader that keeps taking a little, but slower than the minimum rate after the
    /// grace time, ends the download; one that keeps up does not.
    #[test]
    fn a_trickling_reader_is_cut_off() {
        let run = |min_rate: u64, read_every: std::time::Duration| {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<web::Bytes>(1);
            let reader = std::thread::spawn(move || {
                let mut got = 0;
                while let Some(b) = rx.blocking_recv() {
                    got += b.len();
                    std::thread::sleep(read_every);
                }
                got
            });
            let mut w = ChannelWriter::new(tx, std::time::Duration::from_secs(5));
            w.min_rate = min_rate;
            w.grace = std::time::Duration::from_millis(100);
            let chunk = vec![b'x'; 256 * 1024];
            let mut result = Ok(());
            for _ in 0..20 {
                result = w.write_all(&chunk).and_then(|()| w.flush());
                if result.is_err() {
                    break;
                }
            }
            drop(w);
            let _ = reader.join();
            result
        };
        // 256 KiB every 50 ms is ~5 MB/s: far above 1 MB/s.
        assert!(run(1 << 20, std::time::Duration::from_millis(50)).is_ok());
        // The same reader against a minimum of 50 MB/s is too slow.
        let err = run(50 << 20, std::time::Duration::from_millis(50)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    }
}
