//! The feedback queue for staff: the list (officers: their unit; admins: all; viewers: none),
//! one item with its steps (accept, decline, answer, publish, merge), the subjects a unit
//! offers and the holiday list. Every step is a CSRF-checked form; the service audits it.

use crate::domain::feedback::{Overdue, Status, Step};
use crate::domain::lang::Lang;
use crate::domain::user::Role;
use crate::service::access::Action;
use crate::service::feedback::{self as service, FeedbackError};
use crate::texts::{tr, Tr};
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, CsrfUpload, StaffSession};
use crate::web::feedback::see_other;
use crate::web::pages::PageMeta;
use crate::web::{lang_suffix, run, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;

use super::*;

/// A query parameter percent-decoded; empty is none.
fn query(req: &HttpRequest, key: &str) -> Option<String> {
    crate::web::query_value(req, key)
        .and_then(|v| {
            percent_encoding::percent_decode_str(&v)
                .decode_utf8()
                .ok()
                .map(|d| d.replace('+', " "))
        })
        .filter(|v| !v.is_empty())
}

pub(crate) fn status_label(lang: Lang, s: Status) -> &'static str {
    match s {
        Status::Held => tr(lang, "staff_feedback.held_s"),
        Status::Received => tr(lang, "staff_feedback.received_s"),
        Status::Accepted => tr(lang, "staff_feedback.accepted_s"),
        Status::Declined => tr(lang, "staff_feedback.declined_s"),
        Status::Answered => tr(lang, "staff_feedback.answered_s"),
        Status::Published => tr(lang, "staff_feedback.published_s"),
        Status::Merged => tr(lang, "staff_feedback.merged_s"),
    }
}

fn overdue_label(lang: Lang, o: Overdue) -> &'static str {
    match o {
        Overdue::Decide => tr(lang, "staff_feedback.overdue_decide"),
        Overdue::Answer => tr(lang, "staff_feedback.overdue_answer"),
        Overdue::Publish => tr(lang, "staff_feedback.overdue_publish"),
    }
}

fn subject_label(lang: Lang, s: &str) -> String {
    if s == crate::domain::feedback::OTHER {
        tr(lang, "feedback.other").to_string()
    } else {
        s.to_string()
    }
}

#[derive(Template)]
#[template(path = "staff_feedback.html")]
struct QueuePage {
    page: PageMeta,
    t: Tr,
    admin: bool,
    units: Vec<(String, String, bool)>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    /// The comment topics to filter by: code, name, chosen.
    topics: Vec<(&'static str, &'static str, bool)>,
    only_overdue: bool,
    overdue_line: String,
    csrf: String,
    /// Some row can still be declined (the bulk form is shown).
    any_declinable: bool,
    /// Some row is held (the bulk form can release).
    any_held: bool,
    /// Items held over the unit's cap, and where they are listed (when not listed here).
    held_line: Option<(String, String)>,
    /// The next (older) page, with the same filters.
    next: Option<String>,
    rows: Vec<QueueRow>,
}

struct QueueRow {
    id: i64,
    /// Still open to a decline (received or accepted).
    declinable: bool,
    received: String,
    unit: String,
    subject: String,
    status: &'static str,
    due: String,
    overdue: Option<&'static str>,
}

/// The queue's filters, as read from the address.
#[derive(Debug, Clone, Default)]
struct QueueFilter {
    unit: Option<String>,
    status: Option<Status>,
    /// Items whose text is about this topic (the rules in use).
    topic: Option<&'static str>,
    only_overdue: bool,
    before: Option<i64>,
}

impl QueueFilter {
    fn of(req: &HttpRequest, staff: &crate::service::users::Staff) -> QueueFilter {
        QueueFilter {
            // Admins may narrow the queue to one unit; officers see their own anyway.
            unit: query(req, "unit").filter(|_| staff.role == Role::Admin),
            status: query(req, "status").and_then(|s| Status::parse(&s).ok()),
            topic: query(req, "topic").and_then(|t| {
                crate::domain::topics::TOPICS
                    .iter()
                    .copied()
                    .find(|c| *c == t)
            }),
            only_overdue: query(req, "overdue").is_some(),
            before: query(req, "before").and_then(|b| b.parse::<i64>().ok()),
        }
    }

