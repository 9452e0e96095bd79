//! A consistent copy of the database while the service runs. SQLite: `VACUUM INTO`, which
//! reads one snapshot (WAL readers never block writers). PostgreSQL has its own tools.

use std::path::Path;

use diesel::connection::SimpleConnection;

use crate::store::{DbConnection, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already: name a new file")]
    Exists(String),
    #[error(
        "this is a PostgreSQL database: back it up with PostgreSQL's own tools, e.g. \
         pg_dump --format=custom --file=hailong.dump \"$DATABASE_URL\" (see the README)"
    )]
    Postgres,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn backup(store: &Store, to: &Path) -> Result<(), BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let target = to.to_string_lossy().replace('\'', "''");
    store.read(|conn| -> Result<(), BackupError> {
        match conn {
            DbConnection::Sqlite(c) => c
                .batch_execute(&format!("VACUUM INTO '{target}'"))
                .map_err(|e| BackupError::Store(StoreError::from(e))),
            DbConnection::Pg(_) => Err(BackupError::Postgres),
        }
    })
}
