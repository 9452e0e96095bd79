//! Staff pages that manage the service: users, API tokens and units (admins), and dossier
//! counts (admins for every unit, officers for their own). What the CLI does, for a clerk
//! with a browser: every form carries the session's CSRF token, every change is audited,
//! a secret (a new password, a new token) is shown once, and a bad CSV line is named.

use crate::texts::tr;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::domain::form::Lang;
use crate::domain::user::Role;
use crate::service::access::{self, Action as Can};
use crate::service::dossiers::{self, DossierError};
use crate::service::tokens::{self, TokenError};
use crate::service::units::{self, ImportError};
use crate::service::users::{self, NewUser, Staff, UserError};
use crate::store::StoreError;
use crate::web::errors::PageError;
use crate::web::pages::PageMeta;
use crate::web::staff::{
    field, form_with_csrf, form_with_csrf_up_to, render, require, IMPORT_LIMIT,
};
use crate::web::{lang_of, AppState};

pub struct Action {
    url: &'static str,
    name: &'static str,
    value: String,
    label: &'static str,
}

pub struct Row {
    cells: Vec<String>,
    actions: Vec<Action>,
}

pub struct Field {
    name: &'static str,
    label: &'static str,
    /// `text`, `select`, `textarea` or `file`.
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    required: bool,
}

impl Field {
    fn file(lang: Lang) -> Field {
        Field {
            name: "file",
            label: tr(lang, "admin.csv_file_excel_save_as_csv_utf_8"),
            kind: "file",
            value: String::new(),
            options: Vec::new(),
            required: false,
        }
    }

    fn text(name: &'static str, label: &'static str, value: String) -> Field {
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
    upload: bool,
    title: &'static str,
    help: String,
    action: &'static str,
    fields: Vec<Field>,
    submit: &'static str,
}

#[derive(Template)]
#[template(path = "staff_admin.html")]
struct AdminPage {
    page: PageMeta,
    heading: &'static str,
    lang_suffix: &'static str,
    nav: Vec<(&'static str, &'static str)>,
    csrf: String,
    error: Option<String>,
    notice: Option<String>,
    secret: Option<String>,
    columns: Vec<&'static str>,
    rows: Vec<Row>,
    has_actions: bool,
    form: Option<FormView>,
    t_actions: &'static str,
    t_empty: &'static str,
}

/// What a handler says besides the page's list: an error, a notice, a secret shown once,
/// and the values to put back in the form.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    error: Option<String>,
    notice: Option<String>,
    secret: Option<String>,
    kept: Vec<(String, String)>,
}

impl Outcome {
    fn error(message: String, kept: Vec<(String, String)>) -> Outcome {
        Outcome {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            error: Some(message),
            kept,
            ..Default::default()
        }
    }
    fn kept(&self, name: &str) -> String {
        field(&self.kept, name)
    }
}

/// The management pages a role may use: the dashboard lists them, and each of them links to
/// the others.
pub(crate) fn manage_links(lang: Lang, role: Role) -> Vec<(&'static str, &'static str)> {
    [
        (Can::ManageUsers, "/staff/users", tr(lang, "admin.users")),
        (
            Can::ManageTokens,
            "/staff/tokens",
            tr(lang, "admin.api_tokens"),
        ),
        (Can::ManageUnits, "/staff/units", tr(lang, "admin.units")),
        (
            Can::ImportDossiers,
            "/staff/dossiers",
            tr(lang, "admin.dossier_counts"),
        ),
        (
            Can::ReadAuditLog,
            "/staff/audit",
            tr(lang, "admin.audit_log"),
        ),
    ]
    .into_iter()
    .filter(|(action, _, _)| access::role_may(role, *action))
    .map(|(_, href, label)| (href, label))
    .collect()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PageError> {
    Ok(web::block(f).await?)
}

fn base(
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
        nav: manage_links(lang, staff.role),
        csrf,
        error: None,
        notice: None,
        secret: None,
        columns: Vec::new(),
        rows: Vec::new(),
        has_actions: false,
        form: None,
        t_actions: tr(lang, "admin.actions"),
        t_empty: tr(lang, "admin.nothing_yet"),
    }
}

fn finish(mut page: AdminPage, outcome: Outcome) -> Result<HttpResponse, PageError> {
    page.error = outcome.error;
    page.notice = outcome.notice;
    page.secret = outcome.secret;
    page.has_actions = page.rows.iter().any(|r| !r.actions.is_empty());
    render(outcome.status.unwrap_or(StatusCode::OK), &page)
}

fn unit_options(
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
            .map(|u| {
                (
                    u.code.to_string(),
                    format!("{} ({})", u.display_name(lang), u.code),
                )
            }),
    );
    Ok(options)
}

