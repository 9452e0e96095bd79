//! Staff accounts and sign-in: argon2id password hashes, a lock after repeated failures,
//! sessions as random tokens stored only as hashes, and an audit log of what staff do.

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use crate::domain::user::{check_password, check_username, Role};
use crate::service::tokens::hash as sha256;
use crate::store::users as user_store;
/// An account as listed (for the users page).
pub use crate::store::users::UserRow;
use crate::store::{units, Store, StoreError};

/// Password attempts on one account (signing in, or the current password when changing it)
/// before the next one has to wait.
pub const FREE_ATTEMPTS: i32 = 5;
/// The first wait, doubled at each further attempt, up to `MAX_WAIT_SECS`: slow enough to
/// make guessing hopeless, short enough that nobody can keep an account shut for long.
pub const FIRST_WAIT_SECS: i64 = 5;
pub const MAX_WAIT_SECS: i64 = 300;
pub const SESSION_HOURS: i64 = 12;

/// How long the next attempt waits after `attempts` unconfirmed ones (none below the free ones).
pub fn wait_after(attempts: i32) -> Option<Duration> {
    if attempts < FREE_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(attempts - FREE_ATTEMPTS).unwrap_or(0).min(20);
    Some(Duration::seconds(
        FIRST_WAIT_SECS
            .saturating_mul(1i64 << doublings)
            .min(MAX_WAIT_SECS),
    ))
}
const PASSWORD_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ";

/// A signed-in member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// For an officer: the one unit they serve.
    pub unit: Option<String>,
    /// The password was generated and printed (the first admin's): change it before anything else.
    pub must_change_password: bool,
    /// An officer who leads their unit: sees the unit's officers' figures.
    pub lead: bool,
}

impl Staff {
    fn from_row(row: &UserRow) -> Result<Staff, StoreError> {
        Ok(Staff {
            id: row.id,
            username: row.username.clone(),
            role: Role::parse(&row.role).map_err(|e| StoreError::corrupt("a user's role", e))?,
            unit: row.unit_code.clone(),
            must_change_password: row.must_change_password,
            lead: row.lead,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Invalid(String),
    #[error("a user named \"{0}\" already exists")]
    Exists(String),
    #[error("there is no unit \"{0}\"")]
    UnknownUnit(String),
    #[error("the user name or password is wrong")]
    BadCredentials,
    /// Too many attempts for this name: the next one waits this many seconds.
    #[error("too many attempts for this name: wait {0} seconds and try again")]
    Throttled(i64),
    #[error("hashing the password failed")]
    Hash,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn generate_password<R: Rng + ?Sized>(rng: &mut R) -> String {
    (0..20)
        .map(|_| char::from(PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())]))
        .collect()
}

fn hash_password<R: Rng + ?Sized>(rng: &mut R, password: &str) -> Result<String, UserError> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| UserError::Hash)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| UserError::Hash)?
        .to_string())
}

/// Memory for password checks, kept and reused. argon2id fills 19 MiB for each check; taken
/// afresh each time, that memory stayed with the allocator's per-thread arenas (200 sign-ins
/// at once left a process of 1.1 GB even with four checks at a time). The few buffers kept
/// here are all a check ever uses.
fn check_memory() -> &'static std::sync::Mutex<Vec<Vec<Block>>> {
    static MEMORY: std::sync::OnceLock<std::sync::Mutex<Vec<Vec<Block>>>> =
        std::sync::OnceLock::new();
    MEMORY.get_or_init(Default::default)
}

/// Buffers kept for reuse; more checks at once than this are bounded by the web layer.
const KEPT_CHECK_BUFFERS: usize = 8;

