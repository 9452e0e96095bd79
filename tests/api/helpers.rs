//! spawn_app(): the real server on a random port, on a fresh SQLite file or a fresh
//! PostgreSQL database, plus a direct handle on the same database for assertions.

use std::path::PathBuf;

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use hailong::config::Settings;
use hailong::service::forms::FormRegistry;
use hailong::service::{tokens, units};
use hailong::startup::Application;
use hailong::store::Store;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("HAILONG_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A new, empty database URL for one test. A PostgreSQL failure fails the test: CI must
/// never pass with the PostgreSQL half skipped.
pub fn fresh_database(backend: Backend) -> String {
    let id = Uuid::new_v4().simple().to_string();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("hailong-test-{id}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            format!("sqlite://{}", dir.join("hailong.db").display())
        }
        Backend::Postgres => {
            let admin = pg_admin_url();
            let mut conn = PgConnection::establish(&admin).unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL at {admin} is required for the PostgreSQL half of the tests: {e}"
                )
            });
            let name = format!("hailong_t_{id}");
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .expect("a database URL with a path");
            format!("{base}/{name}")
        }
    }
}

pub fn forms_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("forms")
}

pub struct TestApp {
    handle: actix_web::dev::ServerHandle,
    pub address: String,
    pub db_url: String,
    pub store: Store,
    pub client: reqwest::Client,
}

pub fn settings(db_url: &str) -> Settings {
    Settings {
        database_url: db_url.into(),
        forms_dir: Some(forms_dir()),
        bind: "127.0.0.1:0".into(),
        public_url: None,
        ticket_ttl_days: 30,
        demo: false,
        scheme: hailong::domain::period::Scheme::Calendar,
        rate_limit: None,
        login_rate_limit: None,
        ticket_rate_limit: None,
        feedback_unit_limit: None,
        // The tablets' limits as in production: the kiosk tests rely on them.
        kiosk_rate_limit: Some(hailong::web::ratelimit::Limit {
            max: 60,
            window: std::time::Duration::from_secs(60),
        }),
        pair_rate_limit: Some(hailong::web::ratelimit::Limit {
            max: 10,
            window: std::time::Duration::from_secs(600),
        }),
        export_write_timeout_secs: 60,
        trust_proxy: false,
        comment_retention_days: 0,
        topics_file: None,
        webhook_url: None,
        webhook_secret: None,
        low_score_digest_secs: 3600,
        metrics_token: None,
        feedback_deadlines: Default::default(),
        lineage_grace_days: hailong::service::submit::DEFAULT_GRACE_DAYS,
        kiosk: Default::default(),
        data_key_file: key_file_of(db_url),
        invite: Default::default(),
        privacy: Default::default(),
        publishing: Default::default(),
    }
}

/// The data key of a test database: one file per database (two nodes on one database share
/// it, as they must), in the temporary directory.
pub fn key_file_of(db_url: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("hailong-test-keys");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let name = hailong::secret::hmac_sha256_hex(b"test", db_url.as_bytes());
    dir.join(format!("{}.key", &name[..16]))
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let db_url = fresh_database(backend);
    spawn_on(backend, &db_url, settings(&db_url)).await
}

pub async fn spawn_on(_backend: Backend, db_url: &str, settings: Settings) -> TestApp {
    let app = Application::build(settings).expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let store = Store::open(db_url).expect("open the test database");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        handle,
        address,
        db_url: db_url.to_string(),
        store,
        client,
    }
}

/// The password of the tests' accounts: chosen by them, so no change is forced at sign-in.
pub const STAFF_PASSWORD: &str = "Bộ phận một cửa, mật khẩu thử 2026";

pub const UNITS_CSV: &str = "code,name,name_en,parent,form,valid_from,valid_to,predecessors
quan-test,Ủy ban nhân dân quận Thử,Test District,,,,,
phuong-a,Phường A,Ward A,quan-test,,,,
phuong-b,Phường B,Ward B,quan-test,quick,,,
phuong-cu,Phường Cũ,Old Ward,quan-test,,2021-01-01,2025-06-30,
phuong-moi,Phường Mới,New Ward,,,2025-07-01,,phuong-cu
";