// ---------------------------------------------------------------- users

async fn users_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let (list, options) = blocking(move || {
        let list = users::list(&st.store)?;
        let options = unit_options(&st, lang, Some(tr(lang, "admin.all_units")))?;
        Ok::<_, StoreError>((list, options))
    })
    .await??;
    let mut page = base(lang, &state, &staff, csrf, tr(lang, "admin.users"));
    page.columns = vec![
        tr(lang, "admin.user_name"),
        tr(lang, "admin.role"),
        tr(lang, "admin.unit"),
        tr(lang, "admin.created_utc"),
        tr(lang, "admin.state"),
    ];
    let now = Utc::now().naive_utc();
    page.rows = list
        .into_iter()
        .map(|u| Row {
            actions: vec![
                if u.disabled {
                    Action {
                        url: "/staff/users/enable",
                        name: "username",
                        value: u.username.clone(),
                        label: tr(lang, "admin.enable"),
                    }
                } else {
                    Action {
                        url: "/staff/users/disable",
                        name: "username",
                        value: u.username.clone(),
                        label: tr(lang, "admin.disable"),
                    }
                },
                Action {
                    url: "/staff/users/reset",
                    name: "username",
                    value: u.username.clone(),
                    label: tr(lang, "admin.new_password"),
                },
            ],
            cells: vec![
                u.username,
                u.role,
                u.unit_code.unwrap_or_default(),
                u.created_at.format("%Y-%m-%d %H:%M").to_string(),
                if u.disabled {
                    tr(lang, "admin.disabled").to_string()
                } else if u.locked_until.is_some_and(|t| t > now) {
                    tr(lang, "admin.locked_failed_sign_ins").to_string()
                } else {
                    tr(lang, "admin.active").to_string()
                },
            ],
        })
        .collect();
    let role = outcome.kept("role");
    page.form = Some(FormView {
        title: tr(lang, "admin.add_a_user"),
        help: tr(lang, "admin.admin_everything_officer_one").to_string(),
        action: "/staff/users",
        upload: false,
        fields: vec![
            Field::text(
                "username",
                tr(lang, "admin.user_name"),
                outcome.kept("username"),
            ),
            Field {
                name: "role",
                label: tr(lang, "admin.role"),
                kind: "select",
                value: if role.is_empty() {
                    "officer".into()
                } else {
                    role
                },
                options: vec![
                    (
                        "officer".into(),
                        tr(lang, "admin.desk_officer_officer").into(),
                    ),
                    ("viewer".into(), tr(lang, "admin.leader_viewer").into()),
                    ("admin".into(), tr(lang, "admin.admin_admin").into()),
                ],
                required: true,
            },
            Field {
                name: "unit",
                label: tr(lang, "admin.unit_officers_only"),
                kind: "select",
                value: outcome.kept("unit"),
                options,
                required: false,
            },
        ],
        submit: tr(lang, "admin.add"),
    });
    finish(page, outcome)
}

pub async fn users_list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUsers).await?;
    users_page(state, lang, staff, csrf, Outcome::default()).await
}

pub async fn users_add(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUsers).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let username = field(&pairs, "username");
    let unit = field(&pairs, "unit");
    let role: Option<Role> = Role::parse(&field(&pairs, "role")).ok();
    let Some(role) = role else {
        let outcome = Outcome::error(tr(lang, "admin.please_choose_a_role").into(), pairs);
        return users_page(state, lang, staff, csrf, outcome).await;
    };
    let (st, actor, name) = (state.clone(), staff.username.clone(), username.clone());
    let added = blocking(move || {
        let unit = Some(unit.trim()).filter(|u| !u.is_empty() && role == Role::Officer);
        users::add(
            &st.store,
            &mut rand::rng(),
            NewUser {
                username: &name,
                role,
                unit,
                password: None,
            },
            &actor,
            Utc::now(),
        )
    })
    .await?;
    let outcome = match added {
        Ok(password) => Outcome {
            notice: Some(format!(
                "{} \"{}\" ({role}). {}",
                tr(lang, "admin.added"),
                username.trim(),
                tr(lang, "admin.the_password_below_is_shown_once")
            )),
            secret: Some(password),
            ..Default::default()
        },
        Err(e @ (UserError::Hash | UserError::Store(_))) => return Err(PageError::failed(&e)),
        Err(e) => Outcome::error(e.to_string(), pairs),
    };
    users_page(state, lang, staff, csrf, outcome).await
}

