//! The command line names the file and the line of bad input, and exits non-zero.

use std::process::Command;

use crate::helpers::{fresh_database, Backend};

fn run(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .arg("--database-url")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn units_import_reports_the_bad_line_and_keeps_nothing() {
    let db = fresh_database(Backend::Sqlite);
    let dir = std::env::temp_dir().join(format!("hailong-units-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("units.csv");
    std::fs::write(
        &file,
        "\u{feff}code,name,name_en,parent\nphuong-1,Phường 1,Ward 1,\nPhường 2,Phường 2,,\n",
    )
    .unwrap();
    let (ok, _, err) = run(&db, &["units", "import", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("units.csv") && err.contains("line 3"), "{err}");
    let (ok, out, _) = run(&db, &["units", "list"]);
    assert!(ok);
    assert!(!out.contains("phuong-1"), "nothing of a bad file is kept");

    std::fs::write(
        &file,
        "code,name,name_en,parent\nquan-1,Quận 1,,\nphuong-1,Phường 1,Ward 1,quan-1\n",
    )
    .unwrap();
    let (ok, out, err) = run(&db, &["units", "import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("2 units added"), "{out}");
    std::fs::write(
        &file,
        "code,name,name_en,parent\nphuong-1,Phường Một,Ward One,quan-1\n",
    )
    .unwrap();
    let (ok, out, _) = run(&db, &["units", "import", file.to_str().unwrap()]);
    assert!(ok && out.contains("1 updated"), "{out}");
    let (_, out, _) = run(&db, &["units", "list"]);
    assert!(
        out.contains("phuong-1\tPhường Một\tWard One\tquan-1\tsipas-2017"),
        "{out}"
    );
}

#[test]
fn tokens_are_printed_once_and_stored_as_hashes() {
    let db = fresh_database(Backend::Sqlite);
    let (ok, out, err) = run(&db, &["tokens", "create", "phan-mem-mot-cua"]);
    assert!(ok, "{err}");
    let token = out.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("hl_") && token.len() > 60);
    let store = hailong::store::Store::open(&db).unwrap();
    let rows = store.read(hailong::store::tokens::list).unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].token_hash, token);
    assert_eq!(rows[0].token_hash, hailong::service::tokens::hash(&token));
    let (ok, _, err) = run(&db, &["tokens", "create", "x", "--unit", "khong-co"]);
    assert!(!ok && err.contains("khong-co"), "{err}");
    let (ok, _, _) = run(&db, &["tokens", "revoke", "phan-mem-mot-cua"]);
    assert!(ok);
    assert!(hailong::service::tokens::authenticate(&store, &token)
        .unwrap()
        .is_none());
}

#[test]
fn a_bad_database_url_is_one_plain_sentence() {
    let (ok, _, err) = run("postgres://nobody@127.0.0.1:1/none", &["units", "list"]);
    assert!(!ok);
    assert!(
        err.starts_with("hailong: cannot open the database"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}