fn verify(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Some(expected), Some(salt)) =
        (Params::try_from(&parsed), parsed.hash, parsed.salt)
    else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let needed = params.block_count();
    let mut blocks = check_memory()
        .lock()
        .ok()
        .and_then(|mut kept| kept.pop())
        .filter(|b| b.len() >= needed)
        .unwrap_or_else(|| vec![Block::new(); needed]);
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut blocks[..needed],
    );
    if let Ok(mut kept) = check_memory().lock() {
        if kept.len() < KEPT_CHECK_BUFFERS {
            kept.push(blocks);
        }
    }
    // Output's equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

use crate::service::audit::write as audit;

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub role: Role,
    pub unit: Option<&'a str>,
    /// None: generate one.
    pub password: Option<&'a str>,
    /// An officer who leads their unit (sees its officers' figures).
    pub lead: bool,
}

/// Adds a user; returns the password (generated when none is given), shown once.
pub fn add<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    user: NewUser<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<String, UserError> {
    let NewUser {
        username,
        role,
        unit,
        password,
        lead,
    } = user;
    let username = check_username(username).map_err(UserError::Invalid)?;
    if role == Role::Officer && unit.is_none() {
        return Err(UserError::Invalid(
            "an officer belongs to one unit: give --unit CODE".into(),
        ));
    }
    if lead && role != Role::Officer {
        return Err(UserError::Invalid(
            "only an officer leads a unit (--lead goes with --role officer)".into(),
        ));
    }
    if role != Role::Officer && unit.is_some() {
        return Err(UserError::Invalid(format!(
            "only officers belong to a unit; a {role} sees all units"
        )));
    }
    // A generated password is seen by whoever ran the command: its user must change it.
    let generated = password.is_none();
    let password = match password {
        Some(p) => {
            check_password(p, username.as_str(), &password_context(store)?)
                .map_err(UserError::Invalid)?;
            p.to_string()
        }
        None => generate_password(rng),
    };
    let hash = hash_password(rng, &password)?;
    store.write(|c| -> Result<(), UserError> {
        if user_store::by_name(c, &username)?.is_some() {
            return Err(UserError::Exists(username.clone()));
        }
        if let Some(u) = unit {
            if units::get(c, u)?.is_none() {
                return Err(UserError::UnknownUnit(u.to_string()));
            }
        }
        user_store::insert(c, &username, &hash, role.as_str(), unit, now.naive_utc())?;
        if generated || lead {
            if let Some(row) = user_store::by_name(c, &username)? {
                user_store::set_must_change(c, row.id, generated)?;
                user_store::set_lead(c, row.id, lead)?;
            }
        }
        let what = if lead { "officer, lead" } else { role.as_str() };
        audit(
            c,
            now,
            actor,
            "user.add",
            &format!("{username} ({what})"),
            "ok",
        )?;
        Ok(())
    })?;
    Ok(password)
}

