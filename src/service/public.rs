//! The public face: what has been published (periods, their revisions and frozen headlines),
//! the units a visitor can reach today, and the open data frozen with each revision. Only
//! published data leaves here; nothing is computed live for the public.

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::period::{Kind, Period, Scheme};
use crate::domain::report::{Change, Headline};
use crate::domain::unit::Unit;
pub use crate::store::publications::FrozenTable;
use crate::store::publications::{self, PublicationSummary};
use crate::store::{Store, StoreError};

/// One revision of a published period.
#[derive(Debug, Clone)]
pub struct Revision {
    pub revision: i32,
    pub reason: String,
    pub published_at: NaiveDateTime,
    /// None for a revision published before headlines were frozen.
    pub headline: Option<Headline>,
}

/// A published period with its revisions, newest first (never empty).
#[derive(Debug, Clone)]
pub struct Published {
    pub period: Period,
    pub revisions: Vec<Revision>,
}

impl Published {
    /// The newest revision (a published period always has one).
    pub fn latest(&self) -> Option<&Revision> {
        self.revisions.first()
    }
}

/// Every published period of the scheme, the latest period (by its last day) first; a year
/// or half-year after the quarters that end with it.
pub fn published(store: &Store, scheme: Scheme) -> Result<Vec<Published>, StoreError> {
    let rows = store.read(|c| publications::list_all(c, scheme.as_str()))?;
    Ok(group(rows, scheme))
}

fn group(rows: Vec<PublicationSummary>, scheme: Scheme) -> Vec<Published> {
    let mut out: Vec<Published> = Vec::new();
    for row in rows {
        // A label this version no longer reads (none today) is left out of the public list
        // rather than shown without its dates.
        let Ok(period) = Period::parse(&row.period_label, scheme) else {
            continue;
        };
        let revision = Revision {
            revision: row.revision,
            reason: row.reason,
            published_at: row.published_at,
            headline: serde_json::from_str(&row.headline).ok(),
        };
        match out.iter_mut().find(|p| p.period.label == period.label) {
            Some(p) => p.revisions.push(revision),
            None => out.push(Published {
                period,
                revisions: vec![revision],
            }),
        }
    }
    for p in &mut out {
        p.revisions.sort_by_key(|r| std::cmp::Reverse(r.revision));
    }
    out.sort_by(|a, b| {
        (b.period.end, span_rank(&a.period)).cmp(&(a.period.end, span_rank(&b.period)))
    });
    out
}

/// Shorter periods first among those ending on one day (2021-Q4 before 2021-H2 before 2021).
fn span_rank(p: &Period) -> i64 {
    p.days()
}

/// The headline of the front page: the latest published quarter (or, without quarters, the
/// latest published period), and its change from the previous period of the same kind
/// when that one is published too.
pub fn headline(list: &[Published]) -> Option<(&Published, Option<Change>)> {
    let latest = list
        .iter()
        .find(|p| matches!(p.period.kind, Kind::Quarter(_)))
        .or_else(|| list.first())?;
    let change = latest.period.previous().ok().and_then(|prev| {
        let before = list.iter().find(|p| p.period.label == prev.label)?;
        latest
            .latest()?
            .headline
            .as_ref()?
            .change_from(before.latest()?.headline.as_ref()?, &prev.label)
    });
    Some((latest, change))
}

/// The parents of units open on `today`.
fn parents_on(all: &[Unit], today: NaiveDate) -> std::collections::HashSet<&str> {
    all.iter()
        .filter(|c| c.is_valid_on(today))
        .filter_map(|c| c.parent.as_ref().map(|p| p.as_str()))
        .collect()
}

/// The units a visitor can reach on `today`: open, and with a desk of their own. A unit that
/// only groups others has no form to answer; a parent is listed when it has a desk too, known
/// by its answers or codes (`with_desk`, the report's rule; B7: a province's public-service
/// centre modelled as the parent of its communes used to disappear).
pub fn units_today(all: &[Unit], today: NaiveDate, with_desk: &[String]) -> Vec<Unit> {
    let parents = parents_on(all, today);
    let mut open: Vec<Unit> = all
        .iter()
        .filter(|u| {
            u.is_valid_on(today)
                && (!parents.contains(u.code.as_str())
                    || with_desk.iter().any(|c| c == u.code.as_str()))
        })
        .cloned()
        .collect();
    open.sort_by(|a, b| a.name.cmp(&b.name));
    open
}

/// What every public page reads: the published periods, the units open today, and the name
/// of the body the site speaks for (the units read once).
pub struct Site {
    pub list: Vec<Published>,
    pub units: Vec<Unit>,
    pub org: String,
}

