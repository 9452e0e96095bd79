//! Bearer tokens for machine clients (the one-stop software, kiosks, scheduled downloads).
//! A token is shown once; only its SHA-256 is stored (it has 256 bits of randomness, so a
//! fast hash is enough: nothing to guess).

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::service::audit;
/// A token as listed (for the tokens page).
pub use crate::store::tokens::TokenRow;
use crate::store::tokens::{self, NewTokenRow};
use crate::store::{units, Store, StoreError};

pub const PREFIX: &str = "hl_";

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIdentity {
    pub name: String,
    /// A unit-scoped token sees and acts for that unit only.
    pub unit: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("there is no unit \"{0}\"")]
    UnknownUnit(String),
    #[error("a token needs a name of 1 to 100 characters")]
    BadName,
    #[error("a token named \"{0}\" already exists")]
    Duplicate(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a secret (a token, a session) is stored: the one hash of `domain::ticket`.
pub fn hash(token: &str) -> String {
    crate::domain::ticket::hash_secret(token)
}

/// Creates a token and returns it in clear, the only time it exists in clear.
pub fn create<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    name: &str,
    unit: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, TokenError> {
    create_by(store, rng, name, unit, "cli", now)
}

/// Creates a token for `actor`, audited in the same transaction; the token is returned once.
pub fn create_by<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    name: &str,
    unit: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<String, TokenError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(TokenError::BadName);
    }
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    let token = format!("{PREFIX}{}", hex::encode(bytes));
    store.write(|c| -> Result<(), TokenError> {
        if let Some(u) = unit {
            if units::get(c, u)?.is_none() {
                return Err(TokenError::UnknownUnit(u.to_string()));
            }
        }
        if tokens::list(c)?
            .iter()
            .any(|t| t.name == name && t.revoked_at.is_none())
        {
            return Err(TokenError::Duplicate(name.to_string()));
        }
        tokens::insert(
            c,
            &NewTokenRow {
                name: name.to_string(),
                token_hash: hash(&token),
                unit_code: unit.map(str::to_string),
                created_at: now.naive_utc(),
            },
        )?;
        let target = format!("{name} ({})", unit.unwrap_or("*"));
        audit::write(c, now, actor, "token.create", &target, "ok")?;
        Ok(())
    })?;
    store.forget("token");
    Ok(token)
}

/// Counts a response added with token `name` today (C-9: who adds responses alone is known
/// by day and token, nothing finer). It joins the next group commit; a failure is logged and
/// counted, never the response's.
pub async fn note_response(store: &Store, name: &str, now: DateTime<Utc>) {
    let (name, day) = (name.to_string(), crate::domain::local_date(now));
    let counted = store
        .write_grouped_async(move |c| tokens::count_response(c, &name, day).map(|()| ((), None)))
        .await;
    match counted {
        Ok(()) => crate::telemetry::job_ok("token_count"),
        Err(e) => {
            crate::telemetry::count_failure("token_count", &e.to_string());
            tracing::error!(error = %e, "counting a response of an API token failed");
        }
    }
}

/// Responses added with each token over the last `days` days, today included.
pub fn recent_responses(
    store: &Store,
    days: i64,
    now: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, StoreError> {
    let from = crate::domain::local_date(now) - chrono::Duration::days(days - 1);
    store.read(|c| tokens::responses_since(c, from))
}

/// Every token (names and scopes; the tokens themselves are never stored).
pub fn list(store: &Store) -> Result<Vec<tokens::TokenRow>, StoreError> {
    store.read(tokens::list)
}

/// Revokes the active token of this name, audited in the same transaction. False when there
/// is no active token of that name (nothing is written).
pub fn revoke(
    store: &Store,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    store
        .write(|c| {
            let n = tokens::revoke(c, name, now.naive_utc())?;
            if n > 0 {
                audit::write(c, now, actor, "token.revoke", name, "ok")?;
            }
            Ok(n > 0)
        })
        .inspect(|_| store.forget("token"))
}

/// The identity behind a presented token, if it is known and not revoked.
pub fn authenticate(store: &Store, token: &str) -> Result<Option<TokenIdentity>, StoreError> {
    if !token.starts_with(PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let h = hash(token);
    // Every API request asks this: from the store's short memo (revoking here forgets it at
    // once; another process's revocation is seen within seconds).
    let row = store.memo("token", &h, |s| s.read(|c| tokens::by_hash(c, &h)))?;
    Ok(row
        .filter(|r| r.revoked_at.is_none())
        .map(|r| TokenIdentity {
            name: r.name,
            unit: r.unit_code,
        }))
}
