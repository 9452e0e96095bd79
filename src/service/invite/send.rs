//! The invitations' worker: every invitation due is leased (one sender across nodes), opened,
//! checked against the house policy, sent, and then either delivered (its row and number
//! deleted, its code made a ticket), tried again later with back-off, sent the next way, or
//! given up after 24 hours (its row and number deleted). A sender killed mid-send leaves its
//! lease to expire; another sends the same message again with the same `tracking_id` and code.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::providers::{Message, Providers, Purpose, Reply};
use super::{InviteSettings, Sealed};
use crate::domain::invite::{give_up_after, Outcome, Route};
use crate::domain::{day_of, local_date, local_midnight_utc};
use crate::secret::DataKey;
use crate::service::run_blocking;
use crate::store::invites::{self, InviteRow};
use crate::store::tickets::{self, TicketRow};
use crate::store::{DbConnection, Store, StoreError};

/// How long one sending may take (a provider that hangs is cut off here).
pub const SEND_TIMEOUT_SECS: i64 = 10;
/// A lease: three sendings' time, so a live sender always finishes first.
const LEASE_SECS: i64 = 3 * SEND_TIMEOUT_SECS;
/// Invitations taken in one pass.
const BATCH: i64 = 200;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
    pub held: usize,
}

/// Everything a pass needs.
#[derive(Clone)]
pub struct Sender {
    pub store: Store,
    pub settings: Arc<InviteSettings>,
    pub key: DataKey,
    pub providers: Arc<Providers>,
    /// The origin of the links in a message.
    pub public_url: String,
}

impl Sender {
    pub fn new(
        store: Store,
        settings: InviteSettings,
        key: DataKey,
        public_url: &str,
    ) -> reqwest::Result<Sender> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(
                SEND_TIMEOUT_SECS.unsigned_abs(),
            ))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let providers = Providers::new(
            client,
            settings.zns.clone(),
            settings.sms.clone(),
            settings.codes.clone(),
        );
        Ok(Sender {
            store,
            settings: Arc::new(settings),
            key,
            providers: Arc::new(providers),
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }
}

impl Sender {
    /// Sends a one-time code that proves a phone (a request about personal data), at once —
    /// the citizen waits for it, so neither the house's hours nor the caps apply — each route
    /// in turn until one takes it. Nothing is stored; a failure is logged without the number.
    pub async fn send_code(&self, phone: &str, code: &str) -> bool {
        let message = Message {
            purpose: Purpose::Verification,
            phone: phone.to_string(),
            code: code.to_string(),
            unit_name: String::new(),
            link: String::new(),
            days: 0,
            tracking_id: uuid::Uuid::new_v4().to_string(),
        };
        for route in self.settings.via.routes() {
            match self.providers.send(*route, &message).await {
                Reply::Accepted => return true,
                Reply::NotThisWay(_) => continue,
                Reply::Later(error) | Reply::Refused(error) => {
                    tracing::warn!(route = route.as_str(), %error, "a verification code was not sent");
                    crate::telemetry::count_failure("privacy_codes", &error);
                    return false;
                }
            }
        }
        false
    }
}

/// One pass at `now`: outside the house's hours nothing is sent; otherwise every invitation
/// due (one per number per pass), all at once.
pub async fn deliver_due(sender: &Sender, now: DateTime<Utc>) -> Result<Sent, StoreError> {
    let mut sent = Sent::default();
    if sender.settings.hours.next_open(now) > now {
        return Ok(sent);
    }
    let st = sender.store.clone();
    let due = run_blocking(move || st.read(|c| invites::due(c, now.naive_utc(), BATCH))).await?;
    // The units' names only when there is something to send (the worker polls every 2 s).
    if due.is_empty() {
        return Ok(sent);
    }
    let names: BTreeMap<String, String> = {
        let st = sender.store.clone();
        run_blocking(move || crate::service::units::list(&st))
            .await?
            .into_iter()
            .map(|u| (u.code.to_string(), u.name))
            .collect()
    };
    let mut numbers = BTreeSet::new();
    let tasks: Vec<_> = due
        .into_iter()
        .filter(|row| numbers.insert(row.number_hash.clone()))
        .map(|row| {
            let sender = sender.clone();
            let name = names.get(&row.unit_code).cloned().unwrap_or_default();
            tokio::spawn(async move { send_one(&sender, row, name, now).await })
        })
        .collect();
    for task in tasks {
        match task.await {
            Ok(Ok(Some(outcome))) => match outcome {
                Outcome::Delivered => sent.delivered += 1,
                Outcome::Failed => sent.failed += 1,
                Outcome::Held => sent.held += 1,
                _ => sent.retried += 1,
            },
            Ok(Ok(None)) => {}
            Ok(Err(e)) => return Err(e),
            Err(e) => tracing::warn!(error = %e, "an invitation's sending task failed"),
        }
    }
    Ok(sent)
}

