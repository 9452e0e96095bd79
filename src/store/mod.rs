//! Storage with diesel: one binary serves SQLite (the zero-set-up default) and PostgreSQL
//! (chosen by a `postgres://` URL) through a `MultiConnection`. One set of migrations per
//! backend, embedded in the binary and run on start. SQLite funnels writes through a single
//! connection (one writer), reads through a small pool; PostgreSQL uses one pool for both.
//!
//! Lookups by a key use `get_result`, never `first`: diesel's `first` binds its `LIMIT 1`
//! as a parameter, and SQLite (3.47 and later) then re-prepares the cached statement at
//! every call because the limit's value may change the plan (about a tenth of a
//! submission's CPU time went to the SQL parser that way).

pub mod actions;
pub mod calendar;
pub mod counters;
pub mod dossiers;
mod error;
pub mod export;
pub mod feedback;
pub mod group;
pub mod invites;
pub mod kiosks;
pub mod limits;
mod memo;
pub mod meta;
pub mod paper;
pub mod pdfs;
pub mod privacy;
pub mod publications;
pub mod responses;
pub mod returned;
pub mod schema;
pub mod tallies;
pub mod tickets;
pub mod tokens;
pub mod topics;
pub mod units;
pub mod users;

pub use error::{cause, Cause, StoreError};
use memo::Memo;
pub use memo::MEMO_TTL;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives, read from `--database-url`: `postgres://…`, `sqlite://PATH`,
/// `sqlite:///abs/path`, or a bare file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DbTarget {
    pub fn parse(url: &str) -> Result<DbTarget, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(StoreError::refused(format!(
                "\"{url}\" names no database file; use sqlite://PATH or postgres://…"
            )));
        }
        if path.contains("://") {
            return Err(StoreError::refused(format!(
                "\"{url}\": only sqlite:// and postgres:// databases are supported"
            )));
        }
        Ok(DbTarget::Sqlite(PathBuf::from(path)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbTarget::Postgres(_) => Backend::Postgres,
            DbTarget::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// A description safe to print: no password.
    pub fn describe(&self) -> String {
        match self {
            DbTarget::Sqlite(p) => format!("SQLite file {}", p.display()),
            DbTarget::Postgres(url) => {
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(s), Some(at)) if at > s => format!("{}://…{}", &url[..s], &url[at..]),
                    _ => url.clone(),
                };
                format!("PostgreSQL {shown}")
            }
        }
    }
}

/// Opens connections for the pool, dispatching on the URL scheme ourselves so that a
/// PostgreSQL error message reaches the user instead of "invalid connection url".
#[derive(Debug, Clone)]
pub struct Manager {
    target: DbTarget,
}

impl Manager {
    fn open(&self) -> Result<DbConnection, StoreError> {
        match &self.target {
            DbTarget::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Pg)
                .map_err(|e| StoreError::open_failed(String::new(), e)),
            DbTarget::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(|e| StoreError::open_failed(format!(" {}", path.display()), e))?;
                // FULL: a response is on disk before its thank-you page is sent. secure_delete:
                // what a deletion removes (a sealed number, a ticket) is overwritten, not left
                // in free pages.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 67108864; PRAGMA secure_delete = ON;",
                )
                .map_err(|e| StoreError::open_failed(format!(" {}", path.display()), e))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::from)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Conn = PooledConnection<Manager>;

/// Runs the same diesel expression on the inner connection of either backend, for the
/// statements a `MultiConnection` cannot express (multi-row inserts).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::DbConnection::Pg($c) => $body,
            $crate::store::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Work that joins a group commit: it runs in its own savepoint and returns its value and,
/// for a response, the tally delta to merge into the batch's.
pub trait GroupedWork<T, E>:
    FnOnce(
        &mut DbConnection,
    ) -> Result<(T, Option<(tallies::TallyKey, crate::domain::index::Tally)>), E>
    + Send
    + 'static
{
}

impl<T, E, F> GroupedWork<T, E> for F where
    F: FnOnce(
            &mut DbConnection,
        ) -> Result<(T, Option<(tallies::TallyKey, crate::domain::index::Tally)>), E>
        + Send
        + 'static
{
}

