//! The public face: the front page, the list of published reports, the units' directory,
//! how the figures are computed, open data (the table frozen with each publication), the
//! Atom feed of publications, `robots.txt`, and the tracking-code box. Everything here is
//! published data or public addresses; nothing is computed live for the public.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::domain::lang::Lang;
use crate::domain::local_offset;
use crate::domain::period::Period;
use crate::domain::ticket::TicketCode;
use crate::domain::unit::Unit;
use crate::render::numbers;
use crate::service::public::{self, Published};
use crate::texts::{tr, Tr};
use crate::web::cache::{self, Made};
use crate::web::errors::PageError;
use crate::web::pages::{PageMeta, Place};
use crate::web::{lang_suffix, run, within_limit, AppState};

/// Above this many units the front page links to the directory instead of listing them
/// (Ho Chi Minh City's 168 would not fit the 30 KB a citizen's page may weigh).
const UNITS_ON_FRONT: usize = 40;

pub use crate::render::period_name;

/// A publication's local day, `dd/mm/yyyy`.
fn day_of(at: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)
        .with_timezone(&local_offset())
        .format("%d/%m/%Y")
        .to_string()
}

fn revision_line(lang: Lang, r: Option<&public::Revision>) -> String {
    let Some(r) = r else {
        return String::new();
    };
    format!(
        "{}, {}",
        tr(lang, "site.published_on").replace("{day}", &day_of(r.published_at)),
        tr(lang, "site.revision_n").replace("{n}", &r.revision.to_string())
    )
}

/// The figures of the front page's headline, written out.
pub struct HeadlineView {
    label: String,
    period_name: String,
    published: String,
    sipas: Option<String>,
    interval: Option<String>,
    responses: String,
    participation: Option<String>,
    /// Desk ratings beside SIPAS: the satisfied share and "n ratings".
    desk: Option<(String, String)>,
    /// "Compared with …", the change, and whether it is significant.
    change: Option<(String, String, String)>,
    report_url: String,
    csv_url: String,
    json_url: String,
}

fn headline_view(
    lang: Lang,
    p: &Published,
    change: Option<crate::domain::report::Change>,
) -> HeadlineView {
    let latest = p.latest();
    let h = latest.and_then(|r| r.headline.clone()).unwrap_or_default();
    let interval = match (h.ci_low, h.ci_high) {
        (Some(lo), Some(hi)) => Some(format!(
            "{}–{}",
            numbers::percent(Some(lo), lang),
            numbers::percent(Some(hi), lang)
        )),
        _ => None,
    };
    HeadlineView {
        label: p.period.label.clone(),
        period_name: period_name(&p.period, lang),
        published: revision_line(lang, latest),
        sipas: h.sipas_pct.map(|x| numbers::percent(Some(x), lang)),
        interval,
        responses: tr(lang, "site.responses_n").replace("{n}", &numbers::count(h.responses, lang)),
        participation: h.participation_pct.map(|x| numbers::percent(Some(x), lang)),
        desk: h.desk_pct.filter(|_| h.desk_n > 0).map(|x| {
            let n = numbers::count(h.desk_n, lang);
            (
                numbers::percent(Some(x), lang),
                tr(lang, "kiosks_staff.ratings_n").replace("{n}", &n),
            )
        }),
        change: change.map(|c| {
            let prev = Period::parse(&c.previous_label, p.period.scheme)
                .map(|q| period_name(&q, lang))
                .unwrap_or(c.previous_label.clone());
            let verdict = match c.significant {
                true => "site.significant",
                false => "site.not_significant",
            };
            (
                tr(lang, "site.change_from").replace("{period}", &prev),
                numbers::change(c.points, lang),
                format!("{} · {}", tr(lang, "site.points"), tr(lang, verdict)),
            )
        }),
        report_url: format!("/reports/{}{}", p.period.label, lang_suffix(lang)),
        csv_url: format!("/open/indices.csv?period={}", p.period.label),
        json_url: format!("/open/indices.json?period={}", p.period.label),
    }
}

/// A published period in the lists: its latest revision, and links to the earlier ones.
pub struct PeriodView {
    label: String,
    period_name: String,
    report_url: String,
    /// The latest revision's frozen data: `?period=…&revision=…`.
    data_query: String,
    published: String,
    /// (address, "revision n, published …", reason) of each revision, newest first, when
    /// there is more than one.
    earlier: Vec<(String, String, String)>,
}

