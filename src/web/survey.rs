//! The citizen's pages: the form behind a poster (`/s/{unit}`) or a one-time code
//! (`/t/{code}`), the submission, and the thank-you page.

use crate::texts::tr;
use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header::{self, AcceptEncoding, Encoding, Header};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use uuid::Uuid;

use crate::domain::lang::Lang;
use crate::render::splice::Spliced;
use crate::service::submit::{self, Source, Submission, SubmitError, Target};
use crate::service::units;
use crate::web::errors::PageError;
use crate::web::pages::{self, FormInput, Kept};
use crate::web::{
    lang_of, lang_suffix, parse_urlencoded, read_body, render_page as render, within_limit,
    AppState, BodyError,
};

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    target: Target,
    action: String,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let st = state.clone();
    let resolved = web::block(move || {
        submit::resolve(
            &st.store,
            &st.forms,
            &target,
            None,
            st.grace_days,
            Utc::now(),
        )
    })
    .await??;
    let action = format!("{action}{}", lang_suffix(lang));
    if let Some(t) = resolved.ticket.as_ref().filter(|t| t.number_hash.is_some()) {
        return invitation_page(&resolved, lang, state.demo, &action, &t.code);
    }
    let submission_id = Uuid::new_v4().to_string();
    let key = PageKey::of(&resolved, lang, &action);
    let Some(spliced) = spliced_of(&state, &resolved, lang, key)? else {
        // A marker found twice (a unit named after it?): render this one in full.
        let page = form_page_with(&resolved, lang, state.demo, &action, &submission_id);
        return render(StatusCode::OK, &page);
    };
    let action = pages::escape(&action);
    Ok(spliced_response(
        &req,
        &spliced,
        &[action.as_str(), submission_id.as_str()],
    ))
}

/// The cached page of a form, made on first use; none when it cannot be cut at its markers.
fn spliced_of(
    state: &AppState,
    resolved: &submit::Resolved,
    lang: Lang,
    key: PageKey,
) -> Result<Option<Arc<Spliced>>, PageError> {
    if let Some(spliced) = state.form_pages.get(&key) {
        return Ok(Some(spliced));
    }
    let page = form_page_with(resolved, lang, state.demo, ACTION_MARK, ID_MARK);
    let body = page.render()?;
    Ok(Spliced::new(&body, &[ACTION_MARK, ID_MARK]).map(|s| state.form_pages.put(key, s)))
}

/// An invitation's form page offers "Không nhận tin nữa": rendered for it alone (not cached).
fn invitation_page(
    resolved: &submit::Resolved,
    lang: Lang,
    demo: bool,
    action: &str,
    code: &str,
) -> Result<HttpResponse, PageError> {
    let submission_id = Uuid::new_v4().to_string();
    let mut page = form_page_with(resolved, lang, demo, action, &submission_id);
    page.opt_out = Some(format!("/t/{code}/stop{}", lang_suffix(lang)));
    render(StatusCode::OK, &page)
}

/// A cached form page with this request's values put in, gzipped when the client takes it.
fn spliced_response(req: &HttpRequest, spliced: &Spliced, values: &[&str]) -> HttpResponse {
    let gzip = AcceptEncoding::parse(req)
        .ok()
        .and_then(|accept| accept.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        .is_some_and(|chosen| chosen == Encoding::gzip());
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, "Accept-Encoding"));
    if gzip {
        response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(spliced.gzip(values))
    } else {
        // The compression middleware negotiates again (it may still deflate for a client
        // that takes deflate but not gzip).
        response.body(spliced.plain(values))
    }
}

/// Markers where a form page's per-request values go (letters only: escaping keeps them).
const ACTION_MARK: &str = "HailongActionMark7q";
const ID_MARK: &str = "HailongSubmissionMark7q";

fn form_page_with(
    resolved: &submit::Resolved,
    lang: Lang,
    demo: bool,
    action: &str,
    submission_id: &str,
) -> pages::FormPage {
    pages::form_page(FormInput {
        form: &resolved.form,
        lang,
        demo,
        unit_name: resolved.unit.display_name(lang),
        unit_code: resolved.unit.code.as_str(),
        action: action.to_string(),
        submission_id: submission_id.to_string(),
        kept: &EMPTY,
        problems: None,
    })
}

static EMPTY: std::sync::LazyLock<Kept> = std::sync::LazyLock::new(Kept::new);

/// What makes one unit's form page differ from another's. A form's content is fixed under
/// its version (the version guard), so the version stands for the content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    form: String,
    version: u32,
    lang: &'static str,
    unit_name: String,
    unit_code: String,
    route: &'static str,
}

impl PageKey {
    /// The cached page of a resolved form, in a language, for a route (`/s/` or `/t/`).
    fn of(resolved: &submit::Resolved, lang: Lang, action: &str) -> PageKey {
        PageKey {
            form: resolved.form.id.clone(),
            version: resolved.form.version,
            lang: lang.code(),
            unit_name: resolved.unit.display_name(lang).to_string(),
            unit_code: resolved.unit.code.to_string(),
            route: if action.starts_with("/t/") { "t" } else { "s" },
        }
    }
}

