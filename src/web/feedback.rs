//! Citizens' feedback pages: filing (`/feedback/{unit}`), following an item by its code
//! (`/feedback/track/{code}`) and rating the reply, turning a survey comment into feedback,
//! and the published replies (`/units/{unit}/feedback`, `/feedback`, the desk sheet).
//! No JavaScript; the contact a citizen gives never reaches any of these pages.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::domain::feedback::{FeedbackProblem, Status, BODY_MAX, OTHER};
use crate::domain::lang::Lang;
use crate::domain::local_date;
use crate::domain::ticket::TicketCode;
use crate::render::qr;
use crate::service::feedback::{self as service, FeedbackError, Filing, PublicItem};
use crate::texts::{tr, Tr};
use crate::web::errors::{problem_text, PageError};
use crate::web::pages::{PageMeta, Place};
use crate::web::{
    field, lang_of, lang_suffix, parse_urlencoded, query_value, read_body, render_page as render,
    run, within_limit, AppState, BodyError,
};

fn and_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "&lang=en",
        Lang::Vi => "",
    }
}

pub(crate) fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// A date as people in Vietnam write it.
fn day(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[derive(Template)]
#[template(path = "feedback_form.html")]
struct FormPage {
    page: PageMeta,
    t: Tr,
    unit_name: String,
    action: String,
    replies_url: String,
    subjects: Vec<(String, String, bool)>,
    max: usize,
    text: String,
    contact: String,
    consent: bool,
    errors: Vec<(&'static str, String)>,
    text_error: Option<String>,
    contact_error: Option<String>,
}

fn form_page(
    state: &AppState,
    lang: Lang,
    unit: &crate::domain::unit::Unit,
    subjects: &[String],
    filing: &Filing,
    problems: &[(&'static str, FeedbackProblem)],
) -> FormPage {
    let code = unit.code.as_str();
    let mut options: Vec<(String, String, bool)> = subjects
        .iter()
        .map(|s| (s.clone(), s.clone(), filing.subject == *s))
        .collect();
    options.push((
        OTHER.to_string(),
        tr(lang, "feedback.other").to_string(),
        filing.subject == OTHER,
    ));
    let error_of = |field: &str| {
        problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, p)| problem_text(lang, p))
    };
    FormPage {
        page: PageMeta::public(lang, state.demo, Place::Other, &state.publishing),
        t: Tr(lang),
        unit_name: unit.display_name(lang).to_string(),
        action: format!("/feedback/{code}{}", lang_suffix(lang)),
        replies_url: format!("/units/{code}/feedback{}", lang_suffix(lang)),
        subjects: options,
        max: BODY_MAX,
        text: filing.text.clone(),
        contact: filing.contact.clone(),
        consent: filing.consent,
        errors: problems
            .iter()
            .map(|(f, p)| (*f, problem_text(lang, p)))
            .collect(),
        text_error: error_of("text"),
        contact_error: error_of("contact"),
    }
}

/// `GET /feedback/{unit}`
pub async fn show_form(
    state: web::Data<AppState>,
    path: web::Path<String>,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let code = path.into_inner();
    let st = state.clone();
    let (unit, subjects) = web::block(move || service::open_unit(&st.store, &code, Utc::now()))
        .await?
        .map_err(|e| PageError::from(e).with_demo(state.demo))?;
    let filing = Filing {
        subject: subjects.first().cloned().unwrap_or_default(),
        ..Filing::default()
    };
    let page = form_page(&state, lang, &unit, &subjects, &filing, &[]);
    render(StatusCode::OK, &page)
}

async fn read_pairs(
    state: &AppState,
    payload: web::Payload,
    lang: Lang,
) -> Result<Vec<(String, String)>, PageError> {
    let body = read_body(payload).await.map_err(|e| match e {
        BodyError::TooLarge => PageError::too_large(lang),
        BodyError::Broken => PageError::bad_request(lang),
    })?;
    parse_urlencoded(&body).ok_or_else(|| PageError::bad_request(lang).with_demo(state.demo))
}

/// `POST /feedback/{unit}`: files the item and sends the citizen to its tracking page; a
/// problem shows the form again with what was typed.
pub async fn file(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    within_limit(&state, &state.submit_limiter, &req, lang).await?;
    let pairs = read_pairs(&state, payload, lang).await?;
    let filing = Filing {
        unit: path.into_inner(),
        subject: field(&pairs, "subject"),
        text: field(&pairs, "text"),
        contact: field(&pairs, "contact"),
        consent: field(&pairs, "consent") == "yes",
    };
    let (st, f) = (state.clone(), filing.clone());
    let result = web::block(move || service::file(&st.store, &st.feedback, &f, Utc::now())).await?;
    match result {
        Ok(code) => Ok(see_other(format!(
            "/feedback/track/{}?new=1{}",
            code.as_str(),
            and_lang(lang)
        ))),
        Err(FeedbackError::Invalid(problems)) => form_again(&state, lang, &filing, &problems).await,
        Err(e) => Err(e.into()),
    }
}

/// The feedback form again (422), with what was typed and its problems marked.
async fn form_again(
    state: &web::Data<AppState>,
    lang: Lang,
    filing: &Filing,
    problems: &[(&'static str, FeedbackProblem)],
) -> Result<HttpResponse, PageError> {
    let unit_code = filing.unit.clone();
    let (unit, subjects) = run(state, move |s| {
        service::open_unit(&s.store, &unit_code, Utc::now())
    })
    .await?;
    let page = form_page(state, lang, &unit, &subjects, filing, problems);
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Template)]
#[template(path = "feedback_track.html")]
struct TrackPage {
    page: PageMeta,
    t: Tr,
    unit_name: String,
    code: String,
    just_filed: bool,
    status: &'static str,
    subject: String,
    received: String,
    decided: Option<String>,
    answer_due: Option<String>,
    answered: Option<String>,
    published: Option<String>,
    merged: bool,
    decline_reason: Option<String>,
    reply: Option<String>,
    rateable: bool,
    rate_action: String,
    rated: Option<bool>,
    replies_url: String,
}

fn status_text(lang: Lang, s: Status) -> &'static str {
    match s {
        Status::Held => tr(lang, "feedback.status_held"),
        Status::Received => tr(lang, "feedback.status_received"),
        Status::Accepted => tr(lang, "feedback.status_accepted"),
        Status::Declined => tr(lang, "feedback.status_declined"),
        Status::Answered => tr(lang, "feedback.status_answered"),
        Status::Published => tr(lang, "feedback.status_published"),
        Status::Merged => tr(lang, "feedback.status_merged"),
    }
}

fn subject_text(lang: Lang, s: &str) -> String {
    if s == OTHER {
        tr(lang, "feedback.other").to_string()
    } else {
        s.to_string()
    }
}

/// `GET /feedback/track/{code}`
pub async fn track(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    within_limit(&state, &state.ticket_limiter, &req, lang).await?;
    let code = path.into_inner();
    let found = run(&state, move |s| {
        service::track(&s.store, &s.feedback, &code)
    })
    .await?
    .ok_or(FeedbackError::NotFound)?;
    let just_filed = req.query_string().split('&').any(|kv| kv == "new=1");
    let mut page = track_page(lang, state.demo, just_filed, found);
    page.page = PageMeta::public(lang, state.demo, Place::Other, &state.publishing);
    render(StatusCode::OK, &page)
}

fn track_page(lang: Lang, demo: bool, just_filed: bool, found: service::Tracked) -> TrackPage {
    let unit_code = found
        .unit
        .as_ref()
        .map(|u| u.code.to_string())
        .unwrap_or_default();
    TrackPage {
        page: PageMeta::new(lang, demo),
        t: Tr(lang),
        unit_name: found
            .unit
            .as_ref()
            .map(|u| u.display_name(lang).to_string())
            .unwrap_or_default(),
        just_filed,
        status: status_text(lang, found.status),
        subject: subject_text(lang, &found.subject),
        received: day(found.received),
        decided: found.decided.map(day),
        answer_due: found.answer_due.map(day),
        answered: found.answered.map(day),
        published: found.published.map(day),
        merged: found.merged,
        decline_reason: found.decline_reason,
        reply: found.reply,
        rateable: found.rateable,
        rate_action: format!("/feedback/track/{}/rate{}", found.code, lang_suffix(lang)),
        rated: found.rated,
        replies_url: format!("/units/{unit_code}/feedback{}", lang_suffix(lang)),
        code: TicketCode::parse(&found.code)
            .map(|c| c.grouped())
            .unwrap_or(found.code),
    }
}

/// `POST /feedback/track/{code}/rate`: `satisfied=yes|no`, once.
pub async fn rate(
    state: web::Data<AppState>,
    path: web::Path<String>,
    lang: Lang,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    within_limit(&state, &state.ticket_limiter, &req, lang).await?;
    let pairs = read_pairs(&state, payload, lang).await?;
    let satisfied = match field(&pairs, "satisfied").as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(PageError::bad_request(lang).with_demo(state.demo)),
    };
    let code = path.into_inner();
    let st = state.clone();
    let c = code.clone();
    web::block(move || service::rate(&st.store, &c, satisfied, Utc::now()))
        .await?
        .map_err(|e| PageError::from(e).with_demo(state.demo))?;
    Ok(see_other(format!(
        "/feedback/track/{code}{}",
        lang_suffix(lang)
    )))
}

/// `POST /feedback/from-survey`: the thank-you page's offer, taken (nothing retyped).
pub async fn from_survey(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    within_limit(&state, &state.submit_limiter, &req, lang).await?;
    let pairs = read_pairs(&state, payload, lang).await?;
    let submission_id = field(&pairs, "submission_id");
    if uuid::Uuid::parse_str(&submission_id).is_err() {
        return Err(PageError::bad_request(lang).with_demo(state.demo));
    }
    let contact = field(&pairs, "contact");
    let consent = field(&pairs, "consent") == "yes";
    let st = state.clone();
    let code = web::block(move || {
        service::file_from_survey(
            &st.store,
            &st.feedback,
            &submission_id,
            &contact,
            consent,
            Utc::now(),
        )
    })
    .await?
    .map_err(|e| PageError::from(e).with_demo(state.demo))?;
    Ok(see_other(format!(
        "/feedback/track/{}?new=1{}",
        code.as_str(),
        and_lang(lang)
    )))
}

#[derive(Template)]
#[template(path = "feedback_public.html")]
struct PublicPage {
    page: PageMeta,
    t: Tr,
    heading: String,
    unit_name: String,
    all_units: bool,
    items: Vec<PublicView>,
    page_no: i64,
    pages: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    file_url: Option<String>,
    print_url: Option<String>,
    /// The unit's published "Đã nghe – đã làm".
    actions: Vec<crate::web::actions_view::ActionView>,
}

struct PublicView {
    unit_name: String,
    subject: String,
    question: Option<String>,
    reply: String,
    received: String,
    answered: Option<String>,
}

fn view(lang: Lang, i: PublicItem) -> PublicView {
    PublicView {
        unit_name: i.unit_name,
        subject: subject_text(lang, &i.subject),
        question: i.question,
        reply: i.reply,
        received: day(i.received),
        answered: i.answered.map(day),
    }
}

fn page_number(req: &HttpRequest) -> i64 {
    query_value(req, "page")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1)
}

