//! `/staff/breaches` (admins): personal-data breaches with their 72-hour notification
//! deadline, the notification's text to copy, and "notification sent" (SPEC §13).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};

use crate::domain::lang::Lang;
use crate::domain::personal::{breach_state, BreachProblem, BreachState};
use crate::service::privacy::BreachRow;
use crate::service::privacy::{self, BreachError};
use crate::texts::{tr, Tr};
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::pages::PageMeta;
use crate::web::{render_page as render, run, AppState};

pub struct BreachView {
    id: i64,
    found: String,
    state: String,
    overdue: bool,
    notified: bool,
    what: String,
    people: i64,
    measures: String,
    text: String,
}

#[derive(Template)]
#[template(path = "staff_breaches.html")]
struct BreachesPage {
    page: PageMeta,
    t: Tr,
    csrf: String,
    rows: Vec<BreachView>,
    notice: Option<String>,
    problems: Vec<&'static str>,
    /// What was typed, given back with the problems: found at, what, people, measures.
    kept: (String, String, String, String),
}

#[derive(Debug, serde::Deserialize)]
pub struct BreachForm {
    found_at: String,
    what: String,
    people: String,
    #[serde(default)]
    measures: String,
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::domain::local_offset())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// A breach as the page shows it, with its state against the 72 hours now.
pub fn state_text(lang: Lang, b: &BreachRow, now: DateTime<Utc>) -> (String, bool) {
    let found = b.found_at.and_utc();
    let deadline = local(found + chrono::Duration::hours(crate::domain::personal::NOTIFY_HOURS));
    match breach_state(found, b.notified_at.is_some(), now) {
        BreachState::Notified => {
            let at = b
                .notified_at
                .map(|t| local(t.and_utc()))
                .unwrap_or_default();
            (
                tr(lang, "privacy.breach_notified").replace("{at}", &at),
                false,
            )
        }
        BreachState::Due(h) => (
            tr(lang, "privacy.breach_due")
                .replace("{h}", &h.to_string())
                .replace("{deadline}", &deadline),
            false,
        ),
        BreachState::Overdue(h) => (
            tr(lang, "privacy.breach_overdue")
                .replace("{h}", &h.to_string())
                .replace("{deadline}", &deadline),
            true,
        ),
    }
}

fn view(state: &AppState, lang: Lang, b: BreachRow, now: DateTime<Utc>) -> BreachView {
    let (text_state, overdue) = state_text(lang, &b, now);
    let found = local(b.found_at.and_utc());
    let letter = tr(lang, "privacy.breach_letter")
        .replace("{controller}", &state.register.controller_name)
        .replace("{contact}", &state.register.controller_contact)
        .replace("{found}", &found)
        .replace("{what}", &b.what)
        .replace("{people}", &b.people.to_string())
        .replace("{measures}", &b.measures);
    BreachView {
        id: b.id,
        found,
        state: text_state,
        overdue,
        notified: b.notified_at.is_some(),
        what: b.what,
        people: b.people,
        measures: b.measures,
        text: letter,
    }
}

fn problem_text(p: BreachProblem) -> &'static str {
    match p {
        BreachProblem::FoundAt => "privacy.breach_p_found_at",
        BreachProblem::InFuture => "privacy.breach_p_in_future",
        BreachProblem::What => "privacy.breach_p_what",
        BreachProblem::People => "privacy.breach_p_people",
        BreachProblem::Measures => "privacy.breach_p_measures",
    }
}

async fn page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    status: StatusCode,
    outcome: (Option<String>, Vec<BreachProblem>, Option<BreachForm>),
) -> Result<HttpResponse, PageError> {
    let staff = session.staff.clone();
    let rows = run(&state, move |s| privacy::breaches(&s.store, &staff)).await?;
    let now = Utc::now();
    let (notice, problems, typed) = outcome;
    let kept = typed.map_or_else(Default::default, |f| {
        (f.found_at, f.what, f.people, f.measures)
    });
    let page = BreachesPage {
        page: PageMeta::new(lang, state.demo),
        t: Tr(lang),
        csrf: session.csrf,
        rows: rows
            .into_iter()
            .map(|b| view(&state, lang, b, now))
            .collect(),
        notice,
        problems: problems
            .into_iter()
            .map(|p| tr(lang, problem_text(p)))
            .collect(),
        kept,
    };
    render(status, &page)
}

/// `GET /staff/breaches`
pub async fn breaches_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(crate::service::access::Action::ManageUsers)?;
    page(
        state,
        lang,
        session,
        StatusCode::OK,
        (None, Vec::new(), None),
    )
    .await
}

/// `POST /staff/breaches`: a new breach, or the page again with what is wrong (422).
pub async fn breaches_record(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<BreachForm>,
) -> Result<HttpResponse, PageError> {
    session.may(crate::service::access::Action::ManageUsers)?;
    let typed = form.form;
    let done = record(&state, &session, &typed).await?;
    match done {
        Ok(id) => {
            let notice = tr(lang, "privacy.breach_saved").replace("{id}", &id.to_string());
            told(state, lang, session, notice).await
        }
        Err(BreachError::Invalid(problems)) => {
            let outcome = (None, problems, Some(typed));
            page(
                state,
                lang,
                session,
                StatusCode::UNPROCESSABLE_ENTITY,
                outcome,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Stores what was typed; the breach's id, or why it was refused.
async fn record(
    state: &web::Data<AppState>,
    session: &StaffSession,
    typed: &BreachForm,
) -> Result<Result<i64, BreachError>, PageError> {
    let staff = session.staff.clone();
    let fields = [
        typed.found_at.clone(),
        typed.what.clone(),
        typed.people.clone(),
        typed.measures.clone(),
    ];
    run(state, move |s| {
        let [a, b, c, d] = &fields;
        let f = [a.as_str(), b.as_str(), c.as_str(), d.as_str()];
        Ok::<_, crate::store::StoreError>(privacy::record_breach(&s.store, &staff, f, Utc::now()))
    })
    .await
}

/// `POST /staff/breaches/{id}/notified`
pub async fn breaches_notified(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    path: web::Path<i64>,
    _form: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    session.may(crate::service::access::Action::ManageUsers)?;
    let (id, staff) = (path.into_inner(), session.staff.clone());
    run(&state, move |s| {
        privacy::breach_notified(&s.store, &staff, id, Utc::now())
    })
    .await?;
    let notice = tr(lang, "privacy.breach_done").replace("{id}", &id.to_string());
    told(state, lang, session, notice).await
}

/// The page again, saying what was done.
async fn told(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    notice: String,
) -> Result<HttpResponse, PageError> {
    page(
        state,
        lang,
        session,
        StatusCode::OK,
        (Some(notice), Vec::new(), None),
    )
    .await
}
