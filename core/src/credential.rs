//! [`Credential`]: one consistent snapshot of access key, secret, token and expiration.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::secret::{mask_key_id, Secret};
use crate::time::format_rfc3339;

/// A credential as handed to callers: cheap to clone (one shared allocation), immutable, and
/// consistent (the id, secret and token always come from the same fetch).
///
/// Secrets are zeroed when the last clone is dropped and never appear in `Debug`:
///
/// ```
/// # use alibabacloud_credentials_core::Credential;
/// let c = Credential::builder()
///     .access_key_id("LTAI5tAbCdEfGh3x9Z")
///     .access_key_secret("secret")
///     .provider_name("static_ak")
///     .credential_type("access_key")
///     .build();
/// assert_eq!(
///     format!("{c:?}"),
///     "Credential { type: \"access_key\", provider_name: \"static_ak\", access_key_id: \"LTAI****3x9Z\", \
///      access_key_secret: \"** redacted **\", security_token: None, bearer_token: None, expiration: None }"
/// );
/// ```
#[derive(Clone)]
pub struct Credential(Arc<Inner>);

struct Inner {
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Option<Secret>,
    bearer_token: Option<Secret>,
    expiration: Option<SystemTime>,
    provider_name: String,
    credential_type: String,
}

impl Credential {
    /// Starts building a credential (for custom sources and tests).
    pub fn builder() -> CredentialBuilder {
        CredentialBuilder::default()
    }

    /// The AccessKey id (`LTAI...`, or `STS....` for session credentials); empty for `bearer`.
    pub fn access_key_id(&self) -> &str {
        &self.0.access_key_id
    }

    /// The AccessKey secret; empty for `bearer`.
    pub fn access_key_secret(&self) -> &str {
        self.0.access_key_secret.expose()
    }

    /// The security token of session (STS) credentials.
    pub fn security_token(&self) -> Option<&str> {
        self.0.security_token.as_ref().map(Secret::expose)
    }

    /// The bearer token of `bearer` credentials.
    pub fn bearer_token(&self) -> Option<&str> {
        self.0.bearer_token.as_ref().map(Secret::expose)
    }

    /// When the credential expires (wall clock, as the service sent it); `None` for static ones.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.0.expiration
    }

    /// Which provider produced it, as the official SDKs name them (`static_ak`,
    /// `ram_role_arn/static_ak`, `default/env`, ...).
    pub fn provider_name(&self) -> &str {
        &self.0.provider_name
    }

    /// The configured credential type (`access_key`, `ram_role_arn`, ..., or `default` for the
    /// default chain), as the Python SDK's `CredentialModel.type`.
    pub fn credential_type(&self) -> &str {
        &self.0.credential_type
    }

    /// True if both handles point at the same fetched credential.
    pub fn ptr_eq(&self, other: &Credential) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// A copy with another provider name and type (the chain and the client re-label a
    /// credential; the secrets are copied into the new allocation).
    pub fn relabel(&self, provider_name: impl Into<String>, credential_type: impl Into<String>) -> Credential {
        let i = &self.0;
        Credential(Arc::new(Inner {
            access_key_id: i.access_key_id.clone(),
            access_key_secret: i.access_key_secret.clone(),
            security_token: i.security_token.clone(),
            bearer_token: i.bearer_token.clone(),
            expiration: i.expiration,
            provider_name: provider_name.into(),
            credential_type: credential_type.into(),
        }))
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        let redacted = |s: &Option<Secret>| s.as_ref().map(|_| RedactedStr);
        f.debug_struct("Credential")
            .field("type", &i.credential_type)
            .field("provider_name", &i.provider_name)
            .field("access_key_id", &mask_key_id(&i.access_key_id))
            .field("access_key_secret", &i.access_key_secret)
            .field("security_token", &redacted(&i.security_token))
            .field("bearer_token", &redacted(&i.bearer_token))
            .field("expiration", &i.expiration.map(DisplayTime))
            .finish()
    }
}

