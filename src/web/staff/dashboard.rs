//! The staff dashboard: this quarter's units with today's and the quarter's responses and
//! SIPAS, downloads, reports, and the management pages the role may use.

use crate::domain::local_date;
use crate::domain::period::Period;
use crate::render::table::pct;
use crate::service::access::{self, Action};
use crate::service::indices;
use crate::web::errors::PageError;
use crate::web::pages::PageMeta;
use crate::web::{lang_of, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;

use super::*;

pub struct UnitLine {
    code: String,
    name: String,
    today: u64,
    quarter: u64,
    sipas: String,
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct HomePage {
    page: PageMeta,
    heading: &'static str,
    username: String,
    role: &'static str,
    csrf: String,
    period: String,
    period_label: String,
    units: Vec<UnitLine>,
    may_read_responses: bool,
    t_logout: &'static str,
    t_period: &'static str,
    t_unit: &'static str,
    t_today: &'static str,
    t_quarter: &'static str,
    t_print: &'static str,
    t_poster: &'static str,
    t_downloads: &'static str,
    t_indices: &'static str,
    t_long: &'static str,
    t_responses: &'static str,
    t_change_password: &'static str,
    t_tickets: &'static str,
    reports: Vec<(String, String)>,
    t_reports: &'static str,
    manage: Vec<(&'static str, &'static str)>,
    t_manage: &'static str,
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require_staff(&req, lang).await?;
    let today = local_date(Utc::now());
    let quarter_label = format!(
        "{}-Q{}",
        chrono::Datelike::year(&today),
        chrono::Datelike::month0(&today) / 3 + 1
    );
    let period =
        Period::parse(&quarter_label, state.scheme).map_err(|e| PageError::internal(lang, &e))?;
    let scope = access::unit_for(
        &access::Caller::Staff(staff.clone()),
        Action::ReadIndices,
        None,
    )
    .map_err(|_| PageError::not_allowed(lang))?;
    let st = state.clone();
    let p = period.clone();
    let (table, today_counts) = web::block(move || -> Result<_, indices::IndicesError> {
        let table = indices::table(&st.store, &st.forms, &p, scope.as_deref())?;
        let counts = indices::responses_on(&st.store, today)?;
        Ok((table, counts))
    })
    .await
    .map_err(|e| PageError::internal(lang, &e))?
    .map_err(|e| PageError::internal(lang, &e))?;
    let units = table
        .rows
        .iter()
        .filter(|r| r.unit_code != indices::TOTAL)
        .map(|r| UnitLine {
            code: r.unit_code.clone(),
            name: r.unit_name.clone(),
            today: today_counts
                .iter()
                .find(|(u, _)| u == &r.unit_code)
                .map(|(_, n)| *n as u64)
                .unwrap_or(0),
            quarter: r.responses,
            sipas: pct(r.indices.sipas.index),
        })
        .collect();
    let page = HomePage {
        page: PageMeta::new(lang, state.demo),
        heading: lang.pick("Các đơn vị", "Units"),
        username: staff.username.clone(),
        role: staff.role.as_str(),
        csrf,
        period: period.to_string(),
        period_label: period.label.clone(),
        // This quarter's live report, the last quarter's (the one usually published) and the year's.
        reports: [
            Some(period.label.clone()),
            period.previous().ok().map(|p| p.label),
            Some(chrono::Datelike::year(&today).to_string()),
        ]
        .into_iter()
        .flatten()
        .map(|label| {
            (
                format!("/reports/{label}{}", lang.pick("", "?lang=en")),
                label,
            )
        })
        .collect(),
        t_reports: lang.pick("Báo cáo (xem trước, công bố)", "Reports (preview, publish)"),
        units,
        may_read_responses: access::role_may(staff.role, Action::ReadResponses),
        t_logout: lang.pick("Đăng xuất", "Sign out"),
        t_period: lang.pick("Quý hiện tại", "This quarter"),
        t_unit: lang.pick("Đơn vị", "Unit"),
        t_today: lang.pick("Hôm nay", "Today"),
        t_quarter: lang.pick("Quý này", "This quarter"),
        t_print: lang.pick("In", "Print"),
        t_poster: lang.pick("Áp phích QR", "QR poster"),
        t_downloads: lang.pick("Tải về", "Downloads"),
        t_indices: lang.pick("Bảng chỉ số", "Index table"),
        t_long: lang.pick("dạng dài", "long form"),
        t_responses: lang.pick("Phiếu trả lời (đã ẩn danh)", "Responses (anonymised)"),
        t_change_password: lang.pick("Đổi mật khẩu", "Change password"),
        t_tickets: lang.pick("In phiếu mã khảo sát", "Print survey code slips"),
        manage: crate::web::admin::manage_links(lang, staff.role),
        t_manage: lang.pick("Quản lý", "Manage"),
    };
    render(StatusCode::OK, &page, lang)
}
