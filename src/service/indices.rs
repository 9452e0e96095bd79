//! The index table of SPEC §6 for a period: one row per unit valid in the period (one per
//! form version when a unit's responses span several), and a TOTAL row per form version
//! computed from all the period's responses pooled, never as a mean of unit rows.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::domain::form::Form;
use crate::domain::index::{self, Indices, Tally};
use crate::domain::period::Period;
use crate::domain::unit::Unit;
use crate::service::demo;
use crate::service::forms::FormRegistry;
use crate::store::schema::{dossier_counts, tickets};
use crate::store::{tallies, units, DbConnection, Store, StoreError};

pub const TOTAL: &str = "TOTAL";
pub const SMALL_SAMPLE: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denominator {
    Dossiers,
    Tickets,
    None,
}

impl Denominator {
    pub fn as_str(self) -> &'static str {
        match self {
            Denominator::Dossiers => "dossiers",
            Denominator::Tickets => "tickets",
            Denominator::None => "",
        }
    }
}

#[derive(Debug, Clone)]
pub struct IndexRow {
    pub unit_code: String,
    pub unit_name: String,
    pub form_id: String,
    pub form_version: u32,
    /// Responses of the unit in the period, over all its form versions.
    pub responses: u64,
    pub ticket_responses: u64,
    pub tickets_issued: u64,
    pub dossiers: Option<u64>,
    pub participation: Option<f64>,
    pub denominator: Denominator,
    pub indices: Indices,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct IndexTable {
    pub period: Period,
    /// Component codes across the forms of the table, in form order: the `{component}_pct` columns.
    pub components: Vec<String>,
    pub rows: Vec<IndexRow>,
    pub synthetic: bool,
}

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

fn tickets_by_unit(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<String, u64>, StoreError> {
    let rows: Vec<(String, i64)> = tickets::table
        .filter(tickets::issued_date.ge(from))
        .filter(tickets::issued_date.le(to))
        .group_by(tickets::unit_code)
        .select((tickets::unit_code, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(u, n)| (u, n.max(0) as u64))
        .collect())
}

fn dossiers_by_unit(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<String, u64>, StoreError> {
    let rows: Vec<(String, i32)> = dossier_counts::table
        .filter(dossier_counts::day.ge(from))
        .filter(dossier_counts::day.le(to))
        .select((dossier_counts::unit_code, dossier_counts::dossiers))
        .load(conn)?;
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for (u, n) in rows {
        *out.entry(u).or_default() += n.max(0) as u64;
    }
    Ok(out)
}

fn participation(
    responses: u64,
    ticket_responses: u64,
    tickets: u64,
    dossiers: Option<u64>,
) -> (Option<f64>, Denominator) {
    match dossiers {
        Some(d) if d > 0 => (
            Some(100.0 * responses as f64 / d as f64),
            Denominator::Dossiers,
        ),
        Some(_) => (None, Denominator::Dossiers),
        None if tickets > 0 => (
            Some(100.0 * ticket_responses as f64 / tickets as f64),
            Denominator::Tickets,
        ),
        None => (None, Denominator::None),
    }
}

/// The `flags` of a row (SPEC §6, METHODOLOGY §2): small sample, no denominator, mixed forms
/// (naming the row's form), synthetic demo data.
fn flags_for(
    responses: u64,
    denominator: Denominator,
    mixed: Option<&Form>,
    synthetic: bool,
) -> Vec<String> {
    let mut flags = Vec::new();
    if responses < SMALL_SAMPLE {
        flags.push("small_sample".to_string());
    }
    if denominator == Denominator::None {
        flags.push("no_denominator".to_string());
    }
    if let Some(form) = mixed {
        flags.push("mixed_forms".to_string());
        flags.push(format!("form={}@{}", form.id, form.version));
    }
    if synthetic {
        flags.push("synthetic".to_string());
    }
    flags
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
            tickets_by_unit(c, period.start, period.end)?,
            dossiers_by_unit(c, period.start, period.end)?,
        ))
    })?;
    let synthetic = demo::is_demo(store)?;
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

    let form_of = |id: &str, version: i32| -> Result<std::sync::Arc<Form>, IndicesError> {
        let v = u32::try_from(version).unwrap_or_default();
        forms
            .get(id, v)
            .ok_or_else(|| IndicesError::MissingForm(format!("{id}@{v}")))
    };
    let mut components: Vec<String> = Vec::new();
    let mut note_components = |form: &Form| {
        for c in &form.components {
            if !components.contains(&c.code) {
                components.push(c.code.clone());
            }
        }
    };
    let mut rows = Vec::new();
    let mut pooled: BTreeMap<(String, i32), Tally> = BTreeMap::new();
    let (mut all_responses, mut all_ticket_responses, mut all_tickets, mut all_dossiers) =
        (0u64, 0u64, 0u64, None::<u64>);
    for unit in &shown {
        let code = unit.code.as_str();
        let mut versions: Vec<((String, i32), &Tally)> = tallies
            .iter()
            .filter(|((u, _, _), _)| u == code)
            .map(|((_, f, v), t)| ((f.clone(), *v), t))
            .collect();
        let empty = Tally::default();
        if versions.is_empty() {
            let latest = forms
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
        let issued = tickets.get(code).copied().unwrap_or(0);
        let dossier_sum = dossiers.get(code).copied();
        all_responses += responses;
        all_ticket_responses += ticket_responses;
        all_tickets += issued;
        if let Some(d) = dossier_sum {
            all_dossiers = Some(all_dossiers.unwrap_or(0) + d);
        }
        let (pct, denominator) = participation(responses, ticket_responses, issued, dossier_sum);
        let mixed = versions.len() > 1;
        for ((form_id, version), tally) in versions {
            let form = form_of(&form_id, version)?;
            note_components(&form);
            pooled
                .entry((form_id.clone(), version))
                .or_default()
                .merge(tally);
            let flags = flags_for(responses, denominator, mixed.then_some(&*form), synthetic);
            rows.push(IndexRow {
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
            });
        }
    }
    if only_unit.is_none() {
        let (pct, denominator) = participation(
            all_responses,
            all_ticket_responses,
            all_tickets,
            all_dossiers,
        );
        let mixed = pooled.len() > 1;
        for ((form_id, version), tally) in &pooled {
            let form = form_of(form_id, *version)?;
            let flags = flags_for(
                tally.responses,
                denominator,
                mixed.then_some(&*form),
                synthetic,
            );
            rows.push(IndexRow {
                unit_code: TOTAL.into(),
                unit_name: TOTAL.into(),
                form_id: form.id.clone(),
                form_version: form.version,
                responses: tally.responses,
                ticket_responses: tally.ticket_responses,
                tickets_issued: all_tickets,
                dossiers: all_dossiers,
                participation: pct,
                denominator,
                indices: index::compute(&form, tally),
                flags,
            });
        }
    }
    Ok(IndexTable {
        period: period.clone(),
        components,
        rows,
        synthetic,
    })
}