/// The published replies (of a unit, or all), rendered once per change (issue 38).
async fn public_list(
    state: web::Data<AppState>,
    req: HttpRequest,
    unit: Option<String>,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let page_no = page_number(&req);
    let key = format!(
        "replies:{}:{}:{page_no}:{}",
        unit.as_deref().unwrap_or("*"),
        lang.code(),
        local_date(Utc::now())
    );
    crate::web::cache::serve(&state, &req, key, || {
        public_list_page(&state, lang, unit, page_no)
    })
    .await
}

async fn public_list_page(
    state: &web::Data<AppState>,
    lang: Lang,
    unit: Option<String>,
    page_no: i64,
) -> Result<crate::web::cache::Made, PageError> {
    let u = unit.clone();
    let (items, pages, unit_row) = run(state, move |s| -> Result<_, FeedbackError> {
        let (items, pages) =
            service::published(&s.store, u.as_deref(), page_no, service::PUBLIC_PAGE)?;
        let unit_row = match &u {
            Some(code) => crate::service::units::cached(&s.store, code)?,
            None => None,
        };
        let done = match &u {
            Some(code) => crate::service::actions::public(&s.store, s.scheme, Some(code), 20)?,
            None => Vec::new(),
        };
        Ok((items, pages, (unit_row, done)))
    })
    .await?;
    let (unit_row, done) = unit_row;
    let mut page = public_page(lang, state.demo, unit, unit_row, items, page_no, pages);
    page.page = PageMeta::public(lang, state.demo, Place::Other, &state.publishing);
    page.actions = done
        .iter()
        .map(|a| crate::web::actions_view::view(&state.forms, lang, a, String::new()))
        .collect();
    Ok(crate::web::cache::Made::html(page.render()?))
}

