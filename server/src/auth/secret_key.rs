//! The server's secret key, kept outside the database: it seals TOTP secrets
//! (XChaCha20-Poly1305) and keys the hashes of recovery codes (HMAC-SHA256), so a copied
//! database alone neither yields a person's TOTP secret nor lets recovery codes be guessed
//! offline.
//!
//! The key is 32 random bytes, written as 64 hex digits in `secret-key` in the data dir
//! (readable by its owner only) on first start, or read from the file `drover-server serve
//! --secret-key-file` names (created there when missing). Losing it makes every sealed TOTP
//! secret unreadable: back it up with the database, but not beside a copy you hand out.
//! Two keys are derived from it, one per use, so a value made for one use never verifies as
//! the other.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The key file's name inside the data dir.
pub const FILE: &str = "secret-key";
/// What a sealed value starts with; TOTP secrets in base32 never contain a `.`.
const SEALED_PREFIX: &str = "v1.";
/// Bytes of an XChaCha20 nonce, random per sealed value.
const NONCE_BYTES: usize = 24;

/// Why the key could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or creating the file failed.
    #[error("the secret key file {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file holds something other than 64 hex digits.
    #[error(
        "the secret key file {0} must hold the key as 64 hex digits (32 bytes); make one with \
         `openssl rand -hex 32`"
    )]
    Malformed(PathBuf),
}

/// The keys derived from the server's secret key.
#[derive(Clone)]
pub struct SecretKey {
    seal: XChaCha20Poly1305,
    mac: [u8; 32],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

/// Narrows a file or folder to its owner (`mode`), logging instead of failing when that is
/// not possible (a file owned by someone else, a file system without modes).
#[cfg(unix)]
pub fn restrict(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.permissions().mode() & 0o777 == mode {
        return;
    }
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(path = %path.display(), error = %e, "could not restrict permissions to {mode:o}");
    }
}

/// Narrows a file or folder to its owner; nothing to do where files have no Unix modes.
#[cfg(not(unix))]
pub fn restrict(_path: &Path, _mode: u32) {}

impl SecretKey {
    /// The keys derived from 32 bytes of secret.
    pub fn from_bytes(master: &[u8; 32]) -> Self {
        let seal = hmac(master, b"drover: seal TOTP secrets, v1");
        Self {
            seal: XChaCha20Poly1305::new(&seal.into()),
            mac: hmac(master, b"drover: hash recovery codes, v1"),
        }
    }

    /// A key that lives as long as the process, for tests and tools that keep nothing.
    pub fn ephemeral() -> Self {
        let mut master = [0u8; 32];
        rand::rng().fill_bytes(&mut master);
        Self::from_bytes(&master)
    }

    /// Reads the key at `path`, or makes a new one there (owner-only) when there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let master = parse_hex(&text).ok_or_else(|| KeyError::Malformed(path.into()))?;
                restrict(path, 0o600);
                return Ok(Self::from_bytes(&master));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let mut master = [0u8; 32];
        rand::rng().fill_bytes(&mut master);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(format!("{}\n", hex(&master)).as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(io)?;
                tracing::info!(path = %path.display(), "made the server's secret key");
                Ok(Self::from_bytes(&master))
            }
            // Another process made it meanwhile: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(path),
            Err(e) => Err(io(e)),
        }
    }

    /// Seals `secret` for storage; `context` (the owner's id) must be given again to open it,
    /// so a sealed value copied onto another row does not open.
    pub fn seal(&self, secret: &str, context: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: context,
        };
        // Encryption fails only for messages of gigabytes.
        let sealed = self
            .seal
            .encrypt(&XNonce::from(nonce), payload)
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Opens a value of [`Self::seal`]; `None` when it was sealed with another key or
    /// context, or altered.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed.strip_prefix(SEALED_PREFIX)?)
            .ok()?;
        if bytes.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, body) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
        let payload = Payload {
            msg: body,
            aad: context,
        };
        let plain = self.seal.decrypt(&XNonce::from(nonce), payload).ok()?;
        String::from_utf8(plain).ok()
    }

    /// True when a stored value is sealed (rather than a plaintext secret from before).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED_PREFIX)
    }

    /// HMAC-SHA256 of `data` under the recovery-code key, in hex.
    pub fn mac_hex(&self, data: &[u8]) -> String {
        hex(&hmac(&self.mac, data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let key = SecretKey::ephemeral();
        let sealed = key.seal("JBSWY3DPEHPK3PXP", b"ann");
        assert!(SecretKey::is_sealed(&sealed));
        assert!(!SecretKey::is_sealed("JBSWY3DPEHPK3PXP"));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(
            key.open(&sealed, b"ann").as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );
        assert_eq!(key.open(&sealed, b"bob"), None, "bound to its row");
        assert_eq!(SecretKey::ephemeral().open(&sealed, b"ann"), None);
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(key.open(&altered, b"ann"), None);
        assert_ne!(
            key.seal("x", b"ann"),
            key.seal("x", b"ann"),
            "a fresh nonce each time"
        );
        assert_eq!(key.mac_hex(b"code"), key.mac_hex(b"code"));
        assert_ne!(
            key.mac_hex(b"code"),
            SecretKey::ephemeral().mac_hex(b"code")
        );
    }

    #[test]
    fn the_key_file_is_made_once_owner_only_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let first = SecretKey::load_or_create(&path).unwrap();
        let sealed = first.seal("secret", b"id");
        let again = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(&sealed, b"id").as_deref(), Some("secret"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key\n").unwrap();
        assert!(matches!(
            SecretKey::load_or_create(&path),
            Err(KeyError::Malformed(_))
        ));
        // 63 digits is one short; 64 passes.
        std::fs::write(&path, "a".repeat(63)).unwrap();
        assert!(SecretKey::load_or_create(&path).is_err());
        std::fs::write(&path, "a".repeat(64)).unwrap();
        assert!(SecretKey::load_or_create(&path).is_ok());
    }
}
