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
/// A write to run inside the batch's transaction.
pub type Job = Box<dyn FnOnce(&mut DbConnection, &mut TallyDeltas) -> Completion + Send>;

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
            for job in jobs.drain(..) {
                completions.push(job(c, &mut deltas));
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

fn metrics_batch(size: usize) {
    crate::telemetry::observe_batch(size);
}