/// `Display` names the credential without any secret: `ram_role_arn/static_ak STS.****abcd
/// (expires 2025-01-02T03:04:05Z)`.
impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        write!(f, "{} {}", i.provider_name, mask_key_id(&i.access_key_id))?;
        if let Some(t) = i.expiration {
            write!(f, " (expires {})", format_rfc3339(t))?;
        }
        Ok(())
    }
}

struct RedactedStr;

impl fmt::Debug for RedactedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"** redacted **\"")
    }
}

struct DisplayTime(SystemTime);

impl fmt::Debug for DisplayTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_rfc3339(self.0))
    }
}

/// Builds a [`Credential`]. Deliberately has no `Debug`: it holds secrets.
#[derive(Default)]
pub struct CredentialBuilder {
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Option<Secret>,
    bearer_token: Option<Secret>,
    expiration: Option<SystemTime>,
    provider_name: String,
    credential_type: String,
}

impl CredentialBuilder {
    /// Sets the AccessKey id.
    pub fn access_key_id(mut self, v: impl Into<String>) -> Self {
        self.access_key_id = v.into();
        self
    }

    /// Sets the AccessKey secret.
    pub fn access_key_secret(mut self, v: impl Into<Secret>) -> Self {
        self.access_key_secret = v.into();
        self
    }

    /// Sets the security token (session credentials).
    pub fn security_token(mut self, v: impl Into<Secret>) -> Self {
        self.security_token = Some(v.into());
        self
    }

    /// Sets the bearer token.
    pub fn bearer_token(mut self, v: impl Into<Secret>) -> Self {
        self.bearer_token = Some(v.into());
        self
    }

    /// Sets the expiration.
    pub fn expiration(mut self, v: SystemTime) -> Self {
        self.expiration = Some(v);
        self
    }

    /// Sets the provider name.
    pub fn provider_name(mut self, v: impl Into<String>) -> Self {
        self.provider_name = v.into();
        self
    }

    /// Sets the credential type.
    pub fn credential_type(mut self, v: impl Into<String>) -> Self {
        self.credential_type = v.into();
        self
    }

    /// Finishes the credential.
    pub fn build(self) -> Credential {
        Credential(Arc::new(Inner {
            access_key_id: self.access_key_id,
            access_key_secret: self.access_key_secret,
            security_token: self.security_token,
            bearer_token: self.bearer_token,
            expiration: self.expiration,
            provider_name: self.provider_name,
            credential_type: self.credential_type,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn debug_and_display_are_pinned_and_secret_free() {
        let c = Credential::builder()
            .access_key_id("STS.NUgYrLnoC37mZZCNnAbez2EGU")
            .access_key_secret("very-secret-value")
            .security_token("CAIS-token-value")
            .expiration(SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_787_045))
            .provider_name("ram_role_arn/static_ak")
            .credential_type("ram_role_arn")
            .build();
        let dbg = format!("{c:?}");
        assert_eq!(
            dbg,
            "Credential { type: \"ram_role_arn\", provider_name: \"ram_role_arn/static_ak\", \
             access_key_id: \"STS.****2EGU\", access_key_secret: \"** redacted **\", \
             security_token: Some(\"** redacted **\"), bearer_token: None, expiration: Some(2025-01-02T03:04:05Z) }"
        );
        assert!(!dbg.contains("very-secret") && !dbg.contains("CAIS"));
        assert_eq!(c.to_string(), "ram_role_arn/static_ak STS.****2EGU (expires 2025-01-02T03:04:05Z)");
        let alt = format!("{c:#?}");
        assert!(!alt.contains("very-secret") && !alt.contains("CAIS"));
    }

    #[test]
    fn relabel_keeps_the_secrets() {
        let c = Credential::builder().access_key_id("id").access_key_secret("s").build();
        let d = c.relabel("default/env", "default");
        assert_eq!(d.access_key_secret(), "s");
        assert_eq!(d.provider_name(), "default/env");
        assert!(!d.ptr_eq(&c));
        assert!(c.ptr_eq(&c.clone()));
    }
}
