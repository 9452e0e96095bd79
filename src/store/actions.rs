//! "Đã nghe – đã làm": the actions units record against a published period's weakest
//! criterion or comment topic.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::actions;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = actions)]
pub struct ActionRow {
    pub id: i64,
    pub unit_code: String,
    pub period_label: String,
    pub scheme: String,
    pub target_kind: String,
    pub target_code: String,
    pub what: String,
    pub who: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub public_note: String,
    pub published: bool,
    pub done_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = actions)]
pub struct NewAction {
    pub unit_code: String,
    pub period_label: String,
    pub scheme: String,
    pub target_kind: String,
    pub target_code: String,
    pub what: String,
    pub who: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub public_note: String,
    pub published: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// Stores an action; its id (the newest of this person's at this instant).
pub fn insert(conn: &mut DbConnection, row: &NewAction) -> Result<i64, StoreError> {
    diesel::insert_into(actions::table)
        .values(row)
        .execute(conn)?;
    Ok(actions::table
        .filter(actions::created_by.eq(&row.created_by))
        .filter(actions::created_at.eq(row.created_at))
        .select(diesel::dsl::max(actions::id))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or_default())
}

pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<ActionRow>, StoreError> {
    Ok(actions::table
        .find(id)
        .select(ActionRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The actions of a unit (or all), newest first; the published ones only when asked.
pub fn list(
    conn: &mut DbConnection,
    unit: Option<&str>,
    published_only: bool,
    limit: i64,
) -> Result<Vec<ActionRow>, StoreError> {
    let mut q = actions::table.into_boxed();
    if let Some(u) = unit {
        q = q.filter(actions::unit_code.eq(u.to_string()));
    }
    if published_only {
        q = q.filter(actions::published.eq(true));
    }
    Ok(q.order(actions::id.desc())
        .limit(limit)
        .select(ActionRow::as_select())
        .load(conn)?)
}

/// Moves an action on: its status, the day it was done, published or not.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    done_on: Option<NaiveDate>,
    published: bool,
) -> Result<bool, StoreError> {
    let n = diesel::update(actions::table.find(id))
        .set((
            actions::status.eq(status),
            actions::done_on.eq(done_on),
            actions::published.eq(published),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
