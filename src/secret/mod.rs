//! Values that must never be printed: a `Debug` of the settings (a panic, a log line) shows
//! `***` for the webhook secret and the metrics token, and a database URL without its
//! password. Read with `expose` where the value is needed.

use std::fmt;

mod datakey;
pub use datakey::{DataKey, KeyFileError};

/// A secret: printed as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_string())
    }
}

/// A database URL: printed with its password as `***`
/// (`postgres://hailong:***@db/hailong`); a SQLite path prints as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password (between `user:` and `@` after the scheme) masked.
    pub fn masked(&self) -> String {
        let url = &self.0;
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.clone();
        };
        let Some((credentials, host)) = rest.rsplit_once('@') else {
            return url.clone();
        };
        match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.masked())
    }
}

impl From<String> for DatabaseUrl {
    fn from(value: String) -> DatabaseUrl {
        DatabaseUrl(value)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(value: &str) -> DatabaseUrl {
        DatabaseUrl(value.to_string())
    }
}

/// HMAC-SHA256 of `data` under `key`, in lower-case hex: the one keyed hash of the code
/// (webhook signatures, dossier references).
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    use hmac::{Mac, SimpleHmac};
    // HMAC takes a key of any length (a long one is hashed first): this never fails.
    let mut mac = <SimpleHmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", Secret::new("hmac-key-1234567890")), "***");
        let url = DatabaseUrl::from("postgres://hailong:p%40ss:w0rd@db.local:5432/hailong");
        let shown = format!("{url:?}");
        assert!(
            !shown.contains("w0rd") && shown.contains("hailong:***@db.local"),
            "{shown}"
        );
        assert_eq!(
            DatabaseUrl::from("sqlite://data/hailong.db").masked(),
            "sqlite://data/hailong.db"
        );
        assert_eq!(
            DatabaseUrl::from("postgres://postgres@127.0.0.1/test").masked(),
            "postgres://postgres@127.0.0.1/test"
        );
    }
}