    /// The next (older) page's address, keeping the filters.
    fn next(&self, before: i64, lang: Lang) -> String {
        let mut q = vec![format!("before={before}")];
        if let Some(u) = &self.unit {
            q.push(format!(
                "unit={}",
                percent_encoding::utf8_percent_encode(u, percent_encoding::NON_ALPHANUMERIC)
            ));
        }
        if let Some(s) = self.status {
            q.push(format!("status={}", s.as_str()));
        }
        if let Some(t) = self.topic {
            q.push(format!("topic={t}"));
        }
        if self.only_overdue {
            q.push("overdue=1".into());
        }
        if lang == Lang::En {
            q.push("lang=en".into());
        }
        format!("/staff/feedback?{}", q.join("&"))
    }
}

fn queue_row(lang: Lang, i: service::QueueItem) -> QueueRow {
    let status = i.status;
    QueueRow {
        id: i.row.id,
        declinable: Step::Decline.from(status).is_some(),
        received: i.row.received_date.to_string(),
        unit: i.row.unit_code.clone(),
        subject: subject_label(lang, &i.row.subject),
        status: status_label(lang, status),
        due: match status {
            Status::Received => i.due.decide.to_string(),
            Status::Accepted => i.due.answer.to_string(),
            Status::Answered => i.due.publish.map(|d| d.to_string()).unwrap_or_default(),
            _ => String::new(),
        },
        overdue: i.overdue.map(|o| overdue_label(lang, o)),
    }
}

fn queue_page(
    lang: Lang,
    session: StaffSession,
    demo: bool,
    filter: QueueFilter,
    found: service::QueuePage,
    units: Vec<crate::domain::unit::Unit>,
) -> QueuePage {
    QueuePage {
        page: PageMeta::new(lang, demo),
        t: Tr(lang),
        admin: session.staff.role == Role::Admin,
        units: units
            .iter()
            .map(|u| {
                let chosen = filter.unit.as_deref() == Some(u.code.as_str());
                (u.code.to_string(), u.display_name(lang).to_string(), chosen)
            })
            .collect(),
        statuses: Status::ALL
            .into_iter()
            .map(|s| (s.as_str(), status_label(lang, s), filter.status == Some(s)))
            .collect(),
        topics: crate::domain::topics::TOPICS
            .iter()
            .map(|c| {
                let name = crate::render::report::topic_name(lang, c);
                (*c, name, filter.topic == Some(*c))
            })
            .collect(),
        only_overdue: filter.only_overdue,
        overdue_line: tr(lang, "staff_feedback.overdue_count")
            .replace("{n}", &found.overdue.to_string())
            .replace("{total}", &found.total.to_string()),
        csrf: session.csrf,
        any_declinable: found
            .items
            .iter()
            .any(|i| Step::Decline.from(i.status).is_some()),
        any_held: found.items.iter().any(|i| i.status == Status::Held),
        held_line: (found.held > 0 && filter.status != Some(Status::Held)).then(|| {
            (
                tr(lang, "staff_feedback.held_line").replace("{n}", &found.held.to_string()),
                format!(
                    "/staff/feedback?status=held{}",
                    if lang == Lang::En { "&lang=en" } else { "" }
                ),
            )
        }),
        next: found.next_before.map(|b| filter.next(b, lang)),
        rows: found
            .items
            .into_iter()
            .map(|i| queue_row(lang, i))
            .collect(),
    }
}

/// `GET /staff/feedback?unit=&status=&overdue=1&before=`
pub async fn feedback_queue(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::HandleFeedback)?;
    let filter = QueueFilter::of(&req, &session.staff);
    let (who, f) = (session.staff.clone(), filter.clone());
    let (found, units) = run(&state, move |s| -> Result<_, FeedbackError> {
        let rules = s.topics.rules(&s.store)?;
        let found = service::queue(
            &s.store,
            &s.feedback,
            &who,
            f.unit.as_deref(),
            f.status,
            (f.only_overdue, f.topic.map(|t| (&*rules, t))),
            f.before,
            Utc::now(),
        )?;
        let units = match who.role {
            Role::Admin => crate::service::units::list(&s.store)?,
            _ => Vec::new(),
        };
        Ok((found, units))
    })
    .await?;
    let page = queue_page(lang, session, state.demo, filter, found, units);
    render(StatusCode::OK, &page)
}

