//! Paper questionnaires (METHODOLOGY "Paper forms"; Decree 118/2025 Art. 31(a) and (3)):
//! printing sheets with one-time codes, and double entry. The first entry of a sheet waits;
//! a second entry by a different user is compared answer by answer: equal, the sheet becomes
//! one response of source `paper` (and both entries are deleted, so no answer stays next to its
//! code); different, it waits for a third user who made neither entry. Every entry,
//! comparison and settlement is audited with its user. No single account can type a sheet into
//! a response (README "Paper" says which other doors stay open).

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::Rng;

use crate::domain::form::Form;
use crate::domain::lang::Lang;
use crate::domain::paper::{self, Mistyped, Row, SheetState, Typed, Typists};
use crate::domain::ticket::{IssuedTicket, TicketCode};
use crate::domain::unit::Unit;
use crate::domain::{local_date, local_offset};
use crate::service::access::{self, Action, Caller, Denied};
use crate::service::forms::FormRegistry;
use crate::service::submit::SubmitError;
use crate::service::tickets::{self, TicketError};
use crate::service::users::Staff;
pub use crate::store::paper::SheetRow;

mod check;
mod entry;
use crate::store::paper::{self as store_paper, EntryRow};
use crate::store::{tickets as store_tickets, Store, StoreError};
pub use check::{dispute, disputes, settle, Dispute, Disputes};
pub use entry::enter;

/// Most sheets printed at once.
pub const MAX_SHEETS: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("there is no sheet with this code")]
    UnknownCode,
    #[error("this sheet's code has already been used: a sheet counts once")]
    Used,
    #[error("this sheet's code has expired (valid until {0})")]
    Expired(String),
    #[error("you typed this sheet already: the second entry must be by someone else")]
    SameTypist,
    #[error("this sheet waits for a third look (Staff · Paper · Check) by someone who typed neither entry")]
    Disputed,
    #[error("you typed this sheet: the third look must be by someone who typed neither entry")]
    Typist,
    #[error("this sheet has no difference to settle")]
    NotDisputed,
    #[error("someone else entered or settled this sheet at the same moment: open it again to see where it stands")]
    Moved,
    #[error("sheet {0}: {1}")]
    BadState(String, String),
    #[error("{}", mistyped(.0))]
    Mistyped(Vec<Mistyped>),
    #[error("the sheet cannot be counted: {0}")]
    Incomplete(String),
    #[error("the date written on the sheet ({0}) is outside the code's validity or in the future")]
    BadDay(String),
    #[error("between 1 and {MAX_SHEETS} sheets at once")]
    Count,
    #[error("{0}")]
    Tickets(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn mistyped(m: &[Mistyped]) -> String {
    let list: Vec<String> = m
        .iter()
        .map(|m| format!("row {}: \"{}\"", m.number, m.typed))
        .collect();
    format!(
        "out of range (1–5 or 0 for a criterion, an option's number for the others): {}",
        list.join(", ")
    )
}

impl From<SubmitError> for PaperError {
    fn from(e: SubmitError) -> PaperError {
        match e {
            SubmitError::Store(e) => PaperError::Store(e),
            SubmitError::TicketUsed => PaperError::Used,
            SubmitError::UnknownTicket => PaperError::UnknownCode,
            SubmitError::TicketExpired => PaperError::Expired(String::new()),
            other => PaperError::Incomplete(other.to_string()),
        }
    }
}

/// Prints `count` sheets for a unit: one-time codes (slips of the officer who prints them)
/// and the unit's form; the codes and the HTML to print.
/// Sheets to print: for which unit, how many, and how long their codes stay valid.
#[derive(Debug, Clone)]
pub struct PrintRequest {
    pub unit: String,
    pub count: u32,
    pub ttl: Duration,
}

pub fn print<R: Rng + ?Sized>(
    store: &Store,
    forms: &FormRegistry,
    rng: &mut R,
    by: Option<&Staff>,
    request: &PrintRequest,
    now: DateTime<Utc>,
) -> Result<(Vec<IssuedTicket>, Arc<Form>), PaperError> {
    let PrintRequest { unit, count, ttl } = request;
    let (unit, count, ttl) = (unit.trim(), *count, *ttl);
    if !(1..=MAX_SHEETS).contains(&count) {
        return Err(PaperError::Count);
    }
    let issued = match by {
        Some(staff) => {
            access::unit_for(
                &Caller::Staff(staff.clone()),
                Action::EnterPaper,
                Some(unit),
            )?;
            tickets::issue_slips(store, rng, staff, unit, count, ttl, now)
        }
        None => {
            let request = tickets::TicketRequest {
                unit: unit.to_string(),
                ..Default::default()
            };
            tickets::issue(store, rng, request, count, ttl, now)
        }
    }
    .map_err(|e| match e {
        TicketError::Store(e) => PaperError::Store(e),
        other => PaperError::Tickets(other.to_string()),
    })?;
    let form = issued
        .first()
        .and_then(|t| forms.latest(&t.unit.form_id))
        .ok_or_else(|| PaperError::Tickets(format!("the unit \"{unit}\" has no form")))?;
    Ok((issued, form))
}

/// A sheet about to be typed: its code, unit, form and rows, and its state so far.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub code: TicketCode,
    pub unit: Unit,
    pub form: Arc<Form>,
    pub rows: Vec<Row>,
    pub state: Option<SheetRow>,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
}

