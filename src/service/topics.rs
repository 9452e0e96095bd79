//! Comment topics (SPEC §12): the comments of a period — survey answers (phone, paper, codes,
//! API) and the counters' tablets — tagged by the rules the service runs by on their masked text, counted
//! per unit. Nothing is stored: the counts are computed when asked.

use std::collections::BTreeMap;

use crate::domain::period::Period;
pub use crate::domain::topics::UnitTopics;
use crate::domain::topics::{Rules, DEFAULT_RULES, TOPICS};
use crate::store::{kiosks, responses, Store, StoreError};

/// The rules the service runs by: a file's (`--topics`), refused with its line, or the
/// shipped ones.
pub fn rules_of(file: Option<&std::path::Path>) -> Result<Rules, String> {
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--topics {}: {e}", path.display()))?;
            Rules::parse(&text).map_err(|e| format!("--topics {}: {e}", path.display()))
        }
        None => Rules::parse(DEFAULT_RULES).map_err(|e| format!("the shipped topic rules: {e}")),
    }
}

/// The units (of one, or all) with comments in the period, by code.
pub fn counts(
    store: &Store,
    rules: &Rules,
    period: &Period,
    unit: Option<&str>,
) -> Result<Vec<UnitTopics>, StoreError> {
    let (from, to) = (period.start, period.end);
    let mut all = store.read(|c| responses::comments_between(c, from, to, unit))?;
    all.extend(store.read(|c| kiosks::unit_comments_between(c, from, to, unit))?);
    let names: BTreeMap<String, String> = crate::service::units::list(store)?
        .into_iter()
        .map(|u| (u.code.to_string(), u.name))
        .collect();
    let mut by_unit: BTreeMap<String, UnitTopics> = BTreeMap::new();
    for (code, text) in all {
        let masked = crate::domain::privacy::mask(&text);
        if masked.trim().is_empty() {
            continue;
        }
        let entry = by_unit.entry(code.clone()).or_insert_with(|| UnitTopics {
            unit_name: names.get(&code).cloned().unwrap_or_default(),
            unit_code: code,
            comments: 0,
            tagged: TOPICS.iter().map(|t| (*t, 0)).collect(),
        });
        entry.comments += 1;
        for tag in rules.tag(&masked) {
            if let Some((_, n)) = entry.tagged.iter_mut().find(|(t, _)| *t == tag.topic) {
                *n += 1;
            }
        }
    }
    Ok(by_unit.into_values().collect())
}
