//! `/reports/{period}`: staff see the live report (and admins the publishing form); anyone
//! sees the latest published revision, or one named with `?revision=N`.

use crate::texts::tr;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use crate::domain::lang::Lang;
use crate::domain::local_offset;
use crate::domain::period::Period;
use crate::render::report::Extras;
use crate::service::access::{self, Action, Caller};
use crate::service::publish::{self, PublishError};
use crate::web::auth::staff_of;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::{pages, query_value, run, AppState};

fn period_of(state: &AppState, raw: &str, lang: Lang) -> Result<Period, PageError> {
    Period::parse(raw, state.scheme).map_err(|e| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            lang,
            tr(lang, "report.not_a_valid_period"),
            &e.0,
        )
    })
}

pub async fn show(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let period = period_of(&state, &path.into_inner(), lang)?;
    let asked = query_value(&req, "revision");
    let signed_in = asked.is_none() && crate::web::cache::is_staff(&req);
    let staff = if signed_in {
        staff_of(&req).await?
    } else {
        None
    };
    let Some((staff, csrf)) = staff else {
        return public_report(&state, &req, lang, period, asked.as_deref()).await;
    };
    let p = period.clone();
    let revisions = run(&state, move |s| publish::revisions(&s.store, &p)).await?;
    let may_publish = access::role_may(staff.role, Action::Publish);
    let extras = Extras {
        published: None,
        staff_html: Some(staff_panel(
            lang,
            &period,
            &revisions,
            may_publish.then_some(&csrf),
        )),
        self_url: format!("/reports/{}", period.label),
    };
    // Officers preview their own unit only, as the API scopes them; leaders and the office
    // see every unit.
    let scope = access::unit_for(&Caller::Staff(staff.clone()), Action::ReadLiveReport, None)?;
    let body = live_report(&state, &period, scope, lang, extras).await?;
    Ok(staff_view(body))
}

/// A page for staff at an address that is public for everyone else: never kept, and a cache
/// must tell the two apart.
fn staff_view(body: String) -> HttpResponse {
    let mut page = pages::html(StatusCode::OK, body);
    page.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
    page
}

/// A revision asked for, or the public: the published page as it was frozen, kept ready
/// (issue 38).
async fn public_report(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    lang: Lang,
    period: Period,
    asked: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let n = asked.map(|n| n.parse::<i32>().unwrap_or(0));
    let which = n.map_or("latest".to_string(), |n| n.to_string());
    let key = format!("report:{}:{which}:{}", period.label, lang.code());
    crate::web::cache::serve(state, req, key, || published(state, lang, period, n)).await
}

/// The published page of revision `n` (else the latest), dressed.
async fn published(
    state: &web::Data<AppState>,
    lang: Lang,
    period: Period,
    n: Option<i32>,
) -> Result<crate::web::cache::Made, PageError> {
    let p = period.clone();
    let (revisions, release, pdf) = run(state, move |s| release_of(s, &p, n, lang)).await?;
    let shown = (&period, &revisions[..], n);
    let body = published_page(state, lang, shown, (Some(&release), pdf))?;
    Ok(crate::web::cache::Made::html(body))
}

/// A period's revisions, its release in the calendar, and whether the revision shown (`n`,
/// else the latest) has its PDF in `lang`.
fn release_of(
    s: &AppState,
    p: &Period,
    n: Option<i32>,
    lang: Lang,
) -> Result<
    (
        Vec<publish::PublicationRow>,
        crate::service::calendar::Release,
        bool,
    ),
    crate::store::StoreError,
> {
    let today = crate::domain::local_date(Utc::now());
    let release = crate::service::calendar::release_of(&s.store, &s.publishing, p, today)?;
    let revisions = publish::revisions(&s.store, p)?;
    let shown = revisions.iter().find(|r| n.is_none_or(|n| r.revision == n));
    let pdf = match shown {
        Some(r) => {
            let key = (p.label.as_str(), p.scheme.as_str(), r.revision);
            crate::service::pdf::has_pdf(&s.store, key, lang)?
        }
        None => false,
    };
    Ok((revisions, release, pdf))
}

