//! `/staff/privacy` (admins): citizens' requests about their data with their deadlines in
//! working days; acknowledge, extend once with a reason, complete (which carries them out);
//! the citizen's data as JSON for an access request (SPEC §13).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::domain::lang::Lang;
use crate::service::access::Action as Access;
use crate::service::requests::{self, Action, Queued, RequestError};
use crate::texts::{tr, Tr};
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::pages::PageMeta;
use crate::web::{render_page as render, run, AppState};

pub struct RequestView {
    id: i64,
    kind: String,
    lines: Vec<String>,
    overdue: Option<&'static str>,
    open: bool,
    acknowledged: bool,
    extended: bool,
}

#[derive(Template)]
#[template(path = "staff_privacy.html")]
struct QueuePage {
    page: PageMeta,
    t: Tr,
    csrf: String,
    intro: String,
    rows: Vec<RequestView>,
    notice: Option<String>,
    error: Option<String>,
}

fn view(lang: Lang, q: Queued) -> RequestView {
    let day = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    let r = &q.row;
    let mut lines = vec![tr(lang, "privacy.q_received").replace("{day}", &day(r.received_date))];
    match r.completed_date {
        Some(done) => lines.push(tr(lang, "privacy.q_completed").replace("{day}", &day(done))),
        None => {
            lines.push(tr(lang, "privacy.q_ack_by").replace("{day}", &day(q.ack_by)));
            lines.push(tr(lang, "privacy.q_done_by").replace("{day}", &day(q.done_by)));
        }
    }
    lines.push(match (r.feedback_id, &r.number_hash) {
        (Some(item), _) => tr(lang, "privacy.q_by_item").replace("{id}", &item.to_string()),
        (None, Some(_)) => tr(lang, "privacy.q_by_phone").to_string(),
        (None, None) => tr(lang, "privacy.q_number_forgotten").to_string(),
    });
    lines.extend(r.extended_reason.clone());
    RequestView {
        id: r.id,
        kind: r.kind.clone(),
        lines,
        overdue: q.overdue.map(|o| match o {
            "ack" => tr(lang, "privacy.q_overdue_ack"),
            _ => tr(lang, "privacy.q_overdue_done"),
        }),
        open: r.completed_date.is_none(),
        acknowledged: r.acknowledged_date.is_some(),
        extended: r.extended_reason.is_some(),
    }
}

async fn page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    outcome: (StatusCode, Option<String>, Option<String>),
) -> Result<HttpResponse, PageError> {
    let (staff, d) = (session.staff.clone(), state.requests);
    let today = crate::domain::local_date(Utc::now());
    let rows = run(&state, move |s| requests::queue(&s.store, &staff, d, today)).await?;
    let intro = tr(lang, "privacy.queue_intro")
        .replace("{ack}", &d.ack.to_string())
        .replace("{done}", &d.done.to_string());
    let (status, notice, error) = outcome;
    let page = QueuePage {
        page: PageMeta::new(lang, state.demo),
        t: Tr(lang),
        csrf: session.csrf,
        intro,
        rows: rows.into_iter().map(|q| view(lang, q)).collect(),
        notice,
        error,
    };
    render(status, &page)
}

/// `GET /staff/privacy`
pub async fn requests_queue(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Access::ManageUsers)?;
    page(state, lang, session, (StatusCode::OK, None, None)).await
}

#[derive(Debug, serde::Deserialize)]
pub struct StepForm {
    #[serde(default)]
    reason: String,
}

/// `POST /staff/privacy/{id}/{acknowledge|extend|complete}`
pub async fn requests_step(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    path: web::Path<(i64, String)>,
    form: CsrfForm<StepForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Access::ManageUsers)?;
    let (id, step) = path.into_inner();
    let action = match step.as_str() {
        "acknowledge" => Action::Acknowledge,
        "extend" => Action::Extend(form.form.reason.clone()),
        "complete" => Action::Complete,
        _ => return Err(PageError::later(PageError::bad_request)),
    };
    let staff = session.staff.clone();
    let done = run(&state, move |s| {
        Ok::<_, crate::store::StoreError>(requests::act(&s.store, &staff, id, action, Utc::now()))
    })
    .await?;
    let outcome = match done {
        Ok(()) => (
            StatusCode::OK,
            Some(tr(lang, "privacy.q_done").replace("{id}", &id.to_string())),
            None,
        ),
        Err(RequestError::Store(e)) => return Err(PageError::failed(&e)),
        Err(RequestError::NotAdmin) => return Err(PageError::later(PageError::not_allowed)),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, None, Some(e.to_string())),
    };
    page(state, lang, session, outcome).await
}

/// `GET /staff/privacy/{id}/data.json`: the data of the request's item, to send the citizen.
pub async fn requests_data(
    state: web::Data<AppState>,
    session: StaffSession,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.may(Access::ManageUsers)?;
    let (id, staff) = (path.into_inner(), session.staff.clone());
    let data = run(&state, move |s| {
        Ok::<_, crate::store::StoreError>(requests::data_of(&s.store, &staff, id))
    })
    .await?;
    match data {
        Ok(json) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"yeu-cau-{id}.json\""),
            ))
            .json(json)),
        Err(RequestError::Store(e)) => Err(PageError::failed(&e)),
        Err(_) => Err(PageError::later(PageError::bad_request)),
    }
}