pub fn site(
    store: &Store,
    scheme: Scheme,
    lang: crate::domain::lang::Lang,
    today: NaiveDate,
) -> Result<Site, StoreError> {
    let all = crate::service::units::list(store)?;
    let org = match Period::quarter_containing(today, scheme) {
        Ok(p) => crate::service::publish::district_name_of(&all, lang, &p),
        Err(_) => "Hailong".to_string(),
    };
    let parents: Vec<String> = parents_on(&all, today)
        .into_iter()
        .map(str::to_string)
        .collect();
    // Kept a few seconds in the memo: every public page reads it.
    let with_desk: Vec<String> = store.memo("parents_with_desk", &parents.join(","), |s| {
        s.read(|c| crate::store::tallies::with_desk(c, &parents))
    })?;
    Ok(Site {
        list: published(store, scheme)?,
        units: units_today(&all, today, &with_desk),
        org,
    })
}

/// The table frozen with a published revision (`revision`, else the latest), or none when
/// the period is not published (or has no such revision).
pub fn frozen_table(
    store: &Store,
    period: &Period,
    revision: Option<i32>,
) -> Result<Option<FrozenTable>, StoreError> {
    store.read(|c| publications::frozen_table(c, &period.label, period.scheme.as_str(), revision))
}

/// The setting under which `serve` keeps `--public-url` for the command line.
const PUBLIC_URL_SETTING: &str = "public_url";

/// Keeps the address citizens reach (`serve --public-url`), for the command line's printed codes.
pub fn remember_public_url(store: &Store, url: &str) -> Result<(), StoreError> {
    let url = url.trim_end_matches('/');
    store.write(|c| crate::store::meta::set_setting(c, PUBLIC_URL_SETTING, url))
}

/// The address `serve --public-url` kept, if any.
pub fn stored_public_url(store: &Store) -> Result<Option<String>, StoreError> {
    store.read(|c| crate::store::meta::setting(c, PUBLIC_URL_SETTING))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn row(label: &str, revision: i32, day: u32, sipas: Option<f64>) -> PublicationSummary {
        let h = Headline {
            sipas_pct: sipas,
            ci_low: None,
            ci_high: None,
            se: Some(1.0),
            responses: 400,
            participation_pct: Some(20.0),
            synthetic: true,
            desk_pct: None,
            desk_n: 0,
            form: None,
        };
        PublicationSummary {
            period_label: label.into(),
            scheme: "calendar".into(),
            revision,
            reason: String::new(),
            published_at: NaiveDate::from_ymd_opt(2026, 1, day)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            headline: serde_json::to_string(&h).unwrap(),
        }
    }

    #[test]
    fn periods_are_grouped_with_revisions_and_the_headline_compares_quarters() {
        let list = group(
            vec![
                row("2025-Q4", 2, 9, Some(84.0)),
                row("2025", 1, 8, Some(80.0)),
                row("2025-Q4", 1, 7, Some(83.0)),
                row("2025-Q3", 1, 6, Some(80.0)),
                row("2025-Q1", 1, 5, Some(70.0)),
            ],
            Scheme::Calendar,
        );
        let labels: Vec<&str> = list.iter().map(|p| p.period.label.as_str()).collect();
        assert_eq!(labels, ["2025-Q4", "2025", "2025-Q3", "2025-Q1"]);
        let revs: Vec<i32> = list[0].revisions.iter().map(|r| r.revision).collect();
        assert_eq!(revs, [2, 1]);
        let (latest, change) = headline(&list).unwrap();
        assert_eq!(latest.period.label, "2025-Q4");
        // The latest revision (84) against 2025-Q3's (80): +4 points, beyond 1.96·√2.
        let change = change.unwrap();
        assert_eq!(change.previous_label, "2025-Q3");
        assert!((change.points - 4.0).abs() < 1e-9 && change.significant);
        // No previous quarter published: no change.
        let alone = group(vec![row("2025-Q1", 1, 5, Some(70.0))], Scheme::Calendar);
        assert!(headline(&alone).unwrap().1.is_none());
    }

    #[test]
    fn a_parent_is_listed_only_with_a_desk_of_its_own() {
        let unit = |code: &str, parent: Option<&str>| Unit {
            code: crate::domain::unit::UnitCode::parse(code).unwrap(),
            name: code.to_string(),
            name_en: None,
            parent: parent.map(|p| crate::domain::unit::UnitCode::parse(p).unwrap()),
            form_id: "sipas-2017".into(),
            valid_from: None,
            valid_to: None,
            predecessors: Vec::new(),
        };
        let all = [unit("tinh", None), unit("xa-a", Some("tinh"))];
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let codes = |u: Vec<Unit>| {
            u.into_iter()
                .map(|u| u.code.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(units_today(&all, today, &[])), ["xa-a"]);
        assert_eq!(
            codes(units_today(&all, today, &["tinh".to_string()])),
            ["tinh", "xa-a"]
        );
    }
}
