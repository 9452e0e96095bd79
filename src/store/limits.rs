//! Counts that every node of the service shares, so that a limit holds for the whole service
//! and not per process: password attempts on what is not an account row (a name that is no
//! account, a known device), on both backends; and, on PostgreSQL, the per-client request
//! counts of the rate limits, written by one thread per process in batches.

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text};

use super::schema::throttles;
use super::{DbConnection, Manager, StoreError};

/// Takes one attempt on `kind`/`key` unless a wait runs at `now`: `Ok(count)` with the
/// attempts taken so far, or `Err(until)` while the wait runs. One statement counts (parallel
/// attempts on two nodes cannot read the same count). Must run in a write transaction.
pub fn take_attempt(
    conn: &mut DbConnection,
    kind: &str,
    key: &str,
    now: NaiveDateTime,
) -> Result<Result<i32, NaiveDateTime>, StoreError> {
    let fresh = (
        throttles::kind.eq(kind),
        throttles::key.eq(key),
        throttles::tries.eq(0),
        throttles::wait_until.eq(now),
        throttles::last_at.eq(now),
    );
    crate::on_backend!(conn, |c| diesel::insert_into(throttles::table)
        .values(fresh)
        .on_conflict_do_nothing()
        .execute(c))?;
    let taken = diesel::update(
        throttles::table
            .find((kind, key))
            .filter(throttles::wait_until.le(now)),
    )
    .set((
        throttles::tries.eq(throttles::tries + 1),
        throttles::last_at.eq(now),
    ))
    .execute(conn)?;
    let (count, until): (i32, NaiveDateTime) = throttles::table
        .find((kind, key))
        .select((throttles::tries, throttles::wait_until))
        .get_result(conn)?;
    Ok(if taken == 1 { Ok(count) } else { Err(until) })
}

/// The next attempt on `kind`/`key` waits until `until`.
pub fn wait(
    conn: &mut DbConnection,
    kind: &str,
    key: &str,
    until: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(throttles::table.find((kind, key)))
        .set(throttles::wait_until.eq(until))
        .execute(conn)?;
    Ok(())
}

/// Forgets the attempts on `kind`/`key` (a right password).
pub fn clear(conn: &mut DbConnection, kind: &str, key: &str) -> Result<(), StoreError> {
    diesel::delete(throttles::table.find((kind, key))).execute(conn)?;
    Ok(())
}

/// Removes counts silent since `before` whose wait has ended by `now`.
pub fn sweep_attempts(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        throttles::table
            .filter(throttles::last_at.lt(before))
            .filter(throttles::wait_until.lt(now)),
    )
    .execute(conn)?)
}

/// One request counted by a rate limit: `scope` names the limit, `client` the keyed hash of
/// the client, `win` the fixed window (Unix seconds / window length); the row may go at
/// `expires_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hit {
    pub scope: &'static str,
    pub client: i64,
    pub win: i64,
    pub expires_s: i64,
}

/// What the database counted for a hit: this request's place in its window, and the count
/// of the window before (for the sliding estimate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub current: i32,
    pub previous: i32,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Text)]
    scope: String,
    #[diesel(sql_type = BigInt)]
    client: i64,
    #[diesel(sql_type = BigInt)]
    win: i64,
    #[diesel(sql_type = Integer)]
    hits: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    previous: Option<i32>,
}

/// Adds `n` hits per distinct hit in one statement; returns each hit's new count and its
/// previous window's count.
fn count_grouped(
    conn: &mut diesel::PgConnection,
    grouped: &HashMap<Hit, i32>,
) -> Result<HashMap<Hit, (i32, i32)>, StoreError> {
    let grouped: Vec<(Hit, i32)> = grouped.iter().map(|(h, n)| (*h, *n)).collect();
    let scopes: Vec<String> = grouped.iter().map(|(h, _)| h.scope.to_string()).collect();
    let clients: Vec<i64> = grouped.iter().map(|(h, _)| h.client).collect();
    let wins: Vec<i64> = grouped.iter().map(|(h, _)| h.win).collect();
    let ns: Vec<i32> = grouped.iter().map(|(_, n)| *n).collect();
    let expiries: Vec<i64> = grouped.iter().map(|(h, _)| h.expires_s).collect();
    let rows: Vec<CountRow> = diesel::sql_query(
        "INSERT INTO rate_counts AS r (scope, client, win, hits, expires_s) \
         SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int4[], $5::int8[]) \
         ON CONFLICT (scope, client, win) DO UPDATE SET hits = r.hits + EXCLUDED.hits \
         RETURNING r.scope, r.client, r.win, r.hits, \
           (SELECT p.hits FROM rate_counts p \
             WHERE p.scope = r.scope AND p.client = r.client AND p.win = r.win - 1) AS previous",
    )
    .bind::<Array<Text>, _>(scopes)
    .bind::<Array<BigInt>, _>(clients)
    .bind::<Array<BigInt>, _>(wins)
    .bind::<Array<Integer>, _>(ns)
    .bind::<Array<BigInt>, _>(expiries)
    .load(conn)?;
    let hits: HashMap<(&str, i64, i64), Hit> = grouped
        .iter()
        .map(|(h, _)| ((h.scope, h.client, h.win), *h))
        .collect();
    Ok(rows
        .iter()
        .filter_map(|r| {
            let hit = hits.get(&(r.scope.as_str(), r.client, r.win))?;
            Some((*hit, (r.hits, r.previous.unwrap_or(0))))
        })
        .collect())
}

