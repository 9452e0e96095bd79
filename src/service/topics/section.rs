//! The report's section "Người dân nói về" (issue 36): the period's comments complaining about
//! each topic, most first, each with a few quotes that show it; and the praise.

use std::collections::BTreeMap;

use crate::domain::period::Period;
use crate::domain::quote::{quote, Quote};
use crate::domain::report::{TopicLine, TopicsSection};
use crate::domain::topics::Rules;
use crate::store::{Store, StoreError};

/// Quotes printed per topic.
pub const QUOTES: usize = 2;

/// The quote of a comment: its length from the most readable (about a line and a half of a
/// printed page), then its text, so that the same comments always give the same quotes.
fn order_key(q: &Quote) -> (usize, String) {
    let whole = format!("{}{}{}", q.before, q.marked, q.after);
    (whole.chars().count().abs_diff(110), whole)
}

/// Adds a quote to a topic's candidates, keeping only the best few (a province's year has
/// tens of thousands of comments).
fn keep(candidates: &mut Vec<Quote>, q: Option<Quote>) {
    candidates.extend(q);
    if candidates.len() > 8 * QUOTES {
        candidates.sort_by_cached_key(order_key);
        candidates.dedup();
        candidates.truncate(QUOTES);
    }
}

/// The section of a period (one unit's, or all units').
pub fn section(
    store: &Store,
    rules: &Rules,
    period: &Period,
    unit: Option<&str>,
) -> Result<TopicsSection, StoreError> {
    let comments = super::masked_comments(store, period.start, period.end, unit)?;
    let mut counts: BTreeMap<&'static str, (u64, Vec<Quote>)> = BTreeMap::new();
    let mut praise = TopicLine {
        topic: "praise",
        ..TopicLine::default()
    };
    let mut praise_quotes = Vec::new();
    for (_, masked) in &comments {
        for tag in rules.tag(masked) {
            if tag.topic == "praise" {
                praise.n += 1;
                keep(&mut praise_quotes, quote(masked, &tag));
            } else if tag.complaint {
                let entry = counts.entry(tag.topic).or_default();
                entry.0 += 1;
                keep(&mut entry.1, quote(masked, &tag));
            }
        }
    }
    let pick = |mut quotes: Vec<Quote>| -> Vec<Quote> {
        quotes.sort_by_cached_key(order_key);
        quotes.dedup();
        quotes.truncate(QUOTES);
        quotes
    };
    let mut complaints: Vec<TopicLine> = counts
        .into_iter()
        .map(|(topic, (n, quotes))| TopicLine {
            topic,
            n,
            quotes: pick(quotes),
        })
        .collect();
    // Most complained-about first; "other" names nothing a leader can act on: last.
    complaints.sort_by(|a, b| {
        (a.topic == "other")
            .cmp(&(b.topic == "other"))
            .then_with(|| b.n.cmp(&a.n))
            .then_with(|| super::topic_order(a.topic).cmp(&super::topic_order(b.topic)))
    });
    praise.quotes = pick(praise_quotes);
    Ok(TopicsSection {
        comments: u64::try_from(comments.len()).unwrap_or(u64::MAX),
        complaints,
        praise,
    })
}
