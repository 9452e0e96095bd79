//! Printing a sheet of one-time code slips from the browser (officers for their own unit;
//! who may and how many is `service::access::slips`).

use crate::domain::lang::Lang;
use crate::domain::local_date;
use crate::service::access::{self, Action, Denied};
use crate::service::tickets::{issue_slips, TicketError};
use crate::store::StoreError;
use crate::texts::tr;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::pages::{self, PageMeta};
use crate::web::{run, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use super::*;

#[derive(Template)]
#[template(path = "staff_slips.html")]
struct SlipsPage {
    page: PageMeta,
    heading: &'static str,
    csrf: String,
    units: Vec<(String, String)>,
    max: u32,
    t_unit: &'static str,
    t_count: &'static str,
    t_submit: &'static str,
}

/// `GET /staff/tickets`: a form to print a sheet of one-time codes (officers: their unit).
pub async fn tickets_form(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    let StaffSession { staff, csrf } = session;
    if !access::role_may(staff.role, Action::IssueSlips) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            lang,
            tr(lang, "staff_slips.not_allowed"),
            tr(lang, "staff_slips.leaders_read_reports_desk"),
        ));
    }
    let units = run(&state, |s| crate::service::units::list(&s.store)).await?;
    let today = local_date(Utc::now());
    let page = SlipsPage {
        page: PageMeta::new(lang, state.demo),
        heading: tr(lang, "staff_slips.print_survey_code_slips"),
        csrf,
        units: units
            .iter()
            .filter(|u| u.is_valid_on(today))
            .filter(|u| access::slips(&staff, u.code.as_str(), 1).is_ok())
            .map(|u| (u.code.to_string(), u.display_name(lang).to_string()))
            .collect(),
        max: access::MAX_SLIPS_PER_SHEET,
        t_unit: tr(lang, "staff_slips.unit"),
        t_count: tr(lang, "staff_slips.number_of_slips_1_200"),
        t_submit: tr(lang, "staff_slips.create_and_print"),
    };
    render(StatusCode::OK, &page)
}

/// The unit and the number of slips asked for.
#[derive(Debug, serde::Deserialize)]
pub struct SlipsForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    count: String,
}

/// `POST /staff/tickets`: issues the codes and answers with the printable A4 sheet.
pub async fn tickets_issue(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<SlipsForm>,
) -> Result<HttpResponse, PageError> {
    let SlipsForm { unit, count } = form.form;
    // Not a number: 0 slips, refused below with the allowed range.
    let count: u32 = count.trim().parse().unwrap_or(0);
    let issued = run(&state, move |s| {
        let (rng, ttl, now) = (&mut rand::rng(), s.ticket_ttl, Utc::now());
        Ok::<_, StoreError>(issue_slips(
            &s.store,
            rng,
            &session.staff,
            &unit,
            count,
            ttl,
            now,
        ))
    })
    .await?;
    let issued = match issued {
        Ok(issued) => issued,
        Err(TicketError::Denied(Denied::Count { max })) => {
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                tr(lang, "staff_slips.not_a_valid_number_of_slips"),
                &tr(lang, "staff_slips.please_enter_1_to").replace("{max}", &max.to_string()),
            ))
        }
        Err(TicketError::Denied(_)) => return Err(forbidden(lang)),
        Err(TicketError::Store(e)) => return Err(PageError::failed(&e)),
        Err(_) => return Err(PageError::bad_request(lang)),
    };
    let sheet = crate::render::slips::sheet(&state.public_url, &issued)?;
    Ok(pages::html(StatusCode::OK, sheet))
}
