//! Issuing one-time survey codes: one per visit (dossier), counted per unit and day as a
//! denominator of the participation rate.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use crate::domain::local_date;
pub use crate::domain::ticket::IssuedTicket;
use crate::domain::ticket::TicketCode;
use crate::service::access;
use crate::service::audit;
use crate::service::users::Staff;
use crate::store::tickets::{self, TicketRow};
use crate::store::{units, Store, StoreError};

pub const DEFAULT_TTL_DAYS: i64 = 30;
pub use crate::service::access::MAX_CODES_PER_REQUEST as MAX_PER_REQUEST;

#[derive(Debug, Clone, Default)]
pub struct TicketRequest {
    pub unit: String,
    pub dossier_ref: Option<String>,
    pub field: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("there is no unit \"{0}\"")]
    UnknownUnit(String),
    #[error("the unit \"{0}\" is no longer valid and cannot issue survey codes")]
    UnitClosed(String),
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Denied(crate::service::access::Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn clean(label: &str, value: Option<String>) -> Result<Option<String>, TicketError> {
    match value.map(|v| v.trim().to_string()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.chars().count() > 100 => Err(TicketError::BadInput(format!(
            "{label} is longer than 100 characters"
        ))),
        Some(v) if v.chars().any(char::is_control) => Err(TicketError::BadInput(format!(
            "{label} contains control characters"
        ))),
        Some(v) => Ok(Some(v)),
    }
}

/// Issues `count` codes for a unit in one transaction.
pub fn issue<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    request: TicketRequest,
    count: u32,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<IssuedTicket>, TicketError> {
    issue_audited(store, rng, request, count, ttl, now, None)
}

/// A sheet of code slips printed by a member of staff: who may, for which unit and how many
/// is `access::slips`; the codes and the audit entry are stored in one transaction.
pub fn issue_slips<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    staff: &Staff,
    unit: &str,
    count: u32,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<IssuedTicket>, TicketError> {
    access::slips(staff, unit, count).map_err(TicketError::Denied)?;
    let request = TicketRequest {
        unit: unit.to_string(),
        ..Default::default()
    };
    issue_audited(store, rng, request, count, ttl, now, Some(staff))
}

fn issue_audited<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    request: TicketRequest,
    count: u32,
    ttl: Duration,
    now: DateTime<Utc>,
    by: Option<&Staff>,
) -> Result<Vec<IssuedTicket>, TicketError> {
    // Slips an officer prints carry the officer (METHODOLOGY "Officers and counters").
    let officer_id = by
        .filter(|s| s.role == crate::domain::user::Role::Officer)
        .map(|s| s.id);
    if count == 0 || count > MAX_PER_REQUEST {
        return Err(TicketError::BadInput(format!(
            "the number of codes must be between 1 and {MAX_PER_REQUEST}"
        )));
    }
    let dossier_ref = clean("dossier_ref", request.dossier_ref)?;
    let field = clean("field", request.field)?;
    let unit = store
        .read(|c| units::get(c, &request.unit))?
        .ok_or_else(|| TicketError::UnknownUnit(request.unit.clone()))?;
    if !unit.is_valid_on(local_date(now)) {
        return Err(TicketError::UnitClosed(request.unit));
    }
    let expires_at = now + ttl;
    let codes: Vec<TicketCode> = (0..count).map(|_| TicketCode::generate(rng)).collect();
    let rows: Vec<TicketRow> = codes
        .iter()
        .map(|code| TicketRow {
            code: code.as_str().to_string(),
            unit_code: unit.code.to_string(),
            issued_at: now.naive_utc(),
            issued_date: local_date(now),
            expires_at: expires_at.naive_utc(),
            dossier_ref: dossier_ref.clone(),
            field: field.clone(),
            used_at: None,
            synthetic: false,
            officer_id,
            invite_route: None,
            number_hash: None,
        })
        .collect();
    store.write(|c| -> Result<(), StoreError> {
        tickets::insert(c, &rows)?;
        if let Some(actor) = by.map(|s| s.username.as_str()) {
            let target = format!("{count} for {}", unit.code);
            audit::write(c, now, actor, "tickets.issue", &target, "ok")?;
        }
        Ok(())
    })?;
    Ok(codes
        .into_iter()
        .map(|code| IssuedTicket {
            code,
            unit: unit.clone(),
            expires_at,
            dossier_ref: dossier_ref.clone(),
            field: field.clone(),
        })
        .collect())
}

/// The unit a code was issued for, if the code exists.
pub fn unit_of(store: &Store, code: &TicketCode) -> Result<Option<String>, StoreError> {
    Ok(store
        .read(|c| tickets::get(c, code.as_str()))?
        .map(|t| t.unit_code))
}

/// The settings key of the first day whose used tickets were not rewritten yet.
const SEALED_FROM: &str = "tickets.sealed_from";

/// Rewrites the tickets used on days that have closed (before today), each day's in one
/// transaction and in random order: afterwards no used ticket shares a transaction with the
/// response it took (PostgreSQL's `xmin`), and their order on disk says nothing about the
/// order in which they were used. A day at a time, so that a first run over years of tickets
/// never holds the writer for long. Returns how many tickets were rewritten. Run by a
/// background task.
pub fn seal_used_days(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let today = crate::domain::day_of(now.naive_utc());
    let mut sealed = 0;
    loop {
        let from = store.read(sealed_from)?;
        if from >= today {
            return Ok(sealed);
        }
        let day = store.read(|c| tickets::first_used_between(c, from, today))?;
        let until = day.map_or(today, |d| crate::domain::day_of(d) + Duration::days(1));
        sealed += store.write(|c| seal_between(c, from, until))?;
    }
}

/// The first day not sealed yet (its midnight).
fn sealed_from(c: &mut crate::store::DbConnection) -> Result<chrono::NaiveDateTime, StoreError> {
    Ok(crate::store::meta::setting(c, SEALED_FROM)?
        .and_then(|d| chrono::NaiveDateTime::parse_from_str(&d, "%Y-%m-%d %H:%M:%S").ok())
        .unwrap_or_default())
}

/// The used tickets of `[from, until)` rewritten in random order, and the mark moved on;
/// nothing when another node moved the mark meanwhile (it sealed those days).
fn seal_between(
    c: &mut crate::store::DbConnection,
    from: chrono::NaiveDateTime,
    until: chrono::NaiveDateTime,
) -> Result<usize, StoreError> {
    use rand::seq::SliceRandom;
    tickets::lock_sealing(c)?;
    if sealed_from(c)? != from {
        return Ok(0);
    }
    // A counted paper sheet keeps its code's ticket: the reference is checked at commit, when
    // the ticket is back (B1: checked at the delete, it stopped every sealing for good).
    tickets::defer_references(c)?;
    let mut used = tickets::used_between(c, from, until)?;
    let codes: Vec<String> = used.iter().map(|t| t.code.clone()).collect();
    tickets::delete(c, &codes)?;
    used.shuffle(&mut rand::rng());
    tickets::insert(c, &used)?;
    let mark = until.format("%Y-%m-%d %H:%M:%S").to_string();
    crate::store::meta::set_setting(c, SEALED_FROM, &mark)?;
    Ok(used.len())
}
