//! Staff accounts and sign-in: argon2id password hashes, a lock after repeated failures,
//! sessions as random tokens stored only as hashes, and an audit log of what staff do. Signing
//! in and out (the throttle, trusted browsers, sessions) is in `signin`; accounts here.

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use crate::domain::user::{check_password, check_username, Role};
use crate::store::users as user_store;
/// An account as listed (for the users page).
pub use crate::store::users::UserRow;
use crate::store::{units, Store, StoreError};

mod signin;
pub use signin::*;

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
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn generate_password<R: Rng + ?Sized>(rng: &mut R) -> String {
    (0..20)
        .filter_map(|_| {
            let i = rng.random_range(0..PASSWORD_ALPHABET.len());
            PASSWORD_ALPHABET.get(i).copied().map(char::from)
        })
        .collect()
}

fn hash_password<R: Rng + ?Sized>(rng: &mut R, password: &str) -> Result<String, UserError> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| UserError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| UserError::Hash(e.to_string()))?
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
        blocks.get_mut(..needed).unwrap_or_default(),
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

/// The longest display name.
pub const NAME_MAX: usize = 80;

/// A person's name as typed: trimmed, 1 to 80 characters, no control or invisible characters.
pub fn check_display_name(name: &str) -> Result<String, String> {
    let n = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if !n.chars().any(char::is_alphabetic) {
        return Err("a name needs letters (\"Nguyễn Thị Lan\")".into());
    }
    if n.chars().count() > NAME_MAX {
        return Err(format!("a name has at most {NAME_MAX} characters"));
    }
    if n.chars()
        .any(|c| c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}'))
    {
        return Err("a name holds no control or invisible characters".into());
    }
    Ok(n)
}

/// Sets the name staff pages show for an account (audited with the login only).
pub fn set_display_name(
    store: &Store,
    actor: &str,
    username: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    let name = check_display_name(name).map_err(UserError::Invalid)?;
    store.write(|c| -> Result<(), UserError> {
        let row = user_store::by_name(c, username)?
            .ok_or_else(|| UserError::Invalid(format!("there is no user \"{username}\"")))?;
        user_store::set_display_name(c, row.id, &name)?;
        audit(c, now, actor, "user.name", username, "ok")?;
        Ok(())
    })
}

/// How staff pages name a member of staff: their shown name, and their unit's name.
pub fn shown(store: &Store, staff: &Staff) -> Result<(String, Option<String>), StoreError> {
    let name = store
        .read(|c| user_store::by_id(c, staff.id))?
        .map_or_else(|| staff.username.clone(), |u| u.shown_name().to_string());
    let unit = match &staff.unit {
        Some(code) => Some(
            crate::service::units::cached(store, code)?.map_or_else(|| code.clone(), |u| u.name),
        ),
        None => None,
    };
    Ok((name, unit))
}

/// The names staff pages show, by login: the display name, else the login.
pub fn shown_names(
    store: &Store,
) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    Ok(store
        .read(user_store::list)?
        .into_iter()
        .map(|u| (u.username.clone(), u.shown_name().to_string()))
        .collect())
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
