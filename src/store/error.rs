//! What goes wrong in the store, with its cause kept (a store error's text is whole on its
//! own; the log's chain skips the repeat).

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What could not be opened, and the driver's or the system's reason.
    #[error("cannot open the database{what}{}", after_colon(.cause))]
    Connect {
        what: String,
        #[source]
        cause: Option<Cause>,
    },
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("the database is busy or unreachable: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// The writer thread of the group commit is gone (or a batch it wrote did not commit).
    #[error("the database writer {what}{}", after_colon(.cause))]
    Writer {
        what: &'static str,
        #[source]
        cause: Option<Cause>,
    },
    #[error("migrating the database failed: {0}")]
    Migration(#[source] Cause),
    /// What was being read, and why it is not readable.
    #[error("stored data is not readable: {0}: {1}")]
    Corrupt(&'static str, #[source] Cause),
}

/// The cause's text after ": ", or nothing. A store error's text is whole on its own (a
/// message read by a person who runs the command line); the log's chain skips the repeat.
fn after_colon(cause: &Option<Cause>) -> String {
    cause.as_ref().map(|c| format!(": {c}")).unwrap_or_default()
}

/// The error underneath a store error, kept so that the log prints the whole chain; shared
/// (`Arc`) because one failed commit answers every request of its batch.
pub type Cause = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A cause from any error, or from a message when the error underneath is only text.
pub fn cause(e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Cause {
    std::sync::Arc::from(e.into())
}

impl StoreError {
    /// The database named by the URL cannot be opened, for a reason written here.
    pub(super) fn refused(why: String) -> StoreError {
        StoreError::Connect {
            what: String::new(),
            cause: Some(cause(why)),
        }
    }

    /// The writer of the group commit `what` ("has stopped"), because of `cause` if known.
    pub fn writer(what: &'static str, cause: Option<Cause>) -> StoreError {
        StoreError::Writer { what, cause }
    }

    /// `what` (a path, a URL kind) cannot be opened because of `e`.
    pub(super) fn open_failed(
        what: String,
        e: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError::Connect {
            what,
            cause: Some(cause(e)),
        }
    }

    /// A stored value that does not read back as its type.
    pub fn corrupt(
        what: &'static str,
        e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> StoreError {
        StoreError::Corrupt(what, cause(e))
    }

    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}
