//! Signing in and out: the throttle of wrong passwords (per name, per unknown name, per
//! trusted browser), trusted-browser cookies, sessions.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::{verify, wait_after, Staff, UserError, UserRow, SESSION_HOURS};
use crate::domain::user::check_username;
use crate::service::audit::write as audit;
use crate::service::tokens::hash as sha256;
use crate::store::users as user_store;
use crate::store::{Store, StoreError};

/// A new session: the cookie token (shown once) and the CSRF token of its forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub staff: Staff,
    /// The device cookie for this browser and account (see `login_from_device`).
    pub device: String,
}

fn random_token<R: Rng + ?Sized>(rng: &mut R) -> String {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A hash no password matches: checked for names that are no account, so that their answer
/// takes as long as a real check.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000";

/// How much of a name that cannot be an account the audit log shows.
const USERNAME_SHOWN: usize = 40;

/// An attempt on a name that is no account: throttled exactly as an account would be, and
/// counted in the database so that every node counts it (the key is the name's hash: a
/// mistyped name may be a password).
fn take_unknown_attempt(store: &Store, name: &str, now: DateTime<Utc>) -> Result<(), UserError> {
    take_counted(store, "name", name, now)
}

/// How long a count of attempts that is not an account's is kept after its last attempt.
const ATTEMPTS_KEPT: Duration = Duration::days(1);

/// One attempt on `kind`/`key` in the database's count of attempts that are no account's:
/// the same free attempts and waits as an account's.
fn take_counted(store: &Store, kind: &str, key: &str, now: DateTime<Utc>) -> Result<(), UserError> {
    let hashed = sha256(key);
    let at = now.naive_utc();
    let taken = store.write(|c| -> Result<_, StoreError> {
        crate::store::limits::sweep_attempts(c, at - ATTEMPTS_KEPT, at)?;
        let taken = crate::store::limits::take_attempt(c, kind, &hashed, at)?;
        if let Ok(count) = taken {
            if let Some(wait) = wait_after(count) {
                crate::store::limits::wait(c, kind, &hashed, at + wait)?;
            }
        }
        Ok(taken)
    })?;
    taken
        .map(|_| ())
        .map_err(|until| UserError::Throttled(seconds_until(until.and_utc(), now)))
}

fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (until - now).num_seconds().max(1)
}

/// Takes one password attempt on an account (atomically, before the password is checked, so
/// that parallel guesses cannot all pass a count read at the same moment); starts a wait
/// once the free attempts are used. Audits a throttled attempt.
pub(super) fn take_attempt(
    store: &Store,
    row: &UserRow,
    action: &str,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    let taken = store.write(|c| -> Result<_, StoreError> {
        let taken = user_store::take_attempt(c, row.id, now.naive_utc())?;
        match taken {
            Ok(count) => {
                if let Some(wait) = wait_after(count) {
                    user_store::throttle(c, row.id, (now + wait).naive_utc())?;
                }
            }
            Err(_) => audit(c, now, &row.username, action, &row.username, "throttled")?,
        }
        Ok(taken)
    })?;
    taken
        .map(|_| ())
        .map_err(|until| UserError::Throttled(seconds_until(until.and_utc(), now)))
}

/// Checks a password. Every attempt on a name counts, whether the name is an account or not,
/// and after `FREE_ATTEMPTS` each next one waits longer (see `wait_after`); a right password
/// clears the count. Wrong name and wrong password get the same answer.
pub fn login<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<NewSession, UserError> {
    login_from_device(store, rng, username, password, None, now)
}

/// The settings key of the key device cookies are signed with (made on first use).
const DEVICE_KEY: &str = "device_cookie_key";

fn device_key(store: &Store) -> Result<Vec<u8>, StoreError> {
    stored_secret(store, DEVICE_KEY)
}

/// The key of the keyed hash that names a client in the rate limits (shared by every node).
pub const RATE_LIMIT_KEY: &str = "rate_limit_key";

/// A random 32-byte key kept in the settings under `setting` (made on first use; two
/// processes at once: the first key written wins, both read it back).
pub fn stored_secret(store: &Store, setting: &'static str) -> Result<Vec<u8>, StoreError> {
    store.memo("secret", setting, |s| {
        let found = s.read(|c| crate::store::meta::setting(c, setting))?;
        let hex_key = match found {
            Some(k) => k,
            None => {
                let mut b = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
                let fresh = hex::encode(b);
                s.write(|c| -> Result<String, StoreError> {
                    match crate::store::meta::setting(c, setting)? {
                        Some(k) => Ok(k),
                        None => {
                            crate::store::meta::set_setting(c, setting, &fresh)?;
                            Ok(fresh.clone())
                        }
                    }
                })?
            }
        };
        Ok(hex::decode(hex_key).unwrap_or_default())
    })
}

fn device_mac(key: &[u8], body: &str) -> Option<hmac::Hmac<sha2::Sha256>> {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
    mac.update(body.as_bytes());
    Some(mac)
}

