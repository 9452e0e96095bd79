//! The checks of a form file that a JSON schema cannot express well.

use std::collections::BTreeSet;

use super::{is_slug, ExpectationKind, Form, FormProblem, ProfileRole};

impl Form {
    /// The checks that a JSON schema cannot express well: unique codes, a complete scale, and so on.
    pub(super) fn problems(&self) -> Vec<FormProblem> {
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
