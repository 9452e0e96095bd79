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
use crate::domain::paper::{
    self, EntryTurn, Mistyped, Row, SettleRefusal, SheetState, Typed, Typists,
};
use crate::domain::ticket::{IssuedTicket, TicketCode};
use crate::domain::unit::Unit;
use crate::domain::{local_date, local_offset};
use crate::service::access::{self, Action, Caller, Denied};
use crate::service::audit::write as audit;
use crate::service::forms::FormRegistry;
use crate::service::submit::{self, SubmitError};
use crate::service::tickets::{self, TicketError};
use crate::service::users::Staff;
pub use crate::store::paper::SheetRow;
use crate::store::paper::{self as store_paper, EntryRow};
use crate::store::{tickets as store_tickets, users as store_users, Store, StoreError};

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
fn turn_of(row: &SheetRow) -> Result<(SheetState, Typists), PaperError> {
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
}

fn typed_json(t: &Typed) -> String {
    serde_json::to_string(t).unwrap_or_else(|_| "{}".into())
}

fn typed_of(e: &EntryRow) -> Typed {
    serde_json::from_str(&e.typed).unwrap_or_default()
}

/// The day a sheet's response is dated: the day written on it, else the first entry's.
fn day_at(day: NaiveDate) -> DateTime<Utc> {
    let noon = day.and_hms_opt(12, 0, 0).unwrap_or_default();
    local_offset()
        .from_local_datetime(&noon)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| DateTime::<Utc>::from_naive_utc_and_offset(noon, Utc))
}

