//! `/staff/dossiers`: the daily dossier counts CSV import (admins for every unit, officers
//! for their own).

use crate::texts::tr;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::de::IgnoredAny;

use super::manage::*;
use crate::domain::lang::Lang;
use crate::service::access::{self, Action};
use crate::service::dossiers::{self, DossierError};
use crate::service::returned;
use crate::service::users::Staff;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfUpload, StaffSession};
use crate::web::AppState;

const DOSSIERS_HEADER: &str = "unit_code,date,dossiers";

/// One import page of the kit: its heading, the form's title and help, where it posts, and
/// the CSV header it takes.
struct ImportPage {
    heading: &'static str,
    title: &'static str,
    help: String,
    action: &'static str,
    header: &'static str,
}

fn import_page(
    state: &AppState,
    lang: Lang,
    staff: &Staff,
    csrf: String,
    p: ImportPage,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let mut page = base(lang, state, staff, csrf, p.heading);
    let kept = outcome.kept("csv");
    page.form = Some(FormView {
        title: p.title,
        help: p.help,
        action: p.action,
        upload: true,
        fields: import_fields(lang, p.header, kept),
        submit: tr(lang, "admin.import"),
    });
    finish(page, outcome)
}

async fn dossiers_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let scope = match &staff.unit {
        Some(u) => format!("{} {u}.", tr(lang, "admin.you_can_import_for_unit")),
        None => String::new(),
    };
    let p = ImportPage {
        heading: tr(lang, "admin.dossier_counts"),
        title: tr(lang, "admin.import_dossier_counts_csv"),
        help: format!(
            "{} {DOSSIERS_HEADER} {scope}",
            tr(lang, "admin.dossiers_received_per_unit_and")
        ),
        action: "/staff/dossiers",
        header: DOSSIERS_HEADER,
    };
    import_page(&state, lang, &staff, csrf, p, outcome)
}

pub async fn dossiers_form(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ImportDossiers)?;
    dossiers_page(state, lang, session.staff, session.csrf, Outcome::default()).await
}

pub async fn dossiers_import(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfUpload<IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ImportDossiers)?;
    let StaffSession { staff, csrf } = session;
    let text = import_text(&form.pairs);
    let kept = text.clone();
    let (st, actor) = (state.clone(), staff.username.clone());
    let scope = access::unit_for(
        &access::Caller::Staff(staff.clone()),
        Action::ImportDossiers,
        None,
    )?;
    let imported = blocking(move || {
        dossiers::import_csv_by(&st.store, &text, scope.as_deref(), &actor, Utc::now())
    })
    .await?;
    let outcome = match imported {
        Ok(n) => Outcome {
            notice: Some(format!(
                "{} {n} {}.",
                tr(lang, "admin.stored"),
                tr(lang, "admin.counts")
            )),
            ..Default::default()
        },
        Err(DossierError::Store(e)) => return Err(PageError::failed(&e)),
        Err(e) => refused(&e, kept, lang),
    };
    dossiers_page(state, lang, staff, csrf, outcome).await
}

const RETURNED_HEADER: &str =
    "ref,unit,procedure,received_on,due_on,returned_on,channel,phone,invite";

async fn returned_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let p = ImportPage {
        heading: tr(lang, "returned.heading"),
        title: tr(lang, "returned.import"),
        help: format!("{} {RETURNED_HEADER}", tr(lang, "returned.help")),
        action: "/staff/dossiers/returned",
        header: RETURNED_HEADER,
    };
    import_page(&state, lang, &staff, csrf, p, outcome)
}

/// `GET /staff/dossiers/returned`: the one-stop software's export of returned dossiers.
pub async fn returned_form(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ImportDossiers)?;
    returned_page(state, lang, session.staff, session.csrf, Outcome::default()).await
}

/// `POST /staff/dossiers/returned`: good lines are taken, bad ones named by their line.
pub async fn returned_import(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfUpload<IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ImportDossiers)?;
    let StaffSession { staff, csrf } = session;
    let text = import_text(&form.pairs);
    let kept = text.clone();
    let (st, actor) = (state.clone(), staff.username.clone());
    let caller = access::Caller::Staff(staff.clone());
    let scope = access::unit_for(&caller, Action::ImportDossiers, None)?;
    let done = blocking(move || -> Result<_, String> {
        let rows = returned::rows_of_csv(&text)?;
        let keys = st.returned_keys();
        returned::import(&st.store, keys, &rows, scope.as_deref(), &actor, Utc::now())
            .map_err(|e| e.to_string())
    })
    .await?;
    let outcome = match done {
        Ok(o) => returned_outcome(lang, &o, kept),
        Err(e) => refused(&e, kept, lang),
    };
    returned_page(state, lang, staff, csrf, outcome).await
}

/// What an import did, in words; the refused lines by their number (the header is line 1).
fn returned_outcome(lang: Lang, o: &returned::Outcome, kept: String) -> Outcome {
    let said = tr(lang, "returned.taken")
        .replace("{taken}", &o.taken.to_string())
        .replace("{already}", &o.already.to_string())
        .replace("{invited}", &o.invited.to_string());
    if o.refused.is_empty() {
        return Outcome {
            notice: Some(said),
            ..Default::default()
        };
    }
    let lines: Vec<String> = o
        .refused
        .iter()
        .map(|(i, why)| format!("{} {}: {why}", tr(lang, "returned.line"), i + 2))
        .collect();
    Outcome::error(
        format!(
            "{said} {} {}",
            tr(lang, "returned.refused"),
            lines.join("; ")
        ),
        vec![("csv".to_string(), kept)],
    )
}
