//! Group commit: concurrent submissions are written by one thread, many to a
//! transaction (each in its own savepoint, so one refused answer does not undo the others),
//! with one fsync per batch. Nobody is answered before the batch that holds their write has
//! committed; if the commit fails, everyone in it gets the error and nothing is kept.
//!
//! The thread's connection is opened on its first batch and opened again, with backoff,
//! whenever it is lost (a database restarted, a connection killed): a batch waits for it, and
//! `healthy` says meanwhile that this node cannot write (`/healthz`). A full queue refuses
//! at once instead of blocking the caller.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;

use super::{DbConnection, Manager, StoreError};

/// What a job leaves to do once its batch's fate is known: answer its caller.
pub type Completion = Box<dyn FnOnce(Result<(), super::Cause>) + Send>;
/// What jobs of one batch add to the running tallies, written once per key at the end of
/// the batch instead of once per answer (one hot row per unit and day otherwise queues
/// every writer behind its lock).
pub type TallyDeltas =
    std::collections::BTreeMap<super::tallies::TallyKey, crate::domain::index::Tally>;
/// Any work, run in its own savepoint inside the batch's transaction.
pub type Work = Box<dyn FnOnce(&mut DbConnection, &mut TallyDeltas) -> Completion + Send>;

/// A write to run inside the batch's transaction.
pub enum Job {
    Work(Work),
    /// One response row and its tally delta (a poster or kiosk answer, no ticket): on
    /// PostgreSQL all of a batch's rows go in one multi-row statement.
    Row(Box<RowJob>),
}

/// What a `Job::Row` is answered: the new response's id, `None` when its submission id was
/// already stored (a repeat), or the error of its row or of the batch's commit.
pub type RowReply = Box<dyn FnOnce(Result<Option<i64>, super::Cause>) + Send>;

pub struct RowJob {
    pub row: super::responses::NewResponseRow,
    pub tally: (super::tallies::TallyKey, crate::domain::index::Tally),
    pub reply: RowReply,
}

pub const MAX_BATCH: usize = 512;

#[derive(Clone)]
pub struct GroupWriter {
    jobs: SyncSender<Job>,
    /// False while the thread cannot reach the database (it is trying again).
    healthy: Arc<AtomicBool>,
}

impl GroupWriter {
    /// Starts the writer's thread; its connection is opened by its first batch.
    pub fn start(manager: Manager) -> Result<GroupWriter, StoreError> {
        let (tx, rx) = sync_channel::<Job>(4 * MAX_BATCH);
        let healthy = Arc::new(AtomicBool::new(true));
        let flag = healthy.clone();
        std::thread::Builder::new()
            .name("hailong-writer".into())
            .spawn(move || run(&manager, rx, &flag))
            .map_err(|e| StoreError::writer("thread did not start", Some(super::cause(e))))?;
        Ok(GroupWriter { jobs: tx, healthy })
    }

    pub fn submit(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => StoreError::writer("is behind (its queue is full)", None),
            TrySendError::Disconnected(_) => StoreError::writer("has stopped", None),
        })
    }

    /// False while the writer cannot reach the database.
    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::SeqCst)
    }
}