/// A staff form's free text (a reply, a reason, a list), and the step or unit it is for.
#[derive(Debug, serde::Deserialize)]
pub struct TextForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    text: String,
}

/// `POST /staff/feedback/decline`: the checked items of a queue page (`id`, repeated),
/// declined with one reason (`text`).
pub async fn feedback_decline_many(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<TextForm>,
) -> Result<HttpResponse, PageError> {
    step_many(state, lang, session, form, Step::Decline).await
}

/// `POST /staff/feedback/release`: the checked held items of a queue page (`id`, repeated)
/// taken in; their deadlines run from today.
pub async fn feedback_release_many(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<TextForm>,
) -> Result<HttpResponse, PageError> {
    step_many(state, lang, session, form, Step::Release).await
}

async fn step_many(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<TextForm>,
    step: Step,
) -> Result<HttpResponse, PageError> {
    session.may(Action::HandleFeedback)?;
    let ids: Vec<i64> = form
        .pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| item_id(v))
        .collect();
    let text = form.form.text;
    run(&state, move |s| {
        service::step_many(&s.store, &session.staff, &ids, step, &text, Utc::now())
    })
    .await?;
    Ok(see_other(format!("/staff/feedback{}", lang_suffix(lang))))
}

#[derive(Template)]
#[template(path = "staff_feedback_item.html")]
struct ItemPage {
    page: PageMeta,
    t: Tr,
    csrf: String,
    id: i64,
    unit: String,
    status: &'static str,
    subject: String,
    received: String,
    deadlines: String,
    overdue: Option<&'static str>,
    contact: Option<String>,
    consent: &'static str,
    from_survey: bool,
    merged: Vec<i64>,
    body: String,
    decline_reason: Option<String>,
    reply: Option<String>,
    public_question: Option<String>,
    public_reply: Option<String>,
    can_accept: bool,
    can_answer: bool,
    can_publish: bool,
    can_decline: bool,
}

fn item_id(path: &str) -> Option<i64> {
    path.parse::<i64>().ok().filter(|id| *id > 0)
}

/// `GET /staff/feedback/{id}`
pub async fn feedback_item(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::HandleFeedback)?;
    let id = item_id(&path).ok_or(FeedbackError::NotFound)?;
    let who = session.staff.clone();
    let found = run(&state, move |s| {
        service::item(&s.store, &s.feedback, &who, id, Utc::now())
    })
    .await?;
    let page = item_page(lang, state.demo, session.csrf, &found);
    render(StatusCode::OK, &page)
}

fn item_page(lang: Lang, demo: bool, csrf: String, found: &service::StaffItem) -> ItemPage {
    let row = &found.item.row;
    let status = found.item.status;
    let due = &found.item.due;
    ItemPage {
        page: PageMeta::new(lang, demo),
        t: Tr(lang),
        csrf,
        id: row.id,
        unit: row.unit_code.clone(),
        status: status_label(lang, status),
        subject: subject_label(lang, &row.subject),
        received: row.received_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        deadlines: tr(lang, "staff_feedback.deadlines_line")
            .replace("{decide}", &due.decide.to_string())
            .replace("{answer}", &due.answer.to_string())
            .replace(
                "{publish}",
                &due.publish
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "–".into()),
            ),
        overdue: found.item.overdue.map(|o| overdue_label(lang, o)),
        contact: row.contact.clone(),
        consent: if row.consent_publish {
            tr(lang, "staff_feedback.yes")
        } else {
            tr(lang, "staff_feedback.no")
        },
        from_survey: row.from_survey,
        merged: found.merged.clone(),
        body: row.body.clone(),
        decline_reason: row.decline_reason.clone(),
        reply: row.reply.clone(),
        public_question: found.public_question.clone(),
        public_reply: row
            .reply
            .as_deref()
            .map(|r| crate::domain::feedback::public_text(r, row.contact.as_deref())),
        can_accept: Step::Accept.from(status).is_some(),
        can_answer: Step::Answer.from(status).is_some(),
        can_publish: Step::Publish.from(status).is_some(),
        can_decline: Step::Decline.from(status).is_some(),
    }
}

