//! Frozen, published reports and their revisions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::publications;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = publications)]
pub struct PublicationRow {
    pub id: i64,
    pub period_label: String,
    pub scheme: String,
    pub revision: i32,
    pub reason: String,
    pub published_at: NaiveDateTime,
    pub published_by: String,
    pub html_vi: String,
    pub html_en: String,
}

/// Revisions of a period, newest first.
pub fn revisions(
    conn: &mut DbConnection,
    label: &str,
    scheme: &str,
) -> Result<Vec<PublicationRow>, StoreError> {
    Ok(publications::table
        .filter(publications::period_label.eq(label))
        .filter(publications::scheme.eq(scheme))
        .order(publications::revision.desc())
        .select(PublicationRow::as_select())
        .load(conn)?)
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &mut DbConnection,
    label: &str,
    scheme: &str,
    revision: i32,
    reason: &str,
    at: NaiveDateTime,
    by: &str,
    html_vi: &str,
    html_en: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(publications::table)
        .values((
            publications::period_label.eq(label),
            publications::scheme.eq(scheme),
            publications::revision.eq(revision),
            publications::reason.eq(reason),
            publications::published_at.eq(at),
            publications::published_by.eq(by),
            publications::html_vi.eq(html_vi),
            publications::html_en.eq(html_en),
        ))
        .execute(conn)?;
    Ok(())
}
