//! The questionnaire (phiếu khảo sát): the model of a form file in `forms/` and its parsing
//! here; the checks of a form file in `check`; a citizen's answers checked against a form in
//! `answers`. Everything here is pure: a form is parsed from text, and answers are checked
//! against a parsed form.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod answers;
mod check;

use crate::domain::lang::Lang;
pub use answers::{AnswerProblems, AnswerValue, Answers};

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
}

pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
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
