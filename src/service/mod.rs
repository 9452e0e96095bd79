//! The use cases: each a function over the store and domain values. The web and the
//! command line both call these; neither holds business rules of its own.

pub mod access;
pub mod actions;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod counters;
pub mod demo;
pub mod dossiers;
pub mod export;
pub mod feedback;
pub mod forms;
pub mod indices;
pub mod invite;
pub mod kiosks;
pub mod officers;
pub mod paper;
pub mod pdf;
pub mod privacy;
pub mod public;
pub mod publish;
pub mod report;
pub mod requests;
pub mod retention;
pub mod returned;
pub mod submit;
pub mod tickets;
pub mod tokens;
pub mod topics;
pub mod units;
pub mod users;
pub mod webhook;

/// CSV text as the importers read it: without a byte-order mark (Excel writes one) and with
/// Windows line ends (`\r\n`, what Excel and a browser's text box send) made `\n`, because
/// the `csv` crate counts lines wrongly after `\r\n` (BurntSushi/rust-csv#395) and a clerk
/// must be told the right line.
pub(crate) fn csv_input(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains("\r\n") {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Store work from a background worker's async loop, on the blocking pool (the webhook's and
/// the invitations' senders).
pub(crate) async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, crate::store::StoreError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        crate::store::StoreError::writer("(a background task) failed", Some(crate::store::cause(e)))
    })?
}
