//! What the management pages share (users, tokens, units, dossier counts): a page with a
//! list and a form, the outcome of a post (an error, a notice, a secret shown once, the
//! values put back), the links a role may follow, and the CSV import fields. What the CLI
//! does, for a clerk with a browser: every form carries the session's CSRF token, every
//! change is audited, a secret is shown once, and a bad CSV line is named.

use crate::texts::tr;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::domain::lang::Lang;
use crate::service::access::{self, Action};
use crate::service::units::{self};
use crate::service::users::Staff;
use crate::store::StoreError;
use crate::web::errors::PageError;
use crate::web::pages::PageMeta;
pub(crate) use crate::web::run;
use crate::web::staff::{field, render};
use crate::web::AppState;

pub struct RowAction {
    pub(crate) url: &'static str,
    pub(crate) name: &'static str,
    pub(crate) value: String,
    pub(crate) label: &'static str,
}

pub struct Row {
    pub(crate) cells: Vec<String>,
    pub(crate) actions: Vec<RowAction>,
}

pub struct Field {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    /// `text`, `select`, `textarea`, `file` or `checkbox` (checked when `value` is not empty).
    pub(crate) kind: &'static str,
    pub(crate) value: String,
    pub(crate) options: Vec<(String, String)>,
    pub(crate) required: bool,
}

impl Field {
    pub(crate) fn file(lang: Lang) -> Field {
        Field {
            name: "file",
            label: tr(lang, "admin.csv_file_excel_save_as_csv_utf_8"),
            kind: "file",
            value: String::new(),
            options: Vec::new(),
            required: false,
        }
    }

    pub(crate) fn text(name: &'static str, label: &'static str, value: String) -> Field {
        Field {
            name,
            label,
            kind: "text",
            value,
            options: Vec::new(),
            required: true,
        }
    }
}

pub struct FormView {
    /// Sent as `multipart/form-data` (it has a file field).
    pub(crate) upload: bool,
    pub(crate) title: &'static str,
    pub(crate) help: String,
    pub(crate) action: &'static str,
    pub(crate) fields: Vec<Field>,
    pub(crate) submit: &'static str,
}

#[derive(Template)]
#[template(path = "staff_admin.html")]
pub(crate) struct AdminPage {
    pub(crate) page: PageMeta,
    pub(crate) heading: &'static str,
    pub(crate) lang_suffix: &'static str,
    pub(crate) nav: Vec<(&'static str, &'static str)>,
    pub(crate) csrf: String,
    pub(crate) error: Option<String>,
    pub(crate) notice: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) pairing: Option<Pairing>,
    pub(crate) confirm: Option<Confirm>,
    pub(crate) columns: Vec<&'static str>,
    pub(crate) rows: Vec<Row>,
    pub(crate) has_actions: bool,
    pub(crate) form: Option<FormView>,
    pub(crate) t_actions: &'static str,
    pub(crate) t_empty: &'static str,
}

/// A tablet's pairing code as shown to set it up: the address a tablet opens to pair (its
/// camera reads it from the QR code), in words and as a QR code.
pub(crate) struct Pairing {
    pub(crate) how: &'static str,
    pub(crate) url: String,
    pub(crate) qr_svg: String,
}

/// A step that asks first ("Thu hồi máy #3?"): the question and the button that does it.
pub(crate) struct Confirm {
    pub(crate) question: String,
    pub(crate) action: RowAction,
    /// Where "no" goes back to, and its words.
    pub(crate) cancel: &'static str,
    pub(crate) cancel_label: &'static str,
}

/// What a handler says besides the page's list: an error, a notice, a secret shown once,
/// and the values to put back in the form.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) status: Option<StatusCode>,
    pub(crate) error: Option<String>,
    pub(crate) notice: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) pairing: Option<Pairing>,
    pub(crate) confirm: Option<Confirm>,
    pub(crate) kept: Vec<(String, String)>,
}

impl Outcome {
    pub(crate) fn error(message: String, kept: Vec<(String, String)>) -> Outcome {
        Outcome {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            error: Some(message),
            kept,
            ..Default::default()
        }
    }
    pub(crate) fn kept(&self, name: &str) -> String {
        field(&self.kept, name)
    }
}

