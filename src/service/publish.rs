//! Reports: rendering a period's report live, and publishing it. A publication freezes the
//! rendered pages (Vietnamese and English) as they were: late responses never move them.
//! Publishing again needs a reason and adds a revision; earlier ones stay readable.

use crate::service::feedback::FeedbackSettings;
pub use crate::store::publications::PublicationRow;
use crate::texts::tr;
use chrono::{DateTime, Utc};

use crate::domain::lang::Lang;
use crate::domain::local_offset;
use crate::domain::period::Period;
use crate::domain::report::Headline;
use crate::render::report::{self, Extras};
use crate::service::audit::write as audit;
use crate::service::forms::FormRegistry;
use crate::service::indices::IndicesError;
use crate::service::report::gather;
use crate::store::publications::{self, NewPublication};
use crate::store::{units, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("this period was published before: say why it is published again")]
    ReasonNeeded,
    #[error("{0}")]
    Render(String),
    #[error(transparent)]
    Indices(#[from] IndicesError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The name the report is about: the top-level units of the period (the district before
/// 1 July 2025, the province after).
pub fn district_name(store: &Store, lang: Lang, period: &Period) -> Result<String, StoreError> {
    Ok(district_name_of(&store.read(units::list)?, lang, period))
}

/// The name a report is about, from the units it covers (issue 37): a top unit without a desk
/// of its own is named by its desks, the most common kind counted and the rest as others — "5
/// phường và 1 đơn vị khác thuộc Thành phố Hồ Chí Minh" — not by the top unit alone, which would
/// claim figures for the whole city.
pub fn scope_name_of(
    all: &[crate::domain::unit::Unit],
    lang: Lang,
    period: &Period,
    with_desk: &[&str],
) -> String {
    let tops = tops_in(all, period);
    if let [top] = tops.as_slice() {
        let children: Vec<&crate::domain::unit::Unit> = all
            .iter()
            .filter(|u| {
                u.parent
                    .as_ref()
                    .is_some_and(|p| p.as_str() == top.code.as_str())
            })
            .filter(|u| open_in(u, period))
            .collect();
        // A unit's kind: the first word of its Vietnamese name ("Phường"), the last of its
        // English one ("Ward").
        let kind_of = |u: &crate::domain::unit::Unit| -> Option<String> {
            let name = u.display_name(lang);
            let word = match lang {
                Lang::Vi => name.split_whitespace().next(),
                Lang::En => name.split_whitespace().last(),
            };
            word.map(str::to_lowercase)
        };
        let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
        for k in children.iter().filter_map(|c| kind_of(c)) {
            *kinds.entry(k).or_default() += 1;
        }
        let most = kinds.iter().max_by_key(|(_, n)| **n);
        if let (false, Some((kind, n))) = (with_desk.contains(&top.code.as_str()), most) {
            let others = children.len() - n;
            let kind = match lang {
                Lang::En if *n > 1 => format!("{kind}s"),
                _ => kind.clone(),
            };
            let key = if others == 0 {
                "publish.scope"
            } else {
                "publish.scope_more"
            };
            return tr(lang, key)
                .replace("{n}", &n.to_string())
                .replace("{kind}", &kind)
                .replace("{others}", &others.to_string())
                .replace("{top}", top.display_name(lang));
        }
    }
    district_name_of(all, lang, period)
}

/// Whether a unit existed during some of the period.
fn open_in(u: &crate::domain::unit::Unit, period: &Period) -> bool {
    u.valid_from.is_none_or(|f| f <= period.end) && u.valid_to.is_none_or(|t| t >= period.start)
}

/// The top-level units of the period (no parent, no predecessors).
fn tops_in<'a>(
    all: &'a [crate::domain::unit::Unit],
    period: &Period,
) -> Vec<&'a crate::domain::unit::Unit> {
    all.iter()
        .filter(|u| u.parent.is_none() && u.predecessors.is_empty())
        .filter(|u| open_in(u, period))
        .collect()
}

/// The same, from a list of units already read.
pub fn district_name_of(all: &[crate::domain::unit::Unit], lang: Lang, period: &Period) -> String {
    let top: Vec<String> = tops_in(all, period)
        .into_iter()
        .map(|u| u.display_name(lang).to_string())
        .collect();
    match top.len() {
        0 => "Hailong".to_string(),
        1..=2 => top.join(" · "),
        _ => tr(lang, "publish.all_units").to_string(),
    }
}

/// What a report is made from besides the database: the forms, the feedback settings, the
/// comment topics' rules in use.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    pub forms: &'a FormRegistry,
    pub feedback: &'a FeedbackSettings,
    pub topics: &'a crate::domain::topics::Rules,
}

