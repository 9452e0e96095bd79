//! `/staff/calendar`: the release calendar (SPEC §14) — each period's date, whether an admin
//! set it, where it stands — and, for admins, setting a period's date.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::domain::lang::Lang;
use crate::service::calendar::{self, CalendarError, ReleaseState};
use crate::texts::{tr, Tr};
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::pages::PageMeta;
use crate::web::{render_page as render, run, AppState};

#[derive(Template)]
#[template(path = "staff_calendar.html")]
struct CalendarPage {
    page: PageMeta,
    t: Tr,
    csrf: String,
    admin: bool,
    /// Period, label, date, set or default, where it stands.
    rows: Vec<[String; 5]>,
    notice: Option<String>,
    problem: Option<String>,
    after_days: i64,
}

#[derive(Debug, serde::Deserialize)]
pub struct DateForm {
    period: String,
    due_on: String,
}

fn state_text(lang: Lang, state: ReleaseState) -> String {
    match state {
        ReleaseState::Published(on, 0) => tr(lang, "calendar.published_on_time")
            .replace("{day}", &on.format("%d/%m/%Y").to_string()),
        ReleaseState::Published(on, late) => tr(lang, "calendar.published_late")
            .replace("{day}", &on.format("%d/%m/%Y").to_string())
            .replace("{n}", &late.to_string()),
        ReleaseState::Upcoming(0) => tr(lang, "calendar.today").to_string(),
        ReleaseState::Upcoming(n) => tr(lang, "calendar.in_days").replace("{n}", &n.to_string()),
        ReleaseState::Overdue(n) => tr(lang, "calendar.overdue").replace("{n}", &n.to_string()),
    }
}

fn row(lang: Lang, r: calendar::Release) -> [String; 5] {
    let source = if r.set {
        "calendar.set"
    } else {
        "calendar.default"
    };
    [
        crate::render::period_name(&r.period, lang),
        r.period.label.clone(),
        r.due_on.format("%d/%m/%Y").to_string(),
        tr(lang, source).to_string(),
        state_text(lang, r.state),
    ]
}

async fn page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    status: StatusCode,
    (notice, problem): (Option<String>, Option<String>),
) -> Result<HttpResponse, PageError> {
    let today = crate::domain::local_date(Utc::now());
    let releases = run(&state, move |s| {
        calendar::calendar(&s.store, s.scheme, s.publishing.after_days, today)
    })
    .await?;
    let page = CalendarPage {
        page: PageMeta::new(lang, state.demo),
        t: Tr(lang),
        csrf: session.csrf,
        admin: session.staff.role == crate::domain::user::Role::Admin,
        rows: releases.into_iter().map(|r| row(lang, r)).collect(),
        notice,
        problem,
        after_days: state.publishing.after_days,
    };
    render(status, &page)
}

/// `GET /staff/calendar`
pub async fn calendar_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(crate::service::access::Action::Publish)?;
    page(state, lang, session, StatusCode::OK, (None, None)).await
}

/// `POST /staff/calendar`: a period's date (admins), or the page with why not (422).
pub async fn calendar_set(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<DateForm>,
) -> Result<HttpResponse, PageError> {
    session.may(crate::service::access::Action::Publish)?;
    let staff = session.staff.clone();
    let DateForm { period, due_on } = form.form;
    let done = run(&state, move |s| {
        Ok::<_, crate::store::StoreError>(calendar::set_date(
            &s.store,
            &staff,
            s.scheme,
            (&period, &due_on),
            Utc::now(),
        ))
    })
    .await?;
    match done {
        Ok(p) => {
            let notice = tr(lang, "calendar.saved").replace("{period}", &p.label);
            page(state, lang, session, StatusCode::OK, (Some(notice), None)).await
        }
        Err(CalendarError::NotAdmin) => Err(PageError::later(PageError::not_allowed)),
        Err(CalendarError::Store(e)) => Err(PageError::failed(&e)),
        Err(e) => {
            let problem = match &e {
                CalendarError::BeforeEnd(_, end) => tr(lang, "calendar.before_end")
                    .replace("{end}", &end.format("%d/%m/%Y").to_string()),
                CalendarError::Date(d) => tr(lang, "calendar.bad_date").replace("{d}", d),
                _ => tr(lang, "calendar.bad_period").to_string(),
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(state, lang, session, status, (None, Some(problem))).await
        }
    }
}