/// Published periods by year (newest year first).
fn years_view(lang: Lang, list: &[Published]) -> Vec<(i32, Vec<PeriodView>)> {
    let mut years: Vec<(i32, Vec<PeriodView>)> = Vec::new();
    for p in list {
        let url = format!("/reports/{}", p.period.label);
        let sep = if lang == Lang::En { "&lang=en" } else { "" };
        let view = PeriodView {
            label: p.period.label.clone(),
            period_name: period_name(&p.period, lang),
            report_url: format!("{url}{}", lang_suffix(lang)),
            data_query: format!(
                "period={}&revision={}",
                p.period.label,
                p.latest().map_or(1, |r| r.revision)
            ),
            published: revision_line(lang, p.latest()),
            earlier: if p.revisions.len() > 1 {
                p.revisions
                    .iter()
                    .map(|r| {
                        (
                            format!("{url}?revision={}{sep}", r.revision),
                            revision_line(lang, Some(r)),
                            r.reason.clone(),
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            },
        };
        match years.iter_mut().find(|(y, _)| *y == p.period.year) {
            Some((_, v)) => v.push(view),
            None => years.push((p.period.year, vec![view])),
        }
    }
    years.sort_by_key(|y| std::cmp::Reverse(y.0));
    years
}

pub struct UnitView {
    name: String,
    survey: String,
    feedback: String,
    replies: String,
}

fn units_view(lang: Lang, units: &[Unit]) -> Vec<UnitView> {
    let s = lang_suffix(lang);
    units
        .iter()
        .map(|u| UnitView {
            name: u.display_name(lang).to_string(),
            survey: format!("/s/{}{s}", u.code),
            feedback: format!("/feedback/{}{s}", u.code),
            replies: format!("/units/{}/feedback{s}", u.code),
        })
        .collect()
}

/// The page's metadata for a public page listed by search engines.
fn public_meta(state: &AppState, lang: Lang, path: &str) -> PageMeta {
    let here = match path {
        "/" => Place::Home,
        "/reports" => Place::Reports,
        "/units" => Place::Units,
        "/methodology" => Place::Method,
        _ => Place::Other,
    };
    let mut page = PageMeta::public(lang, state.demo, here, &state.publishing);
    page.canonical = Some(format!("{}{path}{}", state.public_url, lang_suffix(lang)));
    page.description = Some(tr(lang, "site.description"));
    page.feed = true;
    page
}

/// What the public pages read: the published periods, the units, and the release calendar.
pub(crate) async fn read_public(
    state: &web::Data<AppState>,
    lang: Lang,
) -> Result<(public::Site, Vec<crate::service::calendar::Release>), PageError> {
    run(state, move |s| {
        let today = crate::domain::local_date(Utc::now());
        let site = public::site(&s.store, s.scheme, lang, today)?;
        let after = s.publishing.after_days;
        let calendar = crate::service::calendar::calendar(&s.store, s.scheme, after, today)?;
        Ok::<_, crate::store::StoreError>((site, calendar))
    })
    .await
}

#[derive(Template)]
#[template(path = "front.html")]
struct FrontPage {
    page: PageMeta,
    t: Tr,
    lang_en: bool,
    org: String,
    headline: Option<HeadlineView>,
    years: Vec<(i32, Vec<PeriodView>)>,
    /// The release calendar: period, date, where it stands.
    calendar: Vec<(String, String, String)>,
    /// The latest published actions done ("Đã nghe – đã làm") and where each unit's are.
    done: Vec<(crate::web::actions_view::ActionView, String)>,
    units: Vec<UnitView>,
    all_units_link: Option<(String, String)>,
    replies_url: String,
    reports_url: String,
    method_url: String,
}

/// Today, as the calendar's pages count it (part of their keys in the page cache).
pub(crate) fn today() -> chrono::NaiveDate {
    crate::domain::local_date(Utc::now())
}

/// The page cache's key of a page that shows the calendar ("còn N ngày"): kept per day.
pub(crate) fn daily_key(name: &str, lang: Lang) -> String {
    format!("{name}:{}:{}", lang.code(), today())
}

/// `GET /`: the latest published headline, every published report, the units, the box for
/// a tracking code, and where the figures come from. Rendered once per change (issue 38).
pub async fn front(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let key = daily_key("front", lang);
    cache::serve(&state, &req, key, || front_page(&state, lang)).await
}

async fn front_page(state: &web::Data<AppState>, lang: Lang) -> Result<Made, PageError> {
    let (found, releases) = read_public(state, lang).await?;
    let done = run(state, |s| {
        crate::service::actions::public(&s.store, s.scheme, None, 5)
    })
    .await?;
    let done = crate::web::actions_view::done_view(state, lang, &found.units, &done);
    let s = lang_suffix(lang);
    let many = found.units.len() > UNITS_ON_FRONT;
    let page = FrontPage {
        done,
        calendar: crate::web::release::calendar_view(lang, &releases),
        page: public_meta(state, lang, "/"),
        t: Tr(lang),
        lang_en: lang == Lang::En,
        headline: public::headline(&found.list).map(|(p, c)| headline_view(lang, p, c)),
        years: years_view(lang, &found.list),
        all_units_link: many.then(|| {
            let n = numbers::count(crate::domain::num::u64_of(found.units.len()), lang);
            (
                format!("/units{s}"),
                tr(lang, "site.all_units_n").replace("{n}", &n),
            )
        }),
        units: if many {
            Vec::new()
        } else {
            units_view(lang, &found.units)
        },
        org: found.org,
        replies_url: format!("/feedback{s}"),
        reports_url: format!("/reports{s}"),
        method_url: format!("/methodology{s}"),
    };
    Ok(Made::html(page.render()?))
}

#[derive(Template)]
#[template(path = "reports_list.html")]
struct ReportsPage {
    page: PageMeta,
    t: Tr,
    org: String,
    home_url: &'static str,
    years: Vec<(i32, Vec<PeriodView>)>,
    calendar: Vec<(String, String, String)>,
}

/// `GET /reports`: every published period and its revisions.
pub async fn reports(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let key = daily_key("reports", lang);
    cache::serve(&state, &req, key, || reports_page(&state, lang)).await
}

async fn reports_page(state: &web::Data<AppState>, lang: Lang) -> Result<Made, PageError> {
    let (found, releases) = read_public(state, lang).await?;
    let page = ReportsPage {
        calendar: crate::web::release::calendar_view(lang, &releases),
        page: public_meta(state, lang, "/reports"),
        t: Tr(lang),
        org: found.org,
        home_url: home_url(lang),
        years: years_view(lang, &found.list),
    };
    Ok(Made::html(page.render()?))
}

fn home_url(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "/",
        Lang::En => "/?lang=en",
    }
}

#[derive(Template)]
#[template(path = "units_list.html")]
struct UnitsPage {
    page: PageMeta,
    t: Tr,
    org: String,
    home_url: &'static str,
    units: Vec<UnitView>,
}

/// `GET /units`: every unit open today with its three public addresses.
pub async fn units(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let key = daily_key("units", lang);
    cache::serve(&state, &req, key, || units_page(&state, lang)).await
}

async fn units_page(state: &web::Data<AppState>, lang: Lang) -> Result<Made, PageError> {
    let (found, _) = read_public(state, lang).await?;
    let page = UnitsPage {
        page: public_meta(state, lang, "/units"),
        t: Tr(lang),
        org: found.org,
        home_url: home_url(lang),
        units: units_view(lang, &found.units),
    };
    Ok(Made::html(page.render()?))
}

#[derive(Template)]
#[template(path = "methodology.html")]
struct MethodPage {
    page: PageMeta,
    t: Tr,
    home_url: &'static str,
    /// Each questionnaire whose wording is still to be checked against its official text:
    /// title (id) and source.
    caveats: Vec<(String, String)>,
}

/// `GET /methodology`: how the figures are computed, in plain words.
pub async fn methodology(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let key = format!("method:{}", lang.code());
    cache::serve(&state, &req, key, || async { method_page(&state, lang) }).await
}

fn method_page(state: &AppState, lang: Lang) -> Result<Made, PageError> {
    let caveats = state
        .forms
        .all()
        .filter_map(|l| {
            let (source, _) = crate::render::report::source_caveat(l.form.source.as_deref()?)?;
            let title = format!("{} ({})", l.form.title.get(lang), l.form.id);
            Some((title, source.to_string()))
        })
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let page = MethodPage {
        page: public_meta(state, lang, "/methodology"),
        t: Tr(lang),
        home_url: home_url(lang),
        caveats,
    };
    Ok(Made::html(page.render()?))
}

#[derive(Debug, Deserialize)]
pub struct TrackQuery {
    #[serde(default)]
    code: String,
}

/// `GET /feedback/track?code=`: the front page's box; a code that reads is sent on to its
/// page, anything else gets a page that says what a code looks like and the way back.
pub async fn track_box(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    q: web::Query<TrackQuery>,
) -> Result<HttpResponse, PageError> {
    within_limit(&state, &state.ticket_limiter, &req, lang).await?;
    match TicketCode::parse(&q.code) {
        Ok(code) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/feedback/track/{}{}", code.as_str(), lang_suffix(lang)),
            ))
            .finish()),
        Err(_) => {
            let mut e = PageError::new(
                StatusCode::BAD_REQUEST,
                lang,
                tr(lang, "site.track_bad"),
                tr(lang, "site.track_bad_text"),
            );
            e.links = vec![(
                format!("{}#track", home_url(lang)),
                tr(lang, "site.back_home").into(),
            )];
            Err(e)
        }
    }
}

/// `GET /robots.txt`: the public pages are for everyone; staff pages, exports, the API, and
/// the addresses that carry a citizen's code are not for search engines.
pub async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(
            "User-agent: *\n\
             Disallow: /staff\n\
             Disallow: /login\n\
             Disallow: /exports\n\
             Disallow: /api\n\
             Disallow: /t/\n\
             Disallow: /feedback/track\n\
             Allow: /\n",
        )
}
