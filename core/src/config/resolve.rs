//! Turning a [`Config`] and the environment into a configured [`Source`].

use std::time::Duration;

use super::{Config, CredentialType};
use crate::effect::ProxyPolicy;
use crate::endpoint::sts_endpoint;
use crate::env::{vars, Env};
use crate::error::ConfigError;
use crate::secret::Secret;
use crate::source::{AssumeRoleParams, CallSettings, RamRoleArnSource, Source, StaticSource};
use crate::sts::MAX_STS_BODY;
use crate::Credential;

/// Default STS/URI connect timeout (the official SDKs' 5 s).
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(5000);
/// Default STS/URI read timeout (the official SDKs' 10 s).
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_millis(10_000);
/// Attempts per STS call (the first and two retries) for retryable failures.
const STS_ATTEMPTS: u32 = 3;
const STS_BASE_BACKOFF: Duration = Duration::from_millis(200);

/// Which fields each type uses; any other field set is an error.
fn allowed(t: CredentialType) -> &'static [&'static str] {
    const STS_ROLE: &[&str] = &[
        "access_key_id",
        "access_key_secret",
        "security_token",
        "role_arn",
        "role_session_name",
        "role_session_expiration",
        "duration_seconds",
        "policy",
        "external_id",
        "sts_endpoint",
        "sts_region_id",
        "enable_vpc",
        "timeout",
        "connect_timeout",
        "proxy",
    ];
    match t {
        CredentialType::AccessKey => &["access_key_id", "access_key_secret"],
        CredentialType::Sts => &["access_key_id", "access_key_secret", "security_token"],
        CredentialType::Bearer => &["bearer_token"],
        CredentialType::RamRoleArn => STS_ROLE,
        CredentialType::OidcRoleArn => &[
            "role_arn",
            "oidc_provider_arn",
            "oidc_token_file_path",
            "role_session_name",
            "role_session_expiration",
            "duration_seconds",
            "policy",
            "sts_endpoint",
            "sts_region_id",
            "enable_vpc",
            "timeout",
            "connect_timeout",
            "proxy",
        ],
        CredentialType::EcsRamRole => &[
            "role_name",
            "disable_imds_v1",
            "enable_imds_v2",
            "metadata_token_duration",
            "metadata_endpoint",
            "timeout",
            "connect_timeout",
        ],
        CredentialType::CredentialsUri => &["credentials_uri", "timeout", "connect_timeout", "proxy"],
    }
}

/// The names of the fields that are set.
fn fields_set(c: &Config) -> Vec<&'static str> {
    let mut v = Vec::new();
    macro_rules! check {
        ($($name:ident),*) => {$( if c.$name.is_some() { v.push(stringify!($name)); } )*};
    }
    check!(
        access_key_id,
        access_key_secret,
        security_token,
        bearer_token,
        role_arn,
        oidc_provider_arn,
        oidc_token_file_path,
        role_session_name,
        role_session_expiration,
        duration_seconds,
        policy,
        external_id,
        sts_endpoint,
        sts_region_id,
        enable_vpc,
        role_name,
        disable_imds_v1,
        enable_imds_v2,
        metadata_token_duration,
        metadata_endpoint,
        credentials_uri,
        timeout,
        connect_timeout,
        proxy
    );
    v
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

fn non_empty_secret(s: &Option<Secret>) -> Option<&Secret> {
    s.as_ref().filter(|s| !s.is_empty())
}

struct Resolver<'a> {
    c: &'a Config,
    env: &'a Env,
    t: CredentialType,
}