/// Sends one invitation if this process can lease it. The outcome counted (`Queued` for
/// "tried again later"); none when another process holds it.
async fn send_one(
    sender: &Sender,
    row: InviteRow,
    unit_name: String,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, StoreError> {
    let (st, id, seen) = (sender.store.clone(), row.id, row.next_attempt_at);
    let until = now.naive_utc() + Duration::seconds(LEASE_SECS);
    if !run_blocking(move || st.write(|c| invites::lease(c, id, seen, until))).await? {
        return Ok(None);
    }
    // The route stored, while this sender sends that way; else this sender's first (a row
    // queued by the command line under other settings); none when invitations are off here.
    let via = &sender.settings.via;
    let Some(route) = Route::parse(&row.route)
        .filter(|r| via.routes().contains(r))
        .or(via.first())
    else {
        let why = "invitations are off here (--invite-via)";
        let stored = Route::parse(&row.route).unwrap_or(Route::Demo);
        return finish(sender, row, stored, Reply::Refused(why.into()), now).await;
    };
    let opened = sender
        .key
        .open(&row.sealed)
        .and_then(|plain| serde_json::from_slice::<Sealed>(&plain).ok());
    let Some(sealed) = opened else {
        let why = "cannot open the sealed number (was the data key file replaced?)";
        return finish(sender, row, route, Reply::Refused(why.into()), now).await;
    };
    if now.naive_utc() - row.created_at >= give_up_after() {
        let why = "not taken within 24 hours";
        return finish(sender, row, route, Reply::Refused(why.into()), now).await;
    }
    let (st, settings) = (sender.store.clone(), sender.settings.clone());
    let (hash, id) = (row.number_hash.clone(), row.id);
    let allowed = run_blocking(move || st.write(|c| reserve(c, &settings, &hash, id, now))).await?;
    if !allowed {
        let (st, r) = (sender.store.clone(), row.clone());
        run_blocking(move || st.write(|c| leave(c, &r, route, Outcome::Held, now))).await?;
        crate::telemetry::count_invitation(route.as_str(), "held");
        return Ok(Some(Outcome::Held));
    }
    let message = Message {
        purpose: Purpose::Invitation,
        phone: sealed.phone,
        link: format!("{}/t/{}", sender.public_url, sealed.code),
        code: sealed.code,
        unit_name,
        days: sender.settings.valid_days,
        tracking_id: row.tracking_id.clone(),
    };
    let reply = sender.providers.send(route, &message).await;
    if reply != Reply::Accepted {
        let (st, id) = (sender.store.clone(), row.id);
        run_blocking(move || st.write(|c| invites::unreserve(c, id))).await?;
    }
    let code = message.code;
    finish_with_code(sender, row, route, reply, &code, now).await
}

/// A number may be sent one more now (not opted out, within the caps): the sending is
/// recorded at once, in the same transaction, so that two senders cannot both pass. A
/// sending recorded for this same invitation by a sender that died is replaced, not counted.
fn reserve(
    conn: &mut DbConnection,
    settings: &InviteSettings,
    number_hash: &str,
    outbox_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    invites::lock_number(conn, number_hash)?;
    invites::unreserve(conn, outbox_id)?;
    if invites::opted_out(conn, number_hash)? {
        return Ok(false);
    }
    let since = (now - settings.caps.longest()).naive_utc();
    let sent: Vec<DateTime<Utc>> = invites::sent_since(conn, number_hash, since)?
        .into_iter()
        .map(|t| t.and_utc())
        .collect();
    if !settings.caps.allow(&sent, now) {
        return Ok(false);
    }
    invites::record_send(conn, number_hash, now.naive_utc(), outbox_id)?;
    Ok(true)
}

async fn finish(
    sender: &Sender,
    row: InviteRow,
    route: Route,
    reply: Reply,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, StoreError> {
    finish_with_code(sender, row, route, reply, "", now).await
}

/// Writes what the provider's reply means.
async fn finish_with_code(
    sender: &Sender,
    row: InviteRow,
    route: Route,
    reply: Reply,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, StoreError> {
    let st = sender.store.clone();
    let settings = sender.settings.clone();
    let code = code.to_string();
    let attempts = row.attempts.saturating_add(1);
    let deadline = row.created_at + give_up_after();
    let (outcome, result) = match reply {
        Reply::Accepted => (Outcome::Delivered, "delivered"),
        Reply::NotThisWay(error) => match settings.via.after(route) {
            Some(next) => {
                let r = row.clone();
                run_blocking(move || {
                    st.write(|c| invites::retry(c, r.id, now.naive_utc(), next.as_str(), &error))
                })
                .await?;
                crate::telemetry::count_invitation(route.as_str(), "fell_back");
                return Ok(Some(Outcome::Queued));
            }
            None => {
                tracing::warn!(invitation = row.id, %error, "an invitation cannot be sent");
                (Outcome::Failed, "failed")
            }
        },
        Reply::Later(error) => {
            let next =
                now.naive_utc() + Duration::seconds(crate::service::webhook::backoff(attempts));
            if next < deadline {
                tracing::warn!(invitation = row.id, attempts, %error, "an invitation was not taken; tried again later");
                let r = row.clone();
                run_blocking(move || {
                    st.write(|c| invites::retry(c, r.id, next, route.as_str(), &error))
                })
                .await?;
                crate::telemetry::count_invitation(route.as_str(), "retried");
                return Ok(Some(Outcome::Queued));
            }
            tracing::warn!(invitation = row.id, attempts, %error, "an invitation was given up after 24 hours");
            (Outcome::Failed, "failed")
        }
        Reply::Refused(error) => {
            tracing::warn!(invitation = row.id, %error, "an invitation was given up");
            (Outcome::Failed, "failed")
        }
    };
    let done = run_blocking(move || {
        st.write(|c| -> Result<bool, StoreError> {
            if outcome == Outcome::Delivered {
                deliver(c, &settings, &row, route, &code, now)
            } else {
                leave(c, &row, route, outcome, now)
            }
        })
    })
    .await?;
    if done {
        crate::telemetry::count_invitation(route.as_str(), result);
    }
    Ok(done.then_some(outcome))
}

/// The provider took the message: the row (and its number) goes, the code becomes a ticket
/// of the unit valid for the days set (from the day it was sent to the end of the last day;
/// no time finer than the day), and the delivery is counted.
fn deliver(
    conn: &mut DbConnection,
    settings: &InviteSettings,
    row: &InviteRow,
    route: Route,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !invites::remove(conn, row.id)? {
        return Ok(false);
    }
    invites::settle(conn, row.id)?;
    let day = local_date(now);
    let ticket = TicketRow {
        code: code.to_string(),
        unit_code: row.unit_code.clone(),
        issued_at: day_of(now.naive_utc()),
        issued_date: day,
        expires_at: local_midnight_utc(day + Duration::days(settings.valid_days + 1)).naive_utc(),
        dossier_ref: None,
        field: None,
        used_at: None,
        synthetic: false,
        officer_id: None,
        invite_route: Some(route.as_str().to_string()),
        number_hash: Some(row.number_hash.clone()),
    };
    tickets::insert(conn, std::slice::from_ref(&ticket))?;
    let r = route.as_str();
    invites::tally(conn, &row.unit_code, day, r, Outcome::Delivered.as_str(), 1)?;
    Ok(true)
}

/// The invitation leaves the outbox unsent (failed or held): its number goes with it.
fn leave(
    conn: &mut DbConnection,
    row: &InviteRow,
    route: Route,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !invites::remove(conn, row.id)? {
        return Ok(false);
    }
    let day = local_date(now);
    invites::tally(
        conn,
        &row.unit_code,
        day,
        route.as_str(),
        outcome.as_str(),
        1,
    )?;
    Ok(true)
}

/// Forgets sendings older than the longest cap's window, and the number of an invitation
/// whose code expired unused.
pub fn prune(
    store: &Store,
    settings: &InviteSettings,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let before = (now - settings.caps.longest()).naive_utc();
    store.write(|c| -> Result<usize, StoreError> {
        let sends = invites::prune_sends(c, before)?;
        let codes = tickets::forget_expired_numbers(c, now.naive_utc())?;
        if sends + codes > 0 {
            let what = format!(
                "{sends} numbers' sendings older than the caps' window; {codes} numbers of invitations expired unused"
            );
            crate::service::audit::write(c, now, "system", "retention.invitation_numbers", &what, "deleted")?;
        }
        Ok(sends + codes)
    })
}

/// The worker, for the life of the runtime it is spawned on: a pass every `poll`, or at once
/// after a pass that found a full batch.
pub async fn run(sender: Sender) {
    let mut last_prune: Option<std::time::Instant> = None;
    loop {
        if last_prune.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(3600)) {
            last_prune = Some(std::time::Instant::now());
            let (st, settings) = (sender.store.clone(), sender.settings.clone());
            if let Err(e) = run_blocking(move || prune(&st, &settings, Utc::now())).await {
                tracing::warn!(error = %e, "the invitations' caps could not be pruned");
            }
        }
        let pass = deliver_due(&sender, Utc::now()).await;
        let busy = match pass {
            Ok(sent) => {
                crate::telemetry::job_ok("invitations");
                let n = sent.delivered + sent.retried + sent.failed + sent.held;
                crate::domain::num::i64_of(n) >= BATCH
            }
            Err(e) => {
                crate::telemetry::count_failure("invitations", &e.to_string());
                tracing::warn!(error = %e, "the invitations' worker could not read its table; tried again");
                false
            }
        };
        if !busy {
            tokio::time::sleep(sender.settings.poll).await;
        }
    }
}