/// `POST /staff/users/{disable,enable,reset}`: one account, named by `username`.
async fn user_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    action: UserAction,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUsers).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let username = field(&pairs, "username");
    let (st, actor, name) = (state.clone(), staff.username.clone(), username.clone());
    let done = blocking(move || match action {
        UserAction::Disable => {
            users::set_disabled(&st.store, &actor, &name, true, Utc::now()).map(|()| None)
        }
        UserAction::Enable => {
            users::set_disabled(&st.store, &actor, &name, false, Utc::now()).map(|()| None)
        }
        UserAction::Reset => {
            users::reset_password(&st.store, &mut rand::rng(), &actor, &name, Utc::now()).map(Some)
        }
    })
    .await?;
    let outcome = match done {
        Ok(secret) => Outcome {
            notice: Some(match action {
                UserAction::Disable => format!(
                    "{} \"{username}\"; {}",
                    tr(lang, "admin.disabled_2"),
                    tr(lang, "admin.their_sessions_have_ended")
                ),
                UserAction::Enable => {
                    format!("{} \"{username}\".", tr(lang, "admin.enabled"))
                }
                UserAction::Reset => format!(
                    "{} \"{username}\". {}",
                    tr(lang, "admin.new_password_of"),
                    tr(lang, "admin.shown_once_hand_it_over_in")
                ),
            }),
            secret,
            ..Default::default()
        },
        Err(e @ (UserError::Hash | UserError::Store(_))) => return Err(PageError::failed(&e)),
        Err(e) => Outcome::error(e.to_string(), Vec::new()),
    };
    users_page(state, lang, staff, csrf, outcome).await
}

#[derive(Debug, Clone, Copy)]
enum UserAction {
    Disable,
    Enable,
    Reset,
}

pub async fn users_disable(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    user_action(state, req, payload, UserAction::Disable).await
}

pub async fn users_enable(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    user_action(state, req, payload, UserAction::Enable).await
}

pub async fn users_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    user_action(state, req, payload, UserAction::Reset).await
}

// ---------------------------------------------------------------- tokens

async fn tokens_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let (list, options) = blocking(move || {
        let list = tokens::list(&st.store)?;
        let options = unit_options(&st, lang, Some(tr(lang, "admin.all_units")))?;
        Ok::<_, StoreError>((list, options))
    })
    .await??;
    let mut page = base(lang, &state, &staff, csrf, tr(lang, "admin.api_tokens"));
    page.columns = vec![
        tr(lang, "admin.name"),
        tr(lang, "admin.unit"),
        tr(lang, "admin.created_utc"),
        tr(lang, "admin.revoked_utc"),
    ];
    page.rows = list
        .into_iter()
        .map(|t| Row {
            actions: t
                .revoked_at
                .is_none()
                .then(|| Action {
                    url: "/staff/tokens/revoke",
                    name: "name",
                    value: t.name.clone(),
                    label: tr(lang, "admin.revoke"),
                })
                .into_iter()
                .collect(),
            cells: vec![
                t.name,
                t.unit_code.unwrap_or_else(|| "*".into()),
                t.created_at.format("%Y-%m-%d %H:%M").to_string(),
                t.revoked_at
                    .map(|r| r.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
            ],
        })
        .collect();
    page.form = Some(FormView {
        title: tr(lang, "admin.create_a_token"),
        help: tr(lang, "admin.for_the_one_stop_software_kiosks").to_string(),
        action: "/staff/tokens",
        upload: false,
        fields: vec![
            Field::text(
                "name",
                tr(lang, "admin.name_to_recognise_it"),
                outcome.kept("name"),
            ),
            Field {
                name: "unit",
                label: tr(lang, "admin.scope"),
                kind: "select",
                value: outcome.kept("unit"),
                options,
                required: false,
            },
        ],
        submit: tr(lang, "admin.create"),
    });
    finish(page, outcome)
}

pub async fn tokens_list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageTokens).await?;
    tokens_page(state, lang, staff, csrf, Outcome::default()).await
}

pub async fn tokens_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageTokens).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let (name, unit) = (field(&pairs, "name"), field(&pairs, "unit"));
    let (st, n, u, actor) = (state.clone(), name.clone(), unit, staff.username.clone());
    let created = blocking(move || {
        let unit = Some(u.trim()).filter(|u| !u.is_empty());
        tokens::create_by(&st.store, &mut rand::rng(), &n, unit, &actor, Utc::now())
    })
    .await?;
    let outcome = match created {
        Ok(token) => Outcome {
            notice: Some(format!(
                "{} \"{}\". {}",
                tr(lang, "admin.created_token"),
                name.trim(),
                tr(lang, "admin.copy_it_now_it_is_shown_once")
            )),
            secret: Some(token),
            ..Default::default()
        },
        Err(TokenError::Store(e)) => return Err(PageError::failed(&e)),
        Err(e) => Outcome::error(e.to_string(), pairs),
    };
    tokens_page(state, lang, staff, csrf, outcome).await
}

