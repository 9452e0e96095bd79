//! Comment topics (SPEC §12): the comments of a period — survey answers (phone, paper, codes,
//! API) and the counters' tablets — tagged by the rules the service runs by on their masked text, counted
//! per unit. Nothing is stored but the rules: the counts are computed when asked.

mod edit;
mod section;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::domain::period::Period;
pub use crate::domain::topics::UnitTopics;
use crate::domain::topics::{Rules, DEFAULT_RULES, TOPICS};
pub use crate::store::topics::RulesVersion;
use crate::store::{kiosks, responses, topics as store_topics, Store, StoreError};
pub use edit::{fingerprint, preview, save, version, versions, Preview, TopicChange, TopicsError};
pub use section::section;

/// The text of the rules file (`--topics`), or the shipped rules'.
fn text_of(file: Option<&Path>) -> Result<String, String> {
    match file {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("--topics {}: {e}", path.display()))
        }
        None => Ok(DEFAULT_RULES.to_string()),
    }
}

/// Rules parsed from `text`, refused with the file's name and the line.
fn parse_from(text: &str, file: Option<&Path>) -> Result<Rules, String> {
    Rules::parse(text).map_err(|e| match file {
        Some(path) => format!("--topics {}: {e}", path.display()),
        None => format!("the shipped topic rules: {e}"),
    })
}

/// The rules the service runs by: a file's (`--topics`), refused with its line, or the
/// shipped ones.
pub fn rules_of(file: Option<&Path>) -> Result<Rules, String> {
    parse_from(&text_of(file)?, file)
}

/// The rules every part of the service tags by: the newest version an admin saved at
/// `/staff/topics`, else the file's (`--topics`) or the shipped ones. The newest version's
/// number is read before each use, so a save reaches every node at its next request; the
/// parsed rules are kept until the number changes.
pub struct CurrentRules {
    base: Arc<Rules>,
    base_text: String,
    base_file: Option<PathBuf>,
    saved: Mutex<Option<(i64, Arc<Rules>)>>,
}

/// Where the rules in use come from.
#[derive(Debug, Clone)]
pub enum RulesSource {
    Saved(RulesVersion),
    File(PathBuf),
    Shipped,
}

impl CurrentRules {
    /// The rules of `--topics FILE` (refused with its line) or the shipped ones, until an
    /// admin saves a version.
    pub fn load(file: Option<&Path>) -> Result<CurrentRules, String> {
        let base_text = text_of(file)?;
        Ok(CurrentRules {
            base: Arc::new(parse_from(&base_text, file)?),
            base_text,
            base_file: file.map(Path::to_path_buf),
            saved: Mutex::new(None),
        })
    }

    /// The rules to tag by now.
    pub fn rules(&self, store: &Store) -> Result<Arc<Rules>, StoreError> {
        let Some(id) = store.read(store_topics::newest_id)? else {
            return Ok(self.base.clone());
        };
        if let Ok(saved) = self.saved.lock() {
            if let Some((_, rules)) = saved.as_ref().filter(|(at, _)| *at == id) {
                return Ok(rules.clone());
            }
        }
        let Some(version) = store.read(|c| store_topics::get(c, id))? else {
            return Ok(self.base.clone());
        };
        match Rules::parse(&version.rules) {
            Ok(rules) => {
                let rules = Arc::new(rules);
                if let Ok(mut saved) = self.saved.lock() {
                    *saved = Some((id, rules.clone()));
                }
                Ok(rules)
            }
            // Saved versions were checked when saved; one this build cannot read (a topic it
            // does not know) leaves the service on its own rules, and says so.
            Err(e) => {
                tracing::warn!(version = id, error = %e, "saved topic rules unreadable; the file's or shipped rules are used");
                Ok(self.base.clone())
            }
        }
    }

    /// The text of the rules in use and where it comes from.
    pub fn text(&self, store: &Store) -> Result<(String, RulesSource), StoreError> {
        let newest = store.read(|c| match store_topics::newest_id(c)? {
            Some(id) => store_topics::get(c, id),
            None => Ok(None),
        })?;
        Ok(match (newest, &self.base_file) {
            (Some(v), _) => (v.rules.clone(), RulesSource::Saved(v)),
            (None, Some(f)) => (self.base_text.clone(), RulesSource::File(f.clone())),
            (None, None) => (self.base_text.clone(), RulesSource::Shipped),
        })
    }
}

/// The comments of the days `from..=to` (of one unit, or all), masked, with their unit: survey
/// answers and the tablets'. A comment with nothing left after masking is none.
pub fn masked_comments(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut all = store.read(|c| responses::comments_between(c, from, to, unit))?;
    all.extend(store.read(|c| kiosks::unit_comments_between(c, from, to, unit))?);
    Ok(all
        .into_iter()
        .map(|(code, text)| (code, crate::domain::privacy::mask(&text)))
        .filter(|(_, masked)| !masked.trim().is_empty())
        .collect())
}

/// The units (of one, or all) with comments in the period, by code.
pub fn counts(
    store: &Store,
    rules: &Rules,
    period: &Period,
    unit: Option<&str>,
) -> Result<Vec<UnitTopics>, StoreError> {
    let all = masked_comments(store, period.start, period.end, unit)?;
    let names: BTreeMap<String, String> = crate::service::units::list(store)?
        .into_iter()
        .map(|u| (u.code.to_string(), u.name))
        .collect();
    let mut by_unit: BTreeMap<String, UnitTopics> = BTreeMap::new();
    for (code, masked) in all {
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

/// Each unit's most complained-about topics: unit code → (topic, complaints), most first.
pub type TopComplaints = BTreeMap<String, Vec<(&'static str, u64)>>;

/// Each unit's (of one, or all) most complained-about topics of the period, most first, at
/// most `top` (for the dashboard): unit code → (topic, complaints).
pub fn top_complaints(
    store: &Store,
    rules: &Rules,
    period: &Period,
    unit: Option<&str>,
    top: usize,
) -> Result<TopComplaints, StoreError> {
    let mut by_unit: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for (code, masked) in masked_comments(store, period.start, period.end, unit)? {
        let entry = by_unit.entry(code).or_default();
        for tag in rules.tag(&masked).into_iter().filter(|t| t.complaint) {
            *entry.entry(tag.topic).or_default() += 1;
        }
    }
    Ok(by_unit
        .into_iter()
        .map(|(code, topics)| {
            let mut list: Vec<(&'static str, u64)> = topics.into_iter().collect();
            list.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then_with(|| topic_order(a.0).cmp(&topic_order(b.0)))
            });
            list.truncate(top);
            (code, list)
        })
        .collect())
}

/// A topic's place in `TOPICS` (ties are shown in that order).
pub fn topic_order(topic: &str) -> usize {
    TOPICS
        .iter()
        .position(|t| *t == topic)
        .unwrap_or(usize::MAX)
}
