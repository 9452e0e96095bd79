//! The release calendar's dates set by admins (`/staff/calendar`); a period without one is due
//! at its end plus `--publish-after-days`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::release_dates;
use super::{DbConnection, StoreError};

/// The dates set for the scheme's periods: label → day.
pub fn set_dates(
    conn: &mut DbConnection,
    scheme: &str,
) -> Result<std::collections::HashMap<String, NaiveDate>, StoreError> {
    Ok(release_dates::table
        .filter(release_dates::scheme.eq(scheme))
        .select((release_dates::period_label, release_dates::due_on))
        .load::<(String, NaiveDate)>(conn)?
        .into_iter()
        .collect())
}

/// Sets (or moves) a period's date.
pub fn set(
    conn: &mut DbConnection,
    (label, scheme): (&str, &str),
    due_on: NaiveDate,
    by: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let moved = diesel::update(
        release_dates::table
            .filter(release_dates::period_label.eq(label))
            .filter(release_dates::scheme.eq(scheme)),
    )
    .set((
        release_dates::due_on.eq(due_on),
        release_dates::set_by.eq(by),
        release_dates::set_at.eq(at),
    ))
    .execute(conn)?;
    if moved == 0 {
        diesel::insert_into(release_dates::table)
            .values((
                release_dates::period_label.eq(label),
                release_dates::scheme.eq(scheme),
                release_dates::due_on.eq(due_on),
                release_dates::set_by.eq(by),
                release_dates::set_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
