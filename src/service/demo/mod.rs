//! The demo (SPEC §8), in both worlds: Bình Tân district in 2021 and 2025-H1 (the district
//! desk, the land-registration branch and ten wards), then from 1 July 2025 Ho Chi Minh City
//! with the five merged wards and their lineage, to 2026-Q3 — 19 units, with synthetic
//! tickets, dossier counts and about 45,000 responses drawn around a latent satisfaction.
//! Everything it writes is marked synthetic, and the database remembers that it holds demo
//! data.
//! The data is drawn from a fixed seed, so every demo database is the same.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::local_midnight_utc;
use crate::service::forms::{FormRegistry, DEFAULT_FORM};
use crate::store::dossiers;
use crate::store::responses;
use crate::store::tallies;
use crate::store::tickets;
use crate::store::units;
use crate::store::{meta, Store, StoreError};

pub use crate::store::meta::SYNTHETIC_KEY;
pub const SYNTHETIC_NOTE: &str = "Bình Tân 2021, 2025–2026 (demo)";

mod answers;
mod desk;
mod feedback;
mod world;

use answers::generate;
use world::{ymd, NEW_START, UNITS};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub units: usize,
    pub tickets: usize,
    pub dossier_days: usize,
    pub responses: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already holds units: the demo loads only into an empty database")]
    NotEmpty,
    #[error("the form {0} is missing")]
    NoForm(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Loads the demo district into an empty database, in one transaction.
pub fn load(
    store: &Store,
    forms: &FormRegistry,
    now: DateTime<Utc>,
) -> Result<DemoSummary, DemoError> {
    let form = forms
        .latest(DEFAULT_FORM)
        .ok_or_else(|| DemoError::NoForm(DEFAULT_FORM.into()))?;
    let data = generate(&form, now);
    let summary = DemoSummary {
        units: data.units.len(),
        tickets: data.tickets.len(),
        dossier_days: data.dossiers.len(),
        responses: data.responses.len(),
    };
    store.write(|c| -> Result<(), DemoError> {
        if units::count(c)? > 0 {
            return Err(DemoError::NotEmpty);
        }
        for u in &data.units {
            units::upsert(c, u)?;
        }
        tickets::insert(c, &data.tickets)?;
        dossiers::insert_new(c, &data.dossiers)?;
        responses::insert(c, &data.responses)?;
        tallies::insert_all(c, &data.tallies)?;
        for t in &data.invitations {
            let (route, outcome) = (t.route.as_str(), t.outcome.as_str());
            let n = i64::try_from(t.n).unwrap_or(i64::MAX);
            crate::store::invites::tally(c, &t.unit, t.day, route, outcome, n)?;
        }
        let wards = |new: bool| -> Vec<&str> {
            UNITS
                .iter()
                .filter(|u| u.parent.is_some() && !u.code.starts_with("vpdkdd"))
                .filter(|u| (u.from == NEW_START) == new)
                .map(|u| u.code)
                .collect()
        };
        let q = |year, quarters: &[u32]| -> Vec<(i32, u32, bool)> {
            quarters.iter().map(|&k| (year, k, false)).collect()
        };
        feedback::insert(c, 766, &wards(false), &q(2021, &[1, 2, 3, 4]))?;
        feedback::insert(c, 767, &wards(false), &q(2025, &[1, 2]))?;
        let mut later = q(2025, &[3, 4]);
        later.extend(q(2026, &[1, 2, 3]));
        later.push((2026, 4, true));
        feedback::insert(c, 768, &wards(true), &later)?;
        if let (Some(from), Some(to)) = (ymd(NEW_START), ymd(Some((2026, 9, 30)))) {
            desk::insert(c, &wards(true), from, to)?;
        }
        meta::set_setting(c, SYNTHETIC_KEY, SYNTHETIC_NOTE)?;
        Ok(())
    })?;
    Ok(summary)
}

/// The quarters the demo holds responses for.
const DEMO_QUARTERS: [(i32, u32); 11] = [
    (2021, 1),
    (2021, 2),
    (2021, 3),
    (2021, 4),
    (2025, 1),
    (2025, 2),
    (2025, 3),
    (2025, 4),
    (2026, 1),
    (2026, 2),
    (2026, 3),
];

/// Publishes the demo's quarters that have ended by `now`, all but the last one (an admin
/// can try publishing it), each dated two weeks after its end, so that a visitor sees the
/// public site at once. One of them is published again with a reason, so that the list
/// shows what a revision looks like. Returns the labels published.
pub fn publish_finished(
    store: &Store,
    src: crate::service::publish::Sources<'_>,
    scheme: crate::domain::period::Scheme,
    now: DateTime<Utc>,
) -> Result<Vec<String>, crate::service::publish::PublishError> {
    use crate::domain::period::Period;
    use crate::service::publish::publish;
    let at = |day: NaiveDate, days: i64| {
        local_midnight_utc(day + Duration::days(days)) + Duration::hours(9)
    };
    let mut finished: Vec<Period> = DEMO_QUARTERS
        .iter()
        .filter_map(|(y, q)| Period::parse(&format!("{y}-Q{q}"), scheme).ok())
        .filter(|p| at(p.end, 1) <= now)
        .collect();
    finished.pop();
    let mut done = Vec::new();
    for p in &finished {
        publish(store, src, p, "", "demo", at(p.end, 14).min(now))?;
        if p.label == "2025-Q2" {
            let reason = "Công bố lại để minh họa một lần công bố có lý do (dữ liệu trình diễn)";
            publish(store, src, p, reason, "demo", at(p.end, 40).min(now))?;
        }
        done.push(p.label.clone());
    }
    Ok(done)
}
