//! Personal data (SPEC §13): the notice `/privacy` for everyone, and the record of processing
//! for staff (`/staff/privacy/register`, `.json`), both from the register the service runs
//! under.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::domain::lang::Lang;
use crate::render::privacy::{controller, rows, Row};
use crate::texts::tr;
use crate::web::errors::PageError;
use crate::web::extract::StaffSession;
use crate::web::pages::PageMeta;
use crate::web::{render_page as render, AppState};

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    page: PageMeta,
    title: &'static str,
    intro: &'static str,
    controller: (String, String),
    version: String,
    heads: [&'static str; 6],
    rows: Vec<Row>,
    recipients: Vec<String>,
    how_to_ask: &'static str,
    json_link: Option<&'static str>,
    t_controller: &'static str,
    t_contact: &'static str,
    t_version: &'static str,
    t_not_held: &'static str,
    t_recipients: &'static str,
    t_no_recipients: &'static str,
}

fn page_of(state: &AppState, lang: Lang, staff: bool) -> PrivacyPage {
    let r = &state.register;
    PrivacyPage {
        page: PageMeta::new(lang, state.demo),
        title: tr(
            lang,
            if staff {
                "privacy.register"
            } else {
                "privacy.title"
            },
        ),
        intro: tr(lang, "privacy.intro"),
        controller: controller(r, lang),
        version: r.version.clone(),
        heads: [
            "privacy.h_category",
            "privacy.h_purpose",
            "privacy.h_basis",
            "privacy.h_retention",
            "privacy.h_recipients",
            "privacy.h_safeguards",
        ]
        .map(|k| tr(lang, k)),
        rows: rows(r, lang),
        recipients: r
            .recipients()
            .into_iter()
            .map(|x| match x {
                "demo" => tr(lang, "privacy.rec_demo").to_string(),
                host => host.to_string(),
            })
            .collect(),
        how_to_ask: tr(lang, "privacy.how_to_ask"),
        json_link: staff.then_some("/staff/privacy/register.json"),
        t_controller: tr(lang, "privacy.controller"),
        t_contact: tr(lang, "privacy.contact"),
        t_version: tr(lang, "privacy.version"),
        t_not_held: tr(lang, "privacy.not_held"),
        t_recipients: tr(lang, "privacy.recipients"),
        t_no_recipients: tr(lang, "privacy.no_recipients"),
    }
}

/// `GET /privacy`: who holds what, why, for how long, who receives it, whom to ask.
pub async fn notice(state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, PageError> {
    render(StatusCode::OK, &page_of(&state, lang, false))
}

/// `GET /staff/privacy/register`: the record of processing, for any member of staff.
pub async fn register(
    state: web::Data<AppState>,
    lang: Lang,
    _session: StaffSession,
) -> Result<HttpResponse, PageError> {
    render(StatusCode::OK, &page_of(&state, lang, true))
}

/// `GET /staff/privacy/register.json`: the same, as data.
pub async fn register_json(state: web::Data<AppState>, _session: StaffSession) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(&*state.register)
}