/// A device cookie for `name`: `name.nonce.signature`, the signature an HMAC-SHA256 under the
/// service's key (OWASP's device cookies).
fn device_cookie<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    name: &str,
) -> Result<String, StoreError> {
    use hmac::Mac;
    let key = device_key(store)?;
    let mut nonce = [0u8; 16];
    rng.fill_bytes(&mut nonce);
    let body = format!("{name}.{}", hex::encode(nonce));
    let sig = device_mac(&key, &body)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    Ok(format!("{body}.{sig}"))
}

/// The nonce of a device cookie that this service signed for `name`, if `cookie` is one.
fn device_nonce(store: &Store, cookie: &str, name: &str) -> Option<String> {
    use hmac::Mac;
    if cookie.len() > 200 {
        return None;
    }
    let mut parts = cookie.rsplitn(3, '.');
    let (sig, nonce, user) = (parts.next()?, parts.next()?, parts.next()?);
    if user != name {
        return None;
    }
    let key = device_key(store).ok()?;
    let sig = hex::decode(sig).ok()?;
    device_mac(&key, &format!("{user}.{nonce}"))?
        .verify_slice(&sig)
        .ok()?;
    Some(nonce.to_string())
}

/// Attempts from one known device, counted apart from the account's: a browser that has
/// signed in to the account before is not shut out by someone guessing from elsewhere, and
/// guesses made with its cookie wait as the account's would.
fn take_device_attempt(store: &Store, nonce: &str, now: DateTime<Utc>) -> Result<(), UserError> {
    take_counted(store, "device", nonce, now)
}

/// `login`, from a browser that may hold a device cookie (`device`). With a valid cookie
/// for this account, the attempt is counted against that device only, so the account's own
/// wait (which anyone can run up by guessing) does not keep its user out; without one, the
/// account's count applies. A success gives the browser a new device cookie.
pub fn login_from_device<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    username: &str,
    password: &str,
    device: Option<&str>,
    now: DateTime<Utc>,
) -> Result<NewSession, UserError> {
    // A name that cannot be an account (too long, other characters) is refused before any
    // work: it is not kept in memory, and the log keeps only its first characters.
    let name = match check_username(username) {
        Ok(name) => name,
        Err(_) => {
            let shown: String = username.trim().chars().take(USERNAME_SHOWN).collect();
            verify(password, DUMMY_HASH);
            store.write(|c| audit(c, now, &shown, "login", &shown, "not a user name"))?;
            return Err(UserError::BadCredentials);
        }
    };
    let row = store.read(|c| user_store::by_name(c, &name))?;
    let Some(row) = row.filter(|r| !r.disabled) else {
        take_unknown_attempt(store, &name, now)?;
        // Spend the same time as a real check, so a wrong name cannot be told from a wrong password.
        verify(password, DUMMY_HASH);
        store.write(|c| audit(c, now, &name, "login", &name, "unknown user"))?;
        return Err(UserError::BadCredentials);
    };
    let known_device = device.and_then(|d| device_nonce(store, d, &name));
    match &known_device {
        Some(nonce) => take_device_attempt(store, nonce, now)?,
        None => take_attempt(store, &row, "login", now)?,
    }
    if !verify(password, &row.password_hash) {
        let outcome = if known_device.is_some() {
            "failed (known device)"
        } else {
            "failed"
        };
        store.write(|c| audit(c, now, &name, "login", &name, outcome))?;
        return Err(UserError::BadCredentials);
    }
    let staff = Staff::from_row(&row)?;
    let token = random_token(rng);
    let csrf = random_token(rng);
    store.write(|c| -> Result<(), StoreError> {
        if let Some(nonce) = &known_device {
            crate::store::limits::clear(c, "device", &sha256(nonce))?;
        }
        // A success from a known device leaves the account's count to whoever ran it up.
        if known_device.is_none() {
            user_store::clear_failures(c, row.id)?;
        }
        user_store::insert_session(
            c,
            &sha256(&token),
            row.id,
            &csrf,
            now.naive_utc(),
            (now + Duration::hours(SESSION_HOURS)).naive_utc(),
        )?;
        audit(c, now, &name, "login", &name, "ok")
    })?;
    let device = device_cookie(store, rng, &name)?;
    Ok(NewSession {
        token,
        csrf,
        staff,
        device,
    })
}

/// The member of staff behind a session cookie, and the session's CSRF token.
pub fn session(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Staff, String)>, StoreError> {
    if token.len() != 64 {
        return Ok(None);
    }
    match store.read(|c| user_store::session(c, &sha256(token), now.naive_utc()))? {
        Some((row, csrf)) => Ok(Some((Staff::from_row(&row)?, csrf))),
        None => Ok(None),
    }
}

pub fn logout(
    store: &Store,
    token: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    store.write(|c| -> Result<(), StoreError> {
        user_store::delete_session(c, &sha256(token))?;
        // Signing out closes the counter the officer had open.
        if let Some(row) = user_store::by_name(c, actor)? {
            crate::store::counters::close(c, row.id)?;
        }
        audit(c, now, actor, "logout", actor, "ok")
    })
}