impl Sheet {
    fn form_ref(&self) -> String {
        format!("{}@{}", self.form.id, self.form.version)
    }
}

/// A stored sheet's state and typists; an unknown state is an error naming the sheet.
pub(super) fn turn_of(row: &SheetRow) -> Result<(SheetState, Typists), PaperError> {
    let state =
        SheetState::parse(&row.state).map_err(|e| PaperError::BadState(row.code.clone(), e))?;
    let typists = Typists {
        first: row.first_by,
        second: row.second_by,
    };
    Ok((state, typists))
}

/// Finds the sheet of a typed code, within the caller's units: refused when the code is
/// unknown, used (by a phone or a counted sheet) or expired before its first entry.
pub fn sheet(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    typed: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Sheet, PaperError> {
    let code = TicketCode::parse(typed)
        .ok()
        .ok_or_else(|| PaperError::UnknownCode)?;
    let ticket = store
        .read(|c| store_tickets::get(c, code.as_str()))?
        .ok_or(PaperError::UnknownCode)?;
    access::unit_for(
        &Caller::Staff(staff.clone()),
        Action::EnterPaper,
        Some(&ticket.unit_code),
    )?;
    let state = store.read(|c| store_paper::sheet(c, code.as_str()))?;
    let expires = DateTime::<Utc>::from_naive_utc_and_offset(ticket.expires_at, Utc);
    let closed = match &state {
        Some(s) => turn_of(s)?.0 == SheetState::Counted,
        None => false,
    };
    if ticket.used_at.is_some() || closed {
        return Err(PaperError::Used);
    }
    if state.is_none() && expires <= now {
        return Err(PaperError::Expired(
            local_date(expires).format("%d/%m/%Y").to_string(),
        ));
    }
    let unit =
        crate::service::units::cached(store, &ticket.unit_code)?.ok_or(PaperError::UnknownCode)?;
    let first = match &state {
        Some(s) => store
            .read(|c| store_paper::entries(c, &s.code))?
            .into_iter()
            .next(),
        None => None,
    };
    let form = first
        .and_then(|e| {
            let (id, v) = e.form.split_once('@')?;
            forms.get(id, v.parse().ok()?)
        })
        .or_else(|| forms.latest(&unit.form_id))
        .ok_or(PaperError::UnknownCode)?;
    Ok(Sheet {
        rows: paper::rows(&form, lang),
        code,
        unit,
        form,
        state,
        issued_on: ticket.issued_date,
        expires_on: local_date(expires),
    })
}

/// What an entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entered {
    /// The first entry: the sheet waits for a second by someone else.
    First,
    /// The second agreed with the first: the sheet is one response now.
    Counted,
    /// The second differs from the first on this many answers: it waits for a third look.
    Differs(usize),
    /// The second differs on these rows (their keys, never the first entry's values): its
    /// typist reads the paper again and enters once more; that entry decides.
    Recheck(Vec<String>),
    /// The entries agree but the sheet has too few answers to count: recorded as void.
    Void,
}

pub(super) fn typed_json(t: &Typed) -> String {
    serde_json::to_string(t).unwrap_or_else(|_| "{}".into())
}

pub(super) fn typed_of(e: &EntryRow) -> Typed {
    serde_json::from_str(&e.typed).unwrap_or_default()
}

/// The day a sheet's response is dated: the day written on it, else the first entry's.
pub(super) fn day_at(day: NaiveDate) -> DateTime<Utc> {
    let noon = day.and_hms_opt(12, 0, 0).unwrap_or_default();
    local_offset()
        .from_local_datetime(&noon)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| DateTime::<Utc>::from_naive_utc_and_offset(noon, Utc))
}

/// Checks what was typed: every value in range, and the answers a sheet needs to count.
pub(super) fn check(
    sheet: &Sheet,
    posted: &[(String, String)],
) -> Result<(Typed, Vec<(String, String)>), PaperError> {
    let typed = paper::read(&sheet.rows, posted).map_err(PaperError::Mistyped)?;
    let pairs = paper::pairs(&sheet.form, &sheet.rows, &typed);
    sheet
        .form
        .validate(&pairs)
        .map_err(|p| PaperError::Incomplete(p.to_string()))?;
    Ok((typed, pairs))
}

pub(super) fn check_day(
    sheet: &Sheet,
    written: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), PaperError> {
    match written {
        Some(d) if d < sheet.issued_on || d > sheet.expires_on || d > today => {
            Err(PaperError::BadDay(d.format("%d/%m/%Y").to_string()))
        }
        _ => Ok(()),
    }
}

/// Sheets waiting for a second entry and for a third look, and sheets void (of one unit, or
/// all).
pub fn waiting(store: &Store, unit: Option<&str>) -> Result<paper::NotCounted, StoreError> {
    let n = |c: &mut crate::store::DbConnection, state| -> Result<u64, StoreError> {
        Ok(u64::try_from(store_paper::count_in_state(c, state, unit)?).unwrap_or_default())
    };
    store.read(|c| -> Result<_, StoreError> {
        Ok(paper::NotCounted {
            pending: n(c, SheetState::Pending)?,
            disputed: n(c, SheetState::Disputed)?,
            void: n(c, SheetState::Void)?,
        })
    })
}
