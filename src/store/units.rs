//! Units as stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::units;
use super::{DbConnection, StoreError};
use crate::domain::unit::{Predecessor, Unit, UnitCode};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub parent_code: Option<String>,
    pub form_id: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub predecessors: String,
    pub synthetic: bool,
    pub created_at: NaiveDateTime,
}

impl UnitRow {
    pub fn from_unit(u: &Unit, synthetic: bool, now: NaiveDateTime) -> UnitRow {
        UnitRow {
            code: u.code.as_str().to_string(),
            name: u.name.clone(),
            name_en: u.name_en.clone(),
            parent_code: u.parent.as_ref().map(|p| p.as_str().to_string()),
            form_id: u.form_id.clone(),
            valid_from: u.valid_from,
            valid_to: u.valid_to,
            predecessors: Predecessor::format_list(&u.predecessors),
            synthetic,
            created_at: now,
        }
    }

    pub fn into_unit(self) -> Result<Unit, StoreError> {
        let code = |s: &str| UnitCode::parse(s).map_err(|e| StoreError::corrupt("a unit code", e));
        Ok(Unit {
            code: code(&self.code)?,
            name: self.name,
            name_en: self.name_en,
            parent: self.parent_code.as_deref().map(code).transpose()?,
            form_id: self.form_id,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            predecessors: Predecessor::parse_list(&self.predecessors)
                .map_err(|e| StoreError::corrupt("a unit's predecessors", e))?,
        })
    }
}

pub fn get(conn: &mut DbConnection, code: &str) -> Result<Option<Unit>, StoreError> {
    units::table
        .find(code)
        .select(UnitRow::as_select())
        .get_result(conn)
        .optional()?
        .map(UnitRow::into_unit)
        .transpose()
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<Unit>, StoreError> {
    units::table
        .order(units::code)
        .select(UnitRow::as_select())
        .load(conn)?
        .into_iter()
        .map(UnitRow::into_unit)
        .collect()
}

pub fn count(conn: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(units::table.count().get_result(conn)?)
}

/// The units that name `code` among their predecessors: where a merged ward's desk went.
pub fn successors(conn: &mut DbConnection, code: &str) -> Result<Vec<Unit>, StoreError> {
    Ok(list(conn)?
        .into_iter()
        .filter(|u| u.predecessors.iter().any(|p| p.code.as_str() == code))
        .collect())
}

/// Inserts a unit, or updates its names, parent, form and dates when the code exists.
/// Returns true when the unit was new.
pub fn upsert(conn: &mut DbConnection, row: &UnitRow) -> Result<bool, StoreError> {
    let updated = diesel::update(units::table.find(&row.code))
        .set((
            units::name.eq(&row.name),
            units::name_en.eq(&row.name_en),
            units::parent_code.eq(&row.parent_code),
            units::form_id.eq(&row.form_id),
            units::valid_from.eq(&row.valid_from),
            units::valid_to.eq(&row.valid_to),
            units::predecessors.eq(&row.predecessors),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(units::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(updated == 0)
}

/// Every unit's code and name (the raw export names units by both).
pub fn names(conn: &mut DbConnection) -> Result<Vec<(String, String)>, StoreError> {
    Ok(units::table.select((units::code, units::name)).load(conn)?)
}
