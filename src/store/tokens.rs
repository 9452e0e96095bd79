//! Bearer tokens of machine clients, stored only as hashes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{api_tokens, token_days};
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewTokenRow {
    pub name: String,
    pub token_hash: String,
    pub unit_code: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    pub unit_code: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NewTokenRow) -> Result<(), StoreError> {
    diesel::insert_into(api_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn by_hash(conn: &mut DbConnection, hash: &str) -> Result<Option<TokenRow>, StoreError> {
    Ok(api_tokens::table
        .filter(api_tokens::token_hash.eq(hash))
        .select(TokenRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<TokenRow>, StoreError> {
    Ok(api_tokens::table
        .order(api_tokens::id)
        .select(TokenRow::as_select())
        .load(conn)?)
}

pub fn revoke(
    conn: &mut DbConnection,
    name: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::name.eq(name))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(now)))
    .execute(conn)?)
}

/// Counts one response added with token `name` on `day`.
pub fn count_response(
    conn: &mut DbConnection,
    name: &str,
    day: NaiveDate,
) -> Result<(), StoreError> {
    let n = diesel::update(token_days::table.find((name, day)))
        .set(token_days::responses.eq(token_days::responses + 1))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(token_days::table)
            .values((
                token_days::token_name.eq(name),
                token_days::day.eq(day),
                token_days::responses.eq(1i64),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Responses added with each token on `from` and the days after: name, responses.
pub fn responses_since(
    conn: &mut DbConnection,
    from: NaiveDate,
) -> Result<Vec<(String, i64)>, StoreError> {
    let rows: Vec<(String, i64)> = token_days::table
        .filter(token_days::day.ge(from))
        .select((token_days::token_name, token_days::responses))
        .load(conn)?;
    let mut sums: std::collections::BTreeMap<String, i64> = Default::default();
    for (name, n) in rows {
        *sums.entry(name).or_default() += n;
    }
    Ok(sums.into_iter().collect())
}