/// The management pages a role may use: the dashboard lists them, and each of them links to
/// the others.
pub(crate) fn manage_links(lang: Lang, staff: &Staff) -> Vec<(&'static str, &'static str)> {
    [
        (Action::ManageUsers, "/staff/users", tr(lang, "admin.users")),
        (
            Action::ManageTokens,
            "/staff/tokens",
            tr(lang, "admin.api_tokens"),
        ),
        (Action::ManageUnits, "/staff/units", tr(lang, "admin.units")),
        (
            Action::ImportDossiers,
            "/staff/dossiers",
            tr(lang, "admin.dossier_counts"),
        ),
        (
            Action::ImportDossiers,
            "/staff/dossiers/returned",
            tr(lang, "returned.heading"),
        ),
        (
            Action::ManageKiosks,
            "/staff/kiosks",
            tr(lang, "kiosks_staff.heading"),
        ),
        (
            Action::EnterPaper,
            "/staff/paper",
            tr(lang, "paper_staff.heading"),
        ),
        (
            Action::ReadAuditLog,
            "/staff/audit",
            tr(lang, "admin.audit_log"),
        ),
        (
            Action::ManageUsers,
            "/staff/privacy",
            tr(lang, "privacy.queue"),
        ),
        (
            Action::ManageUsers,
            "/staff/breaches",
            tr(lang, "privacy.breaches"),
        ),
        (
            Action::ManageKiosks,
            "/staff/actions",
            tr(lang, "actions.heading"),
        ),
        (
            Action::Publish,
            "/staff/calendar",
            tr(lang, "calendar.heading"),
        ),
        (
            Action::ManageUsers,
            "/staff/topics",
            tr(lang, "topics_staff.heading"),
        ),
        (
            Action::UseStaffPages,
            "/staff/privacy/register",
            tr(lang, "privacy.register"),
        ),
    ]
    .into_iter()
    .filter(|(action, _, _)| access::staff_may(staff, *action))
    .map(|(_, href, label)| (href, label))
    .collect()
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PageError> {
    Ok(web::block(f).await?)
}

pub(crate) fn base(
    lang: Lang,
    state: &AppState,
    staff: &Staff,
    csrf: String,
    heading: &'static str,
) -> AdminPage {
    AdminPage {
        page: PageMeta::new(lang, state.demo),
        heading,
        lang_suffix: tr(lang, "admin.lang_en"),
        nav: manage_links(lang, staff),
        csrf,
        error: None,
        notice: None,
        secret: None,
        pairing: None,
        confirm: None,
        columns: Vec::new(),
        rows: Vec::new(),
        has_actions: false,
        form: None,
        t_actions: tr(lang, "admin.actions"),
        t_empty: tr(lang, "admin.nothing_yet"),
    }
}

pub(crate) fn finish(mut page: AdminPage, outcome: Outcome) -> Result<HttpResponse, PageError> {
    page.error = outcome.error;
    page.notice = outcome.notice;
    page.secret = outcome.secret;
    page.pairing = outcome.pairing;
    page.confirm = outcome.confirm;
    page.has_actions = page.rows.iter().any(|r| !r.actions.is_empty());
    render(outcome.status.unwrap_or(StatusCode::OK), &page)
}

pub(crate) fn unit_options(
    state: &AppState,
    lang: Lang,
    with_none: Option<&'static str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let today = crate::domain::local_date(Utc::now());
    let mut options: Vec<(String, String)> = with_none
        .map(|label| (String::new(), label.to_string()))
        .into_iter()
        .collect();
    options.extend(
        units::list(&state.store)?
            .into_iter()
            .filter(|u| u.is_valid_on(today))
            .map(|u| (u.code.to_string(), u.display_name(lang).to_string())),
    );
    Ok(options)
}

/// The fields of a CSV import: a file, or text pasted into a box that holds the text of a
/// refused try (to correct it), or else the header row to start from.
pub(crate) fn import_fields(lang: Lang, header: &str, kept: String) -> Vec<Field> {
    vec![
        Field::file(lang),
        Field {
            name: "csv",
            label: tr(lang, "admin.or_paste_the_csv"),
            kind: "textarea",
            value: if kept.is_empty() {
                format!("{header}\n")
            } else {
                kept
            },
            options: Vec::new(),
            required: true,
        },
    ]
}

/// A refused import (the service audited it): its text given back to be corrected.
pub(crate) fn refused(error: &dyn std::fmt::Display, text: String, lang: Lang) -> Outcome {
    Outcome::error(
        format!(
            "{} {error}",
            tr(lang, "admin.not_imported_nothing_was_kept")
        ),
        vec![("csv".to_string(), text)],
    )
}

/// The CSV of an import: the uploaded file if one was chosen, otherwise the pasted text.
pub(crate) fn import_text(pairs: &[(String, String)]) -> String {
    let file = field(pairs, "file");
    if file.trim().is_empty() {
        field(pairs, "csv")
    } else {
        file
    }
}
