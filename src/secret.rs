//! Secrets (API tokens, keys, OAuth client secrets) travel in [`Secret`], a wrapper that never
//! prints, never serialises and is zeroed on drop. It can be deserialised (the UI and the CLI
//! hand secrets in) but there is deliberately no way back out except [`Secret::expose`], called
//! at the moment of use.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use std::fmt;

#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The clear text, for the one call that needs it (an HTTP header, the keychain).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn is_blank(&self) -> bool {
        self.expose().trim().is_empty()
    }

    /// A copy without surrounding whitespace: pasted tokens often carry a trailing newline.
    pub fn trimmed(&self) -> Secret {
        Secret::new(self.expose().trim())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl ts_rs::TS for Secret {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
    fn inline(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_value() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(!format!("{:?}", Some(s.clone())).contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn deserialises_from_a_json_string_and_trims_on_request() {
        let s: Secret = serde_json::from_str("\"  tok\\n\"").unwrap();
        assert_eq!(s.trimmed().expose(), "tok");
        assert!(Secret::new(" \n").is_blank());
    }
}