/// The report's scope, named from its units (`scope_name_of`).
fn scope_name(
    store: &Store,
    lang: Lang,
    period: &Period,
    data: &crate::domain::report::ReportData,
) -> Result<String, StoreError> {
    let with_desk: Vec<&str> = data
        .units
        .iter()
        .filter(|r| r.responses > 0 || r.tickets_issued > 0)
        .map(|r| r.unit_code.as_str())
        .collect();
    Ok(scope_name_of(
        &store.read(units::list)?,
        lang,
        period,
        &with_desk,
    ))
}

/// An officer's live preview: the report about their own unit alone, headed by its name.
pub fn render_live_for_unit(
    store: &Store,
    src: Sources<'_>,
    period: &Period,
    unit: &str,
    lang: Lang,
    extras: Extras,
) -> Result<String, PublishError> {
    let data = crate::service::report::gather_scoped(
        store,
        src.forms,
        src.feedback,
        src.topics,
        period,
        Some(unit),
    )?;
    let name = store
        .read(|c| units::get(c, unit))?
        .map(|u| u.display_name(lang).to_string())
        .unwrap_or_else(|| unit.to_string());
    report::render(&data, &name, lang, extras).map_err(|e| PublishError::Render(e.to_string()))
}

/// The report as it is now (for staff, the CLI, and publishing).
pub fn render_live(
    store: &Store,
    src: Sources<'_>,
    period: &Period,
    lang: Lang,
    extras: Extras,
) -> Result<String, PublishError> {
    let data = gather(store, src.forms, src.feedback, src.topics, period)?;
    let district = scope_name(store, lang, period, &data)?;
    report::render(&data, &district, lang, extras).map_err(|e| PublishError::Render(e.to_string()))
}

pub fn revisions(store: &Store, period: &Period) -> Result<Vec<PublicationRow>, StoreError> {
    store.read(|c| publications::revisions(c, &period.label, period.scheme.as_str()))
}

/// The report's "published on … (revision n) — reason" line.
fn published_line(lang: Lang, day: &str, revision: i32, reason: &str) -> String {
    let mut s = format!(
        "{} {day} ({} {revision}){}",
        tr(lang, "publish.published_on"),
        tr(lang, "publish.revision"),
        if reason.is_empty() {
            String::new()
        } else {
            format!(" — {reason}")
        }
    );
    if revision > 1 {
        s.push_str(tr(lang, "publish.earlier_revisions_remain"));
    }
    s
}

/// Publishes the period: renders both languages now and stores them as a new revision.
pub fn publish(
    store: &Store,
    src: Sources<'_>,
    period: &Period,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i32, PublishError> {
    let reason = reason.trim();
    let existing = revisions(store, period)?;
    if !existing.is_empty() && reason.is_empty() {
        return Err(PublishError::ReasonNeeded);
    }
    let revision = existing.first().map(|r| r.revision + 1).unwrap_or(1);
    let day = now
        .with_timezone(&local_offset())
        .format("%d/%m/%Y %H:%M")
        .to_string();
    // One gathering for both languages and the open data: what a reader sees in the report,
    // in either language, is exactly the table a journalist downloads.
    let data = gather(store, src.forms, src.feedback, src.topics, period)?;
    let page = |lang: Lang| -> Result<String, PublishError> {
        let extras = Extras {
            published: Some(published_line(lang, &day, revision, reason)),
            staff_html: None,
            self_url: format!("/reports/{}", period.label),
        };
        let district = scope_name(store, lang, period, &data)?;
        report::render(&data, &district, lang, extras)
            .map_err(|e| PublishError::Render(e.to_string()))
    };
    let (html_vi, html_en) = (page(Lang::Vi)?, page(Lang::En)?);
    let csv = crate::render::table::wide_csv(&data.table)
        .map_err(|e| PublishError::Render(e.to_string()))?;
    let table_csv = String::from_utf8(csv).map_err(|e| PublishError::Render(e.to_string()))?;
    let table_json = serde_json::to_string(&crate::render::table::json(&data.table))
        .map_err(|e| PublishError::Render(e.to_string()))?;
    let headline = serde_json::to_string(&Headline::of(&data))
        .map_err(|e| PublishError::Render(e.to_string()))?;
    store.write(|c| -> Result<(), PublishError> {
        publications::insert(
            c,
            NewPublication {
                label: &period.label,
                scheme: period.scheme.as_str(),
                revision,
                reason,
                at: now.naive_utc(),
                by: actor,
                html_vi: &html_vi,
                html_en: &html_en,
                table_csv: &table_csv,
                table_json: &table_json,
                headline: &headline,
            },
        )?;
        audit(
            c,
            now,
            actor,
            "report.publish",
            &format!("{} revision {revision}", period.label),
            "ok",
        )?;
        Ok(())
    })?;
    // Every node's public pages kept ready are made again (issue 38).
    store.forget("public");
    Ok(revision)
}
