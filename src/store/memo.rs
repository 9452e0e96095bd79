//! Short-lived copies of small rows every request reads, and on PostgreSQL the listener that
//! drops them when another process changes them.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::{Backend, DbTarget, Store, StoreError};

/// Short-lived copies of small rows that every submission reads and that rarely change (a
/// unit, a bearer token): one database read saved per request. Kept per `Store` (so per
/// database), for `MEMO_TTL` at most, and dropped at once when this process changes them;
/// another process sees a change within `MEMO_TTL`.
#[derive(Default)]
pub(super) struct Memo {
    entries: std::sync::Mutex<MemoMap>,
    /// Counts the changes heard of (this process's and, on PostgreSQL, the others'): what
    /// is kept longer than a memo (the public pages, issue 38) is kept for one generation.
    generation: std::sync::atomic::AtomicU64,
}

/// By kind ("unit", "token"), then key: a lookup by `&str` allocates nothing.
type MemoMap = std::collections::HashMap<
    &'static str,
    std::collections::HashMap<String, (std::time::Instant, MemoValue)>,
>;
type MemoValue = std::sync::Arc<dyn std::any::Any + Send + Sync>;

/// How long a memo is trusted.
pub const MEMO_TTL: Duration = Duration::from_secs(5);

/// The PostgreSQL channel on which processes announce the kind of memo a change made stale.
const MEMO_CHANNEL: &str = "hailong_memo";

/// How often the listener looks for announcements.
const LISTEN_EVERY: Duration = Duration::from_millis(200);

impl Memo {
    fn drop_kind(&self, kind: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(kind);
        }
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    fn drop_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// The listener's loop (see `Store::listen_for_changes`).
fn listen(url: &str, memo: &std::sync::Weak<Memo>) {
    while memo.strong_count() > 0 {
        let conn = PgConnection::establish(url).and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {MEMO_CHANNEL}"))
                .map(|_| c)
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
        });
        let Ok(mut conn) = conn else {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        if let Some(m) = memo.upgrade() {
            m.drop_all();
        }
        loop {
            std::thread::sleep(LISTEN_EVERY);
            let Some(m) = memo.upgrade() else {
                return;
            };
            let mut lost = false;
            for notice in conn.notifications_iter() {
                match notice {
                    Ok(n) => m.drop_kind(&n.payload),
                    Err(_) => {
                        lost = true;
                        break;
                    }
                }
            }
            if lost {
                break;
            }
        }
    }
}

impl Store {
    /// The generation of what this process knows of the database: it grows with every
    /// change announced by `forget` (here, or on PostgreSQL by another process). A copy made
    /// at one generation is good until the next.
    pub fn generation(&self) -> u64 {
        self.memo
            .generation
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// A memo of `kind`/`key` younger than `MEMO_TTL`, without loading it (for work that
    /// must not touch the database, such as a request handler's fast path).
    pub fn memo_peek<T: Clone + Send + Sync + 'static>(
        &self,
        kind: &'static str,
        key: &str,
    ) -> Option<T> {
        let entries = self.memo.entries.lock().ok()?;
        let (at, value) = entries.get(kind)?.get(key)?;
        (at.elapsed() < MEMO_TTL)
            .then(|| value.downcast_ref::<T>().cloned())
            .flatten()
    }

    /// The value of `kind`/`key` from the memo if it is younger than `MEMO_TTL`, else from
    /// `load` (and remembered).
    pub fn memo<T, E>(
        &self,
        kind: &'static str,
        key: &str,
        load: impl FnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
    {
        if let Some(value) = self.memo_peek(kind, key) {
            return Ok(value);
        }
        let value = load(self)?;
        if let Ok(mut entries) = self.memo.entries.lock() {
            let of_kind = entries.entry(kind).or_default();
            if of_kind.len() >= 10_000 {
                of_kind.clear();
            }
            of_kind.insert(
                key.to_string(),
                (
                    std::time::Instant::now(),
                    std::sync::Arc::new(value.clone()),
                ),
            );
        }
        Ok(value)
    }

    /// Forgets every memo of `kind` (after this process changed such rows). On PostgreSQL
    /// the other processes on the database (nodes, and a server beside this command line)
    /// are told too, and drop theirs within a second (`listen_for_changes`).
    pub fn forget(&self, kind: &'static str) {
        self.memo.drop_kind(kind);
        if self.backend == Backend::Postgres {
            let sql = format!("SELECT pg_notify('{MEMO_CHANNEL}', '{kind}')");
            if let Err(e) = self.read(|c| c.batch_execute(&sql).map_err(StoreError::from)) {
                // The other nodes still drop it within MEMO_TTL.
                tracing::warn!(kind, error = %e, "could not tell the other nodes of a change");
            }
        }
    }

    /// On PostgreSQL, a thread that listens for the changes other processes announce and
    /// drops this process's memos of that kind at once (within about 200 ms). It reconnects
    /// after a lost connection (dropping every memo then, since a notice may have been lost;
    /// `MEMO_TTL` covers the gap) and ends when the last handle of this store is dropped.
    /// None on SQLite, which is one process.
    pub fn listen_for_changes(&self) -> Option<std::thread::JoinHandle<()>> {
        let DbTarget::Postgres(url) = &self.target else {
            return None;
        };
        let (url, memo) = (url.clone(), std::sync::Arc::downgrade(&self.memo));
        std::thread::Builder::new()
            .name("memo-listener".into())
            .spawn(move || listen(&url, &memo))
            .ok()
    }
}
