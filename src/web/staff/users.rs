//! `/staff/users` (admins): add an account (its password shown once), disable, enable, give
//! a new password.

use crate::texts::tr;
use actix_web::{web, HttpResponse};
use chrono::Utc;

use super::manage::*;
use crate::domain::lang::Lang;
use crate::domain::user::Role;
use crate::service::access::Action;
use crate::service::users::{self, NewUser, Staff, UserError};
use crate::store::StoreError;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::AppState;

async fn users_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let (list, options) = run(&state, move |s| {
        let list = users::list(&s.store)?;
        let options = unit_options(s, lang, Some(tr(lang, "admin.all_units")))?;
        Ok::<_, StoreError>((list, options))
    })
    .await?;
    let mut page = base(lang, &state, &staff, csrf, tr(lang, "admin.users"));
    page.columns = vec![
        tr(lang, "admin.display_name"),
        tr(lang, "admin.user_name"),
        tr(lang, "admin.role"),
        tr(lang, "admin.unit"),
        tr(lang, "admin.created_utc"),
        tr(lang, "admin.state"),
    ];
    let now = Utc::now().naive_utc();
    page.rows = list.into_iter().map(|u| user_row(lang, u, now)).collect();
    page.form = Some(add_user_form(lang, &outcome, options));
    finish(page, outcome)
}

/// One account's row: its state and the buttons that change it.
fn user_row(lang: Lang, u: users::UserRow, now: chrono::NaiveDateTime) -> Row {
    let action = |url, label| RowAction {
        url,
        name: "username",
        value: u.username.clone(),
        label: tr(lang, label),
    };
    let actions = vec![
        if u.disabled {
            action("/staff/users/enable", "admin.enable")
        } else {
            action("/staff/users/disable", "admin.disable")
        },
        action("/staff/users/reset", "admin.new_password"),
    ];
    let state = if u.disabled {
        "admin.disabled"
    } else if u.locked_until.is_some_and(|t| t > now) {
        "admin.locked_failed_sign_ins"
    } else {
        "admin.active"
    };
    Row {
        actions,
        cells: vec![
            u.display_name.clone(),
            u.username,
            if u.lead {
                tr(lang, "admin.unit_lead").to_string()
            } else {
                u.role
            },
            u.unit_code.unwrap_or_default(),
            u.created_at.format("%Y-%m-%d %H:%M").to_string(),
            tr(lang, state).to_string(),
        ],
    }
}

/// The form that adds an account, with what was typed kept after a refusal.
fn add_user_form(lang: Lang, outcome: &Outcome, units: Vec<(String, String)>) -> FormView {
    let role = outcome.kept("role");
    let roles = [
        ("officer", "admin.desk_officer_officer"),
        ("lead", "admin.unit_lead"),
        ("viewer", "admin.leader_viewer"),
        ("admin", "admin.admin_admin"),
    ];
    FormView {
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
                required: false,
                ..Field::text(
                    "display_name",
                    tr(lang, "admin.display_name"),
                    outcome.kept("display_name"),
                )
            },
            Field {
                name: "role",
                label: tr(lang, "admin.role"),
                kind: "select",
                value: if role.is_empty() {
                    "officer".into()
                } else {
                    role
                },
                options: roles
                    .iter()
                    .map(|(v, k)| (v.to_string(), tr(lang, k).to_string()))
                    .collect(),
                required: true,
            },
            Field {
                name: "unit",
                label: tr(lang, "admin.unit_officers_only"),
                kind: "select",
                value: outcome.kept("unit"),
                options: units,
                required: false,
            },
        ],
        submit: tr(lang, "admin.add"),
    }
}

pub async fn users_list(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageUsers)?;
    users_page(state, lang, session.staff, session.csrf, Outcome::default()).await
}

/// An account added from the page: a generated password, a unit for an officer only.
fn add(
    state: &AppState,
    actor: &str,
    (name, shown): (&str, &str),
    (role, lead): (Role, bool),
    unit: &str,
) -> Result<String, UserError> {
    let unit = Some(unit.trim()).filter(|u| !u.is_empty() && role == Role::Officer);
    let shown = Some(shown.trim()).filter(|s| !s.is_empty());
    if let Some(s) = shown {
        users::check_display_name(s).map_err(UserError::Invalid)?;
    }
    let new = NewUser {
        username: name,
        role,
        unit,
        password: None,
        lead,
    };
    let password = users::add(&state.store, &mut rand::rng(), new, actor, Utc::now())?;
    if let Some(s) = shown {
        users::set_display_name(&state.store, actor, name.trim(), s, Utc::now())?;
    }
    Ok(password)
}

/// The fields of the form that adds an account.
#[derive(Debug, serde::Deserialize)]
pub struct AddUser {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

pub async fn users_add(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<AddUser>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageUsers)?;
    let StaffSession { staff, csrf } = session;
    // "lead": an officer who leads their unit.
    let lead = form.role.trim() == "lead";
    let Ok(role) = Role::parse(if lead { "officer" } else { &form.role }) else {
        let outcome = Outcome::error(tr(lang, "admin.please_choose_a_role").into(), form.pairs);
        return users_page(state, lang, staff, csrf, outcome).await;
    };
    let CsrfForm { form, pairs } = form;
    let username = form.username.clone();
    let (st, actor) = (state.clone(), staff.username.clone());
    let added = blocking(move || {
        let who = (form.username.as_str(), form.display_name.as_str());
        add(&st, &actor, who, (role, lead), &form.unit)
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
        Err(e @ (UserError::Hash(_) | UserError::Store(_))) => return Err(PageError::failed(&e)),
        Err(e) => Outcome::error(e.to_string(), pairs),
    };
    users_page(state, lang, staff, csrf, outcome).await
}

/// The account a form names (`username`).
#[derive(Debug, serde::Deserialize)]
pub struct Named {
    #[serde(default)]
    username: String,
}

/// `POST /staff/users/{disable,enable,reset}`: one account, named by `username`.
async fn user_action(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<Named>,
    action: UserAction,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageUsers)?;
    let StaffSession { staff, csrf } = session;
    let username = form.form.username;
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
            notice: Some(action.notice(lang, &username)),
            secret,
            ..Default::default()
        },
        Err(e @ (UserError::Hash(_) | UserError::Store(_))) => return Err(PageError::failed(&e)),
        Err(e) => Outcome::error(e.to_string(), Vec::new()),
    };
    users_page(state, lang, staff, csrf, outcome).await
}

impl UserAction {
    /// What the admin is told once it is done.
    fn notice(self, lang: Lang, username: &str) -> String {
        match self {
            UserAction::Disable => format!(
                "{} \"{username}\"; {}",
                tr(lang, "admin.disabled_2"),
                tr(lang, "admin.their_sessions_have_ended")
            ),
            UserAction::Enable => format!("{} \"{username}\".", tr(lang, "admin.enabled")),
            UserAction::Reset => format!(
                "{} \"{username}\". {}",
                tr(lang, "admin.new_password_of"),
                tr(lang, "admin.shown_once_hand_it_over_in")
            ),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum UserAction {
    Disable,
    Enable,
    Reset,
}

pub async fn users_disable(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<Named>,
) -> Result<HttpResponse, PageError> {
    user_action(state, lang, session, form, UserAction::Disable).await
}

pub async fn users_enable(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<Named>,
) -> Result<HttpResponse, PageError> {
    user_action(state, lang, session, form, UserAction::Enable).await
}

pub async fn users_reset(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<Named>,
) -> Result<HttpResponse, PageError> {
    user_action(state, lang, session, form, UserAction::Reset).await
}
