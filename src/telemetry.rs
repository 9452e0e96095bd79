//! Telemetry, used by every layer: `GET /metrics` in the Prometheus text format, and one log line per request. Kept small and
//! in-process: counters and fixed-bucket histograms behind a mutex. Routes are recorded by
//! their pattern (`/t/{code}`), never the raw path, so no ticket code or other value is kept;
//! nothing about the client (address, browser) is recorded at all.

use crate::domain::num::Real;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, OnceLock};

const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
const BATCH_BUCKETS: [f64; 8] = [1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 512.0];

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    n: u64,
}

impl Histogram {
    fn observe(&mut self, buckets: &[f64], v: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; buckets.len()];
        }
        for (count, b) in self.counts.iter_mut().zip(buckets) {
            if v <= *b {
                *count += 1;
            }
        }
        self.sum += v;
        self.n += 1;
    }
    fn write(&self, out: &mut String, name: &str, labels: &str, buckets: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in buckets.iter().enumerate() {
            let c = self.counts.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", self.n);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.n);
    }
}

#[derive(Default)]
struct Registry {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    batches: Histogram,
    submissions: BTreeMap<String, u64>,
    invitations: BTreeMap<(&'static str, &'static str), u64>,
    failures: BTreeMap<&'static str, u64>,
    /// Jobs whose last run failed, with the cause (cleared by their next good run).
    failing: BTreeMap<&'static str, String>,
}

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(Registry::default()))
}

/// Records the size of one group commit.
pub fn observe_batch(size: usize) {
    if let Ok(mut r) = registry().lock() {
        r.batches.observe(&BATCH_BUCKETS, size.real());
    }
}

/// Counts a failed run of a background job (`seal_tickets`, `settle_desk`, `writer_connect`,
/// `retention`) and keeps its cause until a good run: it retries, a scraper sees the count
/// rise and the admins' dashboard names the job.
pub fn count_failure(job: &'static str, cause: &str) {
    if let Ok(mut r) = registry().lock() {
        *r.failures.entry(job).or_default() += 1;
        r.failing
            .insert(job, cause.chars().take(300).collect::<String>());
    }
}

/// A good run of a background job: it is no longer failing.
pub fn job_ok(job: &'static str) {
    if let Ok(mut r) = registry().lock() {
        r.failing.remove(job);
    }
}

/// The background jobs of this process whose last run failed: job, failed runs so far, cause.
pub fn failing_jobs() -> Vec<(&'static str, u64, String)> {
    registry()
        .lock()
        .map(|r| {
            r.failing
                .iter()
                .map(|(job, cause)| {
                    (
                        *job,
                        r.failures.get(job).copied().unwrap_or(0),
                        cause.clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Counts a stored response by where it came from (poster, ticket, api).
pub fn count_submission(source: &str) {
    if let Ok(mut r) = registry().lock() {
        *r.submissions.entry(source.to_string()).or_default() += 1;
    }
}

/// Counts an invitation's sending by route and result (delivered, retried, fell back,
/// failed, held).
pub fn count_invitation(route: &'static str, result: &'static str) {
    if let Ok(mut r) = registry().lock() {
        *r.invitations.entry((route, result)).or_default() += 1;
    }
}

/// Counts one answered request by route pattern and status, times it, logs one line.
pub fn observe_request(method: &str, route: &str, status: u16, secs: f64) {
    if let Ok(mut r) = registry().lock() {
        *r.requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        r.latency
            .entry(route.to_string())
            .or_default()
            .observe(&LATENCY_BUCKETS, secs);
    }
    // A 404 is what a guesser of ticket codes or a scanner produces by the thousand: kept
    // out of the info log (it is still counted above).
    if status == 404 {
        tracing::debug!(target: "hailong::request", method = %method, route = %route, status, ms = secs * 1000.0);
    } else {
        tracing::info!(target: "hailong::request", method = %method, route = %route, status, ms = secs * 1000.0);
    }
}

/// The metrics in the Prometheus text format; `pool` is the read pool's (open, idle)
/// connections, which the caller reads from the store.
pub fn metrics_text(pool: (u32, u32)) -> String {
    let mut out = String::with_capacity(8192);
    if let Ok(r) = registry().lock() {
        out.push_str("# HELP hailong_http_requests_total HTTP requests by method, route pattern and status.\n# TYPE hailong_http_requests_total counter\n");
        for ((m, route, status), n) in &r.requests {
            let _ = writeln!(out, "hailong_http_requests_total{{method=\"{m}\",route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP hailong_http_request_duration_seconds Time to answer, by route pattern.\n# TYPE hailong_http_request_duration_seconds histogram\n");
        for (route, h) in &r.latency {
            h.write(
                &mut out,
                "hailong_http_request_duration_seconds",
                &format!("route=\"{route}\""),
                &LATENCY_BUCKETS,
            );
        }
        out.push_str("# HELP hailong_submissions_total Responses stored, by source.\n# TYPE hailong_submissions_total counter\n");
        for (source, n) in &r.submissions {
            let _ = writeln!(out, "hailong_submissions_total{{source=\"{source}\"}} {n}");
        }
        out.push_str("# HELP hailong_invitations_total Invitations' sendings, by route and result.\n# TYPE hailong_invitations_total counter\n");
        for ((route, result), n) in &r.invitations {
            let _ = writeln!(
                out,
                "hailong_invitations_total{{route=\"{route}\",result=\"{result}\"}} {n}"
            );
        }
        out.push_str("# HELP hailong_job_failures_total Failed runs of background jobs (each retries), by job.\n# TYPE hailong_job_failures_total counter\n");
        for (job, n) in &r.failures {
            let _ = writeln!(out, "hailong_job_failures_total{{job=\"{job}\"}} {n}");
        }
        out.push_str("# HELP hailong_commit_batch_size Submissions per group commit (SQLite).\n# TYPE hailong_commit_batch_size histogram\n");
        r.batches
            .write(&mut out, "hailong_commit_batch_size", "", &BATCH_BUCKETS);
    }
    let (size, idle) = pool;
    out.push_str("# HELP hailong_db_pool_connections Database connections of the read pool.\n# TYPE hailong_db_pool_connections gauge\n");
    let _ = writeln!(out, "hailong_db_pool_connections{{state=\"open\"}} {size}");
    let _ = writeln!(out, "hailong_db_pool_connections{{state=\"idle\"}} {idle}");
    out
}

/// An error and its causes on one line ("a: b: c"), for a log.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let more = cause.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        next = cause.source();
    }
    text
}
