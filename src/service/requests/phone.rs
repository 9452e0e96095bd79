//! A phone proves a request about personal data (SPEC §13): a citizen who was sent an
//! invitation types that number; if anything is held about it (by its keyed hash) a six-digit
//! code is made, kept only as a keyed hash for ten minutes, and sent to it through the
//! invitations' provider; the code typed back proves the number. The citizen is told the same
//! whether or not the number is known, so that nobody learns which numbers were invited.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use crate::domain::local_date;
use crate::domain::requests::{CODES_PER_DAY, CODE_MINUTES, CODE_TRIES};
use crate::domain::returned::Mobile;
use crate::secret::DataKey;
use crate::service::invite::NUMBER_LABEL;
use crate::store::invites;
use crate::store::privacy::{self as sp, CodeRow};
use crate::store::{DbConnection, Store, StoreError};

/// The label of the codes' keyed hashes.
pub const CODE_LABEL: &str = "hailong/privacy-code/v1";

/// A number's keyed hash, as the invitations keep it.
pub fn number_hash(key: &DataKey, phone: &Mobile) -> String {
    key.hash(NUMBER_LABEL, phone.as_str().as_bytes())
}

fn code_hash(key: &DataKey, number_hash: &str, code: &str) -> String {
    key.hash(CODE_LABEL, format!("{number_hash}:{code}").as_bytes())
}

/// Step one: a fresh code to send when something is held about the number and it was sent
/// fewer than three today; none otherwise (the caller says the same either way).
pub fn new_code(
    store: &Store,
    key: &DataKey,
    phone: &Mobile,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let hash = number_hash(key, phone);
    let day = local_date(now);
    store.write(|c| -> Result<Option<String>, StoreError> {
        invites::lock_number(c, &hash)?;
        if invites::held_about(c, &hash)?.is_empty() {
            return Ok(None);
        }
        let sends = match sp::code_of(c, &hash)? {
            Some(row) if row.sent_on == day => row.sends,
            _ => 0,
        };
        if sends >= CODES_PER_DAY {
            return Ok(None);
        }
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000_u32));
        sp::put_code(
            c,
            &CodeRow {
                number_hash: hash.clone(),
                code_hash: code_hash(key, &hash, &code),
                expires_at: (now + Duration::minutes(CODE_MINUTES)).naive_utc(),
                tries: 0,
                sent_on: day,
                sends: sends + 1,
            },
        )?;
        Ok(Some(code))
    })
}

/// Step two, in the request's transaction: the number's hash when `code` is its current code
/// (which is then spent); a wrong code counts a try, and after five the code is void.
pub fn check_code(
    conn: &mut DbConnection,
    key: &DataKey,
    phone: &Mobile,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let hash = number_hash(key, phone);
    invites::lock_number(conn, &hash)?;
    let Some(row) = sp::code_of(conn, &hash)? else {
        return Ok(None);
    };
    if row.expires_at <= now.naive_utc() || row.tries >= CODE_TRIES {
        return Ok(None);
    }
    if row.code_hash != code_hash(key, &hash, code.trim()) {
        sp::count_wrong(conn, &hash)?;
        return Ok(None);
    }
    sp::spend_code(conn, &hash, now.naive_utc())?;
    Ok(Some(hash))
}

/// A phone's request carried out on completion: deletion forgets the number everywhere but
/// the opt-out list (the requests' copies of its hash too); withdrawal puts it on the
/// opt-out list and drops its invitations not yet sent. Dropped invitations are counted as
/// held.
pub fn carry_out(
    conn: &mut DbConnection,
    kind: Option<crate::domain::requests::RequestKind>,
    number_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::domain::invite::Outcome;
    use crate::domain::requests::RequestKind;
    let day = local_date(now);
    let dropped = match kind {
        Some(RequestKind::Deletion) => {
            sp::drop_code(conn, number_hash)?;
            sp::forget_request_number(conn, number_hash)?;
            invites::forget_number(conn, number_hash)?
        }
        Some(RequestKind::Withdrawal) => {
            invites::opt_out(conn, number_hash, day)?;
            invites::forget_number(conn, number_hash)?
        }
        _ => return Ok(()),
    };
    for (unit, route) in dropped {
        invites::tally(conn, &unit, day, &route, Outcome::Held.as_str(), 1)?;
    }
    Ok(())
}

/// What is held under a number, as its owner's access request is answered: days only.
pub fn data(
    conn: &mut DbConnection,
    request: i64,
    number_hash: &str,
) -> Result<serde_json::Value, StoreError> {
    let held = invites::held_about(conn, number_hash)?;
    let day = |t: chrono::NaiveDateTime| crate::domain::local_date(t.and_utc()).to_string();
    Ok(serde_json::json!({
        "request": request,
        "phone_number": {
            "held_as": "keyed hash (the number itself is kept only until an invitation is sent)",
            "invitations_sent_on": held.sent.iter().map(|t| day(*t)).collect::<Vec<_>>(),
            "invitations_waiting": held.waiting.iter().map(|(unit, route)| serde_json::json!({
                "unit": unit, "route": route,
            })).collect::<Vec<_>>(),
            "unused_invitations": held.codes.iter().map(|(unit, issued, until)| serde_json::json!({
                "unit": unit,
                "sent_on": issued.to_string(),
                "valid_until": day(*until - Duration::seconds(1)),
            })).collect::<Vec<_>>(),
            "opted_out_on": held.opted_on.map(|d| d.to_string()),
        },
    }))
}

/// Step one as the page takes it: the typed number read (or why not), a code made when the
/// number is known, and sent in the background — the answer comes at once and reads the same
/// whether or not anything was sent, so its timing says nothing either.
pub fn ask(
    store: &Store,
    key: &DataKey,
    sender: &crate::service::invite::Sender,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), crate::domain::returned::MobileProblem>, StoreError> {
    let phone = match Mobile::parse(typed) {
        Ok(p) => p,
        Err(problem) => return Ok(Err(problem)),
    };
    if let Some(code) = new_code(store, key, &phone, now)? {
        let sender = sender.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { sender.send_code(phone.as_str(), &code).await });
        }
    }
    Ok(Ok(()))
}
