//! Admins improve the topics' rules at `/staff/topics` (issue 36): a changed text is first
//! checked and previewed — how many of the past year's comments it would tag and untag, with
//! examples — and only the previewed text can be saved, as a new version, audited.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sha2::Digest;

use crate::domain::quote::{quote, Quote};
use crate::domain::topics::{Rules, RulesError, TOPICS};
use crate::domain::user::Role;
use crate::service::users::Staff;
use crate::store::topics::{self as store_topics, NewRulesVersion};
use crate::store::{Store, StoreError};

use super::CurrentRules;

/// Examples shown per topic and direction.
pub const EXAMPLES: usize = 3;
/// The days of comments a preview reads back.
pub const PREVIEW_DAYS: i64 = 365;
/// The longest note of a version.
pub const NOTE_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum TopicsError {
    #[error("only an admin may change the topics' rules")]
    NotAdmin,
    #[error("{0}")]
    Invalid(RulesError),
    #[error("say in a few words what the change is for (at most 500 characters)")]
    Note,
    #[error("the rules changed since they were previewed: preview them again before saving")]
    NotPreviewed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One topic's change under the new rules, over the comments of the preview's days.
#[derive(Debug, Clone, Default)]
pub struct TopicChange {
    pub topic: &'static str,
    pub before: u64,
    pub after: u64,
    /// Comments the new rules tag with the topic and the rules in use do not; and the reverse.
    pub tagged: u64,
    pub untagged: u64,
    pub tagged_examples: Vec<Quote>,
    pub untagged_examples: Vec<Quote>,
}

/// What saving a text would do.
#[derive(Debug, Clone)]
pub struct Preview {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub comments: u64,
    pub topics: Vec<TopicChange>,
    /// What the text's save form carries: the previewed text's fingerprint.
    pub fingerprint: String,
}

/// A text's fingerprint: saving needs the fingerprint of the text previewed.
pub fn fingerprint(text: &str) -> String {
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn admin(staff: &Staff) -> Result<(), TopicsError> {
    if staff.role == Role::Admin {
        Ok(())
    } else {
        Err(TopicsError::NotAdmin)
    }
}

/// Checks `text` and compares its tags with the rules in use on the comments of the last
/// `PREVIEW_DAYS` days up to `today`.
pub fn preview(
    store: &Store,
    current: &CurrentRules,
    staff: &Staff,
    text: &str,
    today: NaiveDate,
) -> Result<Preview, TopicsError> {
    admin(staff)?;
    let new = Rules::parse(text).map_err(TopicsError::Invalid)?;
    let old = current.rules(store)?;
    let from = today - chrono::Duration::days(PREVIEW_DAYS - 1);
    let comments = super::masked_comments(store, from, today, None)?;
    let mut by_topic: BTreeMap<&'static str, TopicChange> = TOPICS
        .iter()
        .map(|t| {
            let change = TopicChange {
                topic: t,
                ..TopicChange::default()
            };
            (*t, change)
        })
        .collect();
    for (_, masked) in &comments {
        let (before, after) = (old.tag(masked), new.tag(masked));
        for change in by_topic.values_mut() {
            let was = before.iter().find(|t| t.topic == change.topic);
            let is = after.iter().find(|t| t.topic == change.topic);
            change.before += u64::from(was.is_some());
            change.after += u64::from(is.is_some());
            match (was, is) {
                (None, Some(tag)) => {
                    change.tagged += 1;
                    example(&mut change.tagged_examples, quote(masked, tag));
                }
                (Some(tag), None) => {
                    change.untagged += 1;
                    example(&mut change.untagged_examples, quote(masked, tag));
                }
                _ => {}
            }
        }
    }
    Ok(Preview {
        from,
        to: today,
        comments: u64::try_from(comments.len()).unwrap_or(u64::MAX),
        topics: by_topic.into_values().collect(),
        fingerprint: fingerprint(text),
    })
}

fn example(list: &mut Vec<Quote>, q: Option<Quote>) {
    if list.len() < EXAMPLES {
        list.extend(q);
    }
}

/// Saves `text` as the newest version — only the text that was previewed (`previewed` is its
/// fingerprint) — with a note of what it is for; audited. The version's number.
pub fn save(
    store: &Store,
    staff: &Staff,
    text: &str,
    note: &str,
    previewed: &str,
    now: DateTime<Utc>,
) -> Result<i64, TopicsError> {
    admin(staff)?;
    Rules::parse(text).map_err(TopicsError::Invalid)?;
    if fingerprint(text) != previewed {
        return Err(TopicsError::NotPreviewed);
    }
    let note = crate::domain::feedback::check_text(note, NOTE_MAX)
        .map_err(|_problem| TopicsError::Note)?;
    let row = NewRulesVersion {
        rules: text,
        note: &note,
        saved_by: &staff.username,
        saved_at: now.naive_utc(),
    };
    Ok(store.write(|c| -> Result<i64, StoreError> {
        let id = store_topics::insert(c, &row)?;
        crate::service::audit::write(
            c,
            now,
            &staff.username,
            "topics.save",
            &format!("version {id}: {note}"),
            "ok",
        )?;
        Ok(id)
    })?)
}

/// The saved versions, newest first (admins).
pub fn versions(
    store: &Store,
    staff: &Staff,
) -> Result<Vec<(i64, String, String, chrono::NaiveDateTime)>, TopicsError> {
    admin(staff)?;
    Ok(store.read(|c| store_topics::list(c, 100))?)
}

/// One saved version (admins), to read or start again from.
pub fn version(store: &Store, staff: &Staff, id: i64) -> Result<Option<String>, TopicsError> {
    admin(staff)?;
    Ok(store.read(|c| store_topics::get(c, id))?.map(|v| v.rules))
}
