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
    /// `domain::report::Headline` as JSON ('' before open data existed).
    pub headline: String,
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

/// A revision as listed on the front page, the reports list and the feed: no pages, no table.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = publications)]
pub struct PublicationSummary {
    pub period_label: String,
    pub scheme: String,
    pub revision: i32,
    pub reason: String,
    pub published_at: NaiveDateTime,
    /// `domain::report::Headline` as JSON ('' before open data existed).
    pub headline: String,
}

/// Every revision of every period of a scheme, newest publication first.
pub fn list_all(
    conn: &mut DbConnection,
    scheme: &str,
) -> Result<Vec<PublicationSummary>, StoreError> {
    Ok(publications::table
        .filter(publications::scheme.eq(scheme))
        .order((publications::published_at.desc(), publications::id.desc()))
        .select(PublicationSummary::as_select())
        .load(conn)?)
}

/// The table frozen with a revision (`revision`, else the latest of the period).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = publications)]
pub struct FrozenTable {
    pub revision: i32,
    pub published_at: NaiveDateTime,
    pub table_csv: String,
    pub table_json: String,
}

pub fn frozen_table(
    conn: &mut DbConnection,
    label: &str,
    scheme: &str,
    revision: Option<i32>,
) -> Result<Option<FrozenTable>, StoreError> {
    let of_period = publications::period_label
        .eq(label)
        .and(publications::scheme.eq(scheme));
    let revision = match revision {
        Some(n) => n,
        None => {
            let latest: Option<i32> = publications::table
                .filter(of_period)
                .select(diesel::dsl::max(publications::revision))
                .get_result(conn)?;
            match latest {
                Some(n) => n,
                None => return Ok(None),
            }
        }
    };
    Ok(publications::table
        .filter(of_period.and(publications::revision.eq(revision)))
        .select(FrozenTable::as_select())
        .get_result(conn)
        .optional()?)
}

/// What one publication stores.
#[derive(Debug, Clone, Copy)]
pub struct NewPublication<'a> {
    pub label: &'a str,
    pub scheme: &'a str,
    pub revision: i32,
    pub reason: &'a str,
    pub at: NaiveDateTime,
    pub by: &'a str,
    pub html_vi: &'a str,
    pub html_en: &'a str,
    pub table_csv: &'a str,
    pub table_json: &'a str,
    pub headline: &'a str,
}

pub fn insert(conn: &mut DbConnection, p: NewPublication) -> Result<(), StoreError> {
    diesel::insert_into(publications::table)
        .values((
            publications::period_label.eq(p.label),
            publications::scheme.eq(p.scheme),
            publications::revision.eq(p.revision),
            publications::reason.eq(p.reason),
            publications::published_at.eq(p.at),
            publications::published_by.eq(p.by),
            publications::html_vi.eq(p.html_vi),
            publications::html_en.eq(p.html_en),
            publications::table_csv.eq(p.table_csv),
            publications::table_json.eq(p.table_json),
            publications::headline.eq(p.headline),
        ))
        .execute(conn)?;
    Ok(())
}
