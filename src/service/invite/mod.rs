//! Invitations after the result (SPEC §11, issue 33). A returned dossier whose citizen agreed
//! to be asked queues one invitation: the number and a fresh one-time code, sealed under the
//! data key, in an outbox that names only the unit. A worker sends it (Zalo ZNS, SMS, or the
//! demo's provider inside the process) within the house's hours and caps; when the provider
//! takes it, its row (and the number) is deleted and the code becomes a ticket of the unit,
//! marked with the route. Nothing stored joins a dossier to a code, nor a code to a person
//! once it brought an answer.

mod figures;
mod providers;
mod send;

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;

use crate::domain::invite::{Caps, Hours, Outcome, Route, Via};
use crate::domain::local_date;
use crate::domain::returned::Mobile;
use crate::domain::ticket::TicketCode;
use crate::secret::DataKey;
use crate::store::invites::{self, NewInvite};
use crate::store::{tickets, DbConnection, Store, StoreError};

pub use figures::{by_unit, lines, UnitInvitations};
pub use providers::{CodeTemplates, SmsSettings, ZnsSettings};
pub use send::{deliver_due, prune, run, Sender, Sent, SEND_TIMEOUT_SECS};

/// The label of the numbers' keyed hashes (caps, opt-outs).
pub const NUMBER_LABEL: &str = "hailong/number/v1";

/// How invitations are sent (`--invite-*`, `--zns-*`, `--sms-*`).
#[derive(Debug, Clone)]
pub struct InviteSettings {
    pub via: Via,
    /// Days an invitation's code stays valid after it was sent.
    pub valid_days: i64,
    pub hours: Hours,
    pub caps: Caps,
    pub zns: Option<ZnsSettings>,
    pub sms: Option<SmsSettings>,
    /// The templates of the one-time codes that prove a phone (SPEC §13).
    pub codes: CodeTemplates,
    /// How often the worker looks for invitations due.
    pub poll: std::time::Duration,
}

impl Default for InviteSettings {
    fn default() -> InviteSettings {
        InviteSettings {
            via: Via::default(),
            valid_days: 7,
            hours: Hours::default(),
            caps: Caps::default(),
            zns: None,
            sms: None,
            codes: CodeTemplates {
                zns: None,
                sms: crate::domain::requests::DEFAULT_CODE_SMS.to_string(),
            },
            poll: std::time::Duration::from_secs(2),
        }
    }
}

impl InviteSettings {
    /// What is missing for the routes named, said as the flag to give.
    pub fn check(&self) -> Result<(), String> {
        for route in self.via.routes() {
            match route {
                Route::Zns if self.zns.is_none() => {
                    return Err(
                        "--invite-via zns needs --zns-url, --zns-token-file and --zns-template"
                            .into(),
                    )
                }
                Route::Sms if self.sms.is_none() => {
                    return Err("--invite-via sms needs --sms-url and --sms-body".into())
                }
                _ => {}
            }
        }
        if !(1..=90).contains(&self.valid_days) {
            return Err("--invite-valid-days must be 1 to 90".into());
        }
        Ok(())
    }
}

/// A citizen to invite, from one returned dossier taken just now.
#[derive(Debug, Clone)]
pub struct ToInvite {
    pub unit: String,
    pub phone: Mobile,
}

/// What is sealed in the outbox.
#[derive(serde::Serialize, serde::Deserialize)]
struct Sealed {
    phone: String,
    code: String,
}

/// Queues one invitation per citizen, on `conn` (the import's transaction), in random order
/// (the outbox's order says nothing of the dossiers'). A number on the opt-out list is
/// counted as held and not queued. Returns how many were queued.
pub fn queue(
    conn: &mut DbConnection,
    settings: &InviteSettings,
    key: &DataKey,
    mut people: Vec<ToInvite>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Some(route) = settings.via.first() else {
        return Ok(0);
    };
    let mut rng = rand::rng();
    people.shuffle(&mut rng);
    let first_send = settings.hours.next_open(now).naive_utc();
    let day = local_date(now);
    let mut rows = Vec::with_capacity(people.len());
    let mut held: std::collections::BTreeMap<String, i64> = Default::default();
    for person in people {
        let number_hash = key.hash(NUMBER_LABEL, person.phone.as_str().as_bytes());
        if invites::opted_out(conn, &number_hash)? {
            *held.entry(person.unit).or_default() += 1;
            continue;
        }
        let sealed = Sealed {
            phone: person.phone.as_str().to_string(),
            code: TicketCode::generate(&mut rng).as_str().to_string(),
        };
        let sealed = serde_json::to_vec(&sealed).map_err(|e| {
            StoreError::writer("(sealing an invitation)", Some(crate::store::cause(e)))
        })?;
        rows.push(NewInvite {
            unit_code: person.unit,
            sealed: key.seal(&sealed),
            number_hash,
            route: route.as_str().to_string(),
            tracking_id: uuid::Uuid::new_v4().to_string(),
            created_at: now.naive_utc(),
            next_attempt_at: first_send,
            attempts: 0,
        });
    }
    invites::queue(conn, &rows)?;
    let mut queued: std::collections::BTreeMap<&str, i64> = Default::default();
    for row in &rows {
        *queued.entry(row.unit_code.as_str()).or_default() += 1;
    }
    let r = route.as_str();
    for (unit, n) in queued {
        invites::tally(conn, unit, day, r, Outcome::Queued.as_str(), n)?;
    }
    for (unit, n) in held {
        invites::tally(conn, &unit, day, r, Outcome::Held.as_str(), n)?;
    }
    Ok(rows.len())
}

/// What an invitation's page offers: the code is an invitation's, and its number can still
/// be put on the opt-out list (until the code is used).
pub fn can_opt_out(store: &Store, code: &TicketCode) -> Result<bool, StoreError> {
    Ok(store
        .read(|c| tickets::get(c, code.as_str()))?
        .is_some_and(|t| t.number_hash.is_some()))
}

/// "Không nhận tin nữa": the number of this invitation's code goes on the opt-out list at
/// once (by its keyed hash; audited without it). False when the code is no invitation's, or
/// was used already.
pub fn opt_out(store: &Store, code: &TicketCode, now: DateTime<Utc>) -> Result<bool, StoreError> {
    store.write(|c| -> Result<bool, StoreError> {
        let Some(ticket) = tickets::get(c, code.as_str())? else {
            return Ok(false);
        };
        let (Some(hash), Some(route)) = (ticket.number_hash, ticket.invite_route) else {
            return Ok(false);
        };
        let day = local_date(now);
        if invites::opt_out(c, &hash, day)? {
            invites::tally(
                c,
                &ticket.unit_code,
                day,
                &route,
                Outcome::OptedOut.as_str(),
                1,
            )?;
            crate::service::audit::write(
                c,
                now,
                "citizen",
                "invitations.opt_out",
                &ticket.unit_code,
                "ok",
            )?;
        }
        Ok(true)
    })
}

/// Counts a response brought by an invitation's code, in the submission's transaction.
pub fn count_answer(
    conn: &mut DbConnection,
    unit: &str,
    route: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    invites::tally(
        conn,
        unit,
        local_date(now),
        route,
        Outcome::Answered.as_str(),
        1,
    )
}
