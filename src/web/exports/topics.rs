//! Comment topics' downloads (SPEC §12): `/exports/topics.csv` and `/api/v1/topics`, within the
//! caller's scope as indices are (an officer or a unit's token: their own unit).

use super::*;

async fn topics(
    state: &web::Data<AppState>,
    caller: &Caller,
    q: &PeriodQuery,
) -> Result<(Period, Vec<crate::service::topics::UnitTopics>), ApiError> {
    let period = period_of(q, state)?;
    let unit = scoped_unit(caller, Action::ReadIndices, &q.unit)?;
    let (st, p) = (state.clone(), period.clone());
    let units = web::block(move || {
        let rules = st.topics.rules(&st.store)?;
        crate::service::topics::counts(&st.store, &rules, &p, unit.as_deref())
    })
    .await?
    .map_err(|e| ApiError::internal(&e))?;
    Ok((period, units))
}

/// `GET /exports/topics.csv?period=P`: per unit and topic, then TOTAL (SPEC §12).
pub async fn topics_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let (period, units) = topics(&state, &caller, &q).await?;
    let bytes = crate::render::topics::csv(&period, &units)
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ApiCode::Csv, e.to_string()))?;
    let name = format!("hailong-topics-{}.csv", period.label.replace("..", "_"));
    Ok(csv_response(&name, bytes))
}

#[utoipa::path(
    get,
    path = "/api/v1/topics",
    tag = "indices",
    params(PeriodQuery),
    responses(
        (status = 200, description = "What comments were about: per unit and topic, then TOTAL, each topic's share of the comments with its Wilson interval", body = Object),
        (status = 400, description = "No period, or a bad one", body = ErrorBody),
        (status = 401, description = "Neither a session nor a bearer token", body = ErrorBody),
        (status = 403, description = "Another unit than the caller's own", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn topics_json(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let (period, units) = topics(&state, &caller, &q).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(crate::render::topics::json(&period, &units)))
}
