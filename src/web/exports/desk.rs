//! The desk ratings' downloads (SPEC §10): `/exports/desk.csv` and `/api/v1/desk` (closed days
//! only but for admins), and `/exports/officers.csv` (admins, a unit's lead).

use super::*;

/// The desk table of the period a query names, within the caller's scope (desk figures are
/// read as indices are: officers and unit tokens see their own unit). A period that holds
/// today is refused (`422 open_day`) for anyone but an admin: no figure of an open day leaves
/// the service per counter (METHODOLOGY "No live figures").
async fn desk(
    state: &web::Data<AppState>,
    caller: &Caller,
    q: &PeriodQuery,
) -> Result<crate::domain::desk::DeskTable, ApiError> {
    let period = period_of(q, state)?;
    let admin = matches!(caller, Caller::Staff(s) if s.role == crate::domain::user::Role::Admin);
    let today = crate::domain::local_date(chrono::Utc::now());
    if !admin && period.end >= today {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiCode::OpenDay,
            format!(
                "desk figures cover closed days only: the period {} holds today ({today}); ask for a range that ends by {}",
                period.label,
                today - chrono::Duration::days(1)
            ),
        ));
    }
    let unit = scoped_unit(caller, Action::ReadIndices, &q.unit)?;
    let st = state.clone();
    web::block(move || crate::service::kiosks::table(&st.store, &period, unit.as_deref()))
        .await?
        .map_err(|e| ApiError::internal(&e))
}

/// `GET /exports/desk.csv?period=P`: desk ratings per unit and counter (SPEC §10).
pub async fn desk_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let t = desk(&state, &caller, &q).await?;
    let bytes = crate::render::desk::csv(&t)
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ApiCode::Csv, e.to_string()))?;
    let name = format!("hailong-desk-{}.csv", t.period.label.replace("..", "_"));
    Ok(csv_response(&name, bytes))
}

#[utoipa::path(
    get,
    path = "/api/v1/desk",
    tag = "indices",
    params(PeriodQuery),
    responses(
        (status = 200, description = "Desk ratings of the period per unit and counter (never part of SIPAS)", body = Object),
        (status = 422, description = "The period holds today (`open_day`): closed days only, but for admins", body = ErrorBody),
        (status = 400, description = "No period, or a bad one", body = ErrorBody),
        (status = 401, description = "Neither a session nor a bearer token", body = ErrorBody),
        (status = 403, description = "Another unit than the caller's own", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn desk_json(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let t = desk(&state, &caller, &q).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(crate::render::desk::json(&t)))
}

/// `GET /exports/officers.csv?period=P[&unit=U]` (SPEC §10): admins every unit's officers, a
/// unit's lead their unit's; everyone else 403. Each download is audited as a look.
pub async fn officers_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let Caller::Staff(staff) = caller else {
        return Err(ApiError::forbidden(
            "officers' figures are for admins and a unit's lead, signed in",
        ));
    };
    let period = period_of(&q, &state)?;
    let (st, unit) = (state.clone(), q.unit.clone());
    let rule = state.kiosk.fairness;
    let table = web::block(move || {
        let (s, u) = (&st.store, unit.as_deref());
        crate::service::officers::table_with_names(
            s,
            &st.forms,
            &staff,
            &period,
            u,
            &rule,
            chrono::Utc::now(),
        )
    })
    .await?
    .map_err(|e| match e {
        crate::service::officers::OfficersError::Denied(d) => ApiError::forbidden(d.to_string()),
        crate::service::officers::OfficersError::Store(e) => ApiError::internal(&e),
    })?;
    let bytes = crate::render::officers::csv(&table)
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ApiCode::Csv, e.to_string()))?;
    let name = format!(
        "hailong-officers-{}.csv",
        table.period.label.replace("..", "_")
    );
    Ok(csv_response(&name, bytes))
}