/// How many raw exports may stream at once.
pub const EXPORT_CONNECTIONS: u32 = 2;

/// The database, shared by every request. Cloning is cheap.
#[derive(Clone)]
pub struct Store {
    read: Pool<Manager>,
    write: Pool<Manager>,
    /// Long streaming reads (the raw export) have their own few connections, so a client
    /// that downloads slowly, or stops reading, never holds one that citizens' pages need.
    export: Pool<Manager>,
    /// The group-commit writer of submissions, started on first use.
    group: std::sync::Arc<std::sync::OnceLock<Result<group::GroupWriter, Cause>>>,
    /// PostgreSQL: the writer of shared rate-limit counts, started on first use.
    limits: std::sync::Arc<std::sync::OnceLock<Option<limits::SharedCounts>>>,
    manager: Manager,
    backend: Backend,
    target: DbTarget,
    memo: std::sync::Arc<Memo>,
}

impl Store {
    /// Opens (creating an SQLite file if needed) and migrates the database.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        let target = DbTarget::parse(url)?;
        if target.backend() == Backend::Sqlite {
            configure_sqlite_once();
        }
        let manager = Manager {
            target: target.clone(),
        };
        // Fail with the driver's own message before building pools that would only time out.
        let mut first = manager.open()?;
        if let DbConnection::Sqlite(c) = &mut first {
            c.batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| StoreError::open_failed(" (WAL journal)".into(), e))?;
        }
        // Two nodes started at once on one PostgreSQL database: one migrates, the other waits
        // for it (the lock is the session's: it goes with the connection at the latest).
        start_lock(&mut first, true)?;
        migrate(&mut first)?;
        let hashed = feedback::hash_plain_codes(&mut first)?;
        start_lock(&mut first, false)?;
        if hashed > 0 {
            tracing::info!(
                items = hashed,
                "feedback tracking codes now stored as hashes"
            );
        }
        drop(first);
        // No idle minimum: r2d2 keeps one by opening a replacement on its own worker thread
        // whenever one is taken, and a command that ends while that thread is inside libpq
        // (OpenSSL) crashed in OpenSSL's exit handler: about one `units import` in three on
        // PostgreSQL died with SIGSEGV after its work was done. Connections are still opened
        // on demand and kept for reuse.
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(0))
                .connection_timeout(Duration::from_secs(15))
                .build(manager.clone())
        };
        let (read, write) = match target.backend() {
            Backend::Sqlite => (build(4)?, build(1)?),
            Backend::Postgres => {
                let pool = build(10)?;
                (pool.clone(), pool)
            }
        };
        let export = build(EXPORT_CONNECTIONS)?;
        // Both backends: on PostgreSQL too, batching turns the per-unit-and-day tally row,
        // which every submission of a desk updates, from a queue of row locks into one
        // update per batch. Started on the first submission: a CLI command never needs it.
        let group = std::sync::Arc::new(std::sync::OnceLock::new());
        Ok(Store {
            read,
            write,
            export,
            group,
            limits: Default::default(),
            manager,
            backend: target.backend(),
            target,
            memo: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    /// Runs read-only work on a pooled connection.
    /// Runs `f` while no other process on the same PostgreSQL database runs one (a start's
    /// one-time work: loading the demo). SQLite is one process: `f` simply runs.
    pub fn exclusively<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let mut lock = match self.manager.target {
            DbTarget::Postgres(_) => Some(self.manager.open()?),
            DbTarget::Sqlite(_) => None,
        };
        if let Some(c) = lock.as_mut() {
            start_lock(c, true)?;
        }
        let result = f();
        if let Some(c) = lock.as_mut() {
            start_lock(c, false)?;
        }
        result
    }

    pub fn read<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.read.get().map_err(StoreError::from)?;
        f(&mut conn)
    }

    /// Runs work that writes in one transaction on the writer connection: all of it is
    /// committed, or none of it.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.write.get().map_err(StoreError::from)?;
        let conn: &mut DbConnection = &mut conn;
        let sqlite = matches!(conn, DbConnection::Sqlite(_));
        conn.transaction(|c| {
            if sqlite {
                // Take SQLite's write lock first, as BEGIN IMMEDIATE would (a MultiConnection
                // cannot say it): a transaction that read first and then writes while another
                // process (the CLI beside the server) has written gets SQLITE_BUSY at once,
                // without waiting; a write as the first statement waits its turn (busy_timeout).
                c.batch_execute("UPDATE settings SET value = value WHERE key = '.write-lock'")?;
            }
            f(c).map_err(TxError::Work)
        })
        .map_err(TxError::into_work)
    }

    /// Like `write`, for the hot path of submissions: the work joins the next group commit
    /// (its own savepoint inside a shared transaction) and its tally delta is merged with the
    /// batch's; the call returns once that transaction has committed, or failed.
    pub fn write_grouped<T, E>(&self, f: impl GroupedWork<T, E>) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<T, E>>(1);
        self.join_group(f, move |answer| {
            let _ = tx.send(answer);
        })?;
        rx.recv()
            .unwrap_or_else(|_| Err(E::from(StoreError::writer("has stopped", None))))
    }

    /// The same, awaited: an async caller (a request handler) waits for the commit without
    /// holding a thread of the blocking pool (two thread hand-offs less per submission).
    pub async fn write_grouped_async<T, E>(&self, f: impl GroupedWork<T, E>) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
        self.join_group(f, move |answer| {
            let _ = tx.send(answer);
        })?;
        rx.await
            .unwrap_or_else(|_| Err(E::from(StoreError::writer("has stopped", None))))
    }

    fn join_group<T, E>(
        &self,
        f: impl GroupedWork<T, E>,
        reply: impl FnOnce(Result<T, E>) + Send + 'static,
    ) -> Result<(), E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let group = self.group_writer()?;
        let job = group::Job::Work(Box::new(
            move |conn: &mut DbConnection, deltas: &mut group::TallyDeltas| -> group::Completion {
                let result: Result<T, E> = conn
                    .transaction(|c| f(c).map_err(TxError::Work))
                    .map_err(TxError::into_work)
                    .map(|(value, delta)| {
                        if let Some((key, tally)) = delta {
                            deltas.entry(key).or_default().merge(&tally);
                        }
                        value
                    });
                Box::new(move |commit: Result<(), Cause>| {
                    reply(match commit {
                        Ok(()) => result,
                        Err(e) => Err(E::from(StoreError::writer(
                            "did not commit the batch",
                            Some(e),
                        ))),
                    });
                })
            },
        ));
        group.submit(job).map_err(E::from)
    }

    /// Stores one response row (no ticket to claim) in the next group commit, its tally delta
    /// merged with the batch's: on PostgreSQL with the batch's other rows in one statement.
    /// The new response's id, or `None` when its submission id was already stored.
    pub async fn insert_response_grouped(
        &self,
        row: responses::NewResponseRow,
        tally: (tallies::TallyKey, crate::domain::index::Tally),
    ) -> Result<Option<i64>, StoreError> {
        let group = self.group_writer()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        group.submit(group::Job::Row(Box::new(group::RowJob {
            row,
            tally,
            reply: Box::new(move |answer| {
                let _ = tx.send(answer);
            }),
        })))?;
        match rx.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(e)) => Err(StoreError::writer("did not store the response", Some(e))),
            Err(_) => Err(StoreError::writer("has stopped", None)),
        }
    }

    /// True when the rate limits' counts are kept in the database, shared by every process
    /// on it (PostgreSQL); SQLite is served by one process, which counts in memory.
    pub fn shares_limits(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// Counts one request of the rate limit `scope` for `client` in window `win` (the row may
    /// go at `expires_s`, Unix seconds) in the database: the request's place in its window and
    /// the previous window's count. `None` on SQLite, or when the count could not be taken.
    pub async fn count_shared(
        &self,
        scope: &'static str,
        client: i64,
        win: i64,
        expires_s: i64,
    ) -> Option<(i32, i32)> {
        if !self.shares_limits() {
            return None;
        }
        let counts = self
            .limits
            .get_or_init(|| limits::SharedCounts::start(self.manager.clone()).ok())
            .as_ref()?;
        let hit = limits::Hit {
            scope,
            client,
            win,
            expires_s,
        };
        counts.count(hit).await.map(|c| (c.current, c.previous))
    }

    /// A connection for one long streaming read, or `None` when all export connections
    /// are busy (after a short wait): the caller answers "busy, try again" at once instead
    /// of queueing behind slow downloads.
    pub fn export_connection(&self) -> Result<Option<Conn>, StoreError> {
        match self.export.get_timeout(Duration::from_secs(2)) {
            Ok(conn) => Ok(Some(conn)),
            Err(_) if self.export.state().connections >= EXPORT_CONNECTIONS => Ok(None),
            Err(e) => Err(StoreError::Pool(e)),
        }
    }

    /// Open and idle connections of the read pool, for `/metrics`.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.read.state();
        (s.connections, s.idle_connections)
    }

    /// True when the database answers a query.
    pub fn ping(&self) -> bool {
        self.read(|c| c.batch_execute("SELECT 1").map_err(StoreError::from))
            .is_ok()
    }
}

