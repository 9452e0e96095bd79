//! Form files: they validate against forms/schema.json, the CLI names file, line and reason,
//! and a form cannot change under a version that has responses.

use std::process::Command;

use crate::both_backends;
use crate::helpers::{as_refs, forms_dir, full_answers, settings, spawn_app, Backend};
use hailong::service::forms::FormsError;
use hailong::startup::{Application, StartError};

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(forms_dir().join("schema.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

#[test]
fn the_shipped_forms_validate_against_the_schema() {
    let v = schema();
    for name in ["sipas-2017.json", "sipas-2023.json", "quick.json"] {
        let text = std::fs::read_to_string(forms_dir().join(name)).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        hailong::domain::form::Form::parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}

#[test]
fn a_broken_form_is_refused_by_the_schema_and_by_the_service() {
    let v = schema();
    let text = std::fs::read_to_string(forms_dir().join("quick.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["components"][0]["criteria"][0]["code"] = serde_json::json!("Access 1");
    assert!(!v.is_valid(&doc));
    assert!(hailong::domain::form::Form::parse(&doc.to_string()).is_err());
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["surprise"] = serde_json::json!(true);
    assert!(!v.is_valid(&doc));
    assert!(hailong::domain::form::Form::parse(&doc.to_string()).is_err());
}

#[test]
fn forms_check_names_the_file_the_line_and_the_reason() {
    let dir = std::env::temp_dir().join(format!("hailong-forms-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string(forms_dir().join("quick.json")).unwrap();
    std::fs::write(dir.join("quick.json"), &good).unwrap();
    let bin = env!("CARGO_BIN_EXE_hailong");
    let out = Command::new(bin)
        .args(["forms", "check"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let broken = good.replacen("\"version\": 1", "\"version\": \"mot\"", 1);
    std::fs::write(dir.join("quick.json"), broken).unwrap();
    let out = Command::new(bin)
        .args(["forms", "check"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let line = good
        .lines()
        .position(|l| l.contains("\"version\""))
        .unwrap()
        + 1;
    assert!(err.contains("quick.json"), "{err}");
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("at version"), "{err}");
}

async fn a_form_changed_under_a_used_version_is_refused_at_start(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    // A unit on the quick form answers once.
    let quick: Vec<(String, String)> = [
        "access.1",
        "procedure.1",
        "staff.1",
        "result.1",
        "feedback.1",
        "overall",
    ]
    .iter()
    .map(|c| (c.to_string(), "4".to_string()))
    .collect();
    assert_eq!(
        app.post_form("/s/phuong-b", &as_refs(&quick))
            .await
            .status(),
        reqwest::StatusCode::SEE_OTHER
    );
    let _ = full_answers;

    let dir = std::env::temp_dir().join(format!("hailong-forms-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(forms_dir().join("quick.json")).unwrap();
    let changed = text.replacen(
        "Thái độ và sự hướng dẫn của công chức",
        "Thái độ của công chức",
        1,
    );
    assert_ne!(text, changed);
    std::fs::write(dir.join("quick.json"), &changed).unwrap();
    let mut s = settings(&app.db_url);
    s.forms_dir = Some(dir.clone());
    match Application::build(s) {
        Err(StartError::Forms(FormsError::ChangedUnderResponses {
            id,
            version,
            responses,
            ..
        })) => {
            assert_eq!((id.as_str(), version, responses), ("quick", 1, 1));
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a changed form under a used version must be refused"),
    }
    // The same change as a new version is accepted, and the old version stays known.
    let v2 = changed.replacen("\"version\": 1", "\"version\": 2", 1);
    std::fs::write(dir.join("quick.json"), &text).unwrap();
    std::fs::write(dir.join("quick-v2.json"), &v2).unwrap();
    let mut s = settings(&app.db_url);
    s.forms_dir = Some(dir);
    assert!(Application::build(s).is_ok());
}
both_backends!(a_form_changed_under_a_used_version_is_refused_at_start);
