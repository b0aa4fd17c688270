//! Site secrets in the OS keychain (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), through keyring-core with an explicit store so that the store's real
//! error is kept and shown instead of a silent in-memory fallback.
//!
//! Every call runs on a worker thread with a timeout: a locked keyring may open a prompt that
//! nobody sees (a headless server, a test), and the app must say so instead of hanging.

use super::{SecretKind, SiteId};
use crate::secret::Secret;
use keyring_core::api::CredentialStore;
use keyring_core::{Entry, Error as KeyringError};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

const SERVICE: &str = "iadvize-zendesk";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    #[error(
        "The OS keychain cannot be reached ({detail}). On Linux a Secret Service (GNOME Keyring or \
         KWallet) must run in your desktop session; on a server, start one (see the README) and retry."
    )]
    Unavailable { detail: String },
    #[error(
        "The OS keychain is locked ({detail}): unlock it (log in to your desktop session, or open \
         your password manager and unlock the login keyring), then retry."
    )]
    Locked { detail: String },
    #[error(
        "The OS keychain did not answer within {seconds} s: it may be waiting for an unlock prompt. \
         Unlock your keyring, then retry."
    )]
    Timeout { seconds: u64 },
    #[error("The {label} of site {site} is not in the OS keychain: enter it again in the site's settings.")]
    Missing { site: SiteId, label: &'static str },
    #[error("The OS keychain refused the value ({detail}).")]
    Rejected { detail: String },
}

impl KeychainError {
    pub fn code(&self) -> &'static str {
        match self {
            KeychainError::Unavailable { .. } => "keychain.unavailable",
            KeychainError::Locked { .. } => "keychain.locked",
            KeychainError::Timeout { .. } => "keychain.timeout",
            KeychainError::Missing { .. } => "keychain.missing",
            KeychainError::Rejected { .. } => "keychain.rejected",
        }
    }
}

/// Maps a store error to ours. Never formats the secret-carrying variants' payloads: a
/// `BadEncoding` holds the stored bytes.
fn classify(error: KeyringError) -> KeychainError {
    match error {
        KeyringError::NoStorageAccess(e) => KeychainError::Locked {
            detail: e.to_string(),
        },
        KeyringError::PlatformFailure(e) => KeychainError::Unavailable {
            detail: e.to_string(),
        },
        KeyringError::NoDefaultStore => KeychainError::Unavailable {
            detail: "no credential store".into(),
        },
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => KeychainError::Rejected {
            detail: "the stored value is not readable text".into(),
        },
        KeyringError::TooLong(name, limit) => KeychainError::Rejected {
            detail: format!("{name} is longer than the keychain's limit of {limit}"),
        },
        other => KeychainError::Unavailable {
            detail: other.to_string(),
        },
    }
}

/// Runs a blocking keychain call with a deadline.
fn with_timeout<T: Send + 'static>(
    timeout: Duration,
    call: impl FnOnce() -> Result<T, KeychainError> + Send + 'static,
) -> Result<T, KeychainError> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("keychain".into())
        .spawn(move || {
            let _ = tx.send(call());
        })
        .map_err(|e| KeychainError::Unavailable {
            detail: format!("cannot start a keychain worker: {e}"),
        })?;
    rx.recv_timeout(timeout)
        .map_err(|_| KeychainError::Timeout {
            seconds: timeout.as_secs(),
        })?
}

fn os_store() -> Result<Arc<CredentialStore>, KeyringError> {
    #[cfg(target_os = "linux")]
    {
        let store: Arc<CredentialStore> = dbus_secret_service_keyring_store::Store::new()?;
        Ok(store)
    }
    #[cfg(target_os = "macos")]
    {
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    }
    #[cfg(target_os = "windows")]
    {
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        Err(KeyringError::NotSupportedByStore(
            "no OS keychain is supported on this platform".into(),
        ))
    }
}

/// The keychain of one data folder. `namespace` (the data folder's installation id) keeps two
/// data folders of the same user (a desktop app and a test, two servers) from sharing entries.
#[derive(Clone)]
pub struct Keychain {
    store: Arc<CredentialStore>,
    namespace: String,
    timeout: Duration,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl Keychain {
    /// Connects to the OS keychain and proves it can store, read and delete an entry: a plain
    /// read cannot tell "nothing stored" from "keychain unusable".
    pub fn open(namespace: &str) -> Result<Keychain, KeychainError> {
        let store = with_timeout(DEFAULT_TIMEOUT, || os_store().map_err(classify))?;
        let keychain = Keychain {
            store,
            namespace: namespace.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        };
        keychain.probe()?;
        Ok(keychain)
    }

    fn entry(&self, user: &str) -> Result<Entry, KeychainError> {
        Entry::new_in_store(&self.store, SERVICE, user).map_err(classify)
    }

    fn user(&self, site: SiteId, kind: SecretKind) -> String {
        format!("{}/site-{site}/{}", self.namespace, kind.as_str())
    }

    fn run<T: Send + 'static>(
        &self,
        user: String,
        call: impl FnOnce(Entry) -> Result<T, KeychainError> + Send + 'static,
    ) -> Result<T, KeychainError> {
        let this = self.clone();
        with_timeout(self.timeout, move || call(this.entry(&user)?))
    }

    pub fn probe(&self) -> Result<(), KeychainError> {
        let user = format!("{}/probe", self.namespace);
        self.run(user, |entry| {
            entry.set_password("probe").map_err(classify)?;
            let back = entry.get_password().map_err(classify)?;
            entry.delete_credential().map_err(classify)?;
            if back == "probe" {
                Ok(())
            } else {
                Err(KeychainError::Rejected {
                    detail: "the keychain returned another value than the one stored".into(),
                })
            }
        })
    }

    pub fn set(&self, site: SiteId, kind: SecretKind, secret: &Secret) -> Result<(), KeychainError> {
        let secret = secret.clone();
        self.run(self.user(site, kind), move |entry| {
            entry.set_password(secret.expose()).map_err(classify)
        })
    }

    /// Reads a secret at the moment of use.
    pub fn get(&self, site: SiteId, kind: SecretKind) -> Result<Secret, KeychainError> {
        self.run(self.user(site, kind), move |entry| match entry.get_password() {
            Ok(value) => Ok(Secret::new(value)),
            Err(KeyringError::NoEntry) => Err(KeychainError::Missing {
                site,
                label: kind.label(),
            }),
            Err(e) => Err(classify(e)),
        })
    }

    /// Deletes a secret; deleting one that is not there is not an error.
    pub fn delete(&self, site: SiteId, kind: SecretKind) -> Result<(), KeychainError> {
        self.run(self.user(site, kind), |entry| match entry.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        })
    }

    /// Deletes every secret a site may have.
    pub fn delete_all(&self, site: SiteId) -> Result<(), KeychainError> {
        SecretKind::ALL
            .into_iter()
            .try_for_each(|kind| self.delete(site, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_encoding_error_never_carries_the_stored_bytes_into_the_message() {
        let e = classify(KeyringError::BadEncoding(b"top-secret".to_vec()));
        assert!(!e.to_string().contains("top-secret"));
        assert_eq!(e.code(), "keychain.rejected");
    }

    #[test]
    fn a_call_that_never_answers_times_out_with_a_message() {
        let e = with_timeout(Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.code(), "keychain.timeout");
        assert!(e.to_string().contains("Unlock"));
    }
}
