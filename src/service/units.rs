//! Importing and listing units. A units file is CSV with the header
//! `code,name,name_en,parent` and, optionally, `form,valid_from,valid_to,predecessors`.
//! Re-importing a code updates its names. A file is taken whole or not at all.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::unit::{check_lineage, check_shares, Predecessor, Unit, UnitCode};
use crate::service::audit;
use crate::service::forms::{FormRegistry, DEFAULT_FORM};
use crate::store::units::{self, UnitRow};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error("the file has no header row with code,name,name_en,parent")]
    Header,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: usize,
    pub updated: usize,
}

fn date(line: u64, label: &str, s: &str) -> Result<Option<NaiveDate>, ImportError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(Some)
        .ok()
        .ok_or_else(|| ImportError::Line {
            line,
            reason: format!("{label} \"{s}\" is not a date like 2025-07-01"),
        })
}

/// Parses a units CSV (UTF-8, with or without a byte-order mark) into units.
pub fn parse_csv(text: &str, forms: &FormRegistry) -> Result<Vec<Unit>, ImportError> {
    let text = super::csv_input(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return Err(ImportError::Header);
    };
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(c_code), Some(c_name)) = (col("code"), col("name")) else {
        return Err(ImportError::Header);
    };
    let (c_en, c_parent, c_form, c_from, c_to, c_pred) = (
        col("name_en"),
        col("parent"),
        col("form"),
        col("valid_from"),
        col("valid_to"),
        col("predecessors"),
    );
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::Line {
            line: e.position().map(|p| p.line()).unwrap_or_default(),
            reason: e.to_string(),
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or_default();
        let get = |c: Option<usize>| c.and_then(|i| record.get(i)).unwrap_or("").to_string();
        let bad = |reason: String| ImportError::Line { line, reason };
        if record.iter().any(|f| f.chars().any(char::is_control)) {
            return Err(bad(
                "a control character (such as a NUL byte) in a field".into()
            ));
        }
        let code = UnitCode::parse(&get(Some(c_code))).map_err(|e| bad(e.to_string()))?;
        if !seen.insert(code.clone()) {
            return Err(bad(format!("the unit {code} appears twice")));
        }
        let name = get(Some(c_name));
        if name.is_empty() {
            return Err(bad(format!("the unit {code} has no name")));
        }
        let optional = |s: String| if s.is_empty() { None } else { Some(s) };
        let parent = optional(get(c_parent))
            .map(|p| UnitCode::parse(&p))
            .transpose()
            .map_err(|e| bad(format!("parent: {e}")))?;
        let form_id = optional(get(c_form)).unwrap_or_else(|| DEFAULT_FORM.to_string());
        if forms.latest(&form_id).is_none() {
            return Err(bad(format!("there is no form \"{form_id}\"")));
        }
        let valid_from = date(line, "valid_from", &get(c_from))?;
        let valid_to = date(line, "valid_to", &get(c_to))?;
        if let (Some(f), Some(t)) = (valid_from, valid_to) {
            if t < f {
                return Err(bad("valid_to is before valid_from".into()));
            }
        }
        let predecessors =
            Predecessor::parse_list(&get(c_pred)).map_err(|e| bad(format!("predecessors: {e}")))?;
        if predecessors.iter().any(|p| p.code == code) {
            return Err(bad(format!(
                "the unit {code} names itself as a predecessor"
            )));
        }
        out.push(Unit {
            code,
            name,
            name_en: optional(get(c_en)),
            parent,
            form_id,
            valid_from,
            valid_to,
            predecessors,
        });
    }
    Ok(out)
}

/// Stores parsed units in one transaction. Parents must exist, in the file or the database.
pub fn import(
    store: &Store,
    list: &[Unit],
    synthetic: bool,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    let summary = store.write(|c| import_on(c, list, synthetic, now))?;
    store.forget("unit");
    Ok(summary)
}

/// Parses and imports a units CSV for `actor`: the import and its audit entry in one
/// transaction; a refused file is audited with its reason, and nothing of it is kept.
pub fn import_csv_by(
    store: &Store,
    forms: &FormRegistry,
    text: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    let result = parse_csv(text, forms).and_then(|list| {
        store.write(|c| {
            let summary = import_on(c, &list, false, now)?;
            let target = format!("{} added, {} updated", summary.added, summary.updated);
            audit::write(c, now, actor, "units.import", &target, "ok")?;
            Ok(summary)
        })
    });
    match &result {
        Ok(_) => store.forget("unit"),
        Err(ImportError::Store(_)) => {}
        Err(e) => audit::refused(store, now, actor, "units.import", &e.to_string()),
    }
    result
}

/// A unit by its code, as every submission and form page asks: from the store's short memo
/// (a unit changes by an import, which forgets it here; other processes within seconds).
pub fn cached(store: &Store, code: &str) -> Result<Option<Unit>, StoreError> {
    store.memo("unit", code, |s| s.read(|c| units::get(c, code)))
}

/// The unit if the memo holds it now, without touching the database (`None`: not in the
/// memo, or no such unit): for a request handler that must not block its worker.
pub fn remembered(store: &Store, code: &str) -> Option<Unit> {
    store.memo_peek::<Option<Unit>>("unit", code).flatten()
}

/// A unit and its parent unit (for a poster's heading).
pub fn with_parent(store: &Store, code: &str) -> Result<Option<(Unit, Option<Unit>)>, StoreError> {
    store.read(|c| {
        let Some(unit) = units::get(c, code)? else {
            return Ok(None);
        };
        let parent = match &unit.parent {
            Some(p) => units::get(c, p.as_str())?,
            None => None,
        };
        Ok(Some((unit, parent)))
    })
}

fn import_on(
    c: &mut crate::store::DbConnection,
    list: &[Unit],
    synthetic: bool,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    {
        let known: BTreeSet<String> = units::list(c)?
            .into_iter()
            .map(|u| u.code.to_string())
            .chain(list.iter().map(|u| u.code.to_string()))
            .collect();
        // Shares of each predecessor over its successors (in the file and already stored).
        let stored: Vec<Unit> = units::list(c)?
            .into_iter()
            .filter(|u| !list.iter().any(|n| n.code == u.code))
            .collect();
        let all: Vec<&Unit> = stored.iter().chain(list.iter()).collect();
        if let Err((pred, sum, i)) = check_shares(&all) {
            let line = crate::domain::num::u64_of(i.saturating_sub(stored.len())) + 2;
            return Err(ImportError::Line {
                line,
                reason: format!(
                    "the shares of {pred} over the units that succeed it add up to {sum:.3}, not 1 (name every successor with its share, e.g. {pred}:0.5 on each of two)"
                ),
            });
        }
        if let Err((i, reason)) = check_lineage(&all, stored.len()) {
            return Err(ImportError::Line {
                line: crate::domain::num::u64_of(i - stored.len()) + 2,
                reason,
            });
        }
        let mut summary = ImportSummary::default();
        for (i, u) in list.iter().enumerate() {
            if let Some(p) = &u.parent {
                if !known.contains(p.as_str()) {
                    return Err(ImportError::Line {
                        line: crate::domain::num::u64_of(i) + 2,
                        reason: format!("the parent unit {p} does not exist"),
                    });
                }
            }
            if units::upsert(c, &UnitRow::from_unit(u, synthetic, now.naive_utc()))? {
                summary.added += 1;
            } else {
                summary.updated += 1;
            }
        }
        Ok(summary)
    }
}

pub fn list(store: &Store) -> Result<Vec<Unit>, StoreError> {
    store.read(units::list)
}
