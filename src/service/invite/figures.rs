//! The invitations' figures: per unit and route over a period, from the counts (there is no
//! row per invitation to count), and what waits in the outbox now.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::invite::{Counts, Outcome, Route};
use crate::store::invites;
use crate::store::{Store, StoreError};

/// One unit's invitations over a period, by route, and those waiting now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitInvitations {
    pub by_route: BTreeMap<Route, Counts>,
    /// In the outbox now (not yet sent, or to be tried again), by route.
    pub waiting: BTreeMap<Route, u64>,
}

impl UnitInvitations {
    /// The routes together.
    pub fn total(&self) -> Counts {
        let mut all = Counts::default();
        for c in self.by_route.values() {
            all.add_all(c);
        }
        all
    }
}

/// Every unit that had invitations in the days from `from` to `to`, or has some waiting.
pub fn by_unit(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<String, UnitInvitations>, StoreError> {
    let (rows, waiting) = store.read(|c| -> Result<_, StoreError> {
        Ok((invites::tallies_between(c, from, to)?, invites::waiting(c)?))
    })?;
    let mut units: BTreeMap<String, UnitInvitations> = BTreeMap::new();
    for (unit, _day, route, outcome, n) in rows {
        let (Some(route), Some(outcome)) = (Route::parse(&route), Outcome::parse(&outcome)) else {
            continue;
        };
        units
            .entry(unit)
            .or_default()
            .by_route
            .entry(route)
            .or_default()
            .add(outcome, n.unsigned_abs());
    }
    for (unit, route, n) in waiting {
        if let Some(route) = Route::parse(&route) {
            *units
                .entry(unit)
                .or_default()
                .waiting
                .entry(route)
                .or_default() += n.unsigned_abs();
        }
    }
    Ok(units)
}

/// The lines of the period: one per unit and route that had invitations or has some
/// waiting, units in code order; `only_unit` keeps one unit's.
pub fn lines(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    only_unit: Option<&str>,
) -> Result<Vec<crate::domain::invite::Line>, StoreError> {
    let mut out = Vec::new();
    for (unit, figures) in by_unit(store, from, to)? {
        if only_unit.is_some_and(|u| u != unit) {
            continue;
        }
        let routes: std::collections::BTreeSet<Route> = figures
            .by_route
            .keys()
            .chain(figures.waiting.keys())
            .copied()
            .collect();
        for route in routes {
            out.push(crate::domain::invite::Line {
                unit: unit.clone(),
                route,
                counts: figures.by_route.get(&route).cloned().unwrap_or_default(),
                waiting: figures.waiting.get(&route).copied().unwrap_or(0),
            });
        }
    }
    Ok(out)
}
