//! A consistent copy of the database while the service runs. SQLite: `VACUUM INTO`, which
//! reads one snapshot (WAL readers never block writers). PostgreSQL has its own tools.

use std::path::Path;

use crate::store::{Store, StoreError};

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
    match store.read(|c| crate::store::meta::vacuum_into(c, to))? {
        true => Ok(()),
        false => Err(BackupError::Postgres),
    }
}
