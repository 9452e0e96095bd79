//! Group commit: concurrent submissions are written by one thread, many to a
//! transaction (each in its own savepoint, so one refused answer does not undo the others),
//! with one fsync per batch. Nobody is answered before the batch that holds their write has
//! committed; if the commit fails, everyone in it gets the error and nothing is kept.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

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
}

impl GroupWriter {
    pub fn start(manager: Manager) -> Result<GroupWriter, StoreError> {
        let conn = manager.open()?;
        let (tx, rx) = sync_channel::<Job>(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("hailong-writer".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| StoreError::writer("thread did not start", Some(super::cause(e))))?;
        Ok(GroupWriter { jobs: tx })
    }

    pub fn submit(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .send(job)
            .map_err(|_| StoreError::writer("has stopped", None))
    }
}

fn run(mut conn: DbConnection, rx: Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = Vec::with_capacity(64);
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        metrics_batch(jobs.len());
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
            Box::new(move |commit: Result<(), super::Cause>| {
                reply(commit.and(outcome));
            }) as Completion
        })
        .collect()
}

fn metrics_batch(size: usize) {
    crate::telemetry::observe_batch(size);
}