/// Form pages rendered and compressed once per unit, form version and language.
#[derive(Default)]
pub struct FormPages {
    pages: std::sync::RwLock<HashMap<PageKey, Arc<Spliced>>>,
}

impl FormPages {
    /// Enough for every desk of a province in both languages; beyond it the cache restarts.
    const MAX: usize = 20_000;

    fn get(&self, key: &PageKey) -> Option<Arc<Spliced>> {
        self.pages.read().ok()?.get(key).cloned()
    }

    fn put(&self, key: PageKey, spliced: Spliced) -> Arc<Spliced> {
        let spliced = Arc::new(spliced);
        if let Ok(mut pages) = self.pages.write() {
            if pages.len() >= Self::MAX {
                pages.clear();
            }
            pages.insert(key, spliced.clone());
        }
        spliced
    }
}

pub async fn show_unit_form(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let unit = path.into_inner();
    let action = format!("/s/{unit}");
    show(state, req, Target::Unit(unit), action).await
}

pub async fn show_ticket_form(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let code = path.into_inner();
    within_limit(&state, &state.ticket_limiter, &req, lang_of(&req)).await?;
    let action = format!("/t/{code}");
    show(state, req, Target::Ticket(code), action).await
}

/// `POST /t/{code}/stop`: the number of this invitation's code asks for no more invitations.
pub async fn stop_invitations(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    within_limit(&state, &state.ticket_limiter, &req, lang).await?;
    let code = crate::domain::ticket::TicketCode::parse(&path.into_inner()).ok();
    let st = state.clone();
    let stopped = match code {
        Some(code) => {
            web::block(move || crate::service::invite::opt_out(&st.store, &code, Utc::now()))
                .await??
        }
        None => false,
    };
    let (status, heading, text) = if stopped {
        let t = "invite.the_number_is_kept_only_as";
        (StatusCode::OK, "invite.you_will_get_no_more", t)
    } else {
        let t = "invite.only_an_unused_invitation";
        (StatusCode::NOT_FOUND, "invite.this_code_cannot_stop", t)
    };
    let paragraphs = [tr(lang, text).to_string()];
    let heading = tr(lang, heading);
    Ok(pages::message(
        status,
        lang,
        state.demo,
        "",
        heading,
        &paragraphs,
        &[],
    ))
}

pub async fn submit_unit_form(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let unit = path.into_inner();
    let action = format!("/s/{unit}");
    take(
        state,
        req,
        payload,
        Target::Unit(unit),
        Source::Poster,
        action,
    )
    .await
}

pub async fn submit_ticket_form(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let code = path.into_inner();
    let action = format!("/t/{code}");
    take(
        state,
        req,
        payload,
        Target::Ticket(code),
        Source::Ticket,
        action,
    )
    .await
}

async fn take(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    target: Target,
    source: Source,
    action: String,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    // A desk's citizens share one address: the poster route's limit is generous. One-time
    // codes are unguessable and take one response each; their limit only slows guessers.
    let limiter = if source == Source::Poster {
        &state.submit_limiter
    } else {
        &state.ticket_limiter
    };
    within_limit(&state, limiter, &req, lang).await?;
    let (pairs, submission_id, form) = answer_fields(payload, lang, &state).await?;
    let value = |key: &str| crate::web::field_of(&pairs, key);
    let offer = crate::domain::feedback::offers_feedback(value("comment"), value("overall"));
    let submission = Submission {
        target,
        form,
        pairs: pairs.clone(),
        submission_id: submission_id.clone(),
        source,
        grace_days: state.grace_days,
    };
    match submit_now(&state, submission).await? {
        Ok(receipt) => Ok(to_thanks(&receipt, offer, lang)),
        Err(SubmitError::Invalid(invalid)) => {
            answers_again(&state, lang, &invalid, &pairs, submission_id, &action)
        }
        Err(e) => Err(e.into()),
    }
}

/// Stores a submission: inline by the group commit in the common case, on the blocking pool
/// otherwise (a ticket, a unit not in the memo, a repeat).
async fn submit_now(
    state: &web::Data<AppState>,
    submission: Submission,
) -> Result<Result<submit::Receipt, SubmitError>, PageError> {
    let now = Utc::now();
    Ok(
        match submit::submit_inline(&state.store, &state.forms, &submission, now).await {
            Some(done) => done,
            None => {
                let st = state.clone();
                web::block(move || submit::submit(&st.store, &st.forms, submission, now, false))
                    .await?
            }
        },
    )
}

/// A form post's answers, with the submission id and form version taken out (and the
/// language field dropped).
async fn answer_fields(
    payload: web::Payload,
    lang: Lang,
    state: &AppState,
) -> Result<(Vec<(String, String)>, Option<String>, Option<String>), PageError> {
    let body = read_body(payload).await.map_err(|e| match e {
        BodyError::TooLarge => PageError::too_large(lang),
        BodyError::Broken => PageError::bad_request(lang),
    })?;
    let mut pairs = parse_urlencoded(&body)
        .ok_or_else(|| PageError::bad_request(lang).with_demo(state.demo))?;
    let mut take_field = |key: &str| -> Option<String> {
        let pos = pairs.iter().position(|(k, _)| k == key)?;
        let value = pairs.remove(pos).1;
        pairs.retain(|(k, _)| k != key);
        Some(value)
    };
    let submission_id = take_field("submission_id");
    let form = take_field("form");
    take_field("lang");
    Ok((pairs, submission_id, form))
}

