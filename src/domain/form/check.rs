//! The checks of a form file that a JSON schema cannot express well.

use std::collections::BTreeSet;

use super::{is_slug, ExpectationKind, Form, FormProblem, ProfileRole};

/// The problems found so far, and the codes seen (each code names one answer: once only).
#[derive(Default)]
struct Checker {
    out: Vec<FormProblem>,
    seen: BTreeSet<String>,
}

impl Checker {
    fn bad(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.out.push(FormProblem {
            path: path.into(),
            line: None,
            reason: reason.into(),
        })
    }

    /// An answer's code: well formed, not reserved, not used before.
    fn code(&mut self, path: String, code: &str) {
        if !is_code(code) {
            self.bad(
                path.clone(),
                format!("\"{code}\" is not a valid code (lower-case letters, digits, '_' and '.')"),
            );
        }
        if matches!(code, "submission_id" | "lang" | "unit" | "ticket" | "form") {
            self.bad(path.clone(), format!("\"{code}\" is a reserved name"));
        }
        if !self.seen.insert(code.to_string()) {
            self.bad(path, format!("the code \"{code}\" is used twice"));
        }
    }
}

impl Form {
    /// The checks that a JSON schema cannot express well: unique codes, a complete scale, and so on.
    pub(super) fn problems(&self) -> Vec<FormProblem> {
        let mut c = Checker::default();
        if !is_slug(&self.id) {
            c.bad("id", "must be lower-case letters, digits and '-'");
        }
        if self.version == 0 {
            c.bad("version", "must be 1 or more");
        }
        if !self.languages.iter().any(|l| l == "vi") {
            c.bad("languages", "must include \"vi\": Vietnamese comes first");
        }
        let values: BTreeSet<u8> = self.scale.iter().map(|l| l.value).collect();
        if values != (0..=5).collect::<BTreeSet<u8>>() || self.scale.len() != 6 {
            c.bad(
                "scale",
                "must list the values 1 to 5 and 0 (no opinion) once each",
            );
        }
        if self.components.is_empty() {
            c.bad("components", "a form needs at least one component");
        }
        for (i, comp) in self.components.iter().enumerate() {
            c.code(format!("components[{i}].code"), &comp.code);
            if comp.criteria.is_empty() {
                c.bad(
                    format!("components[{i}].criteria"),
                    "a component needs at least one criterion",
                );
            }
            for (j, cr) in comp.criteria.iter().enumerate() {
                c.code(format!("components[{i}].criteria[{j}].code"), &cr.code);
            }
        }
        if let Some(o) = &self.overall {
            c.code("overall.code".into(), &o.code);
        }
        self.check_expectations(&mut c);
        self.check_profile(&mut c);
        if let Some(comment) = &self.comment {
            c.code("comment.code".into(), &comment.code);
            if comment.max_chars == 0 || comment.max_chars > 5000 {
                c.bad("comment.max_chars", "must be between 1 and 5000");
            }
        }
        c.out
    }

    fn check_expectations(&self, c: &mut Checker) {
        let Some(e) = &self.expectations else {
            return;
        };
        c.code("expectations.code".into(), &e.code);
        if e.options.is_empty() {
            c.bad("expectations.options", "needs at least one option");
        }
        let mut opts = BTreeSet::new();
        for (i, o) in e.options.iter().enumerate() {
            if !is_code(&o.code) || !opts.insert(o.code.clone()) {
                c.bad(
                    format!("expectations.options[{i}].code"),
                    format!("\"{}\" is not a valid, unique option code", o.code),
                );
            }
            if o.text.is_none() {
                c.bad(
                    format!("expectations.options[{i}].text"),
                    "an expectation option needs a text",
                );
            }
            if e.kind == ExpectationKind::Rate {
                c.code(
                    format!("expectations.options[{i}].code"),
                    &format!("{}.{}", e.code, o.code),
                );
            }
        }
        match e.kind {
            ExpectationKind::Rate if e.levels.len() < 2 => c.bad(
                "expectations.levels",
                "a rated expectation needs at least two levels",
            ),
            ExpectationKind::Choose if !e.levels.is_empty() => {
                c.bad("expectations.levels", "levels are only for kind \"rate\"")
            }
            _ => {}
        }
        if e.kind == ExpectationKind::Rate {
            let mut values = BTreeSet::new();
            for (i, l) in e.levels.iter().enumerate() {
                if l.value == 0 || !values.insert(l.value) {
                    c.bad(
                        format!("expectations.levels[{i}].value"),
                        "levels are numbered from 1, each once",
                    );
                }
            }
        }
    }

    fn check_profile(&self, c: &mut Checker) {
        for (i, p) in self.profile.iter().enumerate() {
            c.code(format!("profile[{i}].code"), &p.code);
            let mut opts = BTreeSet::new();
            if p.options.is_empty() {
                c.bad(format!("profile[{i}].options"), "needs at least one option");
            }
            for (j, o) in p.options.iter().enumerate() {
                if !is_code(&o.code) || !opts.insert(o.code.clone()) {
                    c.bad(
                        format!("profile[{i}].options[{j}].code"),
                        format!("\"{}\" is not a valid, unique option code", o.code),
                    );
                }
            }
        }
        let channels = self
            .profile
            .iter()
            .filter(|p| p.role == ProfileRole::Channel)
            .count();
        if channels > 1 {
            c.bad("profile", "only one question may have the role \"channel\"");
        }
    }
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
