//! `GET /api/v1/invitations`: invitations of a period per unit and route (SPEC §11).

use super::*;

/// One unit's invitations by one route.
#[derive(Serialize, ToSchema)]
pub struct InvitationLineJson {
    unit: String,
    /// zns, sms or demo.
    route: &'static str,
    /// Put in the outbox in the period.
    queued: u64,
    /// Taken by the provider.
    delivered: u64,
    /// Given up (refused, or not taken within 24 hours).
    failed: u64,
    /// Not sent by the house policy (opted out, or over a cap per number).
    held: u64,
    /// Citizens who asked for no more invitations from an invitation's page.
    opted_out: u64,
    /// Responses given with an invitation's code.
    invited_responses: u64,
    #[schema(required = true)]
    invited_response_pct: Option<f64>,
    /// In the outbox now.
    waiting: u64,
}

/// Invitations of a period.
#[derive(Serialize, ToSchema)]
pub struct InvitationsJson {
    period: String,
    #[schema(format = Date)]
    period_start: String,
    #[schema(format = Date)]
    period_end: String,
    rows: Vec<InvitationLineJson>,
}

#[utoipa::path(
    get,
    path = "/api/v1/invitations",
    tag = "invitations",
    params(PeriodQuery),
    responses(
        (status = 200, description = "Invitations of the period per unit and route", body = InvitationsJson),
        (status = 400, description = "No period, or a bad one", body = ErrorBody),
        (status = 401, description = "Neither a session nor a bearer token", body = ErrorBody),
        (status = 403, description = "Another unit than the caller's own", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn invitations_json(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = period_of(&q, &state)?;
    let unit = scoped_unit(&caller, Action::ReadIndices, &q.unit)?;
    let (st, p) = (state.clone(), period.clone());
    let lines = web::block(move || -> Result<_, ApiError> {
        if let Some(u) = &unit {
            crate::service::units::cached(&st.store, u)
                .map_err(|e| ApiError::internal(&e))?
                .ok_or_else(|| {
                    ApiError::not_found(ApiCode::UnknownUnit, format!("no unit \"{u}\""))
                })?;
        }
        crate::service::invite::lines(&st.store, p.start, p.end, unit.as_deref())
            .map_err(|e| ApiError::internal(&e))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(InvitationsJson::of(&period, lines)))
}

impl InvitationsJson {
    fn of(
        period: &crate::domain::period::Period,
        lines: Vec<crate::domain::invite::Line>,
    ) -> InvitationsJson {
        let rows = lines
            .into_iter()
            .map(|l| InvitationLineJson {
                unit: l.unit,
                route: l.route.as_str(),
                queued: l.counts.queued,
                delivered: l.counts.delivered,
                failed: l.counts.failed,
                held: l.counts.held,
                opted_out: l.counts.opted_out,
                invited_responses: l.counts.answered,
                invited_response_pct: l.counts.response_pct().map(round2),
                waiting: l.waiting,
            })
            .collect();
        InvitationsJson {
            period: period.label.clone(),
            period_start: period.start.to_string(),
            period_end: period.end.to_string(),
            rows,
        }
    }
}
