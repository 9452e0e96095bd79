//! The third look at a sheet whose entries differ: by someone who typed neither.

use chrono::{DateTime, NaiveDate, Utc};

use super::entry::close_void;
use super::{check, check_day, day_at, sheet, turn_of, typed_of, PaperError, Sheet};
use crate::domain::lang::Lang;
use crate::domain::local_date;
use crate::domain::paper::{self, SettleRefusal, SheetState, Typed};
use crate::service::access::{self, Action, Caller};
use crate::service::audit::write as audit;
use crate::service::forms::FormRegistry;
use crate::service::submit;
use crate::service::users::Staff;
use crate::store::paper as store_paper;
use crate::store::{users as store_users, Store};

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
    let names = store.read(|c| store_users::shown_names(c, &[a.entered_by, b.entered_by]))?;
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
            .unwrap_or_else(|| {
                let name = match key {
                    paper::COMMENT => "paper_staff.comment_row",
                    _ => "paper_staff.written_row",
                };
                (String::new(), crate::texts::tr(lang, name).to_string())
            })
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
    let (typed, pairs) = check(&d.sheet, &merged)?;
    check_day(&d.sheet, written, local_date(now))?;
    let at = day_at(written.unwrap_or(state.entered_on));
    let target = format!("sheet {} {}", d.sheet.code.grouped(), d.sheet.unit.code);
    if !paper::sufficient(&d.sheet.form, &typed) {
        return store.write(|c| -> Result<(), PaperError> {
            let by = (state.second_by, Some(staff.id));
            close_void(c, &state.code, SheetState::Disputed, by, at)?;
            let what = "settled: void (too few answers)";
            audit(c, now, &staff.username, "paper.settle", &target, what)?;
            Ok(())
        });
    }
    let write = submit::paper(store, forms, &state.code, &d.sheet.form_ref(), pairs, at)?;
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
