//! `/staff/topics` (admins): the comment topics' rules in use, their saved versions, and a
//! change previewed — how many of the past year's comments it would tag and untag, with
//! examples — before it can be saved (issue 36, SPEC §12).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::domain::lang::Lang;
use crate::domain::quote::Quote;
use crate::service::topics::{self, Preview, RulesSource, TopicsError};
use crate::texts::{tr, Tr};
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::pages::PageMeta;
use crate::web::{render_page as render, run, AppState};

/// A topic's line of a preview: name, before, after, tagged, untagged, and examples of each.
pub struct ChangeView {
    name: &'static str,
    counts: [u64; 4],
    tagged: Vec<Quote>,
    untagged: Vec<Quote>,
}

#[derive(Template)]
#[template(path = "staff_topics.html")]
struct TopicsPage {
    page: PageMeta,
    t: Tr,
    csrf: String,
    /// Where the rules in use come from, in words.
    source: String,
    /// The editor's text: the rules in use, a saved version, or what was typed.
    text: String,
    notice: Option<String>,
    problem: Option<String>,
    /// The preview: its first sentence, each topic's change, the fingerprint to save with.
    preview: Option<(String, Vec<ChangeView>, String)>,
    versions: Vec<(i64, String, String, String)>,
}

#[derive(Debug, serde::Deserialize)]
pub struct RulesForm {
    rules: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    fingerprint: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct VersionQuery {
    from: Option<i64>,
}

fn local(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .with_timezone(&crate::domain::local_offset())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

fn source_text(lang: Lang, source: &RulesSource) -> String {
    match source {
        RulesSource::Saved(v) => tr(lang, "topics_staff.source_saved")
            .replace("{n}", &v.id.to_string())
            .replace("{by}", &v.saved_by)
            .replace("{at}", &local(v.saved_at))
            .replace("{note}", &v.note),
        RulesSource::File(f) => {
            tr(lang, "topics_staff.source_file").replace("{file}", &f.display().to_string())
        }
        RulesSource::Shipped => tr(lang, "topics_staff.source_shipped").to_string(),
    }
}

fn preview_view(lang: Lang, p: Preview) -> (String, Vec<ChangeView>, String) {
    let head = tr(lang, "topics_staff.preview_head")
        .replace("{n}", &crate::render::numbers::count(p.comments, lang))
        .replace("{from}", &p.from.format("%d/%m/%Y").to_string())
        .replace("{to}", &p.to.format("%d/%m/%Y").to_string());
    let changes = p
        .topics
        .into_iter()
        .map(|c| ChangeView {
            name: crate::render::report::topic_name(lang, c.topic),
            counts: [c.before, c.after, c.tagged, c.untagged],
            tagged: c.tagged_examples,
            untagged: c.untagged_examples,
        })
        .collect();
    (head, changes, p.fingerprint)
}

/// What the page shows besides the editor: the notice, the problem, the preview.
#[derive(Default)]
struct Outcome {
    text: Option<String>,
    notice: Option<String>,
    problem: Option<String>,
    preview: Option<Preview>,
}

async fn page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    status: StatusCode,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let staff = session.staff.clone();
    let (text, source, versions) = run(&state, move |s| {
        let (text, source) = s.topics.text(&s.store)?;
        Ok::<_, TopicsError>((text, source, topics::versions(&s.store, &staff)?))
    })
    .await?;
    let page = TopicsPage {
        page: PageMeta::new(lang, state.demo),
        t: Tr(lang),
        csrf: session.csrf,
        source: source_text(lang, &source),
        text: outcome.text.unwrap_or(text),
        notice: outcome.notice,
        problem: outcome.problem,
        preview: outcome.preview.map(|p| preview_view(lang, p)),
        versions: versions
            .into_iter()
            .map(|(id, note, by, at)| (id, local(at), by, note))
            .collect(),
    };
    render(status, &page)
}

/// `GET /staff/topics[?from=N]`: the rules in use (or saved version N) in the editor.
pub async fn topics_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<VersionQuery>,
) -> Result<HttpResponse, PageError> {
    session.may(crate::service::access::Action::ManageUsers)?;
    let text = match query.from {
        Some(id) => {
            let staff = session.staff.clone();
            run(&state, move |s| topics::version(&s.store, &staff, id)).await?
        }
        None => None,
    };
    let outcome = Outcome {
        text,
        ..Outcome::default()
    };
    page(state, lang, session, StatusCode::OK, outcome).await
}

/// `POST /staff/topics/preview`: the typed rules checked and compared with the rules in use.
pub async fn topics_preview(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<RulesForm>,
) -> Result<HttpResponse, PageError> {
    session.may(crate::service::access::Action::ManageUsers)?;
    let (staff, text) = (session.staff.clone(), form.form.rules.clone());
    let today = crate::domain::local_date(Utc::now());
    let done = run(&state, move |s| {
        Ok::<_, crate::store::StoreError>(topics::preview(
            &s.store, &s.topics, &staff, &text, today,
        ))
    })
    .await?;
    let text = Some(form.form.rules);
    match done {
        Ok(p) => {
            let outcome = Outcome {
                text,
                preview: Some(p),
                ..Outcome::default()
            };
            page(state, lang, session, StatusCode::OK, outcome).await
        }
        Err(e) => refused(state, lang, session, text, e).await,
    }
}

/// `POST /staff/topics`: saves the previewed rules as a new version.
pub async fn topics_save(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<RulesForm>,
) -> Result<HttpResponse, PageError> {
    session.may(crate::service::access::Action::ManageUsers)?;
    let staff = session.staff.clone();
    let RulesForm {
        rules,
        note,
        fingerprint,
    } = form.form;
    let typed = rules.clone();
    let done = run(&state, move |s| {
        Ok::<_, crate::store::StoreError>(topics::save(
            &s.store,
            &staff,
            &rules,
            &note,
            &fingerprint,
            Utc::now(),
        ))
    })
    .await?;
    match done {
        Ok(id) => {
            let notice = tr(lang, "topics_staff.saved").replace("{n}", &id.to_string());
            let outcome = Outcome {
                notice: Some(notice),
                ..Outcome::default()
            };
            page(state, lang, session, StatusCode::OK, outcome).await
        }
        Err(e) => refused(state, lang, session, Some(typed), e).await,
    }
}

/// The page again with the typed text and why it was refused (422), or the error's page.
async fn refused(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    text: Option<String>,
    e: TopicsError,
) -> Result<HttpResponse, PageError> {
    let problem = match &e {
        TopicsError::Invalid(why) => match why.line {
            Some(line) => tr(lang, "topics_staff.invalid_line")
                .replace("{line}", &line.to_string())
                .replace("{why}", &why.message),
            None => tr(lang, "topics_staff.invalid").replace("{why}", &why.message),
        },
        TopicsError::Note => tr(lang, "topics_staff.note_needed").to_string(),
        TopicsError::NotPreviewed => tr(lang, "topics_staff.not_previewed").to_string(),
        _ => return Err(e.into()),
    };
    let outcome = Outcome {
        text,
        problem: Some(problem),
        ..Outcome::default()
    };
    page(
        state,
        lang,
        session,
        StatusCode::UNPROCESSABLE_ENTITY,
        outcome,
    )
    .await
}