/// `POST /staff/feedback/{id}`: `step` = accept | decline | answer | publish | merge, `text`.
pub async fn feedback_step(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    session: StaffSession,
    form: CsrfForm<TextForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::HandleFeedback)?;
    let id = item_id(&path).ok_or(FeedbackError::NotFound)?;
    let step = Step::parse(&form.step).ok_or_else(|| PageError::later(PageError::bad_request))?;
    let text = form.form.text;
    run(&state, move |s| {
        service::step(&s.store, &session.staff, id, step, &text, Utc::now())
    })
    .await?;
    Ok(see_other(format!(
        "/staff/feedback/{id}{}",
        lang_suffix(lang)
    )))
}

#[derive(Template)]
#[template(path = "staff_feedback_form.html")]
struct ListForm {
    page: PageMeta,
    t: Tr,
    heading: &'static str,
    intro: &'static str,
    label: &'static str,
    message: Option<String>,
    csrf: String,
    action: &'static str,
    units: Vec<(String, String, bool)>,
    unit: String,
    current: String,
}

async fn subjects_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    message: Option<String>,
    chosen: Option<String>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::HandleFeedback)?;
    let StaffSession { staff, csrf } = session;
    let (units, unit, current) = run(&state, move |s| {
        service::subjects_for(&s.store, &staff, chosen)
    })
    .await?;
    let page = ListForm {
        page: PageMeta::new(lang, state.demo),
        t: Tr(lang),
        heading: tr(lang, "staff_feedback.subjects"),
        intro: tr(lang, "staff_feedback.subjects_intro"),
        label: tr(lang, "staff_feedback.subjects_label"),
        message,
        csrf,
        action: "/staff/feedback/subjects",
        units: units
            .iter()
            .map(|u| {
                let chosen = u.code.as_str() == unit;
                (u.code.to_string(), u.display_name(lang).to_string(), chosen)
            })
            .collect(),
        unit,
        current: current.join("\n"),
    };
    render(StatusCode::OK, &page)
}

/// `GET /staff/feedback/subjects?unit=`
pub async fn subjects_form(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    let chosen = query(&req, "unit");
    subjects_page(state, lang, session, None, chosen).await
}

/// `POST /staff/feedback/subjects`: one subject per line.
pub async fn subjects_save(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<TextForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::HandleFeedback)?;
    let TextForm { unit, text, .. } = form.form;
    let (u, staff) = (unit.clone(), session.staff.clone());
    let n = run(&state, move |s| {
        service::set_subjects_by(&s.store, &staff, &u, &text, Utc::now())
    })
    .await?;
    let message = tr(lang, "staff_feedback.saved_n").replace("{n}", &n.to_string());
    subjects_page(state, lang, session, Some(message), Some(unit)).await
}

async fn holidays_page(
    state: web::Data<AppState>,
    lang: Lang,
    csrf: String,
    message: Option<String>,
) -> Result<HttpResponse, PageError> {
    let days = run(&state, |s| service::holidays(&s.store)).await?;
    let page = ListForm {
        page: PageMeta::new(lang, state.demo),
        t: Tr(lang),
        heading: tr(lang, "staff_feedback.holidays"),
        intro: tr(lang, "staff_feedback.holidays_intro"),
        label: tr(lang, "staff_feedback.holidays_label"),
        message,
        csrf,
        action: "/staff/holidays",
        units: Vec::new(),
        unit: String::new(),
        current: days
            .iter()
            .map(|(d, n)| format!("{d},{n}"))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    render(StatusCode::OK, &page)
}

/// `GET /staff/holidays` (admins)
pub async fn holidays_form(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageUnits)?;
    holidays_page(state, lang, session.csrf, None).await
}

/// `POST /staff/holidays`: CSV `date,name`, added to the list (a day listed again is renamed).
pub async fn holidays_import(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfUpload<TextForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageUnits)?;
    let StaffSession { staff, csrf } = session;
    let text = form.form.text;
    let n = run(&state, move |s| {
        service::import_holidays_by(&s.store, &staff, &text, Utc::now())
    })
    .await?;
    let message = tr(lang, "staff_feedback.saved_n").replace("{n}", &n.to_string());
    holidays_page(state, lang, csrf, Some(message)).await
}