/// The test units (`UNITS_CSV`) in a store the test opened itself (no server yet).
pub fn seed_units_into(store: &hailong::store::Store) {
    let registry = FormRegistry::load(Some(&forms_dir())).expect("forms");
    let list = units::parse_csv(UNITS_CSV, &registry).expect("units csv");
    units::import(store, &list, false, Utc::now()).expect("import units");
}

/// Stops the server when a test ends, so its database connections close (dozens of tests
/// share one PostgreSQL server). Best effort, bounded: never hangs a test run.
impl Drop for TestApp {
    fn drop(&mut self) {
        let stop = self.handle.stop(false);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            futures::executor::block_on(stop);
            let _ = tx.send(());
        });
        let _ = rx.recv_timeout(std::time::Duration::from_secs(5));
    }
}

/// A browser at the sign-in form of a server (a test app, or a `serve` process of several on
/// one database): a client that follows no redirect, and the form's CSRF cookie (a
/// double-submit value: every node accepts it). The one way the tests sign in by the form.
pub struct SignInForm {
    pub client: reqwest::Client,
    /// The server the form was opened on.
    pub base: String,
    pub csrf: String,
}

impl SignInForm {
    pub async fn open(base: &str) -> SignInForm {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .unwrap();
        let page = client.get(format!("{base}/login")).send().await.unwrap();
        let csrf = crate::staff::set_cookie(&page, "hailong_login")
            .expect("a CSRF cookie")
            .0;
        SignInForm {
            client,
            base: base.to_string(),
            csrf,
        }
    }

    /// Signs in on the form's server: the answer's status (0 when none came).
    pub async fn sign_in(&self, name: &str, password: &str) -> u16 {
        self.sign_in_at(&self.base, name, password).await
    }

    /// Signs in on the server at `base` (another node) with this form's cookie.
    pub async fn sign_in_at(&self, base: &str, name: &str, password: &str) -> u16 {
        self.client
            .post(format!("{base}/login"))
            .header("cookie", format!("hailong_login={}", self.csrf))
            .form(&[
                ("csrf", self.csrf.as_str()),
                ("username", name),
                ("password", password),
            ])
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }
}

/// A member of staff signed in to a test app (a session made through the service, so no
/// sign-in throttle or rate limit is spent): `get` and `post_form` send the session cookie,
/// and `post_form` fills in the session's CSRF token.
pub struct StaffClient<'a> {
    app: &'a TestApp,
    /// The session cookie's value.
    pub token: String,
    pub csrf: String,
}

impl StaffClient<'_> {
    /// The `Cookie` header's value, for a request built by hand.
    pub fn cookie(&self) -> String {
        format!("hailong_session={}", self.token)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", format!("hailong_session={}", self.token))
            .send()
            .await
            .expect("GET")
    }

    /// A post with exactly these fields (no CSRF token added): a forged or stale form.
    pub async fn post_exactly(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie())
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", format!("hailong_session={}", self.token))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }
}

