//! Staff accounts, sessions and the audit log as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{audit_log, sessions, users};
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub unit_code: Option<String>,
    pub created_at: NaiveDateTime,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub disabled: bool,
    pub must_change_password: bool,
    /// A unit's lead: sees the figures of the unit's officers.
    pub lead: bool,
    /// The person's name as staff pages show it ("" when not given: the login is shown).
    pub display_name: String,
}

impl UserRow {
    /// The name staff pages show: the display name, else the login.
    pub fn shown_name(&self) -> &str {
        shown(&self.username, &self.display_name)
    }
}

/// The name staff pages show of a login and its display name: the display name, else the login.
pub fn shown<'a>(login: &'a str, display_name: &'a str) -> &'a str {
    if display_name.is_empty() {
        login
    } else {
        display_name
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
}

/// How many admin accounts there are (enabled or not).
pub fn count_admins(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(users::table
        .filter(users::role.eq("admin"))
        .count()
        .get_result(conn)?)
}

pub fn by_name(conn: &mut DbConnection, name: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::username.eq(name))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<UserRow>, StoreError> {
    Ok(users::table
        .order(users::username)
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn insert(
    conn: &mut DbConnection,
    username: &str,
    password_hash: &str,
    role: &str,
    unit: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::unit_code.eq(unit),
            users::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_password(conn: &mut DbConnection, id: i64, hash: &str) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

pub fn set_lead(conn: &mut DbConnection, id: i64, lead: bool) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set(users::lead.eq(lead))
        .execute(conn)?;
    Ok(())
}

pub fn set_display_name(conn: &mut DbConnection, id: i64, name: &str) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set(users::display_name.eq(name))
        .execute(conn)?;
    Ok(())
}

/// The names staff pages show of these users (by id): the display name, else the login.
pub fn shown_names(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
    let rows: Vec<(i64, String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::username, users::display_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, login, name)| (id, shown(&login, &name).to_string()))
        .collect())
}

/// The logins of these users (by id): what exports and audit rows name.
pub fn names(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::username))
        .load(conn)?)
}

pub fn set_disabled(conn: &mut DbConnection, id: i64, disabled: bool) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set(users::disabled.eq(disabled))
        .execute(conn)?;
    Ok(())
}

/// Takes one password attempt for a user, atomically: unless the account is throttled at
/// `now`, its count of unconfirmed attempts goes up by one in a single statement (so parallel
/// attempts cannot read the same count), and the new count is returned. `None`: throttled,
/// with the time it ends. Must run inside a write transaction (the count is read back there).
pub fn take_attempt(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<Result<i32, NaiveDateTime>, StoreError> {
    let taken = diesel::update(
        users::table.find(id).filter(
            users::locked_until
                .is_null()
                .or(users::locked_until.le(now)),
        ),
    )
    .set(users::failed_logins.eq(users::failed_logins + 1))
    .execute(conn)?;
    let (count, until): (i32, Option<NaiveDateTime>) = users::table
        .find(id)
        .select((users::failed_logins, users::locked_until))
        .get_result(conn)?;
    Ok(if taken == 1 {
        Ok(count)
    } else {
        Err(until.unwrap_or(now))
    })
}

/// Throttles the account until `until` (the next attempt waits for it).
pub fn throttle(conn: &mut DbConnection, id: i64, until: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set(users::locked_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

pub fn set_must_change(conn: &mut DbConnection, id: i64, must: bool) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set(users::must_change_password.eq(must))
        .execute(conn)?;
    Ok(())
}

pub fn clear_failures(conn: &mut DbConnection, id: i64) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_session(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: i64,
    csrf: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::csrf.eq(csrf),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user and CSRF token of a live session.
pub fn session(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(UserRow, String)>, StoreError> {
    let found: Option<(i64, String)> = sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .select((sessions::user_id, sessions::csrf))
        .get_result(conn)
        .optional()?;
    match found {
        Some((uid, csrf)) => Ok(by_id(conn, uid)?.filter(|u| !u.disabled).map(|u| (u, csrf))),
        None => Ok(None),
    }
}

pub fn delete_session(conn: &mut DbConnection, token_hash: &str) -> Result<(), StoreError> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)?;
    Ok(())
}

pub fn delete_sessions_of(conn: &mut DbConnection, user_id: i64) -> Result<(), StoreError> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// The longest text an audit entry keeps in one column; longer ones are cut, marked "…".
pub const AUDIT_TEXT_MAX: usize = 300;

fn cut(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(AUDIT_TEXT_MAX) {
        Some((at, _)) => format!("{}…", &s[..at]).into(),
        None => s.into(),
    }
}

/// Writes an entry; every text is cut to `AUDIT_TEXT_MAX` characters, so that no input can
/// make the log (or its page and download) large.
pub fn audit(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(at),
            audit_log::actor.eq(cut(actor).as_ref()),
            audit_log::action.eq(cut(action).as_ref()),
            audit_log::target.eq(cut(target).as_ref()),
            audit_log::outcome.eq(cut(outcome).as_ref()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn audit_recent(conn: &mut DbConnection, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// Deletes the audit rows written before `before`. How many.
pub fn purge_audit(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::delete(audit_log::table.filter(audit_log::at.lt(before))).execute(conn)?)
}
