//! `/staff/tokens` (admins): create an API token (shown once), list, revoke.

use crate::texts::tr;
use actix_web::{web, HttpResponse};
use chrono::Utc;

use super::manage::*;
use crate::domain::lang::Lang;
use crate::service::access::Action;
use crate::service::tokens::{self, TokenError};
use crate::service::users::Staff;
use crate::store::StoreError;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::AppState;

async fn tokens_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let (list, recent, options) = run(&state, move |s| {
        let list = tokens::list(&s.store)?;
        let recent = tokens::recent_responses(&s.store, 7, Utc::now())?;
        let options = unit_options(s, lang, Some(tr(lang, "admin.all_units")))?;
        Ok::<_, StoreError>((list, recent, options))
    })
    .await?;
    let mut page = base(lang, &state, &staff, csrf, tr(lang, "admin.api_tokens"));
    page.columns = vec![
        tr(lang, "admin.name"),
        tr(lang, "admin.unit"),
        tr(lang, "admin.created_utc"),
        tr(lang, "admin.revoked_utc"),
        tr(lang, "admin.token_responses_7d"),
    ];
    page.rows = list
        .into_iter()
        .map(|t| {
            let n = recent
                .iter()
                .find(|(name, _)| *name == t.name)
                .map_or(0, |r| r.1);
            token_row(lang, t, n)
        })
        .collect();
    page.form = Some(token_form(lang, &outcome, options));
    finish(page, outcome)
}

pub async fn tokens_list(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageTokens)?;
    tokens_page(state, lang, session.staff, session.csrf, Outcome::default()).await
}

/// A token's name and, for a token bound to one unit, its code.
#[derive(Debug, serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit: String,
}

pub async fn tokens_create(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageTokens)?;
    let (StaffSession { staff, csrf }, CsrfForm { form, pairs }) = (session, form);
    let TokenForm { name, unit } = form;
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
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageTokens)?;
    let StaffSession { staff, csrf } = session;
    let name = form.form.name;
    let (n, actor) = (name.clone(), staff.username.clone());
    let revoked = run(&state, move |s| {
        tokens::revoke(&s.store, &n, &actor, Utc::now())
    })
    .await?;
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

/// One token's row: a revoke button while it is live.
/// A token's line: name, scope, created, revoked, and the responses added with it in the last
/// 7 days (C-9: a unit token adds responses alone, so an admin sees how many).
fn token_row(lang: Lang, t: tokens::TokenRow, responses_7d: i64) -> Row {
    let revoke = t.revoked_at.is_none().then(|| RowAction {
        url: "/staff/tokens/revoke",
        name: "name",
        value: t.name.clone(),
        label: tr(lang, "admin.revoke"),
    });
    Row {
        actions: revoke.into_iter().collect(),
        cells: vec![
            t.name,
            t.unit_code.unwrap_or_else(|| "*".into()),
            t.created_at.format("%Y-%m-%d %H:%M").to_string(),
            t.revoked_at
                .map(|r| r.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            responses_7d.to_string(),
        ],
    }
}

/// The form that creates a token, with what was typed kept after a refusal.
fn token_form(lang: Lang, outcome: &Outcome, options: Vec<(String, String)>) -> FormView {
    FormView {
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
    }
}
