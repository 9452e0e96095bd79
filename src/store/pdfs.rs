//! Published reports' PDFs (one per revision and language), printed after publication.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{publications, report_pdfs};
use super::{DbConnection, StoreError};

/// A revision of a period: (label, scheme, revision).
pub type RevisionKey = (String, String, i32);

/// The revisions that lack a PDF in `lang`, oldest first.
pub fn missing(conn: &mut DbConnection, lang: &str) -> Result<Vec<RevisionKey>, StoreError> {
    let made: std::collections::HashSet<RevisionKey> = report_pdfs::table
        .filter(report_pdfs::lang.eq(lang))
        .select((
            report_pdfs::period_label,
            report_pdfs::scheme,
            report_pdfs::revision,
        ))
        .load::<RevisionKey>(conn)?
        .into_iter()
        .collect();
    Ok(publications::table
        .order(publications::id.asc())
        .select((
            publications::period_label,
            publications::scheme,
            publications::revision,
        ))
        .load::<RevisionKey>(conn)?
        .into_iter()
        .filter(|k| !made.contains(k))
        .collect())
}

/// Keeps a PDF; another node's of the same revision and language, kept first, stays.
pub fn insert(
    conn: &mut DbConnection,
    (label, scheme, revision): (&str, &str, i32),
    lang: &str,
    pdf: &[u8],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    crate::on_backend!(conn, |c| diesel::insert_into(report_pdfs::table)
        .values((
            report_pdfs::period_label.eq(label),
            report_pdfs::scheme.eq(scheme),
            report_pdfs::revision.eq(revision),
            report_pdfs::lang.eq(lang),
            report_pdfs::pdf.eq(pdf),
            report_pdfs::made_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Whether a revision has its PDF in `lang`.
pub fn present(
    conn: &mut DbConnection,
    (label, scheme, revision): (&str, &str, i32),
    lang: &str,
) -> Result<bool, StoreError> {
    Ok(report_pdfs::table
        .filter(report_pdfs::period_label.eq(label))
        .filter(report_pdfs::scheme.eq(scheme))
        .filter(report_pdfs::revision.eq(revision))
        .filter(report_pdfs::lang.eq(lang))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// A revision's PDF in `lang`, if it was printed.
pub fn get(
    conn: &mut DbConnection,
    (label, scheme, revision): (&str, &str, i32),
    lang: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(report_pdfs::table
        .filter(report_pdfs::period_label.eq(label))
        .filter(report_pdfs::scheme.eq(scheme))
        .filter(report_pdfs::revision.eq(revision))
        .filter(report_pdfs::lang.eq(lang))
        .select(report_pdfs::pdf)
        .get_result::<Vec<u8>>(conn)
        .optional()?)
}