/// On first start with no admin account (the demo's officers are none): creates `admin` with a random password, returned once.
pub fn ensure_admin<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    now: DateTime<Utc>,
) -> Result<Option<String>, UserError> {
    if store.read(user_store::count_admins)? > 0 {
        return Ok(None);
    }
    let admin = NewUser {
        username: "admin",
        role: Role::Admin,
        unit: None,
        password: None,
        lead: false,
    };
    match add(store, rng, admin, "system", now) {
        Ok(p) => {
            // Printed to a terminal or a log: it must be changed at the first sign-in.
            store.write(|c| -> Result<(), StoreError> {
                if let Some(row) = user_store::by_name(c, "admin")? {
                    user_store::set_must_change(c, row.id, true)?;
                }
                Ok(())
            })?;
            Ok(Some(p))
        }
        // Another process made it first.
        Err(UserError::Exists(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

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
fn take_attempt(
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

/// The words a password must not be made of besides the common ones: every unit's code and
/// name (C-13: `Phuong-An-Lac-2026` passed).
fn password_context(store: &Store) -> Result<Vec<String>, StoreError> {
    Ok(crate::service::units::list(store)?
        .into_iter()
        .flat_map(|u| [u.code.to_string(), u.name])
        .collect())
}

/// Changes a password after checking the current one; other sessions of the user end.
pub fn change_password<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    staff: &Staff,
    current: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    check_password(new, &staff.username, &password_context(store)?).map_err(UserError::Invalid)?;
    if new == current {
        return Err(UserError::Invalid(
            "the new password must differ from the current one".into(),
        ));
    }
    let row = store
        .read(|c| user_store::by_id(c, staff.id))?
        .ok_or(UserError::BadCredentials)?;
    // Wrong current passwords count as sign-in attempts do: a stolen session cannot guess it.
    take_attempt(store, &row, "password.change", now)?;
    if !verify(current, &row.password_hash) {
        store.write(|c| {
            audit(
                c,
                now,
                &staff.username,
                "password.change",
                &staff.username,
                "wrong current password",
            )
        })?;
        return Err(UserError::BadCredentials);
    }
    let hash = hash_password(rng, new)?;
    store.write(|c| -> Result<(), StoreError> {
        user_store::set_password(c, staff.id, &hash)?;
        user_store::clear_failures(c, staff.id)?;
        user_store::set_must_change(c, staff.id, false)?;
        user_store::delete_sessions_of(c, staff.id)?;
        audit(
            c,
            now,
            &staff.username,
            "password.change",
            &staff.username,
            "ok",
        )
    })?;
    Ok(())
}

/// Disables an account (its sessions end at once) or enables it again. An admin cannot
/// disable their own account, so the office never locks itself out.
pub fn set_disabled(
    store: &Store,
    actor: &str,
    username: &str,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    if disabled && actor == username {
        return Err(UserError::Invalid(
            "you cannot disable your own account".into(),
        ));
    }
    store.write(|c| -> Result<(), UserError> {
        let row = user_store::by_name(c, username)?
            .ok_or_else(|| UserError::Invalid(format!("there is no user \"{username}\"")))?;
        user_store::set_disabled(c, row.id, disabled)?;
        if disabled {
            user_store::delete_sessions_of(c, row.id)?;
            crate::store::counters::close(c, row.id)?;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit(c, now, actor, action, username, "ok")?;
        Ok(())
    })
}

/// Makes an officer their unit's lead, or no longer: who sees the unit's officers' figures.
pub fn set_lead(
    store: &Store,
    actor: &str,
    username: &str,
    lead: bool,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    store.write(|c| -> Result<(), UserError> {
        let row = user_store::by_name(c, username)?
            .ok_or_else(|| UserError::Invalid(format!("there is no user \"{username}\"")))?;
        if lead && row.role != Role::Officer.as_str() {
            return Err(UserError::Invalid(format!(
                "\"{username}\" is a {}: only an officer leads a unit",
                row.role
            )));
        }
        user_store::set_lead(c, row.id, lead)?;
        let action = if lead { "user.lead" } else { "user.unlead" };
        audit(c, now, actor, action, username, "ok")?;
        Ok(())
    })
}

/// Gives an account a new random password (returned once), lifts a lock-out and ends its
/// sessions: what an admin does for someone who forgot theirs.
pub fn reset_password<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    actor: &str,
    username: &str,
    now: DateTime<Utc>,
) -> Result<String, UserError> {
    let password = generate_password(rng);
    let hash = hash_password(rng, &password)?;
    store.write(|c| -> Result<(), UserError> {
        let row = user_store::by_name(c, username)?
            .ok_or_else(|| UserError::Invalid(format!("there is no user \"{username}\"")))?;
        user_store::set_password(c, row.id, &hash)?;
        // The admin who reset it has seen it: the user chooses a new one at sign-in.
        user_store::set_must_change(c, row.id, true)?;
        user_store::clear_failures(c, row.id)?;
        user_store::delete_sessions_of(c, row.id)?;
        audit(c, now, actor, "password.reset", username, "ok")?;
        Ok(())
    })?;
    Ok(password)
}

/// Every staff account, by name.
pub fn list(store: &Store) -> Result<Vec<UserRow>, StoreError> {
    store.read(user_store::list)
}