/// To the thank-you page; with the submission id when it offers to send the comment as
/// feedback.
fn to_thanks(receipt: &submit::Receipt, offer: bool, lang: Lang) -> HttpResponse {
    let to = if offer {
        let en = if lang == Lang::En { "&lang=en" } else { "" };
        format!(
            "/s/{}/thanks?r={}{en}",
            receipt.unit_code, receipt.submission_id
        )
    } else {
        format!("/s/{}/thanks{}", receipt.unit_code, lang_suffix(lang))
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The form again with what was answered and what is missing (422); keys no form of ours
/// sends are a broken or forged post, not a citizen's slip (400).
fn answers_again(
    state: &AppState,
    lang: Lang,
    invalid: &submit::InvalidSubmission,
    pairs: &[(String, String)],
    submission_id: Option<String>,
    action: &str,
) -> Result<HttpResponse, PageError> {
    let (problems, form, unit) = (&invalid.problems, &invalid.form, &invalid.unit);
    if !problems.unknown.is_empty() && problems.missing.is_empty() && problems.invalid.is_empty() {
        return Err(PageError::bad_request(lang).with_demo(state.demo));
    }
    let kept = pages::kept(pairs);
    let page = pages::form_page(FormInput {
        form,
        lang,
        demo: state.demo,
        unit_name: unit.display_name(lang),
        unit_code: unit.code.as_str(),
        action: format!("{action}{}", lang_suffix(lang)),
        submission_id: submission_id
            .filter(|s| Uuid::parse_str(s).is_ok())
            .unwrap_or_else(|| Uuid::new_v4().to_string()),
        kept: &kept,
        problems: Some(problems),
    });
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Template)]
#[template(path = "thanks.html")]
struct ThanksPage {
    page: pages::PageMeta,
    t: crate::texts::Tr,
    unit_name: String,
    heading: &'static str,
    paragraphs: Vec<String>,
    offer: Option<String>,
    action: String,
    feedback_url: String,
}

pub async fn thanks(
    state: web::Data<AppState>,
    path: web::Path<String>,
    lang: Lang,
    req: HttpRequest,
) -> HttpResponse {
    let code = path.into_inner();
    let unit = unit_just_read(&state, &code).await;
    let offer = crate::web::query_value(&req, "r")
        .and_then(|v| Uuid::parse_str(&v).ok())
        .map(|id| id.to_string());
    thanks_page(&state, lang, &code, unit, offer)
}

/// The unit a submission has just read: usually still in the memo, else read again.
async fn unit_just_read(
    state: &web::Data<AppState>,
    code: &str,
) -> Option<crate::domain::unit::Unit> {
    if let Some(unit) = units::remembered(&state.store, code) {
        return Some(unit);
    }
    let (st, code) = (state.clone(), code.to_string());
    web::block(move || units::cached(&st.store, &code))
        .await
        .ok()
        .and_then(Result::ok)
        .flatten()
}

/// The thank-you page: with the offer to send the comment as feedback when the survey was
/// offered it (`offer`, its submission id), else a plain message with a link to the
/// feedback form.
fn thanks_page(
    state: &AppState,
    lang: Lang,
    code: &str,
    unit: Option<crate::domain::unit::Unit>,
    offer: Option<String>,
) -> HttpResponse {
    let name = unit
        .as_ref()
        .map(|u| u.display_name(lang).to_string())
        .unwrap_or_default();
    let paragraphs = vec![
        tr(lang, "survey.your_answers_have_been_received").to_string(),
        pages::SLOGAN.to_string(),
    ];
    let feedback_link = (
        format!("/feedback/{code}{}", lang_suffix(lang)),
        tr(lang, "feedback.send_yours").to_string(),
    );
    if offer.is_none() || unit.is_none() {
        let links = if unit.is_some() {
            vec![feedback_link]
        } else {
            Vec::new()
        };
        let heading = tr(lang, "survey.thank_you");
        return pages::message(
            StatusCode::OK,
            lang,
            state.demo,
            &name,
            heading,
            &paragraphs,
            &links,
        );
    }
    let page = ThanksPage {
        page: pages::PageMeta::new(lang, state.demo),
        t: crate::texts::Tr(lang),
        unit_name: name,
        heading: tr(lang, "survey.thank_you"),
        paragraphs,
        offer,
        action: format!("/feedback/from-survey{}", lang_suffix(lang)),
        feedback_url: feedback_link.0,
    };
    match page.render() {
        Ok(body) => pages::html(StatusCode::OK, body),
        Err(e) => actix_web::ResponseError::error_response(&PageError::failed(&e)),
    }
}
