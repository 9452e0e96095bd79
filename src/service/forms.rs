//! The forms the service knows: those in the forms directory, and those built into the
//! binary for any (id, version) the directory does not have. Also the version guard:
//! a form's questions cannot change under a version that already has responses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::form::{Form, FormProblem};
use crate::store::{meta, responses, Store, StoreError};

/// The forms compiled into the binary, so that it works from any directory.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "sipas-2017.json",
        include_str!("../../forms/sipas-2017.json"),
    ),
    (
        "sipas-2023.json",
        include_str!("../../forms/sipas-2023.json"),
    ),
    ("quick.json", include_str!("../../forms/quick.json")),
];

/// The form new units use unless told otherwise (METHODOLOGY §1.1).
pub const DEFAULT_FORM: &str = "sipas-2017";

#[derive(Debug, thiserror::Error)]
pub enum FormsError {
    #[error("{file}: {problem}")]
    Invalid { file: String, problem: FormProblem },
    #[error("{file}: cannot read it: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{file} and {other} both define form {id} version {version}")]
    Duplicate {
        file: String,
        other: String,
        id: String,
        version: u32,
    },
    #[error("the forms directory {0} does not exist")]
    NoDirectory(String),
    #[error(
        "form {id} version {version} changed ({file}), but {responses} responses were given on that version: \
         give the changed form a new \"version\" and keep the old file"
    )]
    ChangedUnderResponses {
        id: String,
        version: u32,
        file: String,
        responses: i64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct LoadedForm {
    pub form: Arc<Form>,
    pub file: String,
}

#[derive(Debug, Clone, Default)]
pub struct FormRegistry {
    forms: BTreeMap<(String, u32), LoadedForm>,
}

/// Reads every `*.json` in a directory except `schema.json`, in name order.
pub fn form_files(dir: &Path) -> Result<Vec<PathBuf>, FormsError> {
    let entries = std::fs::read_dir(dir).map_err(|e| FormsError::Unreadable {
        file: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != "schema.json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Checks form files and returns every problem, each naming its file (for `forms check`).
pub fn check_files(files: &[PathBuf]) -> Vec<FormsError> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<(String, u32), String> = BTreeMap::new();
    for path in files {
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(FormsError::Unreadable {
                    file,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        match Form::parse(&text) {
            Ok(form) => {
                let key = (form.id.clone(), form.version);
                if let Some(other) = seen.insert(key, file.clone()) {
                    problems.push(FormsError::Duplicate {
                        file,
                        other,
                        id: form.id,
                        version: form.version,
                    });
                }
            }
            Err(list) => problems.extend(list.into_iter().map(|problem| FormsError::Invalid {
                file: file.clone(),
                problem,
            })),
        }
    }
    problems
}

impl FormRegistry {
    /// The built-in forms alone.
    pub fn builtin() -> Result<FormRegistry, FormsError> {
        let mut reg = FormRegistry::default();
        for (name, text) in BUILTIN {
            reg.add_text(&format!("(built in) {name}"), text, false)?;
        }
        Ok(reg)
    }

    /// The forms of `dir` (when given, it must exist), then the built-in ones for any
    /// (id, version) the directory lacks.
    pub fn load(dir: Option<&Path>) -> Result<FormRegistry, FormsError> {
        let mut reg = FormRegistry::default();
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(FormsError::NoDirectory(dir.display().to_string()));
            }
            for path in form_files(dir)? {
                let file = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| FormsError::Unreadable {
                    file: file.clone(),
                    reason: e.to_string(),
                })?;
                reg.add_text(&file, &text, true)?;
            }
        }
        for (name, text) in BUILTIN {
            let form = parse_named(&format!("(built in) {name}"), text)?;
            let key = (form.id.clone(), form.version);
            reg.forms.entry(key).or_insert(LoadedForm {
                form: Arc::new(form),
                file: format!("(built in) {name}"),
            });
        }
        Ok(reg)
    }

    fn add_text(&mut self, file: &str, text: &str, strict: bool) -> Result<(), FormsError> {
        let form = parse_named(file, text)?;
        let key = (form.id.clone(), form.version);
        if let Some(other) = self.forms.get(&key) {
            if strict {
                return Err(FormsError::Duplicate {
                    file: file.to_string(),
                    other: other.file.clone(),
                    id: form.id,
                    version: form.version,
                });
            }
        }
        self.forms.insert(
            key,
            LoadedForm {
                form: Arc::new(form),
                file: file.to_string(),
            },
        );
        Ok(())
    }

    pub fn get(&self, id: &str, version: u32) -> Option<Arc<Form>> {
        self.forms
            .get(&(id.to_string(), version))
            .map(|l| l.form.clone())
    }

    /// The newest version of a form: what a unit's desk hands out now.
    pub fn latest(&self, id: &str) -> Option<Arc<Form>> {
        self.forms
            .range((id.to_string(), 0)..=(id.to_string(), u32::MAX))
            .next_back()
            .map(|(_, l)| l.form.clone())
    }

    pub fn all(&self) -> impl Iterator<Item = &LoadedForm> {
        self.forms.values()
    }

    /// The version guard of SPEC §5: records each form version's fingerprint and refuses
    /// a changed form under a version that already has responses.
    pub fn guard(&self, store: &Store, now: DateTime<Utc>) -> Result<(), FormsError> {
        for loaded in self.forms.values() {
            let form = &loaded.form;
            let version = i32::try_from(form.version).unwrap_or(i32::MAX);
            let fingerprint = form.fingerprint();
            store.write(|conn| -> Result<(), FormsError> {
                match meta::form_fingerprint(conn, &form.id, version)? {
                    Some(stored) if stored == fingerprint => Ok(()),
                    Some(_) => {
                        let n = responses::count_for_form(conn, &form.id, version)?;
                        if n > 0 {
                            return Err(FormsError::ChangedUnderResponses {
                                id: form.id.clone(),
                                version: form.version,
                                file: loaded.file.clone(),
                                responses: n,
                            });
                        }
                        Ok(meta::set_form_fingerprint(
                            conn,
                            &form.id,
                            version,
                            &fingerprint,
                            now.naive_utc(),
                        )?)
                    }
                    None => Ok(meta::set_form_fingerprint(
                        conn,
                        &form.id,
                        version,
                        &fingerprint,
                        now.naive_utc(),
                    )?),
                }
            })?;
        }
        Ok(())
    }
}

fn parse_named(file: &str, text: &str) -> Result<Form, FormsError> {
    Form::parse(text).map_err(|mut problems| FormsError::Invalid {
        file: file.to_string(),
        problem: problems.swap_remove(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_forms_are_valid_and_complete() {
        let reg = FormRegistry::builtin().unwrap();
        let s2017 = reg.latest("sipas-2017").unwrap();
        assert_eq!(s2017.criteria().count(), 22);
        assert_eq!(s2017.components.len(), 5);
        let s2023 = reg.latest("sipas-2023").unwrap();
        let sizes: Vec<usize> = s2023.components.iter().map(|c| c.criteria.len()).collect();
        assert_eq!(sizes, vec![3, 4, 3, 3, 3]);
        let quick = reg.latest("quick").unwrap();
        assert!(quick.components.iter().all(|c| c.criteria.len() == 1));
        for f in [&s2017, &s2023, &quick] {
            assert!(
                f.channel_question().is_some(),
                "{} has no channel question",
                f.id
            );
            for (_, cr) in f.criteria() {
                assert!(cr.text.en.is_some(), "{} lacks English", cr.code);
            }
        }
    }
}
