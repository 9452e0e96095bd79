//! The questionnaire (phiếu khảo sát): the model of a form file in `forms/`, its validation,
//! and the validation of a citizen's answers against it. Everything here is pure: a form is
//! parsed from text, and answers are checked against a parsed form.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A text in the form's languages. Vietnamese is required; English is optional and falls back
/// to Vietnamese when missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub vi: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => self.en.as_deref().unwrap_or(&self.vi),
        }
    }
}

/// The language a page is shown in: Vietnamese first, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn from_query(value: Option<&str>) -> Lang {
        match value {
            Some(v) if v.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Vi,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
    /// Picks the Vietnamese or the English of a fixed interface string.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The national SIPAS method (METHODOLOGY §2).
    Sipas,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleLevel {
    pub value: u8,
    pub text: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub code: String,
    pub text: Text,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
}

/// A factor (yếu tố) and its criteria (tiêu chí).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub code: String,
    pub title: Text,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// For the channel question: this way of submitting counts as online (METHODOLOGY §3).
    #[serde(default, skip_serializing_if = "is_false")]
    pub online: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpectationKind {
    /// Several areas may be chosen (`expect=staff&expect=result`).
    Choose,
    /// Each area is rated on the form's `levels` (`expect.staff=3`).
    Rate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    pub code: String,
    pub text: Text,
    pub kind: ExpectationKind,
    pub options: Vec<Choice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<ScaleLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_choices: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileRole {
    /// Who answers: a citizen or an organisation's representative.
    Respondent,
    /// How the dossier was submitted: the basis of the online share.
    Channel,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileQuestion {
    pub code: String,
    pub text: Text,
    #[serde(default = "other_role")]
    pub role: ProfileRole,
    pub options: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverallQuestion {
    pub code: String,
    pub text: Text,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentQuestion {
    pub code: String,
    pub text: Text,
    pub max_chars: u32,
}

/// A questionnaire as written in a form file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub id: String,
    pub version: u32,
    pub method: Method,
    pub languages: Vec<String>,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<Text>,
    /// Where the wording comes from (a decision and its annex), shown in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub scale: Vec<ScaleLevel>,
    pub components: Vec<Component>,
    pub overall: Option<OverallQuestion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectations: Option<Expectations>,
    #[serde(default)]
    pub profile: Vec<ProfileQuestion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<CommentQuestion>,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn other_role() -> ProfileRole {
    ProfileRole::Other
}

/// Why a form file was refused: where (a JSON path, and a line when the text itself is bad) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub path: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for FormProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, at {}: {}", self.path, self.reason),
            None => write!(f, "at {}: {}", self.path, self.reason),
        }
    }
}

/// The value of a scale answer that means "Không ý kiến" (no opinion): stored, never counted.
pub const NO_OPINION: u8 = 0;

impl Form {
    /// Parses and validates a form file's text. Every problem found is returned, not only the first.
    pub fn parse(text: &str) -> Result<Form, Vec<FormProblem>> {
        let mut de = serde_json::Deserializer::from_str(text);
        let form: Form = match serde_path_to_error::deserialize(&mut de) {
            Ok(f) => f,
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                return Err(vec![FormProblem {
                    path: if path.is_empty() { "$".into() } else { path },
                    line: Some(inner.line()),
                    reason: strip_position(&inner.to_string()),
                }]);
            }
        };
        let problems = form.problems();
        if problems.is_empty() {
            Ok(form)
        } else {
            Err(problems)
        }
    }

    /// The checks that a JSON schema cannot express well: unique codes, a complete scale, and so on.
    fn problems(&self) -> Vec<FormProblem> {
        let mut out = Vec::new();
        let mut bad = |path: String, reason: String| {
            out.push(FormProblem {
                path,
                line: None,
                reason,
            })
        };
        if !is_slug(&self.id) {
            bad(
                "id".into(),
                "must be lower-case letters, digits and '-'".into(),
            );
        }
        if self.version == 0 {
            bad("version".into(), "must be 1 or more".into());
        }
        if !self.languages.iter().any(|l| l == "vi") {
            bad(
                "languages".into(),
                "must include \"vi\": Vietnamese comes first".into(),
            );
        }
        let values: BTreeSet<u8> = self.scale.iter().map(|l| l.value).collect();
        if values != (0..=5).collect::<BTreeSet<u8>>() || self.scale.len() != 6 {
            bad(
                "scale".into(),
                "must list the values 1 to 5 and 0 (no opinion) once each".into(),
            );
        }
        if self.components.is_empty() {
            bad(
                "components".into(),
                "a form needs at least one component".into(),
            );
        }
        let mut seen = BTreeSet::new();
        let mut check_code = |path: String, code: &str, bad: &mut dyn FnMut(String, String)| {
            if !is_code(code) {
                bad(
                    path.clone(),
                    format!(
                        "\"{code}\" is not a valid code (lower-case letters, digits, '_' and '.')"
                    ),
                );
            }
            if matches!(code, "submission_id" | "lang" | "unit" | "ticket" | "form") {
                bad(path.clone(), format!("\"{code}\" is a reserved name"));
            }
            if !seen.insert(code.to_string()) {
                bad(path, format!("the code \"{code}\" is used twice"));
            }
        };
        for (i, c) in self.components.iter().enumerate() {
            check_code(format!("components[{i}].code"), &c.code, &mut bad);
            if c.criteria.is_empty() {
                bad(
                    format!("components[{i}].criteria"),
                    "a component needs at least one criterion".into(),
                );
            }
            for (j, cr) in c.criteria.iter().enumerate() {
                check_code(
                    format!("components[{i}].criteria[{j}].code"),
                    &cr.code,
                    &mut bad,
                );
            }
        }
        if let Some(o) = &self.overall {
            check_code("overall.code".into(), &o.code, &mut bad);
        }
        if let Some(e) = &self.expectations {
            check_code("expectations.code".into(), &e.code, &mut bad);
            if e.options.is_empty() {
                bad(
                    "expectations.options".into(),
                    "needs at least one option".into(),
                );
            }
            let mut opts = BTreeSet::new();
            for (i, o) in e.options.iter().enumerate() {
                if !is_code(&o.code) || !opts.insert(o.code.clone()) {
                    bad(
                        format!("expectations.options[{i}].code"),
                        format!("\"{}\" is not a valid, unique option code", o.code),
                    );
                }
                if o.text.is_none() {
                    bad(
                        format!("expectations.options[{i}].text"),
                        "an expectation option needs a text".into(),
                    );
                }
                if e.kind == ExpectationKind::Rate {
                    check_code(
                        format!("expectations.options[{i}].code"),
                        &format!("{}.{}", e.code, o.code),
                        &mut bad,
                    );
                }
            }
            match e.kind {
                ExpectationKind::Rate if e.levels.len() < 2 => bad(
                    "expectations.levels".into(),
                    "a rated expectation needs at least two levels".into(),
                ),
                ExpectationKind::Choose if !e.levels.is_empty() => bad(
                    "expectations.levels".into(),
                    "levels are only for kind \"rate\"".into(),
                ),
                _ => {}
            }
            if e.kind == ExpectationKind::Rate {
                let mut values = BTreeSet::new();
                for (i, l) in e.levels.iter().enumerate() {
                    if l.value == 0 || !values.insert(l.value) {
                        bad(
                            format!("expectations.levels[{i}].value"),
                            "levels are numbered from 1, each once".into(),
                        );
                    }
                }
            }
        }
        for (i, p) in self.profile.iter().enumerate() {
            check_code(format!("profile[{i}].code"), &p.code, &mut bad);
            let mut opts = BTreeSet::new();
            if p.options.is_empty() {
                bad(
                    format!("profile[{i}].options"),
                    "needs at least one option".into(),
                );
            }
            for (j, o) in p.options.iter().enumerate() {
                if !is_code(&o.code) || !opts.insert(o.code.clone()) {
                    bad(
                        format!("profile[{i}].options[{j}].code"),
                        format!("\"{}\" is not a valid, unique option code", o.code),
                    );
                }
            }
        }
        if self
            .profile
            .iter()
            .filter(|p| p.role == ProfileRole::Channel)
            .count()
            > 1
        {
            bad(
                "profile".into(),
                "only one question may have the role \"channel\"".into(),
            );
        }
        if let Some(c) = &self.comment {
            check_code("comment.code".into(), &c.code, &mut bad);
            if c.max_chars == 0 || c.max_chars > 5000 {
                bad(
                    "comment.max_chars".into(),
                    "must be between 1 and 5000".into(),
                );
            }
        }
        out
    }

    /// A fingerprint of everything the form says, insensitive to white space and key order:
    /// the version guard compares it with the one stored when responses were first given.
    pub fn fingerprint(&self) -> String {
        let mut clone = self.clone();
        clone.schema = None;
        // serde_json maps are ordered (BTreeMap), so this is canonical.
        let value = serde_json::to_value(&clone).unwrap_or(serde_json::Value::Null);
        hex::encode(Sha256::digest(value.to_string().as_bytes()))
    }

    pub fn criteria(&self) -> impl Iterator<Item = (&Component, &Criterion)> {
        self.components
            .iter()
            .flat_map(|c| c.criteria.iter().map(move |cr| (c, cr)))
    }

    pub fn channel_question(&self) -> Option<&ProfileQuestion> {
        self.profile.iter().find(|p| p.role == ProfileRole::Channel)
    }

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

    /// Every answer key of the form in form order, as export columns (the comment last).
    pub fn answer_columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = self.criteria().map(|(_, c)| c.code.clone()).collect();
        cols.extend(self.overall.iter().map(|o| o.code.clone()));
        if let Some(e) = &self.expectations {
            match e.kind {
                ExpectationKind::Choose => cols.push(e.code.clone()),
                ExpectationKind::Rate => {
                    cols.extend(e.options.iter().map(|o| format!("{}.{}", e.code, o.code)))
                }
            }
        }
        cols.extend(self.profile.iter().map(|p| p.code.clone()));
        cols
    }

    /// The codes of the scale questions that must be answered, in form order.
    pub fn required_scores(&self) -> impl Iterator<Item = &str> {
        self.criteria()
            .filter(|(_, cr)| cr.required)
            .map(|(_, cr)| cr.code.as_str())
            .chain(
                self.overall
                    .iter()
                    .filter(|o| o.required)
                    .map(|o| o.code.as_str()),
            )
    }

    /// Checks a submission given as key/value pairs (repeated keys for several choices), as
    /// sent by an HTML form or flattened from JSON. Empty values count as not answered.
    pub fn validate(&self, pairs: &[(String, String)]) -> Result<Answers, AnswerProblems> {
        let mut problems = AnswerProblems::default();
        let mut values: BTreeMap<String, AnswerValue> = BTreeMap::new();
        let mut comment = None;
        let mut comment_seen = false;
        for (key, sent) in pairs {
            let raw = sent.trim();
            let Some(item) = self.item(key) else {
                problems.unknown.push(key.clone());
                continue;
            };
            if let Item::Comment(_) = item {
                // A second comment field would silently replace the first: refuse it.
                if std::mem::replace(&mut comment_seen, true) {
                    problems
                        .invalid
                        .push((key.clone(), "answered twice".into()));
                    continue;
                }
            }
            if raw.is_empty() {
                continue;
            }
            match item {
                Item::Score => match plain_number(sent) {
                    Some(v) if v <= 5 => {
                        if values.insert(key.clone(), AnswerValue::Score(v)).is_some() {
                            problems
                                .invalid
                                .push((key.clone(), "answered twice".into()));
                        }
                    }
                    _ => problems.invalid.push((
                        key.clone(),
                        format!("\"{raw}\" is not on the scale 1–5 (0 for no opinion)"),
                    )),
                },
                Item::Level(e) => match plain_number(sent) {
                    Some(v) if e.levels.iter().any(|l| l.value == v) => {
                        if values.insert(key.clone(), AnswerValue::Score(v)).is_some() {
                            problems
                                .invalid
                                .push((key.clone(), "answered twice".into()));
                        }
                    }
                    _ => problems
                        .invalid
                        .push((key.clone(), format!("\"{raw}\" is not one of the levels"))),
                },
                Item::MultiChoice(e) => {
                    if !e.options.iter().any(|o| o.code == raw) {
                        problems
                            .invalid
                            .push((key.clone(), format!("\"{raw}\" is not one of the options")));
                        continue;
                    }
                    let entry = values
                        .entry(key.clone())
                        .or_insert_with(|| AnswerValue::Choices(Vec::new()));
                    if let AnswerValue::Choices(list) = entry {
                        if !list.iter().any(|c| c == raw) {
                            list.push(raw.to_string());
                        }
                        if let Some(max) = e.max_choices {
                            if list.len() > usize::from(max) {
                                problems
                                    .invalid
                                    .push((key.clone(), format!("at most {max} choices")));
                            }
                        }
                    }
                }
                Item::SingleChoice(p) => {
                    if !p.options.iter().any(|o| o.code == raw) {
                        problems
                            .invalid
                            .push((key.clone(), format!("\"{raw}\" is not one of the options")));
                    } else if values
                        .insert(key.clone(), AnswerValue::Choice(raw.to_string()))
                        .is_some()
                    {
                        problems
                            .invalid
                            .push((key.clone(), "answered twice".into()));
                    }
                }
                Item::Comment(c) => {
                    let n = raw.chars().count();
                    if n > c.max_chars as usize {
                        problems.invalid.push((
                            key.clone(),
                            format!("{n} characters, more than the {} allowed", c.max_chars),
                        ));
                    } else if raw
                        .chars()
                        .any(|ch| ch.is_control() && ch != '\n' && ch != '\r' && ch != '\t')
                    {
                        problems
                            .invalid
                            .push((key.clone(), "contains control characters".into()));
                    } else {
                        comment = Some(raw.replace("\r\n", "\n"));
                    }
                }
            }
        }
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

pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
        && !s.ends_with('.')
        && !s.contains("..")
}

/// serde_json appends " at line L column C"; the line is reported separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"{
      "id": "mini", "version": 1, "method": "sipas", "languages": ["vi", "en"],
      "title": {"vi": "Phiếu", "en": "Form"},
      "scale": [{"value":1,"text":{"vi":"1"}},{"value":2,"text":{"vi":"2"}},{"value":3,"text":{"vi":"3"}},
                {"value":4,"text":{"vi":"4"}},{"value":5,"text":{"vi":"5"}},{"value":0,"text":{"vi":"KYK"}}],
      "components": [{"code":"access","title":{"vi":"Tiếp cận"},"criteria":[
          {"code":"access.1","text":{"vi":"a"}},{"code":"access.2","text":{"vi":"b"},"required":false}]}],
      "overall": {"code":"overall","text":{"vi":"chung"}},
      "expectations": {"code":"expect","text":{"vi":"?"},"kind":"choose","options":[{"code":"staff","text":{"vi":"cc"}},{"code":"other","text":{"vi":"khác"}}]},
      "profile": [{"code":"channel","text":{"vi":"kênh"},"role":"channel","options":[{"code":"in_person"},{"code":"online_full","online":true}]}],
      "comment": {"code":"comment","text":{"vi":"góp ý"},"max_chars":10}
    }"#;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_complete_submission_is_accepted() {
        let form = Form::parse(MINI).unwrap();
        let a = form
            .validate(&pairs(&[
                ("access.1", "4"),
                ("overall", "0"),
                ("expect", "staff"),
                ("expect", "other"),
                ("channel", "online_full"),
                ("comment", " tốt "),
            ]))
            .unwrap();
        assert_eq!(a.values["access.1"], AnswerValue::Score(4));
        assert_eq!(a.values["overall"], AnswerValue::Score(0));
        assert_eq!(
            a.values["expect"],
            AnswerValue::Choices(vec!["staff".into(), "other".into()])
        );
        assert_eq!(a.comment.as_deref(), Some("tốt"));
        assert_eq!(
            a.to_json(),
            r#"{"access.1":4,"channel":"online_full","expect":["staff","other"],"overall":0}"#
        );
    }

    #[test]
    fn missing_out_of_range_and_unknown_answers_are_all_reported() {
        let form = Form::parse(MINI).unwrap();
        let p = form
            .validate(&pairs(&[
                ("access.1", "6"),
                ("bogus", "1"),
                ("channel", "fax"),
                ("comment", "01234567890"),
            ]))
            .unwrap_err();
        assert_eq!(
            p.missing,
            vec!["access.1".to_string(), "overall".to_string()]
        );
        assert_eq!(p.unknown, vec!["bogus".to_string()]);
        let invalid: Vec<&str> = p.invalid.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(invalid, vec!["access.1", "channel", "comment"]);
    }

    #[test]
    fn only_plain_scores_and_one_comment_are_taken() {
        let form = Form::parse(MINI).unwrap();
        for odd in ["+3", "03", " 3", "3 ", "3.0", "٣", "-0", "00"] {
            let p = form
                .validate(&pairs(&[("access.1", odd), ("overall", "4")]))
                .unwrap_err();
            assert_eq!(p.invalid.len(), 1, "{odd:?} must be refused");
        }
        for ok in ["0", "1", "5"] {
            assert!(form
                .validate(&pairs(&[("access.1", ok), ("overall", "4")]))
                .is_ok());
        }
        let p = form
            .validate(&pairs(&[
                ("access.1", "4"),
                ("overall", "4"),
                ("comment", "một"),
                ("comment", "hai"),
            ]))
            .unwrap_err();
        assert_eq!(p.invalid, vec![("comment".into(), "answered twice".into())]);
    }

    #[test]
    fn a_bad_form_file_names_line_and_path() {
        let text = MINI.replace("\"version\": 1", "\"version\": \"one\"");
        let p = Form::parse(&text).unwrap_err();
        assert_eq!(p[0].path, "version");
        assert_eq!(p[0].line, Some(2));
        let dup = MINI.replace("\"access.2\"", "\"access.1\"");
        let p = Form::parse(&dup).unwrap_err();
        assert!(p[0].to_string().contains("used twice"), "{}", p[0]);
    }

    #[test]
    fn fingerprint_ignores_layout_but_not_content() {
        let a = Form::parse(MINI).unwrap();
        let b = Form::parse(&MINI.replace(",\n", ",\n\n   ")).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = Form::parse(&MINI.replace("\"vi\":\"a\"", "\"vi\":\"A\"")).unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
