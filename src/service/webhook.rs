//! The webhook: events worth a clerk's attention (new feedback; how many surveys a unit got
//! scored 1–2) are written to an outbox table, and a background worker posts them to
//! `--webhook-url`, signed, retried with back-off, several at a time, never following a
//! redirect. A request never waits for the receiver. New feedback is written in the
//! filing's transaction. Low scores are told as a digest: every `--low-score-digest`
//! minutes one event per unit with the count of low scores among the responses stored
//! since the last digest, written apart from any response (no per-answer time, no order
//! to join on). A delivered row is deleted; one given up is kept 7 days for an admin to
//! read, then deleted. The body names the unit, a time or day, a count and a staff link:
//! never a text, never a contact.
//!
//! Signature: `X-Hailong-Signature: sha256=HEX`, the HMAC-SHA256 of the exact body under
//! the shared secret (as GitHub signs its webhooks). `X-Hailong-Delivery` carries the
//! event's id, the same on every retry, so a receiver can drop a repeat.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::service::run_blocking;
use crate::store::feedback as fb;
use crate::store::{DbConnection, Store, StoreError};

/// After this many failed attempts a delivery is given up (it stays in the table, with its
/// last error, for an admin to read).
pub const MAX_ATTEMPTS: i32 = 15;

/// Writes a "feedback.received" event on `conn`, inside the filing's transaction.
pub fn enqueue_feedback(
    conn: &mut DbConnection,
    id: i64,
    unit: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body = serde_json::json!({
        "event": "feedback.received",
        "event_id": uuid::Uuid::new_v4().to_string(),
        "unit": unit,
        "at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "staff_link": format!("/staff/feedback/{id}"),
    });
    fb::enqueue(
        conn,
        "feedback.received",
        &body.to_string(),
        now.naive_utc(),
    )
}

/// The settings key of the last response id a low-score digest counted.
const DIGEST_AFTER: &str = "webhook.low_scores_after";

/// Responses read at a time by the digest.
const DIGEST_BATCH: i64 = 5_000;

/// Counts the low overall scores (1–2) of the responses stored since the last digest and
/// writes one "survey.low_scores" event per unit that had any, then moves the mark. The
/// first digest only sets the mark (the past is not told). Returns the events written.
pub fn digest_low_scores(
    store: &Store,
    forms: &crate::service::forms::FormRegistry,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    use crate::domain::form::{AnswerValue, Answers};
    use crate::store::{meta, responses};
    let mark = store.read(|c| meta::setting(c, DIGEST_AFTER))?;
    let Some(start) = mark.and_then(|m| m.parse::<i64>().ok()) else {
        let last = store.read(responses::max_id)?;
        store.write(|c| meta::set_setting(c, DIGEST_AFTER, &last.to_string()))?;
        return Ok(0);
    };
    let mut after = start;
    let mut counts: std::collections::BTreeMap<String, u32> = Default::default();
    loop {
        let batch = store.read(|c| responses::tally_batch(c, after, DIGEST_BATCH))?;
        let Some(last) = batch.last().map(|r| r.0) else {
            break;
        };
        for (_, unit, form_id, version, _, _, answers) in &batch {
            let overall = u32::try_from(*version)
                .ok()
                .and_then(|v| forms.get(form_id, v))
                .and_then(|f| f.overall.as_ref().map(|q| q.code.clone()));
            let Some(code) = overall else { continue };
            let low = Answers::from_json(answers)
                .map(|v| matches!(v.get(&code), Some(AnswerValue::Score(1..=2))))
                .unwrap_or(false);
            if low {
                *counts.entry(unit.clone()).or_default() += 1;
            }
        }
        after = last;
        if crate::domain::num::i64_of(batch.len()) < DIGEST_BATCH {
            break;
        }
    }
    let n = counts.len();
    store.write(|c| -> Result<usize, StoreError> {
        // Moved first: when another node moved the mark since it was read, that node told
        // these scores, and this one writes nothing (two nodes never tell one digest twice).
        if !meta::swap_setting(c, DIGEST_AFTER, &start.to_string(), &after.to_string())? {
            return Ok(0);
        }
        for (unit, count) in &counts {
            let body = serde_json::json!({
                "event": "survey.low_scores",
                "event_id": uuid::Uuid::new_v4().to_string(),
                "unit": unit,
                "count": count,
                "date": crate::domain::local_date(now).to_string(),
                "staff_link": format!("/staff?unit={unit}"),
            });
            fb::enqueue(c, "survey.low_scores", &body.to_string(), now.naive_utc())?;
        }
        Ok(n)
    })
}

/// Deliveries not yet made (undelivered, retrying or given up), for the metrics.
pub fn pending(store: &Store) -> Result<i64, StoreError> {
    store.read(fb::pending_count)
}

/// The signature header's value for a body.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", crate::secret::hmac_sha256_hex(secret, body))
}

/// Seconds to wait after the `attempts`th failure: 5, 10, 20, … up to an hour.
pub fn backoff(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 20).unsigned_abs() - 1;
    (5i64 << exp.min(10)).min(3600)
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: String,
    pub secret: crate::secret::Secret,
    /// Prefixed to the staff link of each event.
    pub public_url: String,
    /// How often the worker looks for due deliveries.
    pub poll: Duration,
    /// How often low scores are counted and told, per unit.
    pub digest_every: Duration,
    /// The forms, to find each response's overall question.
    pub forms: std::sync::Arc<crate::service::forms::FormRegistry>,
}

/// The body as sent: the stored event with its staff link made absolute.
fn outgoing(payload: &str, public_url: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(mut v) => {
            if let Some(link) = v.get_mut("staff_link") {
                if let Some(path) = link.as_str() {
                    *link = serde_json::Value::String(format!("{public_url}{path}"));
                }
            }
            v.to_string()
        }
        Err(_) => payload.to_string(),
    }
}