impl Resolver<'_> {
    fn missing(&self, field: &'static str, env: Option<&'static str>) -> ConfigError {
        ConfigError::Missing { field, credential_type: self.t.as_str(), env }
    }

    fn string_or_env(&self, v: &Option<String>, field: &'static str, var: &'static str) -> Result<String, ConfigError> {
        non_empty(v).or_else(|| self.env.get(var)).map(str::to_owned).ok_or_else(|| self.missing(field, Some(var)))
    }

    fn secret_or_env(&self, v: &Option<Secret>, field: &'static str, var: &'static str) -> Result<Secret, ConfigError> {
        non_empty_secret(v)
            .cloned()
            .or_else(|| self.env.get(var).map(Secret::new))
            .ok_or_else(|| self.missing(field, Some(var)))
    }

    /// The static AK or STS credential a `ram_role_arn` signs with (STS if a token is set).
    ///
    /// The environment's token is used only with the environment's AccessKey: a configured
    /// permanent key must not be paired with a token that Function Compute or SAE put in the
    /// environment for another identity.
    fn static_credential(&self, with_token: Option<bool>) -> Result<Credential, ConfigError> {
        let id_from_config = non_empty(&self.c.access_key_id).is_some();
        let id = self.string_or_env(&self.c.access_key_id, "access_key_id", vars::ACCESS_KEY_ID)?;
        let secret = self.secret_or_env(&self.c.access_key_secret, "access_key_secret", vars::ACCESS_KEY_SECRET)?;
        let token = match with_token {
            Some(true) => Some(self.secret_or_env(&self.c.security_token, "security_token", vars::SECURITY_TOKEN)?),
            Some(false) => None,
            None if id_from_config => non_empty_secret(&self.c.security_token).cloned(),
            None => non_empty_secret(&self.c.security_token)
                .cloned()
                .or_else(|| self.env.get(vars::SECURITY_TOKEN).map(Secret::new)),
        };
        let b = Credential::builder().access_key_id(id).access_key_secret(secret).credential_type(self.t.as_str());
        Ok(match token {
            Some(t) => b.security_token(t).provider_name("static_sts").build(),
            None => b.provider_name("static_ak").build(),
        })
    }

    fn millis(&self, v: Option<u64>, field: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        match v {
            None => Ok(default),
            Some(0) => Err(ConfigError::InvalidValue { field, reason: "must be at least 1 millisecond".to_owned() }),
            Some(ms) if ms > 600_000 => {
                Err(ConfigError::InvalidValue { field, reason: "must be at most 600000 milliseconds".to_owned() })
            }
            Some(ms) => Ok(Duration::from_millis(ms)),
        }
    }

    fn proxy(&self) -> Result<ProxyPolicy, ConfigError> {
        let Some(p) = non_empty(&self.c.proxy) else {
            return Ok(ProxyPolicy::FromEnv);
        };
        let invalid = |reason: &str| ConfigError::InvalidValue { field: "proxy", reason: reason.to_owned() };
        let uri: http::Uri = p.parse().map_err(|_| invalid("is not a valid URL"))?;
        if uri.scheme_str() != Some("http") {
            return Err(invalid("must be an http:// URL"));
        }
        if uri.host().is_none() {
            return Err(invalid("has no host"));
        }
        Ok(ProxyPolicy::Explicit(p.to_owned()))
    }

    fn sts_call(&self) -> Result<CallSettings, ConfigError> {
        Ok(CallSettings {
            connect_timeout: self.millis(self.c.connect_timeout, "connect_timeout", DEFAULT_CONNECT_TIMEOUT)?,
            read_timeout: self.millis(self.c.timeout, "timeout", DEFAULT_READ_TIMEOUT)?,
            max_body: MAX_STS_BODY,
            proxy: self.proxy()?,
            max_attempts: STS_ATTEMPTS,
            base_backoff: STS_BASE_BACKOFF,
        })
    }

    fn session_duration(&self) -> Result<u64, ConfigError> {
        let (field, value) = match (self.c.role_session_expiration, self.c.duration_seconds) {
            (Some(v), _) => ("role_session_expiration", v),
            (None, Some(v)) => ("duration_seconds", v),
            (None, None) => return Ok(3600),
        };
        if !(900..=43_200).contains(&value) {
            return Err(ConfigError::InvalidValue {
                field,
                reason: format!("session duration must be between 900 and 43200 seconds, got {value}"),
            });
        }
        Ok(value)
    }

    fn ram_role_arn(&self) -> Result<Box<dyn Source>, ConfigError> {
        let inner = self.static_credential(None)?;
        let role_arn = self.string_or_env(&self.c.role_arn, "role_arn", vars::ROLE_ARN)?;
        let params = AssumeRoleParams {
            role_arn,
            role_session_name: non_empty(&self.c.role_session_name)
                .or_else(|| self.env.get(vars::ROLE_SESSION_NAME))
                .map(str::to_owned),
            duration_seconds: self.session_duration()?,
            policy: non_empty(&self.c.policy).map(str::to_owned),
            external_id: non_empty(&self.c.external_id).map(str::to_owned),
        };
        let endpoint =
            sts_endpoint(self.c.sts_endpoint.as_deref(), self.c.sts_region_id.as_deref(), self.c.enable_vpc, self.env)?;
        Ok(Box::new(RamRoleArnSource::new(Box::new(StaticSource::new(inner)), params, endpoint, self.sts_call()?)))
    }
}

/// Validates `config` against `env` and builds its source.
///
/// Errors name the field: a missing value (with the environment variable that could supply it),
/// a value out of range, or a field the type does not use.
pub fn source_from_config(config: &Config, env: &Env) -> Result<Box<dyn Source>, ConfigError> {
    let Some(t) = config.credential_type else {
        if let Some(field) = fields_set(config).first() {
            return Err(ConfigError::InvalidValue {
                field,
                reason: "is set but `type` is not; set `type`, or leave every field unset for the default chain"
                    .to_owned(),
            });
        }
        return Err(ConfigError::Unsupported {
            what: "the default credential chain".to_owned(),
            reason: "not available in this version; set `type`",
        });
    };
    let allowed = allowed(t);
    if let Some(field) = fields_set(config).into_iter().find(|f| !allowed.contains(f)) {
        return Err(ConfigError::NotApplicable { field, credential_type: t.as_str() });
    }
    let r = Resolver { c: config, env, t };
    match t {
        CredentialType::AccessKey => Ok(Box::new(StaticSource::new(r.static_credential(Some(false))?))),
        CredentialType::Sts => Ok(Box::new(StaticSource::new(r.static_credential(Some(true))?))),
        CredentialType::Bearer => {
            let token =
                non_empty_secret(&config.bearer_token).cloned().ok_or_else(|| r.missing("bearer_token", None))?;
            let cred =
                Credential::builder().bearer_token(token).provider_name("bearer").credential_type("bearer").build();
            Ok(Box::new(StaticSource::new(cred)))
        }
        CredentialType::RamRoleArn => r.ram_role_arn(),
        CredentialType::EcsRamRole | CredentialType::OidcRoleArn | CredentialType::CredentialsUri => {
            Err(ConfigError::Unsupported { what: format!("type `{t}`"), reason: "not available in this version" })
        }
    }
}