pub async fn tokens_revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageTokens).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let name = field(&pairs, "name");
    let (st, n, actor) = (state.clone(), name.clone(), staff.username.clone());
    let revoked = blocking(move || tokens::revoke(&st.store, &n, &actor, Utc::now())).await??;
    let outcome = if !revoked {
        Outcome::error(
            format!(
                "{} \"{name}\"",
                tr(lang, "admin.there_is_no_active_token_named")
            ),
            Vec::new(),
        )
    } else {
        Outcome {
            notice: Some(format!("{} \"{name}\".", tr(lang, "admin.revoked_token"))),
            ..Default::default()
        }
    };
    tokens_page(state, lang, staff, csrf, outcome).await
}

// ---------------------------------------------------------------- units

/// The fields of a CSV import: a file, or text pasted into a box that holds the text of a
/// refused try (to correct it), or else the header row to start from.
fn import_fields(lang: Lang, header: &str, kept: String) -> Vec<Field> {
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
fn refused(error: &dyn std::fmt::Display, text: String, lang: Lang) -> Outcome {
    Outcome::error(
        format!(
            "{} {error}",
            tr(lang, "admin.not_imported_nothing_was_kept")
        ),
        vec![("csv".to_string(), text)],
    )
}

/// The CSV of an import: the uploaded file if one was chosen, otherwise the pasted text.
fn import_text(pairs: &[(String, String)]) -> String {
    let file = field(pairs, "file");
    if file.trim().is_empty() {
        field(pairs, "csv")
    } else {
        file
    }
}

const UNITS_HEADER: &str = "code,name,name_en,parent,form,valid_from,valid_to,predecessors";

async fn units_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let list = blocking(move || units::list(&st.store)).await??;
    let mut page = base(lang, &state, &staff, csrf, tr(lang, "admin.units"));
    page.columns = vec![
        tr(lang, "admin.code"),
        tr(lang, "admin.name"),
        tr(lang, "admin.parent"),
        tr(lang, "admin.form"),
        tr(lang, "admin.valid"),
        tr(lang, "admin.took_over"),
    ];
    page.rows = list
        .into_iter()
        .map(|u| Row {
            cells: vec![
                u.code.to_string(),
                u.display_name(lang).to_string(),
                u.parent.map(|p| p.to_string()).unwrap_or_default(),
                u.form_id.clone(),
                format!(
                    "{} – {}",
                    u.valid_from.map(|d| d.to_string()).unwrap_or_default(),
                    u.valid_to.map(|d| d.to_string()).unwrap_or_default()
                ),
                crate::domain::unit::Predecessor::format_list(&u.predecessors).replace(';', "; "),
            ],
            actions: Vec::new(),
        })
        .collect();
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
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUnits).await?;
    units_page(state, lang, staff, csrf, Outcome::default()).await
}

pub async fn units_import(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUnits).await?;
    let pairs = form_with_csrf_up_to(&req, payload, &csrf, lang, IMPORT_LIMIT).await?;
    let text = import_text(&pairs);
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

// ---------------------------------------------------------------- dossier counts

const DOSSIERS_HEADER: &str = "unit_code,date,dossiers";

async fn dossiers_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let mut page = base(lang, &state, &staff, csrf, tr(lang, "admin.dossier_counts"));
    let kept = outcome.kept("csv");
    let scope = match &staff.unit {
        Some(u) => format!("{} {u}.", tr(lang, "admin.you_can_import_for_unit")),
        None => String::new(),
    };
    page.form = Some(FormView {
        title: tr(lang, "admin.import_dossier_counts_csv"),
        help: format!(
            "{} {DOSSIERS_HEADER} {scope}",
            tr(lang, "admin.dossiers_received_per_unit_and")
        ),
        action: "/staff/dossiers",
        upload: true,
        fields: import_fields(lang, DOSSIERS_HEADER, kept),
        submit: tr(lang, "admin.import"),
    });
    finish(page, outcome)
}

pub async fn dossiers_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ImportDossiers).await?;
    dossiers_page(state, lang, staff, csrf, Outcome::default()).await
}

pub async fn dossiers_import(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ImportDossiers).await?;
    let pairs = form_with_csrf_up_to(&req, payload, &csrf, lang, IMPORT_LIMIT).await?;
    let text = import_text(&pairs);
    let kept = text.clone();
    let (st, actor) = (state.clone(), staff.username.clone());
    let scope = access::unit_for(
        &access::Caller::Staff(staff.clone()),
        Can::ImportDossiers,
        None,
    )
    .map_err(|_| PageError::not_allowed(lang))?;
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
