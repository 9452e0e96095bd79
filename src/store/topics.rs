//! Comment topics' rules as admins saved them (`/staff/topics`): every version kept, the
//! newest the one the service tags by.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::topic_rules;
use super::{DbConnection, StoreError};

/// A saved version of the rules.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = topic_rules)]
pub struct RulesVersion {
    pub id: i64,
    pub rules: String,
    pub note: String,
    pub saved_by: String,
    pub saved_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = topic_rules)]
pub struct NewRulesVersion<'a> {
    pub rules: &'a str,
    pub note: &'a str,
    pub saved_by: &'a str,
    pub saved_at: NaiveDateTime,
}

/// The newest version's number, if any was saved.
pub fn newest_id(conn: &mut DbConnection) -> Result<Option<i64>, StoreError> {
    Ok(topic_rules::table
        .select(diesel::dsl::max(topic_rules::id))
        .get_result::<Option<i64>>(conn)?)
}

/// One version.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Option<RulesVersion>, StoreError> {
    Ok(topic_rules::table
        .find(id)
        .select(RulesVersion::as_select())
        .get_result(conn)
        .optional()?)
}

/// Saves a version; its number (the newest of this admin's at this instant).
pub fn insert(conn: &mut DbConnection, row: &NewRulesVersion<'_>) -> Result<i64, StoreError> {
    diesel::insert_into(topic_rules::table)
        .values(row)
        .execute(conn)?;
    Ok(topic_rules::table
        .filter(topic_rules::saved_by.eq(row.saved_by))
        .filter(topic_rules::saved_at.eq(row.saved_at))
        .select(diesel::dsl::max(topic_rules::id))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or_default())
}

/// The versions, newest first, without their text: number, note, who, when.
pub fn list(
    conn: &mut DbConnection,
    limit: i64,
) -> Result<Vec<(i64, String, String, NaiveDateTime)>, StoreError> {
    Ok(topic_rules::table
        .order(topic_rules::id.desc())
        .limit(limit)
        .select((
            topic_rules::id,
            topic_rules::note,
            topic_rules::saved_by,
            topic_rules::saved_at,
        ))
        .load(conn)?)
}