/// One pass: sends every due delivery once, all of them at the same time (a slow receiver
/// holds back none of the others beyond its own timeout). Returns how many were delivered.
pub async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
    hook: &Webhook,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let st = store.clone();
    let due = run_blocking(move || st.read(|c| fb::due(c, now.naive_utc(), 50))).await?;
    let sends: Vec<_> = due
        .into_iter()
        .map(|row| {
            let (store, client, hook) = (store.clone(), client.clone(), hook.clone());
            tokio::spawn(async move { deliver_one(&store, &client, &hook, row, now).await })
        })
        .collect();
    let mut delivered = 0;
    for send in sends {
        match send.await {
            Ok(Ok(true)) => delivered += 1,
            Ok(Ok(false)) => {}
            Ok(Err(e)) => return Err(e),
            Err(e) => tracing::warn!(error = %e, "a webhook delivery task failed"),
        }
    }
    Ok(delivered)
}

/// Sends one delivery (if this process can lease it); true when the receiver took it.
async fn deliver_one(
    store: &Store,
    client: &reqwest::Client,
    hook: &Webhook,
    row: fb::OutboxRow,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // Take a lease first: another process polling the same table skips this row.
    let lease = now.naive_utc() + chrono::Duration::seconds(LEASE_SECS);
    let st = store.clone();
    let (id, next) = (row.id, row.next_attempt_at);
    let mine = run_blocking(move || st.write(|c| fb::lease(c, id, next, lease))).await?;
    if !mine {
        return Ok(false);
    }
    let body = outgoing(&row.payload, &hook.public_url);
    let event_id = serde_json::from_str::<serde_json::Value>(&row.payload)
        .ok()
        .and_then(|v| {
            v.get("event_id")
                .and_then(|e| e.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let result = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("x-hailong-event", row.event.as_str())
        .header("x-hailong-delivery", event_id)
        .header(
            "x-hailong-signature",
            sign(hook.secret.expose().as_bytes(), body.as_bytes()),
        )
        .body(body)
        .send()
        .await;
    let outcome = match result {
        Ok(resp) if resp.status().is_success() => Ok(()),
        Ok(resp) => Err(format!("the receiver answered {}", resp.status())),
        Err(e) => Err(format!("sending failed: {e}")),
    };
    let st = store.clone();
    let at = Utc::now().naive_utc();
    let attempts = row.attempts + 1;
    match outcome {
        Ok(()) => {
            run_blocking(move || st.write(|c| fb::delivered(c, id))).await?;
            Ok(true)
        }
        Err(error) => {
            tracing::warn!(delivery = id, attempts, %error, "webhook delivery failed; retried later");
            let next: NaiveDateTime = if attempts >= MAX_ATTEMPTS {
                // Given up: far in the future, kept 7 days for the record.
                at + chrono::Duration::days(365 * 100)
            } else {
                at + chrono::Duration::seconds(backoff(attempts))
            };
            run_blocking(move || st.write(|c| fb::failed(c, id, next, &error))).await?;
            Ok(false)
        }
    }
}

/// Deletes deliveries given up more than 7 days ago.
fn purge(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let before = now.naive_utc() - chrono::Duration::days(7);
    store.write(|c| fb::purge_given_up(c, MAX_ATTEMPTS, before))
}

/// The worker's HTTP client: a 10 s timeout, and no redirect followed (a receiver that
/// redirects is answered as failed: the body and its signature go only where the operator
/// pointed them).
/// How long one sending may take.
const SEND_TIMEOUT_SECS: i64 = 10;

/// How long a process holds a delivery it took: three times a sending's timeout, so that a
/// live sender always finishes first; a sender that died leaves it to another process then.
const LEASE_SECS: i64 = 3 * SEND_TIMEOUT_SECS;

pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(SEND_TIMEOUT_SECS.unsigned_abs()))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Starts the worker on a thread of its own (with its own small runtime), for the life of
/// the process.
pub fn start(store: Store, hook: Webhook) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("hailong-webhook".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "the webhook worker cannot start");
                    return;
                }
            };
            runtime.block_on(async move {
                let client = match client() {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(error = %e, "the webhook client cannot start");
                        return;
                    }
                };
                // None: due at once (an instant "one period ago" panics when the machine
                // has been up for less than the period).
                let mut last_digest: Option<std::time::Instant> = None;
                loop {
                    if last_digest.is_none_or(|t| t.elapsed() >= hook.digest_every) {
                        last_digest = Some(std::time::Instant::now());
                        let (st, forms) = (store.clone(), hook.forms.clone());
                        let done = run_blocking(move || {
                            purge(&st, Utc::now())?;
                            digest_low_scores(&st, &forms, Utc::now())
                        })
                        .await;
                        if let Err(e) = done {
                            tracing::warn!(error = %e, "the low-score digest failed; tried again later");
                        }
                    }
                    if let Err(e) = deliver_due(&store, &client, &hook, Utc::now()).await {
                        tracing::warn!(error = %e, "the webhook worker could not read its table");
                    }
                    tokio::time::sleep(hook.poll).await;
                }
            });
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), 5);
        assert_eq!(backoff(2), 10);
        assert_eq!(backoff(5), 80);
        assert_eq!(backoff(14), 3600);
    }

    #[test]
    fn links_are_made_absolute_and_nothing_else_changes() {
        let body = outgoing(
            r#"{"event":"feedback.received","staff_link":"/staff/feedback/7","unit":"a"}"#,
            "https://hailong.example",
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["staff_link"], "https://hailong.example/staff/feedback/7");
        assert_eq!(v["unit"], "a");
    }
}
