//! The data key: 32 random bytes in a file outside the database (`--data-key-file`, mode
//! 0600, made on first start when absent). Whoever holds the database without this file
//! cannot read a waiting phone number nor test a guessed number or dossier reference against
//! a stored hash. Each use has a key of its own, derived from this one by its label.

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// The key (printed as `***`).
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the data key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the data key file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the data key file {0} does not hold 64 hexadecimal digits (a key made by hailong)")]
    Malformed(PathBuf),
}

/// The labels of the derived keys: one per use, so that no value made for one use means
/// anything for another.
pub const SEAL: &str = "hailong/seal/v1";

impl DataKey {
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(bytes)
    }

    /// Reads the key at `path`, or makes one there (mode 0600) when there is no file. Two
    /// processes starting at once agree on one key: the file appears whole, by a hard link,
    /// or not at all, and the one that loses the race reads the winner's.
    pub fn load_or_create(path: &Path) -> Result<DataKey, KeyFileError> {
        match std::fs::read_to_string(path) {
            Ok(text) => return parse(&text).ok_or_else(|| KeyFileError::Malformed(path.into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(KeyFileError::Read {
                    path: path.into(),
                    source,
                })
            }
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let create = |source| KeyFileError::Create {
            path: path.into(),
            source,
        };
        let temp = path.with_extension(format!("new-{}", uuid::Uuid::new_v4().simple()));
        write_private(&temp, &hex::encode(bytes)).map_err(create)?;
        let linked = std::fs::hard_link(&temp, path);
        // The temporary name goes whatever happened; a failure to remove it leaves a copy of
        // a key that is either this one or unused, in the same private directory.
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                tracing::info!(path = %path.display(), "made a new data key file (keep it with the backups, apart from the database)");
                Ok(DataKey(bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Read {
                    path: path.into(),
                    source,
                })?;
                parse(&text).ok_or_else(|| KeyFileError::Malformed(path.into()))
            }
            Err(source) => Err(create(source)),
        }
    }

    /// The key of one use.
    fn derived(&self, label: &str) -> [u8; 32] {
        use hmac::{Mac, SimpleHmac};
        let mut mac = <SimpleHmac<sha2::Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A keyed hash of `value` for the use `label` (hex): the same value gives the same
    /// hash, and without the key file no guess can be checked against it.
    pub fn hash(&self, label: &str, value: &[u8]) -> String {
        super::hmac_sha256_hex(&self.derived(label), value)
    }

    /// `value` encrypted and authenticated (XChaCha20-Poly1305, a random 24-byte nonce),
    /// in hex: nonce then ciphertext.
    pub fn seal(&self, value: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new(&self.derived(SEAL).into());
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), value)
            .unwrap_or_else(|_| unreachable!("encrypting into memory does not fail"));
        let mut out = hex::encode(nonce);
        out.push_str(&hex::encode(sealed));
        out
    }

    /// What `seal` sealed; none when it was sealed under another key or was changed.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = hex::decode(sealed).ok()?;
        let (nonce, body) = (bytes.get(..24)?, bytes.get(24..)?);
        let cipher = XChaCha20Poly1305::new(&self.derived(SEAL).into());
        cipher.decrypt(XNonce::from_slice(nonce), body).ok()
    }
}

fn parse(text: &str) -> Option<DataKey> {
    let bytes = hex::decode(text.trim()).ok()?;
    Some(DataKey(bytes.try_into().ok()?))
}

/// Writes a new file that only its owner may read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_under_its_key() {
        let key = DataKey::from_bytes([7; 32]);
        let sealed = key.seal(b"84912345678");
        assert!(!sealed.contains("912345678"));
        assert_eq!(key.open(&sealed).as_deref(), Some(&b"84912345678"[..]));
        assert_ne!(key.seal(b"84912345678"), sealed, "a fresh nonce each time");
        assert_eq!(DataKey::from_bytes([8; 32]).open(&sealed), None);
        let mut changed = sealed.clone();
        changed.replace_range(60..62, if &sealed[60..62] == "00" { "01" } else { "00" });
        assert_eq!(key.open(&changed), None);
        assert_eq!(key.open("zz"), None);
    }

    #[test]
    fn hashes_differ_by_use_and_by_key() {
        let key = DataKey::from_bytes([7; 32]);
        assert_eq!(key.hash("a", b"x"), key.hash("a", b"x"));
        assert_ne!(key.hash("a", b"x"), key.hash("b", b"x"));
        assert_ne!(
            key.hash("a", b"x"),
            DataKey::from_bytes([1; 32]).hash("a", b"x")
        );
    }

    #[test]
    fn the_file_is_made_once_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("hailong-key-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hailong.key");
        let made = DataKey::load_or_create(&path).unwrap();
        let again = DataKey::load_or_create(&path).unwrap();
        assert_eq!(made.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary left"
        );
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(
            DataKey::load_or_create(&path),
            Err(KeyFileError::Malformed(_))
        ));
    }
}
