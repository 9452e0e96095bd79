//! Paper sheets as they are typed: a sheet's state and typists, and the entries waiting for a
//! comparison (deleted once the sheet is counted).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{paper_entries, paper_sheets};
use super::{DbConnection, StoreError};
use crate::domain::paper::SheetState;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = paper_sheets)]
pub struct SheetRow {
    pub code: String,
    pub unit_code: String,
    /// A `SheetState` as stored (`pending`, `disputed`, `counted`, `answered`).
    pub state: String,
    pub first_by: i64,
    pub second_by: Option<i64>,
    pub settled_by: Option<i64>,
    pub entered_on: NaiveDate,
    /// The second typist told which rows differ, who may enter once more.
    pub told_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = paper_entries)]
pub struct EntryRow {
    pub code: String,
    pub entered_by: i64,
    /// The form as `id@version`.
    pub form: String,
    pub written_on: Option<NaiveDate>,
    /// The typed values as JSON (row key → value).
    pub typed: String,
}

pub fn sheet(conn: &mut DbConnection, code: &str) -> Result<Option<SheetRow>, StoreError> {
    Ok(paper_sheets::table
        .find(code)
        .select(SheetRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn insert_sheet(conn: &mut DbConnection, row: &SheetRow) -> Result<(), StoreError> {
    diesel::insert_into(paper_sheets::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Moves a sheet from state `from` to `to`, only if it is still in `from` (two clerks at once:
/// one moves it, the other finds it moved). Whether it moved.
pub fn move_state(
    conn: &mut DbConnection,
    code: &str,
    from: SheetState,
    to: SheetState,
    second_by: Option<i64>,
    settled_by: Option<i64>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        paper_sheets::table
            .find(code)
            .filter(paper_sheets::state.eq(from.as_str())),
    )
    .set((
        paper_sheets::state.eq(to.as_str()),
        paper_sheets::second_by.eq(second_by),
        paper_sheets::settled_by.eq(settled_by),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The second entry of `by` moves a pending sheet to `to`, unless a colleague was told which
/// rows differ (then that colleague's entry decides). Whether it moved.
pub fn move_second(
    conn: &mut DbConnection,
    code: &str,
    to: SheetState,
    by: i64,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        paper_sheets::table
            .find(code)
            .filter(paper_sheets::state.eq(SheetState::Pending.as_str()))
            .filter(
                paper_sheets::told_by
                    .is_null()
                    .or(paper_sheets::told_by.eq(by)),
            ),
    )
    .set((
        paper_sheets::state.eq(to.as_str()),
        paper_sheets::second_by.eq(Some(by)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records that `user` was told which rows differ (only while the sheet is pending and no one
/// was told yet). Whether this call recorded it.
pub fn tell(conn: &mut DbConnection, code: &str, user: i64) -> Result<bool, StoreError> {
    let n = diesel::update(
        paper_sheets::table
            .find(code)
            .filter(paper_sheets::state.eq(SheetState::Pending.as_str()))
            .filter(paper_sheets::told_by.is_null()),
    )
    .set(paper_sheets::told_by.eq(Some(user)))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many sheets are in `state` (of one unit, or all).
pub fn count_in_state(
    conn: &mut DbConnection,
    state: SheetState,
    unit: Option<&str>,
) -> Result<i64, StoreError> {
    let mut q = paper_sheets::table
        .filter(paper_sheets::state.eq(state.as_str()))
        .count()
        .into_boxed();
    if let Some(u) = unit {
        q = q.filter(paper_sheets::unit_code.eq(u.to_string()));
    }
    Ok(q.get_result(conn)?)
}

/// A code answered another way (by phone) while its sheet waited: the sheet leaves the queues
/// as `answered` and its entries are deleted (a code counts once; nothing typed stays).
pub fn close_answered(conn: &mut DbConnection, code: &str) -> Result<(), StoreError> {
    let n = diesel::update(paper_sheets::table.find(code).filter(
        paper_sheets::state.eq_any([SheetState::Pending.as_str(), SheetState::Disputed.as_str()]),
    ))
    .set(paper_sheets::state.eq(SheetState::Answered.as_str()))
    .execute(conn)?;
    if n > 0 {
        delete_entries(conn, code)?;
    }
    Ok(())
}

pub fn insert_entry(conn: &mut DbConnection, row: &EntryRow) -> Result<(), StoreError> {
    diesel::insert_into(paper_entries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A sheet's entries, the first typed first.
pub fn entries(conn: &mut DbConnection, code: &str) -> Result<Vec<EntryRow>, StoreError> {
    let mut rows: Vec<EntryRow> = paper_entries::table
        .filter(paper_entries::code.eq(code))
        .select(EntryRow::as_select())
        .load(conn)?;
    if let Some(first) = sheet(conn, code)?.map(|s| s.first_by) {
        rows.sort_by_key(|e| e.entered_by != first);
    }
    Ok(rows)
}

/// Forgets a counted sheet's answers: nothing typed stays next to its code.
pub fn delete_entries(conn: &mut DbConnection, code: &str) -> Result<usize, StoreError> {
    Ok(diesel::delete(paper_entries::table.filter(paper_entries::code.eq(code))).execute(conn)?)
}

/// The sheets in a state (of one unit), oldest first.
pub fn in_state(
    conn: &mut DbConnection,
    state: SheetState,
    unit: Option<&str>,
) -> Result<Vec<SheetRow>, StoreError> {
    let q = paper_sheets::table
        .filter(paper_sheets::state.eq(state.as_str()))
        .order((paper_sheets::entered_on, paper_sheets::code))
        .select(SheetRow::as_select());
    Ok(match unit {
        Some(u) => q.filter(paper_sheets::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    })
}