/// Recomputes every tally from the stored responses (after an upgrade, or to check them).
pub fn recompute_tallies(
    store: &Store,
    forms: &FormRegistry,
) -> Result<BTreeMap<tallies::TallyKey, Tally>, IndicesError> {
    use crate::store::schema::responses::dsl as r;
    let mut out: BTreeMap<tallies::TallyKey, Tally> = BTreeMap::new();
    let mut last_id = 0i64;
    loop {
        type Row = (i64, String, String, i32, NaiveDate, bool, String);
        let batch: Vec<Row> = store.read(|c| {
            r::responses
                .filter(r::id.gt(last_id))
                .order(r::id)
                .limit(5000)
                .select((
                    r::id,
                    r::unit_code,
                    r::form_id,
                    r::form_version,
                    r::local_date,
                    r::via_ticket,
                    r::answers,
                ))
                .load(c)
                .map_err(StoreError::from)
        })?;
        let Some(last) = batch.last() else { break };
        last_id = last.0;
        for (_, unit, form_id, version, day, ticket, answers) in batch {
            let form = forms
                .get(&form_id, u32::try_from(version).unwrap_or_default())
                .ok_or_else(|| IndicesError::MissingForm(format!("{form_id}@{version}")))?;
            let values = crate::domain::form::Answers::from_json(&answers)
                .map_err(|e| StoreError::Corrupt(format!("answers: {e}")))?;
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
    }
    Ok(())
}
