//! A citizen's answers checked against a form, and what is stored of them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{CommentQuestion, ExpectationKind, Expectations, Form, ProfileQuestion};

impl Form {
    /// What a key in a submission means in this form.
    fn item(&self, key: &str) -> Option<Item<'_>> {
        if self.criteria().any(|(_, cr)| cr.code == key) {
            return Some(Item::Score);
        }
        if let Some(o) = &self.overall {
            if o.code == key {
                return Some(Item::Score);
            }
        }
        if let Some(e) = &self.expectations {
            match e.kind {
                ExpectationKind::Choose if e.code == key => return Some(Item::MultiChoice(e)),
                ExpectationKind::Rate => {
                    if let Some(rest) = key.strip_prefix(&e.code).and_then(|r| r.strip_prefix('.'))
                    {
                        if e.options.iter().any(|o| o.code == rest) {
                            return Some(Item::Level(e));
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(p) = self.profile.iter().find(|p| p.code == key) {
            return Some(Item::SingleChoice(p));
        }
        if let Some(c) = &self.comment {
            if c.code == key {
                return Some(Item::Comment(c));
            }
        }
        None
    }

    /// Checks a submission given as key/value pairs (repeated keys for several choices), as
    /// sent by an HTML form or flattened from JSON. Empty values count as not answered.
    pub fn validate(&self, pairs: &[(String, String)]) -> Result<Answers, AnswerProblems> {
        let mut r = Reading::default();
        let mut comment_seen = false;
        for (key, sent) in pairs {
            let Some(item) = self.item(key) else {
                r.problems.unknown.push(key.clone());
                continue;
            };
            if let Item::Comment(_) = item {
                // A second comment field would silently replace the first: refuse it.
                if std::mem::replace(&mut comment_seen, true) {
                    r.invalid(key, "answered twice");
                    continue;
                }
            }
            if !sent.trim().is_empty() {
                r.take(key, item, sent);
            }
        }
        let Reading {
            mut problems,
            values,
            comment,
        } = r;
        for code in self.required_scores() {
            if !values.contains_key(code) {
                problems.missing.push(code.to_string());
            }
        }
        if problems.is_empty() {
            Ok(Answers { values, comment })
        } else {
            Err(problems)
        }
    }
}

/// What has been read of a submission so far.
#[derive(Default)]
struct Reading {
    problems: AnswerProblems,
    values: BTreeMap<String, AnswerValue>,
    comment: Option<String>,
}

impl Reading {
    fn invalid(&mut self, key: &str, why: impl Into<String>) {
        self.problems.invalid.push((key.to_string(), why.into()));
    }

    /// An answer that may be given once.
    fn once(&mut self, key: &str, value: AnswerValue) {
        if self.values.insert(key.to_string(), value).is_some() {
            self.invalid(key, "answered twice");
        }
    }

    /// One answered item (`sent` is not blank).
    fn take(&mut self, key: &str, item: Item<'_>, sent: &str) {
        let raw = sent.trim();
        match item {
            Item::Score => match plain_number(sent) {
                Some(v) if v <= 5 => self.once(key, AnswerValue::Score(v)),
                _ => self.invalid(
                    key,
                    format!("\"{raw}\" is not on the scale 1–5 (0 for no opinion)"),
                ),
            },
            Item::Level(e) => match plain_number(sent) {
                Some(v) if e.levels.iter().any(|l| l.value == v) => {
                    self.once(key, AnswerValue::Score(v))
                }
                _ => self.invalid(key, format!("\"{raw}\" is not one of the levels")),
            },
            Item::MultiChoice(e) => self.choose(key, e, raw),
            Item::SingleChoice(p) => {
                if !p.options.iter().any(|o| o.code == raw) {
                    self.invalid(key, format!("\"{raw}\" is not one of the options"));
                } else {
                    self.once(key, AnswerValue::Choice(raw.to_string()));
                }
            }
            Item::Comment(c) => self.comment(key, c, raw),
        }
    }

    /// One more of several choices.
    fn choose(&mut self, key: &str, e: &Expectations, raw: &str) {
        if !e.options.iter().any(|o| o.code == raw) {
            self.invalid(key, format!("\"{raw}\" is not one of the options"));
            return;
        }
        let entry = self
            .values
            .entry(key.to_string())
            .or_insert_with(|| AnswerValue::Choices(Vec::new()));
        let AnswerValue::Choices(list) = entry else {
            return;
        };
        if !list.iter().any(|c| c == raw) {
            list.push(raw.to_string());
        }
        if let Some(max) = e.max_choices {
            if list.len() > usize::from(max) {
                self.invalid(key, format!("at most {max} choices"));
            }
        }
    }

    fn comment(&mut self, key: &str, c: &CommentQuestion, raw: &str) {
        let n = raw.chars().count();
        if u64::try_from(n).unwrap_or(u64::MAX) > u64::from(c.max_chars) {
            self.invalid(
                key,
                format!("{n} characters, more than the {} allowed", c.max_chars),
            );
        } else if raw
            .chars()
            .any(|ch| ch.is_control() && ch != '\n' && ch != '\r' && ch != '\t')
        {
            self.invalid(key, "contains control characters");
        } else {
            self.comment = Some(raw.replace("\r\n", "\n"));
        }
    }
}

/// A number as a form sends it: ASCII digits only, no sign, no leading zero, no spaces
/// (`+3`, `03` and ` 3` are not answers a form of ours sends).
fn plain_number(s: &str) -> Option<u8> {
    let ok = !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if ok {
        s.parse().ok()
    } else {
        None
    }
}

enum Item<'a> {
    Score,
    Level(&'a Expectations),
    MultiChoice(&'a Expectations),
    SingleChoice(&'a ProfileQuestion),
    Comment(&'a CommentQuestion),
}

/// One stored answer: a scale value, one option, or several options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Score(u8),
    Choice(String),
    Choices(Vec<String>),
}

/// A validated submission: answers keyed by question code, and the comment kept apart
/// (comments are masked on export and deleted after the retention period).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers {
    pub values: BTreeMap<String, AnswerValue>,
    pub comment: Option<String>,
}

impl Answers {
    /// The answers as stored: a JSON object with keys in code order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.values).unwrap_or_else(|_| "{}".into())
    }

    pub fn from_json(text: &str) -> Result<BTreeMap<String, AnswerValue>, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// A digest of the answers and the comment, to tell a retry (same digest) from a reuse of
    /// a submission id with other answers.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.to_json().as_bytes());
        h.update([0u8]);
        if let Some(c) = &self.comment {
            h.update(c.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// What is wrong with a submission: unanswered required questions, values that do not fit,
/// and keys the form does not have.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerProblems {
    pub missing: Vec<String>,
    pub invalid: Vec<(String, String)>,
    pub unknown: Vec<String>,
}

impl AnswerProblems {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.invalid.is_empty() && self.unknown.is_empty()
    }
}

impl fmt::Display for AnswerProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "missing required answers: {}",
                self.missing.join(", ")
            ));
        }
        for (code, why) in &self.invalid {
            parts.push(format!("{code}: {why}"));
        }
        if !self.unknown.is_empty() {
            parts.push(format!(
                "unknown question codes: {}",
                self.unknown.join(", ")
            ));
        }
        write!(f, "{}", parts.join("; "))
    }
}