/// Checks what was typed: every value in range, and the answers a sheet needs to count.
fn check(
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

fn check_day(
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

/// The audit of a second entry: the entry, and what its comparison found.
fn audit_second(
    c: &mut crate::store::DbConnection,
    now: DateTime<Utc>,
    staff: &Staff,
    target: &str,
    found: &str,
) -> Result<(), StoreError> {
    audit(
        c,
        now,
        &staff.username,
        "paper.enter",
        target,
        "second entry",
    )?;
    audit(c, now, &staff.username, "paper.compare", target, found)
}

/// The first entry of a sheet: the sheet and its entry stored, audited. A colleague's first
/// entry at the same moment makes this one `Moved` (C-11), never a 503.
fn enter_first(
    store: &Store,
    staff: &Staff,
    row: &SheetRow,
    entry: &EntryRow,
    target: &str,
    now: DateTime<Utc>,
) -> Result<Entered, PaperError> {
    let first = store.write(|c| -> Result<Entered, PaperError> {
        match store_paper::sheet(c, &row.code)? {
            Some(s) if s.first_by == staff.id => return Err(PaperError::SameTypist),
            Some(_) => return Err(PaperError::Moved),
            None => {}
        }
        store_paper::insert_sheet(c, row)?;
        store_paper::insert_entry(c, entry)?;
        audit(
            c,
            now,
            &staff.username,
            "paper.enter",
            target,
            "first entry",
        )?;
        Ok(Entered::First)
    });
    match first {
        Err(PaperError::Store(e)) if e.is_unique_violation() => Err(PaperError::Moved),
        other => other,
    }
}

/// Types a sheet once. The first entry waits; the second, by someone else, is compared.
pub fn enter(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    sheet: &Sheet,
    posted: &[(String, String)],
    written: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Entered, PaperError> {
    let (typed, pairs) = check(sheet, posted)?;
    let today = local_date(now);
    check_day(sheet, written, today)?;
    let code = sheet.code.as_str().to_string();
    let entry = EntryRow {
        code: code.clone(),
        entered_by: staff.id,
        form: sheet.form_ref(),
        written_on: written,
        typed: typed_json(&typed),
    };
    let target = format!("sheet {} {}", sheet.code.grouped(), sheet.unit.code);
    let current = sheet.state.as_ref().map(turn_of).transpose()?;
    match paper::entry_turn(current, staff.id) {
        EntryTurn::First => {
            let row = SheetRow {
                code: code.clone(),
                unit_code: sheet.unit.code.to_string(),
                state: SheetState::Pending.as_str().into(),
                first_by: staff.id,
                second_by: None,
                settled_by: None,
                entered_on: today,
            };
            return enter_first(store, staff, &row, &entry, &target, now);
        }
        EntryTurn::Second => {}
        EntryTurn::SameTypist => return Err(PaperError::SameTypist),
        EntryTurn::WaitsForCheck => return Err(PaperError::Disputed),
        EntryTurn::Closed => return Err(PaperError::Used),
    }
    let state = sheet.state.as_ref().ok_or(PaperError::UnknownCode)?;
    let first = store
        .read(|c| store_paper::entries(c, &code))?
        .into_iter()
        .next()
        .ok_or(PaperError::UnknownCode)?;
    let mut differences = paper::differences(&sheet.rows, &typed_of(&first), &typed);
    if first.written_on != written {
        differences.push(("written_on".into(), String::new(), String::new()));
    }
    if !differences.is_empty() {
        let n = differences.len();
        return store.write(|c| -> Result<Entered, PaperError> {
            // Only from pending: a sheet counted or disputed meanwhile keeps its entries (C-6).
            let (from, to) = (SheetState::Pending, SheetState::Disputed);
            if !store_paper::move_state(c, &code, from, to, Some(staff.id), None)? {
                return Err(PaperError::Moved);
            }
            store_paper::insert_entry(c, &entry)?;
            audit_second(c, now, staff, &target, &format!("{n} answers differ"))?;
            Ok(Entered::Differs(n))
        });
    }
    let at = day_at(written.unwrap_or(state.entered_on));
    let write = submit::paper(store, forms, &code, &sheet.form_ref(), pairs, at)?;
    store.write(|c| -> Result<Entered, PaperError> {
        let (from, to) = (SheetState::Pending, SheetState::Counted);
        if !store_paper::move_state(c, &code, from, to, Some(staff.id), None)? {
            return Err(PaperError::Moved);
        }
        write.store_in(c)?;
        store_paper::delete_entries(c, &code)?;
        audit_second(c, now, staff, &target, "agree: counted")?;
        Ok(Entered::Counted)
    })
}

/// A sheet whose two entries differ: the rows that differ with both values.
#[derive(Debug, Clone)]
pub struct Dispute {
    pub sheet: Sheet,
    pub typists: (String, String),
    /// (row number, label, first value, second value), in print order; the date last.
    pub rows: Vec<(String, String, String, String)>,
    pub keys: Vec<String>,
    pub written: (Option<NaiveDate>, Option<NaiveDate>),
    /// What the first entry typed (the rows both entries agree on are taken from it).
    pub first: Typed,
}

/// The sheets that can be shown for a third look, and those that cannot (code, why).
pub type Disputes = (Vec<Dispute>, Vec<(String, PaperError)>);

/// The sheets waiting for a third look in the caller's units, with their differences; and
/// apart, each sheet that cannot be shown (its code and why), so that one sheet never takes
/// the page down for a unit (C-6).
pub fn disputes(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Disputes, PaperError> {
    let scope = access::unit_for(&Caller::Staff(staff.clone()), Action::EnterPaper, None)?;
    let sheets =
        store.read(|c| store_paper::in_state(c, SheetState::Disputed, scope.as_deref()))?;
    let (mut shown, mut apart) = (Vec::new(), Vec::new());
    for s in sheets {
        match dispute(store, forms, staff, &s.code, lang, now) {
            Ok(d) => shown.push(d),
            Err(e @ (PaperError::Store(_) | PaperError::Denied(_))) => return Err(e),
            Err(e) => {
                tracing::warn!(sheet = %s.code, unit = %s.unit_code, error = %e, "a disputed sheet cannot be shown");
                apart.push((s.code, e));
            }
        }
    }
    Ok((shown, apart))
}

/// One disputed sheet.
pub fn dispute(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    code: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Dispute, PaperError> {
    let sheet = sheet(store, forms, staff, code, lang, now)?;
    let state = sheet.state.clone().ok_or(PaperError::NotDisputed)?;
    if turn_of(&state)?.0 != SheetState::Disputed {
        return Err(PaperError::NotDisputed);
    }
    let entries = store.read(|c| store_paper::entries(c, &state.code))?;
    let [a, b] = entries.as_slice() else {
        return Err(PaperError::NotDisputed);
    };
    let names = store.read(|c| store_users::names(c, &[a.entered_by, b.entered_by]))?;
    let name = |id: i64| {
        names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let diffs = paper::differences(&sheet.rows, &typed_of(a), &typed_of(b));
    let label = |key: &str| -> (String, String) {
        sheet
            .rows
            .iter()
            .find(|r| r.key == key)
            .map(|r| (r.number.clone(), r.label.clone()))
            .unwrap_or_else(|| (String::new(), key.to_string()))
    };
    let keys = diffs.iter().map(|(k, _, _)| k.clone()).collect();
    let rows = diffs
        .into_iter()
        .map(|(k, x, y)| {
            let (n, l) = label(&k);
            (n, l, x, y)
        })
        .collect();
    Ok(Dispute {
        first: typed_of(a),
        typists: (name(a.entered_by), name(b.entered_by)),
        written: (a.written_on, b.written_on),
        rows,
        keys,
        sheet,
    })
}

/// The third look: someone who typed neither entry reads the paper and gives the value of
/// each row that differs (and the date); the sheet becomes one response.
pub fn settle(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    code: &str,
    posted: &[(String, String)],
    written: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(), PaperError> {
    let d = dispute(store, forms, staff, code, Lang::Vi, now)?;
    let state = d.sheet.state.clone().ok_or(PaperError::NotDisputed)?;
    let (now_state, typists) = turn_of(&state)?;
    paper::may_settle(now_state, typists, staff.id).map_err(|r| match r {
        SettleRefusal::Typist => PaperError::Typist,
        SettleRefusal::NotDisputed => PaperError::NotDisputed,
    })?;
    // The agreed rows from the first entry, the differing ones as read now.
    let mut merged: Vec<(String, String)> = d
        .first
        .clone()
        .into_iter()
        .filter(|(k, _)| !d.keys.contains(k))
        .collect();
    merged.extend(posted.iter().filter(|(k, _)| d.keys.contains(k)).cloned());
    let (_, pairs) = check(&d.sheet, &merged)?;
    check_day(&d.sheet, written, local_date(now))?;
    let at = day_at(written.unwrap_or(state.entered_on));
    let write = submit::paper(store, forms, &state.code, &d.sheet.form_ref(), pairs, at)?;
    let target = format!("sheet {} {}", d.sheet.code.grouped(), d.sheet.unit.code);
    store.write(|c| -> Result<(), PaperError> {
        let (from, to, by) = (SheetState::Disputed, SheetState::Counted, Some(staff.id));
        if !store_paper::move_state(c, &state.code, from, to, state.second_by, by)? {
            return Err(PaperError::Moved);
        }
        write.store_in(c)?;
        store_paper::delete_entries(c, &state.code)?;
        let n = d.keys.len();
        audit(
            c,
            now,
            &staff.username,
            "paper.settle",
            &target,
            &format!("{n} answers settled: counted"),
        )?;
        Ok(())
    })
}

/// Sheets waiting for a second entry and for a third look (of one unit, or all).
pub fn waiting(store: &Store, unit: Option<&str>) -> Result<(usize, usize), StoreError> {
    let pending = store
        .read(|c| store_paper::in_state(c, SheetState::Pending, unit))?
        .len();
    let disputed = store
        .read(|c| store_paper::in_state(c, SheetState::Disputed, unit))?
        .len();
    Ok((pending, disputed))
}