/// The page of published replies: a unit's or all, with its neighbours' links.
#[allow(clippy::too_many_arguments)]
fn public_page(
    lang: Lang,
    demo: bool,
    unit: Option<String>,
    unit_row: Option<crate::domain::unit::Unit>,
    items: Vec<PublicItem>,
    page_no: i64,
    pages: i64,
) -> PublicPage {
    let base = match &unit {
        Some(u) => format!("/units/{u}/feedback"),
        None => "/feedback".to_string(),
    };
    let link = |p: i64| format!("{base}?page={p}{}", and_lang(lang));
    let unit_name = unit_row.as_ref().map(|u| u.display_name(lang).to_string());
    let open = unit_row.is_some_and(|u| u.is_valid_on(local_date(Utc::now())));
    PublicPage {
        actions: Vec::new(),
        page: PageMeta::new(lang, demo),
        t: Tr(lang),
        heading: tr(lang, "feedback.replies_heading").to_string(),
        all_units: unit.is_none(),
        unit_name: unit_name.unwrap_or_default(),
        items: items.into_iter().map(|i| view(lang, i)).collect(),
        page_no,
        pages,
        prev_url: (page_no > 1).then(|| link(page_no - 1)),
        next_url: (page_no < pages).then(|| link(page_no + 1)),
        file_url: unit
            .as_ref()
            .filter(|_| open)
            .map(|u| format!("/feedback/{u}{}", lang_suffix(lang))),
        print_url: unit
            .as_ref()
            .map(|u| format!("/units/{u}/feedback/print{}", lang_suffix(lang))),
    }
}