/// What ends a transaction: the work's own error, or the database's (at BEGIN or COMMIT).
/// Callers see only their own error type; the database's arrives as a `StoreError`, so no
/// layer above the store needs to know diesel's error type.
enum TxError<E> {
    Work(E),
    Db(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for TxError<E> {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Db(e)
    }
}

impl<E: From<StoreError>> TxError<E> {
    fn into_work(self) -> E {
        match self {
            TxError::Work(e) => e,
            TxError::Db(e) => E::from(StoreError::from(e)),
        }
    }
}

/// Before SQLite's first use: no global memory statistics (a process-wide mutex taken on
/// every allocation), and multi-thread mode (each connection is used by one thread at a
/// time, which the pool guarantees). Both only speed it up; if SQLite was already
/// initialised, the calls are refused harmlessly and it keeps its defaults.
fn configure_sqlite_once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called before any connection is opened by this process
        // (Store::open is the only place that opens SQLite connections, and it calls this
        // first); when SQLite is already initialised it returns SQLITE_MISUSE and does nothing.
        #[allow(unsafe_code)]
        unsafe {
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                std::ffi::c_int::from(0u8),
            );
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD);
        }
    });
}

/// The key of the advisory lock a start takes on PostgreSQL ("Hailong" in ASCII).
const START_LOCK: i64 = 0x0048_6169_6c6f_6e67;

