//! Paper sheets as they are typed: a sheet's state and typists, and the entries waiting for a
//! comparison (deleted once the sheet is counted).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{paper_entries, paper_sheets};
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = paper_sheets)]
pub struct SheetRow {
    pub code: String,
    pub unit_code: String,
    /// `pending` (one entry), `disputed` (two that differ) or `counted`.
    pub state: String,
    pub first_by: i64,
    pub second_by: Option<i64>,
    pub settled_by: Option<i64>,
    pub entered_on: NaiveDate,
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

pub fn set_state(
    conn: &mut DbConnection,
    code: &str,
    state: &str,
    second_by: Option<i64>,
    settled_by: Option<i64>,
) -> Result<(), StoreError> {
    diesel::update(paper_sheets::table.find(code))
        .set((
            paper_sheets::state.eq(state),
            paper_sheets::second_by.eq(second_by),
            paper_sheets::settled_by.eq(settled_by),
        ))
        .execute(conn)?;
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
    state: &str,
    unit: Option<&str>,
) -> Result<Vec<SheetRow>, StoreError> {
    let q = paper_sheets::table
        .filter(paper_sheets::state.eq(state))
        .order((paper_sheets::entered_on, paper_sheets::code))
        .select(SheetRow::as_select());
    Ok(match unit {
        Some(u) => q.filter(paper_sheets::unit_code.eq(u)).load(conn)?,
        None => q.load(conn)?,
    })
}