impl TestApp {
    /// A new account of `role` (an officer's `unit`), signed in.
    pub async fn signed_in(
        &self,
        role: hailong::domain::user::Role,
        unit: Option<&str>,
    ) -> StaffClient<'_> {
        let name = format!(
            "{}-{}",
            role.as_str(),
            &Uuid::new_v4().simple().to_string()[..8]
        );
        self.staff(&name, role, unit).await
    }

    /// A new account named `name` (for tests that read it in the audit log), signed in.
    pub async fn staff(
        &self,
        name: &str,
        role: hailong::domain::user::Role,
        unit: Option<&str>,
    ) -> StaffClient<'_> {
        self.staff_as(name, role, unit, false).await
    }

    /// A new officer named `name` who leads `unit`, signed in.
    pub async fn lead(&self, name: &str, unit: &str) -> StaffClient<'_> {
        use hailong::domain::user::Role;
        self.staff_as(name, Role::Officer, Some(unit), true).await
    }

    /// The member of staff an account is now (as the services take it).
    pub fn staff_named(&self, name: &str) -> hailong::service::users::Staff {
        let row = hailong::service::users::list(&self.store)
            .expect("users")
            .into_iter()
            .find(|u| u.username == name)
            .expect("the account");
        hailong::service::users::Staff {
            id: row.id,
            username: row.username,
            role: hailong::domain::user::Role::parse(&row.role).expect("a role"),
            unit: row.unit_code,
            must_change_password: row.must_change_password,
            lead: row.lead,
        }
    }

    async fn staff_as(
        &self,
        name: &str,
        role: hailong::domain::user::Role,
        unit: Option<&str>,
        lead: bool,
    ) -> StaffClient<'_> {
        use hailong::service::users;
        users::add(
            &self.store,
            &mut rand::rng(),
            users::NewUser {
                username: name,
                role,
                unit,
                password: Some(STAFF_PASSWORD),
                lead,
            },
            "test",
            Utc::now(),
        )
        .expect("an account");
        let (store, name) = (self.store.clone(), name.to_string());
        let session = tokio::task::spawn_blocking(move || {
            users::login(&store, &mut rand::rng(), &name, STAFF_PASSWORD, Utc::now())
        })
        .await
        .expect("the sign-in task")
        .expect("signed in");
        StaffClient {
            app: self,
            token: session.token,
            csrf: session.csrf,
        }
    }

    /// A browser at this app's sign-in form.
    pub async fn login_form(&self) -> SignInForm {
        SignInForm::open(self.url("").trim_end_matches('/')).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn seed_units(&self) {
        seed_units_into(&self.store);
    }

    pub fn token(&self, name: &str, unit: Option<&str>) -> String {
        tokens::create(&self.store, &mut rand::rng(), name, unit, Utc::now()).expect("token")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post_form(&self, path: &str, body: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("POST json")
    }

    /// A GET with a bearer token (a machine client, or the Home Affairs Office's).
    pub async fn get_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        let req = self.client.get(self.url(path)).bearer_auth(token);
        req.send().await.expect("GET with a token")
    }

    pub fn count_responses(&self) -> i64 {
        self.store
            .read(hailong::store::responses::count)
            .expect("count")
    }
}

/// Every criterion and the overall question of sipas-2017 answered with `score`.
pub fn full_answers(score: &str) -> Vec<(String, String)> {
    let registry = FormRegistry::builtin().expect("forms");
    let form = registry.latest("sipas-2017").expect("sipas-2017");
    let mut out: Vec<(String, String)> = form
        .criteria()
        .map(|(_, c)| (c.code.clone(), score.to_string()))
        .collect();
    out.push(("overall".into(), score.to_string()));
    out
}

pub fn as_refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

/// Declares a test once and runs it on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// A `hailong serve` process of a test: killed when the test ends, even when it fails, so
/// that no node outlives its test and holds its database.
pub struct Node(pub std::process::Child);

impl std::ops::Deref for Node {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for Node {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `hailong serve` as its own process on a random port with `args` added (the tests
/// that kill it, or measure its memory); returns it and its address.
pub fn serve_process(db: &str, args: &[&str]) -> (Node, String) {
    use std::io::BufRead;
    // Its log goes to a file, so that a node that dies says why.
    let log = std::env::temp_dir().join(format!("hailong-node-{}.log", Uuid::new_v4().simple()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args(["--database-url", db, "serve", "--bind", "127.0.0.1:0"])
        // No PDFs printed beside the tests (the one test of them asks for it).
        .args(["--chromium", "off"])
        .env("HAILONG_DATA_KEY_FILE", key_file_of(db))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("a log file"))
        .spawn()
        .expect("start hailong serve");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let child = Node(child);
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("Hailong is listening on port ")
                .map(|r| r.split(';').next().unwrap_or("").to_string())
        })
        .unwrap_or_else(|| {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = said.lines().rev().take(15).collect();
            panic!(
                "the server did not say where it listens; its log ends:\n{}",
                tail.join("\n")
            )
        });
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://127.0.0.1:{port}"))
}
