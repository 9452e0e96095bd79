//! The Atom feed (`/feed.xml`): an entry per publication and revision, the release
//! calendar's coming dates, and the actions done ("Đã nghe – đã làm"); kept ready like the
//! other public pages (issue 38).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::domain::lang::Lang;
use crate::render::numbers;
use crate::service::public::{self, Published};
use crate::texts::tr;
use crate::web::cache::{self, Made};
use crate::web::errors::PageError;
use crate::web::site::{daily_key, period_name, read_public};
use crate::web::{lang_suffix, run, AppState};

pub struct FeedEntry {
    id: String,
    title: String,
    url: String,
    csv: String,
    at: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "feed.xml")]
struct Feed {
    lang: &'static str,
    base: String,
    self_url: String,
    title: String,
    subtitle: &'static str,
    updated: String,
    entries: Vec<FeedEntry>,
}

fn rfc3339(at: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn feed_entry(base: &str, lang: Lang, p: &Published, r: &public::Revision) -> FeedEntry {
    let url = format!("{base}/reports/{}?revision={}", p.period.label, r.revision);
    let mut summary = match &r.headline {
        Some(h) => format!(
            "{}: {} · {}",
            tr(lang, "site.sipas"),
            numbers::percent(h.sipas_pct, lang),
            tr(lang, "site.responses_n").replace("{n}", &numbers::count(h.responses, lang))
        ),
        None => String::new(),
    };
    if !r.reason.is_empty() {
        summary = format!("{summary} — {}", r.reason);
    }
    FeedEntry {
        id: url.clone(),
        title: format!(
            "{} ({}), {}",
            period_name(&p.period, lang),
            p.period.label,
            tr(lang, "site.revision_n").replace("{n}", &r.revision.to_string())
        ),
        url: format!("{url}{}", if lang == Lang::En { "&lang=en" } else { "" }),
        csv: format!(
            "{base}/open/indices.csv?period={}&revision={}",
            p.period.label, r.revision
        ),
        at: rfc3339(r.published_at),
        summary,
    }
}

/// The calendar's announcements: an entry per release still to come, dated the day its
/// period ended (when its date became known).
fn calendar_entries(
    base: &str,
    lang: Lang,
    releases: &[crate::service::calendar::Release],
) -> Vec<(NaiveDateTime, FeedEntry)> {
    let upcoming = releases
        .iter()
        .filter(|r| matches!(r.state, crate::service::calendar::ReleaseState::Upcoming(_)));
    upcoming
        .map(|r| {
            let at = r.period.end.and_hms_opt(0, 0, 0).unwrap_or_default();
            let title = tr(lang, "calendar.feed_title")
                .replace("{period}", &period_name(&r.period, lang))
                .replace("{due}", &r.due_on.format("%d/%m/%Y").to_string());
            let entry = FeedEntry {
                id: format!("urn:hailong:release:{}:{}", r.period.label, r.due_on),
                summary: title.clone(),
                title,
                url: format!("{base}/reports{}", lang_suffix(lang)),
                csv: String::new(),
                at: rfc3339(at),
            };
            (at, entry)
        })
        .collect()
}

/// "Đã nghe – đã làm" in the feed: an entry per published action done, dated the day it was
/// done, pointing at its unit's page.
fn action_entries(
    state: &AppState,
    base: &str,
    lang: Lang,
    units: &[crate::domain::unit::Unit],
    done: &[crate::service::actions::PublicAction],
) -> Vec<(NaiveDateTime, FeedEntry)> {
    let views = crate::web::actions_view::done_view(state, lang, units, done);
    done.iter()
        .zip(views)
        .map(|(a, (v, url))| {
            let day = a.row.done_on.unwrap_or(a.row.due_on);
            let at = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            let title = tr(lang, "actions.feed_title")
                .replace("{unit}", &v.unit)
                .replace("{what}", &v.what);
            let mut summary = format!("{}: {}", tr(lang, "actions.target"), v.target);
            for extra in [&v.note, v.change.as_ref().unwrap_or(&String::new())] {
                if !extra.is_empty() {
                    summary = format!("{summary} — {extra}");
                }
            }
            let entry = FeedEntry {
                id: format!("urn:hailong:action:{}:done", a.row.id),
                title,
                url: format!("{base}{url}"),
                csv: String::new(),
                at: rfc3339(at),
                summary,
            };
            (at, entry)
        })
        .collect()
}

/// `GET /feed.xml`: an Atom entry per publication and per revision, newest first; the
/// calendar's coming releases; and the latest actions done.
pub async fn feed(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let key = daily_key("feed", lang);
    cache::serve(&state, &req, key, || feed_body(&state, lang)).await
}

async fn feed_body(state: &web::Data<AppState>, lang: Lang) -> Result<Made, PageError> {
    let (found, releases) = read_public(state, lang).await?;
    let done = run(state, |s| {
        crate::service::actions::public(&s.store, s.scheme, None, 20)
    })
    .await?;
    let base = state.public_url.trim_end_matches('/').to_string();
    let mut entries: Vec<(NaiveDateTime, FeedEntry)> = found
        .list
        .iter()
        .flat_map(|p| p.revisions.iter().map(move |r| (p, r)))
        .map(|(p, r)| (r.published_at, feed_entry(&base, lang, p, r)))
        .collect();
    entries.extend(calendar_entries(&base, lang, &releases));
    entries.extend(action_entries(state, &base, lang, &found.units, &done));
    entries.sort_by_key(|e| std::cmp::Reverse(e.0));
    let updated = entries
        .first()
        .map(|e| e.1.at.clone())
        .unwrap_or_else(|| rfc3339(Utc::now().naive_utc()));
    let body = Feed {
        lang: lang.code(),
        self_url: format!("{base}/feed.xml{}", lang_suffix(lang)),
        base,
        title: format!("{} – {}", tr(lang, "site.title"), found.org),
        subtitle: tr(lang, "site.description"),
        updated,
        entries: entries.into_iter().map(|e| e.1).collect(),
    }
    .render()?;
    Ok(Made {
        content_type: "application/atom+xml; charset=utf-8",
        ..Made::html(body)
    })
}
