//! [`Secret`]: a string that is zeroed on drop and never printed.

use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

/// A secret string (AccessKey secret, security token, bearer token, OIDC token).
///
/// The bytes are zeroed when the value is dropped. `Debug` prints `** redacted **`; there is no
/// `Display` and no `Serialize`, so a secret can only leave through [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a string.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret text. Call it only where the value is consumed (signing, a header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True for an empty string; the official SDKs treat an empty secret as missing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"** redacted **\"")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// Masks an access key id for logs and `Debug`: the first and last four characters of a long id
/// (`LTAI****3x9Z`), nothing of a short one (`****`).
pub fn mask_key_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 12 {
        return "****".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Shows a URL or `host[:port]` without user information, query or fragment (they may carry
/// passwords or tokens): `https://host:8080/path`.
pub fn redact_url(text: &str) -> String {
    if let Ok(uri) = text.parse::<http::Uri>() {
        if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
            let host_port = authority.as_str().rsplit('@').next().unwrap_or("");
            return format!("{scheme}://{host_port}{}", uri.path());
        }
        if let Some(authority) = uri.authority() {
            return authority.as_str().rsplit('@').next().unwrap_or("").to_owned();
        }
    }
    "<not a URL>".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "\"** redacted **\"");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn urls_lose_credentials_and_queries() {
        assert_eq!(redact_url("http://user:pw@127.0.0.1:8080/creds?token=abc"), "http://127.0.0.1:8080/creds");
        assert_eq!(redact_url("sts.aliyuncs.com"), "sts.aliyuncs.com");
        assert_eq!(redact_url("u:p@host:1"), "host:1");
        assert_eq!(redact_url("not a url"), "<not a URL>");
    }

    #[test]
    fn masks_key_ids() {
        assert_eq!(mask_key_id("LTAI5tAbCdEfGh3x9Z"), "LTAI****3x9Z");
        assert_eq!(mask_key_id("short"), "****");
        assert_eq!(mask_key_id("STS.ÄÖÜ12345678"), "STS.****5678");
    }
}
