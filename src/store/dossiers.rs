//! Daily dossier counts (hồ sơ trả kết quả) per unit, from the one-stop software.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::dossier_counts;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dossier_counts)]
pub struct DossierCountRow {
    pub unit_code: String,
    pub day: NaiveDate,
    pub dossiers: i32,
    pub synthetic: bool,
}

/// Sets a unit's count for a day, replacing any earlier import of the same day.
/// (No `ON CONFLICT` through a MultiConnection: update, then insert if nothing was there.)
pub fn replace(conn: &mut DbConnection, row: &DossierCountRow) -> Result<(), StoreError> {
    let n = diesel::update(dossier_counts::table.find((&row.unit_code, row.day)))
        .set((
            dossier_counts::dossiers.eq(row.dossiers),
            dossier_counts::synthetic.eq(row.synthetic),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(dossier_counts::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts counts known to be new (the demo loader, on an empty database).
pub fn insert_new(conn: &mut DbConnection, rows: &[DossierCountRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        crate::on_backend!(&mut *conn, |c| diesel::insert_into(dossier_counts::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Dossiers per unit between two days (inclusive); units without counts are absent.
pub fn sum_by_unit(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
    let rows: Vec<(String, i32)> = dossier_counts::table
        .filter(dossier_counts::day.ge(from))
        .filter(dossier_counts::day.le(to))
        .select((dossier_counts::unit_code, dossier_counts::dossiers))
        .load(conn)?;
    let mut out = std::collections::BTreeMap::new();
    for (u, n) in rows {
        *out.entry(u).or_default() += u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}