/// `GET /units/{unit}/feedback`
pub async fn unit_replies(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    public_list(state, req, Some(path.into_inner())).await
}

/// `GET /feedback`
pub async fn all_replies(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    public_list(state, req, None).await
}

#[derive(Template)]
#[template(path = "feedback_print.html")]
struct PrintSheet {
    lang: &'static str,
    t: Tr,
    unit_name: String,
    today: String,
    items: Vec<PublicView>,
    qr_svg: String,
    url: String,
    replies_url: String,
    demo: bool,
}

/// The desk sheet holds the latest replies that fit one A4 page with the QR code, whatever
/// the texts' length: questions and replies are shortened (the full texts are online), and
/// items are taken while their estimated lines fit (about 100 characters a line at 10.5 pt;
/// an item's heading, dates and rule count as three; 26 such lines measured to leave room
/// for the heading and the QR code).
const SHEET_ITEMS: i64 = 8;
const SHEET_QUESTION: usize = 200;
const SHEET_REPLY: usize = 360;
const SHEET_LINES: usize = 26;

fn lines_of(text: &str) -> usize {
    text.chars().count().div_ceil(100).max(1)
}

fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    // At a word's end when there is one near.
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut} …")
}

/// `GET /units/{unit}/feedback/print`: the latest replies on an A4 sheet to post at the desk.
/// The items that fit the sheet: texts shortened, taken while the line budget lasts.
fn sheet_items(lang: Lang, items: Vec<PublicItem>) -> Vec<PublicView> {
    let mut used = 0;
    items
        .into_iter()
        .map(|i| {
            let mut v = view(lang, i);
            v.question = v.question.map(|q| shortened(&q, SHEET_QUESTION));
            v.reply = shortened(&v.reply, SHEET_REPLY);
            v
        })
        .take_while(|v| {
            used += 3 + v.question.as_deref().map_or(0, lines_of) + lines_of(&v.reply);
            used <= SHEET_LINES
        })
        .collect()
}

pub async fn print_sheet(
    state: web::Data<AppState>,
    path: web::Path<String>,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let code = path.into_inner();
    let c = code.clone();
    let (items, unit) = run(&state, move |s| -> Result<_, FeedbackError> {
        let (items, _) = service::published(&s.store, Some(&c), 1, SHEET_ITEMS)?;
        let unit = crate::service::units::cached(&s.store, &c)?
            .ok_or_else(|| FeedbackError::UnknownUnit(c.clone()))?;
        Ok((items, unit))
    })
    .await?;
    let url = format!("{}/feedback/{code}", state.public_url);
    let page = PrintSheet {
        lang: lang.code(),
        t: Tr(lang),
        unit_name: unit.display_name(lang).to_string(),
        today: day(local_date(Utc::now())),
        items: sheet_items(lang, items),
        replies_url: format!("{}/units/{code}/feedback", state.public_url),
        qr_svg: qr::inline_svg(&url, 200, tr(lang, "feedback.sheet_scan"))?,
        url,
        demo: state.demo,
    };
    render(StatusCode::OK, &page)
}
