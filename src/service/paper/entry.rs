//! Typing a sheet: the first entry waits; the second, by someone else, is compared — equal,
//! the sheet counts (or is void with too few answers); different, its typist is told which
//! rows once, and their next entry decides.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    check, check_day, day_at, turn_of, typed_json, typed_of, Entered, PaperError, Sheet, SheetRow,
};
use crate::domain::local_date;
use crate::domain::paper::{self, EntryTurn, SheetState};
use crate::service::audit::write as audit;
use crate::service::forms::FormRegistry;
use crate::service::submit;
use crate::service::users::Staff;
use crate::store::paper::{self as store_paper, EntryRow};
use crate::store::{tickets as store_tickets, Store, StoreError};

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
                told_by: None,
            };
            return enter_first(store, staff, &row, &entry, &target, now);
        }
        EntryTurn::Second => {}
        EntryTurn::SameTypist => return Err(PaperError::SameTypist),
        EntryTurn::WaitsForCheck => return Err(PaperError::Disputed),
        EntryTurn::Closed => return Err(PaperError::Used),
    }
    let second = Second {
        sheet,
        entry,
        typed,
        pairs,
        target,
    };
    compare(store, forms, staff, second, now)
}

/// A second entry and what it is compared with.
struct Second<'a> {
    sheet: &'a Sheet,
    entry: EntryRow,
    typed: paper::Typed,
    pairs: Vec<(String, String)>,
    target: String,
}

/// Compares a second entry with the first: a difference is told once (rows only) to its
/// typist, whose next entry decides (disputed, or agreed); agreed, the sheet counts or is void.
fn compare(
    store: &Store,
    forms: &FormRegistry,
    staff: &Staff,
    second: Second<'_>,
    now: DateTime<Utc>,
) -> Result<Entered, PaperError> {
    let Second {
        sheet,
        entry,
        typed,
        pairs,
        target,
    } = second;
    let (code, written) = (entry.code.clone(), entry.written_on);
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
    if !differences.is_empty() && state.told_by.is_none() {
        let keys: Vec<String> = differences.iter().map(|(k, _, _)| k.clone()).collect();
        return store.write(|c| -> Result<Entered, PaperError> {
            if !store_paper::tell(c, &code, staff.id)? {
                return Err(PaperError::Moved);
            }
            let found = format!(
                "{} answers differ: the typist was told which rows",
                keys.len()
            );
            audit(c, now, &staff.username, "paper.compare", &target, &found)?;
            Ok(Entered::Recheck(keys))
        });
    }
    if state.told_by.is_some_and(|t| t != staff.id) {
        // Another colleague was told which rows differ: that one's entry decides.
        return Err(PaperError::Moved);
    }
    if !differences.is_empty() {
        let n = differences.len();
        return store.write(|c| -> Result<Entered, PaperError> {
            // Only from pending: a sheet counted or disputed meanwhile keeps its entries (C-6).
            if !store_paper::move_second(c, &code, SheetState::Disputed, staff.id)? {
                return Err(PaperError::Moved);
            }
            store_paper::insert_entry(c, &entry)?;
            audit_second(c, now, staff, &target, &format!("{n} answers differ"))?;
            Ok(Entered::Differs(n))
        });
    }
    let at = day_at(written.unwrap_or(state.entered_on));
    if !paper::sufficient(&sheet.form, &typed) {
        return store.write(|c| -> Result<Entered, PaperError> {
            close_void(c, &code, SheetState::Pending, (Some(staff.id), None), at)?;
            audit_second(c, now, staff, &target, "agree: void (too few answers)")?;
            Ok(Entered::Void)
        });
    }
    let write = submit::paper(store, forms, &code, &sheet.form_ref(), pairs, at)?;
    store.write(|c| -> Result<Entered, PaperError> {
        if !store_paper::move_second(c, &code, SheetState::Counted, staff.id)? {
            return Err(PaperError::Moved);
        }
        write.store_in(c)?;
        store_paper::delete_entries(c, &code)?;
        audit_second(c, now, staff, &target, "agree: counted")?;
        Ok(Entered::Counted)
    })
}

/// A sheet with too few answers leaves the queues as `void`: its code is spent (a sheet counts
/// once) and its entries are deleted. `by`: the second typist and the third look's user.
pub(super) fn close_void(
    c: &mut crate::store::DbConnection,
    code: &str,
    from: SheetState,
    by: (Option<i64>, Option<i64>),
    at: DateTime<Utc>,
) -> Result<(), PaperError> {
    let moved = match (from, by.0) {
        (SheetState::Pending, Some(second)) => {
            store_paper::move_second(c, code, SheetState::Void, second)?
        }
        _ => store_paper::move_state(c, code, from, SheetState::Void, by.0, by.1)?,
    };
    if !moved {
        return Err(PaperError::Moved);
    }
    store_tickets::claim(c, code, at.naive_utc())?;
    store_paper::delete_entries(c, code)?;
    Ok(())
}