/// The writer's connection, opened again and again (waiting up to 2 s between tries) until
/// the database answers; `healthy` is false meanwhile.
fn connect(manager: &Manager, healthy: &AtomicBool) -> DbConnection {
    let mut wait = Duration::from_millis(50);
    loop {
        match manager.open() {
            Ok(conn) => {
                healthy.store(true, Ordering::SeqCst);
                crate::telemetry::job_ok("writer_connect");
                return conn;
            }
            Err(e) => {
                healthy.store(false, Ordering::SeqCst);
                crate::telemetry::count_failure("writer_connect", &e.to_string());
                tracing::error!(error = %e, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "the writer cannot reach the database; trying again");
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// Whether a connection still answers (after a failed batch: lost, or only that batch's fault).
fn answers(conn: &mut DbConnection) -> bool {
    conn.batch_execute("SELECT 1").is_ok()
}

fn run(manager: &Manager, rx: Receiver<Job>, healthy: &AtomicBool) {
    let mut held: Option<DbConnection> = None;
    loop {
        // A connection lost: opened again at once, not at the next job (submissions are
        // refused meanwhile, so no job would come to open it).
        if held.is_none() && !healthy.load(Ordering::SeqCst) {
            held = Some(connect(manager, healthy));
        }
        let Ok(first) = rx.recv() else {
            break;
        };
        let mut jobs = Vec::with_capacity(64);
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        metrics_batch(jobs.len());
        let conn = held.get_or_insert_with(|| connect(manager, healthy));
        let mut completions: Vec<Completion> = Vec::with_capacity(jobs.len());
        let outcome = conn.transaction::<(), StoreError, _>(|c| {
            let mut deltas = TallyDeltas::new();
            let mut rows = Vec::new();
            for job in jobs.drain(..) {
                match job {
                    Job::Work(work) => completions.push(work(c, &mut deltas)),
                    Job::Row(row) => rows.push(*row),
                }
            }
            if !rows.is_empty() {
                completions.extend(insert_rows(c, rows, &mut deltas));
            }
            for (key, delta) in &deltas {
                super::tallies::add(c, key, delta)?;
            }
            Ok(())
        });
        let commit = outcome.map_err(super::cause);
        if let Err(e) = &commit {
            tracing::error!(error = %crate::telemetry::chain(e.as_ref()), size = completions.len(), "a batch of writes failed to commit");
            if !answers(conn) {
                // Lost: the next batch opens a new one.
                healthy.store(false, Ordering::SeqCst);
                held = None;
            }
        } else {
            healthy.store(true, Ordering::SeqCst);
        }
        for done in completions {
            done(commit.clone());
        }
    }
}

/// Inserts the batch's response rows: on PostgreSQL in one statement (in a savepoint; a
/// repeated submission id is skipped, not an error), row by row in savepoints when that
/// fails or on SQLite (where a statement costs no round trip). Adds the deltas of the rows
/// stored and returns what answers each row's caller once the batch has committed.
fn insert_rows(
    conn: &mut DbConnection,
    rows: Vec<RowJob>,
    deltas: &mut TallyDeltas,
) -> Vec<Completion> {
    // A `MultiConnection` keeps its transaction state in the inner connection: a transaction
    // begun on the inner one here is a savepoint of the batch's.
    let together = match conn {
        DbConnection::Pg(pg) => {
            let values: Vec<_> = rows.iter().map(|r| r.row.clone()).collect();
            pg.transaction(|pg| super::responses::insert_new(pg, &values))
                .ok()
        }
        DbConnection::Sqlite(_) => None,
    };
    let mut outcomes: Vec<(RowJob, Result<Option<i64>, super::Cause>)> = Vec::new();
    match together {
        Some(mut ids) => {
            for row in rows {
                // A submission id twice in one batch: the first is the stored one.
                let id = ids.remove(&row.row.submission_id);
                outcomes.push((row, Ok(id)));
            }
        }
        None => {
            for row in rows {
                let one = conn.transaction(|c| {
                    super::responses::insert(c, std::slice::from_ref(&row.row))?;
                    super::responses::id_of(c, &row.row.submission_id)
                });
                let outcome = match one {
                    Ok(id) => Ok(id),
                    Err(e) if e.is_unique_violation() => Ok(None),
                    Err(e) => Err(super::cause(e)),
                };
                outcomes.push((row, outcome));
            }
        }
    }
    outcomes
        .into_iter()
        .map(|(row, outcome)| {
            if let Ok(Some(_)) = &outcome {
                let (key, tally) = &row.tally;
                deltas.entry(key.clone()).or_default().merge(tally);
            }
            let reply = row.reply;
            let completion: Completion = Box::new(move |commit: Result<(), super::Cause>| {
                reply(commit.and(outcome));
            });
            completion
        })
        .collect()
}

fn metrics_batch(size: usize) {
    crate::telemetry::observe_batch(size);
}

/// The node's writer as the rest of the store sees it: started on first use, and whether it
/// can take work now.
impl super::Store {
    /// Whether the writer can take work now, waiting up to `patience` for it to come back when
    /// it has lost the database (a reconnect after a restart takes a moment). Answers at once
    /// when the writer has not started (it starts on first use) or is connected: a submission
    /// while the database is down is refused in seconds, not after the pool's 15 s wait.
    pub fn writer_ready(&self, patience: Duration) -> bool {
        let Some(Ok(group)) = self.group.get() else {
            return true;
        };
        let until = std::time::Instant::now() + patience;
        while !group.healthy() {
            if std::time::Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Whether the writer is connected (or not started yet), without waiting.
    pub fn writer_connected(&self) -> bool {
        self.group
            .get()
            .is_none_or(|g| g.as_ref().is_ok_and(GroupWriter::healthy))
    }

    /// Whether this node can write now: the group writer answers a no-op within two seconds
    /// (it reaches the database and is not stuck reconnecting). Started on first use.
    pub async fn can_write(&self) -> bool {
        let Ok(group) = self.group_writer() else {
            return false;
        };
        if !group.healthy() {
            return false;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let probe = Job::Work(Box::new(move |c, _| {
            let ok = diesel::connection::SimpleConnection::batch_execute(c, "SELECT 1").is_ok();
            Box::new(move |commit: Result<(), super::Cause>| {
                let _ = tx.send(ok && commit.is_ok());
            })
        }));
        if group.submit(probe).is_err() {
            return false;
        }
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(2), rx).await,
            Ok(Ok(true))
        )
    }

    /// The group-commit writer, started on first use.
    pub(super) fn group_writer(&self) -> Result<&GroupWriter, StoreError> {
        self.group
            .get_or_init(|| GroupWriter::start(self.manager.clone()).map_err(super::cause))
            .as_ref()
            .map_err(|e| StoreError::writer("did not start", Some(e.clone())))
    }
}
