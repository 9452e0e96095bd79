//! The command line names the file and the line of bad input, and exits non-zero.

use std::process::Command;

use crate::helpers::{fresh_database, Backend};

/// Runs the command line on `db`: success, stdout, stderr.
pub(crate) fn run(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .arg("--database-url")
        .arg(db)
        .env("HAILONG_DATA_KEY_FILE", crate::helpers::key_file_of(db))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_is_consistent() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    app.seed_units();
    let load = {
        let client = app.client.clone();
        let url = app.url("/s/phuong-a");
        tokio::spawn(async move {
            for _ in 0..60 {
                let body = crate::helpers::full_answers("4");
                assert_eq!(
                    client.post(&url).form(&body).send().await.unwrap().status(),
                    reqwest::StatusCode::SEE_OTHER
                );
            }
        })
    };
    let dir =
        std::env::temp_dir().join(format!("hailong-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("copy.db");
    let db = app.db_url.clone();
    let f = file.clone();
    let (ok, _, err) =
        tokio::task::spawn_blocking(move || run(&db, &["backup", f.to_str().unwrap()]))
            .await
            .unwrap();
    assert!(ok, "{err}");
    load.await.unwrap();
    let copy = hailong::store::Store::open(&format!("sqlite://{}", file.display())).unwrap();
    let n = copy.read(hailong::store::responses::count).unwrap();
    assert!((0..=60).contains(&n));
    // Consistent: the copy's tallies count exactly its responses.
    let tallies = copy
        .read(|c| {
            hailong::store::tallies::sum_range(
                c,
                chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            )
        })
        .unwrap();
    assert_eq!(tallies.values().map(|t| t.responses as i64).sum::<i64>(), n);
    let (ok, _, err) = run(&app.db_url, &["backup", file.to_str().unwrap()]);
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = run(
        &crate::helpers::fresh_database(Backend::Postgres),
        &["backup", dir.join("x").to_str().unwrap()],
    );
    assert!(!ok && err.contains("pg_dump"), "{err}");
}

#[test]
fn serve_starts_from_the_command_line_and_answers_healthz() {
    use std::io::{BufRead, BufReader, Read, Write};
    let db = fresh_database(Backend::Sqlite);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args([
            "--database-url",
            &db,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--rate-limit",
            "30/60",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut port = None;
    let mut password = None;
    for line in lines.by_ref().take(10) {
        let line = line.unwrap();
        if line.len() == 20 && !line.contains(' ') {
            password = Some(line.clone());
        }
        if let Some(rest) = line.strip_prefix("Hailong is listening on port ") {
            port = rest.split(';').next().map(str::to_string);
            break;
        }
    }
    let port = port.expect("the listening line");
    assert!(
        password.is_some(),
        "the first start prints the admin password"
    );
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let bad = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args(["--database-url", &db, "serve", "--rate-limit", "lots"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("N/SECONDS"));
}

/// The way back in when the only admin forgot the password: a new one from the command line.
#[test]
fn an_admin_password_is_reset_and_accounts_disabled_from_the_command_line() {
    let db = fresh_database(Backend::Sqlite);
    let (ok, out, err) = run(&db, &["users", "add", "noi-vu", "--role", "admin"]);
    assert!(ok, "{err}");
    let first = out.lines().last().unwrap().to_string();
    let (ok, out, err) = run(&db, &["users", "reset-password", "noi-vu"]);
    assert!(ok, "{err}");
    let second = out.lines().last().unwrap().to_string();
    assert_ne!(first, second);
    let store = hailong::store::Store::open(&db).unwrap();
    let login = |password: &str| {
        hailong::service::users::login(
            &store,
            &mut rand::rng(),
            "noi-vu",
            password,
            chrono::Utc::now(),
        )
    };
    assert!(login(&first).is_err(), "the old password no longer works");
    assert!(login(&second).is_ok(), "the new one does");

    let (ok, _, err) = run(&db, &["users", "disable", "noi-vu"]);
    assert!(ok, "{err}");
    assert!(login(&second).is_err(), "a disabled account cannot sign in");
    let (_, out, _) = run(&db, &["users", "list"]);
    assert!(
        out.contains("noi-vu\tadmin") && out.contains("disabled"),
        "{out}"
    );
    let (ok, _, _) = run(&db, &["users", "enable", "noi-vu"]);
    assert!(ok);
    assert!(login(&second).is_ok());
    let (ok, _, err) = run(&db, &["users", "reset-password", "khong-co"]);
    assert!(!ok && err.contains("khong-co"), "{err}");
}

/// A command on PostgreSQL ends cleanly every time. It used to crash with SIGSEGV in about
/// one run in three, after its work was done: the pool's worker thread was opening a spare
/// connection inside libpq while the process exit ran OpenSSL's cleanup.
#[test]
fn commands_on_postgresql_exit_cleanly_every_time() {
    let db = fresh_database(Backend::Postgres);
    let dir = std::env::temp_dir().join(format!("hailong-exit-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("units.csv");
    std::fs::write(&file, crate::helpers::UNITS_CSV).unwrap();
    for run_no in 0..20 {
        let out = Command::new(env!("CARGO_BIN_EXE_hailong"))
            .args(["--database-url", &db, "units", "import"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "run {run_no}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Secrets never print (issue 32): a `Debug` of the settings, as a panic or a log line would
/// show it, holds neither the webhook secret, nor the metrics token, nor the database password.
#[test]
fn the_settings_print_no_secret() {
    let mut s = crate::helpers::settings("postgres://hailong:s3cret-pw@db.local:5432/hailong");
    s.webhook_secret = Some("webhook-secret-123456".into());
    s.metrics_token = Some("scraper-token-9876".into());
    let shown = format!("{s:?}");
    for secret in ["s3cret-pw", "webhook-secret-123456", "scraper-token-9876"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(
        shown.contains("postgres://hailong:***@db.local:5432/hailong"),
        "{shown}"
    );
}

/// `hailong topics check` names the line of a bad rule; `topics test` prints the scores of a
/// labelled file, the held-out comments' micro-F1 at least 0.80.
#[test]
fn topics_rules_are_checked_and_measured() {
    let dir =
        std::env::temp_dir().join(format!("hailong-topics-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "negators = [\"không\"]\n\n[[topic]]\ncode = \"parking\"\n",
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.join("x.db").display());
    let (ok, _, err) = run(&db, &["topics", "check", bad.to_str().unwrap()]);
    assert!(
        !ok && err.contains("line 4") && err.contains("unknown topic"),
        "{err}"
    );
    let (ok, out, err) = run(&db, &["topics", "test", "tests/data/topics-heldout.tsv"]);
    assert!(ok, "{err}");
    let micro = out.lines().last().unwrap();
    let f1: f64 = micro.rsplit('\t').next().unwrap().parse().unwrap();
    assert!(micro.starts_with("micro\t") && f1 >= 0.80, "{out}");
}