/// Takes (`true`) or gives back the start lock on PostgreSQL; nothing on SQLite.
fn start_lock(conn: &mut DbConnection, take: bool) -> Result<(), StoreError> {
    if let DbConnection::Pg(c) = conn {
        let f = if take {
            "pg_advisory_lock"
        } else {
            "pg_advisory_unlock"
        };
        c.batch_execute(&format!("SELECT {f}({START_LOCK})"))
            .map_err(StoreError::Query)?;
    }
    Ok(())
}

fn migrate(conn: &mut DbConnection) -> Result<(), StoreError> {
    let result = match conn {
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| StoreError::Migration(cause(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(
            DbTarget::parse("sqlite://hailong.db").unwrap(),
            DbTarget::Sqlite("hailong.db".into())
        );
        assert_eq!(
            DbTarget::parse("sqlite:///var/lib/h.db").unwrap(),
            DbTarget::Sqlite("/var/lib/h.db".into())
        );
        assert_eq!(
            DbTarget::parse("x.db").unwrap(),
            DbTarget::Sqlite("x.db".into())
        );
        assert_eq!(
            DbTarget::parse("postgres://u:secret@h/db")
                .unwrap()
                .describe(),
            "PostgreSQL postgres://…@h/db"
        );
        assert!(DbTarget::parse("mysql://h/db").is_err());
        assert!(DbTarget::parse("sqlite://").is_err());
    }
}