/// Removes the rows of windows that no longer count, and the tablets' tap times past their
/// ten minutes (METHODOLOGY "Desk ratings": gone after 10 minutes, whether or not the tablet
/// taps again).
fn sweep_counts(conn: &mut diesel::PgConnection, now_s: i64) -> Result<usize, StoreError> {
    let counts = diesel::sql_query("DELETE FROM rate_counts WHERE expires_s < $1")
        .bind::<BigInt, _>(now_s)
        .execute(conn)?;
    let taps = diesel::sql_query("DELETE FROM kiosk_taps WHERE expires_s < $1")
        .bind::<BigInt, _>(now_s)
        .execute(conn)?;
    Ok(counts + taps)
}

type Reply = tokio::sync::oneshot::Sender<Option<Counted>>;

/// The writer of shared rate-limit counts: requests queue their hits, one thread counts all
/// that are waiting in one statement (one round trip per batch, whatever the load), and
/// every request learns its own count. Errors answer `None`: the caller then relies on its
/// own process's count (a limit is no reason to refuse a citizen when the database hiccups).
pub struct SharedCounts {
    hits: SyncSender<(Hit, Reply)>,
}

/// The most hits counted in one statement.
const MAX_BATCH: usize = 1024;
/// How often expired windows are removed.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

impl SharedCounts {
    pub fn start(manager: Manager) -> Result<SharedCounts, StoreError> {
        let (tx, rx) = sync_channel(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("hailong-limits".into())
            .spawn(move || run(&manager, &rx))
            .map_err(|e| StoreError::writer("(limits) did not start", Some(super::cause(e))))?;
        Ok(SharedCounts { hits: tx })
    }

    /// Counts `hit`; `None` when the count could not be taken.
    pub async fn count(&self, hit: Hit) -> Option<Counted> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.hits.try_send((hit, tx)).ok()?;
        rx.await.ok().flatten()
    }
}

fn run(manager: &Manager, rx: &Receiver<(Hit, Reply)>) {
    let mut conn: Option<diesel::PgConnection> = None;
    let mut swept = Instant::now();
    loop {
        let first = match rx.recv_timeout(SWEEP_EVERY) {
            Ok(first) => Some(first),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch: Vec<(Hit, Reply)> = first.into_iter().collect();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if conn.is_none() {
            conn = match manager.open() {
                Ok(DbConnection::Pg(c)) => Some(c),
                _ => None,
            };
        }
        let Some(c) = conn.as_mut() else {
            answer_none(batch);
            std::thread::sleep(Duration::from_millis(200));
            continue;
        };
        if swept.elapsed() >= SWEEP_EVERY {
            swept = Instant::now();
            let now_s = chrono::Utc::now().timestamp();
            if let Err(e) = sweep_counts(c, now_s) {
                tracing::warn!(error = %e, "could not remove old rate-limit windows");
            }
        }
        if batch.is_empty() {
            continue;
        }
        if !count_batch(c, batch) {
            conn = None;
        }
    }
}

fn answer_none(batch: Vec<(Hit, Reply)>) {
    for (_, reply) in batch {
        let _ = reply.send(None);
    }
}

/// Counts one batch and answers it; false when the connection failed.
fn count_batch(conn: &mut diesel::PgConnection, batch: Vec<(Hit, Reply)>) -> bool {
    let mut grouped: HashMap<Hit, i32> = HashMap::new();
    for (hit, _) in &batch {
        *grouped.entry(*hit).or_default() += 1;
    }
    match count_grouped(conn, &grouped) {
        Ok(counted) => {
            // The requests of one hit take the places up to its new count, in arrival order.
            let mut given: HashMap<Hit, i32> = HashMap::new();
            for (hit, reply) in batch {
                let answer = counted.get(&hit).map(|&(total, previous)| {
                    let before = given.entry(hit).or_insert(0);
                    *before += 1;
                    Counted {
                        current: total - grouped.get(&hit).copied().unwrap_or(0) + *before,
                        previous,
                    }
                });
                let _ = reply.send(answer);
            }
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not count shared rate limits");
            answer_none(batch);
            false
        }
    }
}
