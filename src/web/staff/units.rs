//! `/staff/units` (admins): the list of units with their lineage, and the units CSV import.

use crate::texts::tr;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::de::IgnoredAny;

use super::manage::*;
use crate::domain::lang::Lang;
use crate::service::access::Action;
use crate::service::units::{self, ImportError};
use crate::service::users::Staff;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfUpload, StaffSession};
use crate::web::AppState;

const UNITS_HEADER: &str = "code,name,name_en,parent,form,valid_from,valid_to,predecessors";

async fn units_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let list = run(&state, |s| units::list(&s.store)).await?;
    let mut page = base(lang, &state, &staff, csrf, tr(lang, "admin.units"));
    page.columns = vec![
        tr(lang, "admin.code"),
        tr(lang, "admin.name"),
        tr(lang, "admin.parent"),
        tr(lang, "admin.form"),
        tr(lang, "admin.valid"),
        tr(lang, "admin.took_over"),
    ];
    page.rows = list.into_iter().map(|u| unit_row(lang, u)).collect();
    let kept = outcome.kept("csv");
    page.form = Some(FormView {
        title: tr(lang, "admin.import_units_csv"),
        help: format!(
            "{} {UNITS_HEADER} {}",
            tr(lang, "admin.paste_the_sheet_from_excel_saved"),
            tr(lang, "admin.predecessors_help")
        ),
        action: "/staff/units",
        upload: true,
        fields: import_fields(lang, UNITS_HEADER, kept),
        submit: tr(lang, "admin.import"),
    });
    finish(page, outcome)
}

pub async fn units_list(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageUnits)?;
    units_page(state, lang, session.staff, session.csrf, Outcome::default()).await
}

pub async fn units_import(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfUpload<IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageUnits)?;
    let StaffSession { staff, csrf } = session;
    let text = import_text(&form.pairs);
    let kept = text.clone();
    let (st, actor) = (state.clone(), staff.username.clone());
    let imported =
        blocking(move || units::import_csv_by(&st.store, &st.forms, &text, &actor, Utc::now()))
            .await?;
    let outcome = match imported {
        Ok(summary) => Outcome {
            notice: Some(format!(
                "{} {}, {} {}.",
                tr(lang, "admin.added"),
                summary.added,
                tr(lang, "admin.updated"),
                summary.updated
            )),
            ..Default::default()
        },
        Err(ImportError::Store(e)) => return Err(PageError::failed(&e)),
        Err(e) => refused(&e, kept, lang),
    };
    units_page(state, lang, staff, csrf, outcome).await
}

/// One unit's row: its code, name, parent, form, validity and what it took over.
fn unit_row(lang: Lang, u: crate::domain::unit::Unit) -> Row {
    let valid = format!(
        "{} – {}",
        u.valid_from.map(|d| d.to_string()).unwrap_or_default(),
        u.valid_to.map(|d| d.to_string()).unwrap_or_default()
    );
    Row {
        cells: vec![
            u.code.to_string(),
            u.display_name(lang).to_string(),
            u.parent.map(|p| p.to_string()).unwrap_or_default(),
            u.form_id.clone(),
            valid,
            crate::domain::unit::Predecessor::format_list(&u.predecessors).replace(';', "; "),
        ],
        actions: Vec::new(),
    }
}