/// The live report of a period (of one unit when `scope` says so), for staff.
async fn live_report(
    state: &web::Data<AppState>,
    period: &Period,
    scope: Option<String>,
    lang: Lang,
    extras: Extras,
) -> Result<String, PageError> {
    let (st, p) = (state.clone(), period.clone());
    let body = web::block(move || {
        let topics = st.topics.rules(&st.store)?;
        let src = publish::Sources {
            forms: &st.forms,
            feedback: &st.feedback,
            topics: &topics,
        };
        match scope {
            Some(unit) => publish::render_live_for_unit(&st.store, src, &p, &unit, lang, extras),
            None => publish::render_live(&st.store, src, &p, lang, extras),
        }
    })
    .await??;
    Ok(body)
}

/// `GET /reports/{period}/card.png?revision=N`: the link preview image of a published revision
/// (the latest when none is named), kept ready like the page.
pub async fn card(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let period = period_of(&state, &path.into_inner(), lang)?;
    let asked = query_value(&req, "revision").and_then(|n| n.parse::<i32>().ok());
    let key = format!("card:{}:{asked:?}:{}", period.label, lang.code());
    crate::web::cache::serve(&state, &req, key, || async {
        let st = state.clone();
        let png = run(&state, move |s| {
            let r = revision_row(s, &period, asked)?;
            Ok::<_, crate::store::StoreError>(
                r.map(|r| crate::web::release::card(&st, lang, &period, &r)),
            )
        })
        .await?;
        let png = png.ok_or_else(|| no_such_revision(lang))?;
        let png = png.map_err(|e| PageError::failed(&e))?;
        Ok(crate::web::cache::Made::file(png, "image/png"))
    })
    .await
}

/// The revision `asked` of a period (the latest when none is), if it was published.
fn revision_row(
    s: &AppState,
    period: &Period,
    asked: Option<i32>,
) -> Result<Option<publish::PublicationRow>, crate::store::StoreError> {
    let all = publish::revisions(&s.store, period)?;
    Ok(all
        .into_iter()
        .find(|r| asked.is_none_or(|n| r.revision == n)))
}

fn no_such_revision(lang: Lang) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        lang,
        tr(lang, "report.no_such_revision"),
        tr(lang, "report.see_the_list_of_revisions"),
    )
}

/// `GET /reports/{period}/report.pdf?revision=N`: a published revision's PDF (the latest when
/// none is named), when it was printed.
pub async fn pdf(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let period = period_of(&state, &path.into_inner(), lang)?;
    let asked = query_value(&req, "revision").and_then(|n| n.parse::<i32>().ok());
    let key = format!("pdf:{}:{asked:?}:{}", period.label, lang.code());
    crate::web::cache::serve(&state, &req, key, || async {
        let label = period.label.clone();
        let found = run(&state, move |s| {
            let Some(r) = revision_row(s, &period, asked)? else {
                return Ok(None);
            };
            let key = (period.label.as_str(), period.scheme.as_str(), r.revision);
            let file = crate::service::pdf::pdf_of(&s.store, key, lang)?;
            Ok::<_, crate::store::StoreError>(file.map(|f| (r.revision, f)))
        })
        .await?;
        let (revision, file) = found.ok_or_else(|| no_such_revision(lang))?;
        let name = format!("hailong-{label}-r{revision}-{}.pdf", lang.code());
        let mut made = crate::web::cache::Made::file(file, "application/pdf");
        made.headers = vec![(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        )];
        Ok(made)
    })
    .await
}

