//! Dossier counts (hồ sơ trả kết quả) per unit and day, from the one-stop software: the
//! denominator of the participation rate. A file or request is taken whole or not at all;
//! re-importing a unit and day replaces its count.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::service::audit;
use crate::store::dossiers::{self, DossierCountRow};
use crate::store::{units, DbConnection, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierCount {
    pub unit_code: String,
    pub day: NaiveDate,
    pub dossiers: u32,
    /// Where it came from, for error messages: a CSV line or a JSON item number.
    pub line: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    #[error("line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error("the file has no header row unit_code,date,dossiers")]
    Header,
    #[error("nothing to import")]
    Empty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn check_one(
    unit_code: &str,
    date: &str,
    dossiers: &str,
    line: u64,
) -> Result<DossierCount, DossierError> {
    let bad = |reason: String| DossierError::Line { line, reason };
    let unit_code = unit_code.trim();
    if unit_code.is_empty() {
        return Err(bad("the unit_code is empty".into()));
    }
    let day = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .ok()
        .ok_or_else(|| bad(format!("\"{}\" is not a date like 2021-03-31", date.trim())))?;
    let dossiers: u32 = dossiers.trim().parse().ok().ok_or_else(|| {
        bad(format!(
            "\"{}\" is not a whole number of dossiers",
            dossiers.trim()
        ))
    })?;
    if dossiers > 1_000_000 {
        return Err(bad(format!(
            "{dossiers} dossiers in a day is not plausible"
        )));
    }
    Ok(DossierCount {
        unit_code: unit_code.to_string(),
        day,
        dossiers,
        line,
    })
}

/// Reads CSV with the header `unit_code,date,dossiers` (UTF-8, BOM allowed).
pub fn parse_csv(text: &str) -> Result<Vec<DossierCount>, DossierError> {
    let text = super::csv_input(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return Err(DossierError::Header);
    };
    let col = |n: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(n));
    let (Some(cu), Some(cd), Some(cn)) = (col("unit_code"), col("date"), col("dossiers")) else {
        return Err(DossierError::Header);
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| DossierError::Line {
            line: e.position().map(|p| p.line()).unwrap_or_default(),
            reason: e.to_string(),
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or_default();
        let get = |i: usize| record.get(i).unwrap_or("");
        out.push(check_one(get(cu), get(cd), get(cn), line)?);
    }
    Ok(out)
}

/// Stores counts in one transaction after checking every unit exists and no day repeats.
/// `scope`: a unit-scoped caller may import only its own unit.
pub fn import(
    store: &Store,
    counts: &[DossierCount],
    scope: Option<&str>,
) -> Result<usize, DossierError> {
    check(counts, scope)?;
    store.write(|conn| import_on(conn, counts))
}

/// No day twice, and only the caller's own unit when it is limited to one.
fn check(counts: &[DossierCount], scope: Option<&str>) -> Result<(), DossierError> {
    if counts.is_empty() {
        return Err(DossierError::Empty);
    }
    let mut seen = BTreeSet::new();
    for c in counts {
        if !seen.insert((c.unit_code.clone(), c.day)) {
            return Err(DossierError::Line {
                line: c.line,
                reason: format!("{} {} appears twice", c.unit_code, c.day),
            });
        }
        if scope.is_some_and(|s| s != c.unit_code) {
            return Err(DossierError::Line {
                line: c.line,
                reason: format!("this token may not import counts for {}", c.unit_code),
            });
        }
    }
    Ok(())
}

/// Parses and imports a dossier-count CSV for `actor` (limited to `scope` for an officer):
/// the counts and their audit entry in one transaction; a refused file is audited with its
/// reason, and nothing of it is kept.
pub fn import_csv_by(
    store: &Store,
    text: &str,
    scope: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<usize, DossierError> {
    let result = parse_csv(text).and_then(|counts| {
        check(&counts, scope)?;
        store.write(|conn| {
            let n = import_on(conn, &counts)?;
            audit::write(
                conn,
                now,
                actor,
                "dossiers.import",
                &format!("{n} counts"),
                "ok",
            )?;
            Ok(n)
        })
    });
    if let Err(e) = &result {
        if !matches!(e, DossierError::Store(_)) {
            audit::refused(store, now, actor, "dossiers.import", &e.to_string());
        }
    }
    result
}

fn import_on(conn: &mut DbConnection, counts: &[DossierCount]) -> Result<usize, DossierError> {
    {
        let known: BTreeSet<String> = units::list(conn)?
            .into_iter()
            .map(|u| u.code.to_string())
            .collect();
        for c in counts {
            if !known.contains(&c.unit_code) {
                return Err(DossierError::Line {
                    line: c.line,
                    reason: format!("there is no unit \"{}\"", c.unit_code),
                });
            }
            dossiers::replace(
                conn,
                &DossierCountRow {
                    unit_code: c.unit_code.clone(),
                    day: c.day,
                    dossiers: i32::try_from(c.dossiers).unwrap_or(i32::MAX),
                    synthetic: false,
                },
            )?;
        }
        Ok(counts.len())
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn a_bad_line_is_named_by_its_line_in_the_file_whatever_the_line_ends() {
        for nl in ["\n", "\r\n"] {
            let text = [
                "unit_code,date,dossiers",
                "tan-tao,2021-10-01,120",
                "tan-tao,2021-10-02,mười",
                "",
            ]
            .join(nl);
            match parse_csv(&text) {
                Err(DossierError::Line { line, .. }) => assert_eq!(line, 3, "{nl:?}"),
                other => panic!("{other:?}"),
            }
        }
    }
}
