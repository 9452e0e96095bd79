//! The webhook: events worth a clerk's attention now (new feedback, a survey scored 1–2)
//! are written to an outbox table in the transaction that made them, and a background
//! worker posts them to `--webhook-url`, signed, retried with back-off. A request never
//! waits for the receiver. The body names the unit, the time, the score and a staff link:
//! never a text, never a contact.
//!
//! Signature: `X-Hailong-Signature: sha256=HEX`, the HMAC-SHA256 of the exact body under
//! the shared secret (as GitHub signs its webhooks). `X-Hailong-Delivery` carries the
//! event's id, the same on every retry, so a receiver can drop a repeat.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

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

/// Writes a "survey.low_score" event on `conn`, inside the submission's transaction. The
/// time is cut to the day, as the response's own (the answers stay anonymous).
pub fn enqueue_low_score(
    conn: &mut DbConnection,
    unit: &str,
    score: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body = serde_json::json!({
        "event": "survey.low_score",
        "event_id": uuid::Uuid::new_v4().to_string(),
        "unit": unit,
        "date": crate::domain::local_date(now).to_string(),
        "score": score,
        "staff_link": format!("/staff?unit={unit}"),
    });
    fb::enqueue(conn, "survey.low_score", &body.to_string(), now.naive_utc())
}

/// Deliveries not yet made (undelivered, retrying or given up), for the metrics.
pub fn pending(store: &Store) -> Result<i64, StoreError> {
    store.read(fb::pending_count)
}

/// The signature header's value for a body.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Seconds to wait after the `attempts`th failure: 5, 10, 20, … up to an hour.
pub fn backoff(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    (5i64 << exp.min(10)).min(3600)
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
    /// Prefixed to the staff link of each event.
    pub public_url: String,
    /// How often the worker looks for due deliveries.
    pub poll: Duration,
}

/// The body as sent: the stored event with its staff link made absolute.
fn outgoing(payload: &str, public_url: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(mut v) => {
            if let Some(link) = v.get("staff_link").and_then(|l| l.as_str()) {
                let abs = format!("{public_url}{link}");
                v["staff_link"] = serde_json::Value::String(abs);
            }
            v.to_string()
        }
        Err(_) => payload.to_string(),
    }
}

/// One pass: sends every due delivery once. Returns how many were delivered.
pub async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
    hook: &Webhook,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let st = store.clone();
    let due = run_blocking(move || st.read(|c| fb::due(c, now.naive_utc(), 50))).await?;
    let mut delivered = 0;
    for row in due {
        // Take a lease first: another process polling the same table skips this row.
        let lease = now.naive_utc() + chrono::Duration::seconds(60);
        let st = store.clone();
        let (id, next) = (row.id, row.next_attempt_at);
        let mine = run_blocking(move || st.write(|c| fb::lease(c, id, next, lease))).await?;
        if !mine {
            continue;
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
                sign(hook.secret.as_bytes(), body.as_bytes()),
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
                delivered += 1;
                run_blocking(move || st.write(|c| fb::delivered(c, id, at))).await?;
            }
            Err(error) => {
                tracing::warn!(delivery = id, attempts, %error, "webhook delivery failed; retried later");
                let next: NaiveDateTime = if attempts >= MAX_ATTEMPTS {
                    // Given up: far in the future, kept for the record.
                    at + chrono::Duration::days(365 * 100)
                } else {
                    at + chrono::Duration::seconds(backoff(attempts))
                };
                run_blocking(move || st.write(|c| fb::failed(c, id, next, &error))).await?;
            }
        }
    }
    Ok(delivered)
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Connect(format!("a background task failed: {e}")))?
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
                let client = match reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(error = %e, "the webhook client cannot start");
                        return;
                    }
                };
                loop {
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
