//! `/staff/actions`: "Đã nghe – đã làm" — a unit's lead or an admin records what the unit does
//! about a published period's weak criterion or topic, moves it on and publishes it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::domain::actions::{ActionProblem, ActionStatus};
use crate::domain::lang::Lang;
use crate::service::actions::{self, ActionError, ActionForm, ActionRow};
use crate::texts::{tr, Tr};
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::pages::PageMeta;
use crate::web::{render_page as render, run, AppState};

#[derive(Template)]
#[template(path = "staff_actions.html")]
struct ActionsPage {
    page: PageMeta,
    t: Tr,
    csrf: String,
    rows: Vec<ActionRow>,
    statuses: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    problems: Vec<String>,
    unit: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct RecordForm {
    unit: String,
    period: String,
    target: String,
    what: String,
    who: String,
    due_on: String,
    #[serde(default)]
    note: String,
}

impl RecordForm {
    fn typed(&self) -> ActionForm<'_> {
        ActionForm {
            unit: &self.unit,
            period: &self.period,
            target: &self.target,
            what: &self.what,
            who: &self.who,
            due_on: &self.due_on,
            note: &self.note,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ActionStepForm {
    status: String,
    #[serde(default)]
    published: String,
}

fn problem_texts(lang: Lang, e: &ActionError) -> Vec<String> {
    let one = |key: &'static str| tr(lang, key).to_string();
    match e {
        ActionError::NotPublished(p) => vec![one("actions.not_published").replace("{period}", p)],
        ActionError::NoSuchUnit => vec![one("actions.no_unit")],
        ActionError::NoSuchCriterion(c) => vec![one("actions.no_criterion").replace("{code}", c)],
        ActionError::Invalid(ps) => ps
            .iter()
            .map(|p| match p {
                ActionProblem::Target => one("actions.p_target"),
                ActionProblem::What => one("actions.p_what"),
                ActionProblem::Who => one("actions.p_who"),
                ActionProblem::Due => one("actions.p_due"),
                ActionProblem::Note => one("actions.p_note"),
                ActionProblem::Status => one("actions.p_status"),
            })
            .collect(),
        _ => Vec::new(),
    }
}

async fn page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    status: StatusCode,
    (notice, problems): (Option<String>, Vec<String>),
) -> Result<HttpResponse, PageError> {
    let staff = session.staff.clone();
    let rows = run(&state, move |s| actions::for_staff(&s.store, &staff)).await?;
    let page = ActionsPage {
        page: PageMeta::new(lang, state.demo),
        t: Tr(lang),
        csrf: session.csrf,
        rows,
        statuses: ActionStatus::ALL
            .into_iter()
            .map(|s| {
                (
                    s.as_str(),
                    crate::web::actions_view::status_text(lang, s.as_str()),
                )
            })
            .collect(),
        notice,
        problems,
        unit: session.staff.unit.clone().unwrap_or_default(),
    };
    render(status, &page)
}

/// `GET /staff/actions`
pub async fn actions_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    page(state, lang, session, StatusCode::OK, (None, Vec::new())).await
}

/// The page again, saying what was done, or why not.
async fn told(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    done: Result<String, ActionError>,
) -> Result<HttpResponse, PageError> {
    match done {
        Ok(notice) => {
            page(
                state,
                lang,
                session,
                StatusCode::OK,
                (Some(notice), Vec::new()),
            )
            .await
        }
        Err(e) => refused(state, lang, session, e).await,
    }
}

/// What a refusal shows: the page with its problems (422), or the error's page.
async fn refused(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    e: ActionError,
) -> Result<HttpResponse, PageError> {
    let problems = problem_texts(lang, &e);
    if problems.is_empty() {
        return Err(e.into());
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    page(state, lang, session, status, (None, problems)).await
}

/// `POST /staff/actions`: records an action (not yet public).
pub async fn actions_record(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<RecordForm>,
) -> Result<HttpResponse, PageError> {
    let (staff, f) = (session.staff.clone(), form.form);
    let done = run(&state, move |s| {
        let recorded = actions::record(&s.store, &staff, s.scheme, &f.typed(), Utc::now());
        Ok::<_, crate::store::StoreError>(recorded)
    })
    .await?;
    let done = done.map(|id| tr(lang, "actions.recorded").replace("{id}", &id.to_string()));
    told(state, lang, session, done).await
}

/// `POST /staff/actions/{id}`: its status, and whether it is public.
pub async fn actions_step(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    path: web::Path<i64>,
    form: CsrfForm<ActionStepForm>,
) -> Result<HttpResponse, PageError> {
    let (staff, id, f) = (session.staff.clone(), path.into_inner(), form.form);
    let published = !f.published.is_empty();
    let done = run(&state, move |s| {
        let step = actions::step(&s.store, &staff, id, &f.status, published, Utc::now());
        Ok::<_, crate::store::StoreError>(step)
    })
    .await?;
    let done = done.map(|()| tr(lang, "actions.updated").replace("{id}", &id.to_string()));
    told(state, lang, session, done).await
}