/// A published revision (`asked`, else the latest) in the page's language, or why not.
fn published_page(
    state: &AppState,
    lang: Lang,
    (period, revisions, asked): (&Period, &[publish::PublicationRow], Option<i32>),
    (release, pdf): (Option<&crate::service::calendar::Release>, bool),
) -> Result<String, PageError> {
    let pick = |r: &publish::PublicationRow| match lang {
        Lang::Vi => r.html_vi.clone(),
        Lang::En => r.html_en.clone(),
    };
    let (found, heading, text) = match asked {
        Some(n) => (
            revisions.iter().find(|r| r.revision == n),
            "report.no_such_revision",
            "report.see_the_list_of_revisions",
        ),
        None => (
            revisions.first(),
            "report.this_report_is_not_published_yet",
            "report.the_results_of_this_period_are",
        ),
    };
    match found {
        Some(r) => Ok(crate::web::release::dress(
            &pick(r),
            state,
            lang,
            period,
            (r, revisions),
            release,
            pdf,
        )),
        None => {
            let mut e = PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                tr(lang, heading),
                tr(lang, text),
            );
            let s = crate::web::lang_suffix(lang);
            e.links = vec![
                (format!("/reports{s}"), tr(lang, "site.all_reports").into()),
                (format!("/{s}"), tr(lang, "site.back_home").into()),
            ];
            Err(e)
        }
    }
}

/// What staff see above the live report: its revisions, and for whoever may publish (with
/// the session's CSRF token) the publishing form.
fn staff_panel(
    lang: Lang,
    period: &Period,
    revisions: &[publish::PublicationRow],
    publish_csrf: Option<&String>,
) -> String {
    let mut html = format!(
        "<p><b>{}</b></p><ul>",
        tr(lang, "report.live_preview_not_published")
    );
    for r in revisions {
        html.push_str(&format!(
            "<li><a href=\"/reports/{0}?revision={1}{4}\">{2} {1}</a> · {3}</li>",
            period.label,
            r.revision,
            tr(lang, "report.revision"),
            pages::escape(&format!(
                "{} · {} · {}",
                r.published_at
                    .and_utc()
                    .with_timezone(&local_offset())
                    .format("%d/%m/%Y %H:%M"),
                r.published_by,
                r.reason
            )),
            tr(lang, "report.amp_lang_en"),
        ));
    }
    if revisions.is_empty() {
        html.push_str(&format!("<li>{}</li>", tr(lang, "report.none_yet")));
    }
    html.push_str("</ul>");
    if let Some(csrf) = publish_csrf {
        html.push_str(&format!(
            "<form method=\"post\" action=\"/reports/{}/publish\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><label for=\"ly-do\">{}</label><br><input id=\"ly-do\" name=\"reason\" size=\"40\"> <button type=\"submit\">{}</button></form>",
            period.label,
            pages::escape(csrf),
            tr(lang, "report.reason_required_to_publish_again"),
            tr(lang, "report.publish"),
        ));
    }
    html
}

/// Publishes the period now; the PDF printer (when there is one) is told.
fn publish_now(st: &AppState, p: &Period, reason: &str, who: &str) -> Result<i32, PublishError> {
    let topics = st.topics.rules(&st.store)?;
    let src = publish::Sources {
        forms: &st.forms,
        feedback: &st.feedback,
        topics: &topics,
    };
    let revision = publish::publish(&st.store, src, p, reason, who, Utc::now())?;
    st.pdf_wake.notify_one();
    Ok(revision)
}

/// The publish form: why a period is published again (empty the first time).
#[derive(Debug, serde::Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn publish(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    session: StaffSession,
    form: CsrfForm<ReasonForm>,
) -> Result<HttpResponse, PageError> {
    let period = period_of(&state, &path.into_inner(), lang)?;
    if !access::role_may(session.staff.role, Action::Publish) {
        return Err(refused(
            StatusCode::FORBIDDEN,
            "report.not_allowed",
            "report.only_the_home_affairs_office",
        ));
    }
    let (st, p) = (state.clone(), period.clone());
    let (reason, who) = (form.form.reason, session.staff.username);
    let result = web::block(move || publish_now(&st, &p, &reason, &who)).await?;
    match result {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/reports/{}", period.label)))
            .finish()),
        Err(PublishError::ReasonNeeded) => Err(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "report.a_reason_is_needed",
            "report.this_period_was_published_before",
        )),
        Err(e) => Err(e.into()),
    }
}

/// A refusal of the publish form, in the request's language.
fn refused(status: StatusCode, heading: &'static str, text: &'static str) -> PageError {
    PageError::later(move |lang| PageError::new(status, lang, tr(lang, heading), tr(lang, text)))
}
