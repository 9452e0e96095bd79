//! The index table of SPEC §6 for a period: one row per unit valid in the period (one per
//! form version when a unit's responses span several), and a TOTAL row per form version
//! computed from all the period's responses pooled, never as a mean of unit rows.

use std::collections::BTreeMap;

use crate::domain::form::Form;
use crate::domain::index::{self, Tally};
use crate::domain::period::Period;
pub use crate::domain::table::rebuilt_from;
use crate::domain::table::{flags_for, participation, weight_totals};
pub use crate::domain::table::{Denominator, IndexRow, IndexTable, SMALL_SAMPLE, TOTAL};
use crate::domain::unit::Unit;
use crate::service::forms::FormRegistry;
use crate::store::{responses as response_store, tallies, units, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum IndicesError {
    #[error("there is no unit \"{0}\"")]
    UnknownUnit(String),
    #[error("responses were given on form {0}, which is not loaded: put its file back in the forms directory")]
    MissingForm(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn valid_in(unit: &Unit, period: &Period) -> bool {
    unit.valid_from.is_none_or(|f| f <= period.end)
        && unit.valid_to.is_none_or(|t| t >= period.start)
}

/// The table for a period, optionally for one unit (its row and no TOTAL).
pub fn table(
    store: &Store,
    forms: &FormRegistry,
    period: &Period,
    only_unit: Option<&str>,
) -> Result<IndexTable, IndicesError> {
    let (all_units, tallies, tickets, dossiers) = store.read(|c| -> Result<_, StoreError> {
        Ok((
            units::list(c)?,
            tallies::sum_range(c, period.start, period.end)?,
            crate::store::tickets::issued_by_unit(c, period.start, period.end)?,
            crate::store::dossiers::sum_by_unit(c, period.start, period.end)?,
        ))
    })?;
    let synthetic = store.read(crate::store::meta::is_demo)?;
    if let Some(u) = only_unit {
        if !all_units.iter().any(|x| x.code.as_str() == u) {
            return Err(IndicesError::UnknownUnit(u.to_string()));
        }
    }
    // Units valid in the period, and any unit that has responses in it all the same.
    let mut shown: Vec<&Unit> = all_units
        .iter()
        .filter(|u| valid_in(u, period) || tallies.keys().any(|(c, _, _)| c == u.code.as_str()))
        .filter(|u| only_unit.is_none_or(|o| o == u.code.as_str()))
        .collect();
    shown.sort_by_key(|u| (u.parent.is_some(), u.code.clone()));
    let mut b = Building {
        forms,
        synthetic,
        components: Vec::new(),
        rows: Vec::new(),
        pooled: BTreeMap::new(),
        all_tickets: 0,
        all_dossiers: None,
        counts: Vec::new(),
    };
    for unit in &shown {
        let code = unit.code.as_str();
        let issued = tickets.get(code).copied().unwrap_or(0);
        b.unit(unit, &tallies, issued, dossiers.get(code).copied())?;
    }
    if only_unit.is_none() {
        b.totals()?;
    }
    let Building {
        mut rows,
        components,
        ..
    } = b;
    for row in &mut rows {
        let ix = &row.indices.sipas;
        row.extras.pooled = ix.index.map(|v| (v, ix.ci.map(|c| (c.low, c.high))));
    }
    weight_totals(&mut rows);
    add_sources(store, period, &mut rows)?;
    Ok(IndexTable {
        period: period.clone(),
        components,
        rows,
        synthetic,
    })
}

/// The table being built: the rows so far, the tallies pooled per form version for the
/// totals, the counts of the participation rate, and every component seen.
struct Building<'a> {
    forms: &'a FormRegistry,
    synthetic: bool,
    components: Vec<String>,
    rows: Vec<IndexRow>,
    pooled: BTreeMap<(String, i32), Tally>,
    all_tickets: u64,
    all_dossiers: Option<u64>,
    counts: Vec<crate::domain::table::Counts>,
}

impl Building<'_> {
    fn form_of(&self, id: &str, version: i32) -> Result<std::sync::Arc<Form>, IndicesError> {
        let v = u32::try_from(version).unwrap_or_default();
        self.forms
            .get(id, v)
            .ok_or_else(|| IndicesError::MissingForm(format!("{id}@{v}")))
    }

    fn note_components(&mut self, form: &Form) {
        for c in &form.components {
            if !self.components.contains(&c.code) {
                self.components.push(c.code.clone());
            }
        }
    }

    /// A unit's rows, one per form version answered (its latest form when none was).
    fn unit(
        &mut self,
        unit: &Unit,
        tallies: &tallies::Summed,
        issued: u64,
        dossier_sum: Option<u64>,
    ) -> Result<(), IndicesError> {
        let code = unit.code.as_str();
        // The tallies are keyed by unit first: this unit's are one range of the map.
        let mut versions: Vec<((String, i32), &Tally)> = tallies
            .range((code.to_string(), String::new(), i32::MIN)..)
            .take_while(|((u, _, _), _)| u == code)
            .map(|((_, f, v), t)| ((f.clone(), *v), t))
            .collect();
        let empty = Tally::default();
        if versions.is_empty() {
            let latest = self
                .forms
                .latest(&unit.form_id)
                .ok_or_else(|| IndicesError::MissingForm(unit.form_id.clone()))?;
            versions.push((
                (
                    latest.id.clone(),
                    i32::try_from(latest.version).unwrap_or(1),
                ),
                &empty,
            ));
        }
        let responses: u64 = versions.iter().map(|(_, t)| t.responses).sum();
        let ticket_responses: u64 = versions.iter().map(|(_, t)| t.ticket_responses).sum();
        self.all_tickets += issued;
        if let Some(d) = dossier_sum {
            self.all_dossiers = Some(self.all_dossiers.unwrap_or(0) + d);
        }
        self.counts.push(crate::domain::table::Counts {
            responses,
            ticket_responses,
            tickets: issued,
            dossiers: dossier_sum,
        });
        let (pct, denominator) = participation(responses, ticket_responses, issued, dossier_sum);
        let mixed = versions.len() > 1;
        for ((form_id, version), tally) in versions {
            let form = self.form_of(&form_id, version)?;
            self.note_components(&form);
            self.pooled
                .entry((form_id.clone(), version))
                .or_default()
                .merge(tally);
            let flags = flags_for(
                responses,
                denominator,
                mixed.then_some(&*form),
                self.synthetic,
            );
            self.rows.push(IndexRow {
                unit_code: code.to_string(),
                unit_name: unit.name.clone(),
                form_id: form.id.clone(),
                form_version: form.version,
                responses,
                ticket_responses,
                tickets_issued: issued,
                dossiers: dossier_sum,
                participation: pct,
                denominator,
                indices: index::compute(&form, tally),
                flags,
                extras: Default::default(),
            });
        }
        Ok(())
    }

    /// The TOTAL rows, one per form version: the pooled tallies; participation over the
    /// covered units only, with their coverage (METHODOLOGY §3).
    fn totals(&mut self) -> Result<(), IndicesError> {
        let (pct, denominator, coverage) = crate::domain::table::total_participation(&self.counts);
        let mixed = self.pooled.len() > 1;
        for ((form_id, version), tally) in &self.pooled {
            let form = self.form_of(form_id, *version)?;
            let mut flags = flags_for(
                tally.responses,
                denominator,
                mixed.then_some(&*form),
                self.synthetic,
            );
            if let Some(c) = coverage {
                flags.push(format!("coverage={c:.2}%"));
            }
            self.rows.push(IndexRow {
                unit_code: TOTAL.into(),
                unit_name: TOTAL.into(),
                form_id: form.id.clone(),
                form_version: form.version,
                responses: tally.responses,
                ticket_responses: tally.ticket_responses,
                tickets_issued: self.all_tickets,
                dossiers: self.all_dossiers,
                participation: pct,
                denominator,
                indices: index::compute(&form, tally),
                flags,
                extras: Default::default(),
            });
        }
        Ok(())
    }
}

/// Each row's responses by source (poster, ticket, paper, API), counted as its `responses`
/// are: a unit's over all its form versions, a TOTAL row's over the units shown on its form.
fn add_sources(store: &Store, period: &Period, rows: &mut [IndexRow]) -> Result<(), StoreError> {
    let counts = store.read(|c| response_store::count_by_source(c, period.start, period.end))?;
    let shown: std::collections::BTreeSet<String> = rows
        .iter()
        .filter(|r| r.unit_code != TOTAL)
        .map(|r| r.unit_code.clone())
        .collect();
    let mut by_unit: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut by_form: BTreeMap<(String, u32), BTreeMap<String, u64>> = BTreeMap::new();
    for (unit, form, version, source, n) in counts.into_iter().filter(|c| shown.contains(&c.0)) {
        let n = u64::try_from(n).unwrap_or(0);
        *by_unit
            .entry(unit)
            .or_default()
            .entry(source.clone())
            .or_default() += n;
        let key = (form, u32::try_from(version).unwrap_or(0));
        *by_form.entry(key).or_default().entry(source).or_default() += n;
    }
    for row in rows.iter_mut() {
        row.extras.sources = if row.unit_code == TOTAL {
            by_form
                .get(&(row.form_id.clone(), row.form_version))
                .cloned()
        } else {
            by_unit.get(&row.unit_code).cloned()
        }
        .unwrap_or_default();
    }
    Ok(())
}

/// The table with the columns SPEC §9 added at its end: the previous period's SIPAS of each
/// unit (same unit, same form), the respondent-pooled SIPAS, and the feedback figures.
pub fn full_table(
    store: &Store,
    forms: &FormRegistry,
    period: &Period,
    only_unit: Option<&str>,
    feedback: &crate::service::feedback::FeedbackSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<IndexTable, IndicesError> {
    let mut t = table(store, forms, period, only_unit)?;
    let previous = match period.kind {
        crate::domain::period::Kind::Custom => None,
        _ => period.previous().ok(),
    };
    // Every unit of the previous period: a new unit's figure is rebuilt from its predecessors'.
    let before = match &previous {
        Some(p) => Some(table(store, forms, p, None)?),
        None => None,
    };
    let all_units = store.read(units::list)?;
    let (per_unit, total) =
        crate::service::feedback::figures(store, feedback, period, only_unit, now)?;
    let via =
        store.read(|c| response_store::via_predecessor_by_unit(c, period.start, period.end))?;
    // Lookups by code: a province has thousands of rows.
    let units_by_code: std::collections::HashMap<&str, &Unit> =
        all_units.iter().map(|u| (u.code.as_str(), u)).collect();
    let mut before_rows: std::collections::HashMap<(&str, &str), &IndexRow> =
        std::collections::HashMap::new();
    for r in before.iter().flat_map(|b| &b.rows) {
        before_rows
            .entry((r.unit_code.as_str(), r.form_id.as_str()))
            .or_insert(r);
    }
    for row in &mut t.rows {
        if let (Some(p), Some(b)) = (&previous, &before) {
            row.extras.prev_period = Some(p.label.clone());
            let own = before_rows
                .get(&(row.unit_code.as_str(), row.form_id.as_str()))
                .copied()
                .filter(|r| r.indices.responses > 0 || row.unit_code == TOTAL);
            let unit = units_by_code.get(row.unit_code.as_str()).copied();
            match (own, unit) {
                (Some(r), _) => {
                    let m = &r.indices.sipas;
                    row.extras.prev_sipas = m.index;
                    row.extras.prev_se = m.se;
                    row.extras.prev_ci = m.ci.map(|c| (c.low, c.high));
                }
                (None, Some(u)) if !u.predecessors.is_empty() => {
                    if let Some((index, se, ci)) = rebuilt_from(u, &row.form_id, b) {
                        row.extras.prev_sipas = Some(index);
                        row.extras.prev_se = se;
                        row.extras.prev_ci = ci.map(|c| (c.low, c.high));
                        row.flags.push("lineage".into());
                    }
                }
                _ => {}
            }
        }
        if row.unit_code != TOTAL && via.contains_key(&row.unit_code) {
            row.flags.push("via_predecessor".into());
        }
        row.extras.feedback = Some(if row.unit_code == TOTAL {
            total.clone()
        } else {
            per_unit.get(&row.unit_code).cloned().unwrap_or_default()
        });
    }
    add_invitations(store, period, &mut t)?;
    Ok(t)
}

/// SPEC §11's columns: invitations delivered and answered, dossiers returned and on time,
/// per unit; TOTAL sums the units of the table.
fn add_invitations(store: &Store, period: &Period, t: &mut IndexTable) -> Result<(), StoreError> {
    let invited = crate::service::invite::by_unit(store, period.start, period.end)?;
    let returned = crate::service::returned::timeliness(store, period.start, period.end)?;
    let mut total_invited: Option<crate::domain::invite::Counts> = None;
    let mut total_returned: Option<crate::domain::returned::Timeliness> = None;
    for row in t.rows.iter_mut().filter(|r| r.unit_code != TOTAL) {
        row.extras.invited = invited
            .get(&row.unit_code)
            .filter(|u| !u.by_route.is_empty())
            .map(|u| u.total());
        row.extras.returned = returned.get(&row.unit_code).copied();
        if let Some(c) = &row.extras.invited {
            total_invited
                .get_or_insert_with(Default::default)
                .add_all(c);
        }
        if let Some(r) = row.extras.returned {
            total_returned.get_or_insert_with(Default::default).add(r);
        }
    }
    if let Some(row) = t.rows.iter_mut().find(|r| r.unit_code == TOTAL) {
        row.extras.invited = total_invited;
        row.extras.returned = total_returned;
    }
    Ok(())
}

/// Responses per unit on one local day (the staff dashboard's "today").
pub fn responses_on(
    store: &Store,
    day: chrono::NaiveDate,
) -> Result<Vec<(String, i64)>, StoreError> {
    store.read(|c| response_store::count_by_unit_on(c, day))
}

/// Recomputes every tally from the stored responses (after an upgrade, or to check them).
pub fn recompute_tallies(
    store: &Store,
    forms: &FormRegistry,
) -> Result<BTreeMap<tallies::TallyKey, Tally>, IndicesError> {
    let mut out: BTreeMap<tallies::TallyKey, Tally> = BTreeMap::new();
    let mut last_id = 0i64;
    loop {
        let batch = store.read(|c| response_store::tally_batch(c, last_id, 5000))?;
        let Some(last) = batch.last() else { break };
        last_id = last.0;
        for (_, unit, form_id, version, day, ticket, answers) in batch {
            let form = forms
                .get(&form_id, u32::try_from(version).unwrap_or_default())
                .ok_or_else(|| IndicesError::MissingForm(format!("{form_id}@{version}")))?;
            let values = crate::domain::form::Answers::from_json(&answers)
                .map_err(|e| StoreError::corrupt("answers", e))?;
            out.entry(tallies::TallyKey {
                unit_code: unit,
                day,
                form_id,
                form_version: version,
            })
            .or_default()
            .add(&form, &values, ticket);
        }
    }
    Ok(out)
}

/// Replaces the stored tallies with a recomputation from the responses.
pub fn rebuild_tallies(store: &Store, forms: &FormRegistry) -> Result<usize, IndicesError> {
    let all = recompute_tallies(store, forms)?;
    store.write(|c| -> Result<(), IndicesError> {
        tallies::delete_all(c)?;
        tallies::insert_all(c, &all)?;
        Ok(())
    })?;
    Ok(all.len())
}

/// Databases from before the tallies existed: count their responses once.
pub fn ensure_tallies(store: &Store, forms: &FormRegistry) -> Result<(), IndicesError> {
    let (n_tallies, n_responses) = store.read(|c| -> Result<_, StoreError> {
        Ok((tallies::count(c)?, crate::store::responses::count(c)?))
    })?;
    if n_tallies == 0 && n_responses > 0 {
        let n = rebuild_tallies(store, forms)?;
        tracing::info!(
            tallies = n,
            responses = n_responses,
            "rebuilt the running tallies from the responses"
        );
    } else if n_tallies > 0 && store.read(tallies::months_count)? == 0 {
        let n = store.write(tallies::build_months)?;
        tracing::info!(months = n, "summed the daily tallies by month");
    }
    Ok(())
}
