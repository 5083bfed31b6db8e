//! Turning a [`Config`] and the environment into a configured [`Source`], and the default chain.

use std::time::Duration;

use super::{build, cli_json, ini, Config, CredentialType};
use crate::effect::ProxyPolicy;
use crate::endpoint::sts_endpoint;
use crate::env::{vars, Env};
use crate::error::ConfigError;
use crate::secret::Secret;
use crate::source::{
    env_source, AssumeRoleParams, CallSettings, ChainSource, EcsRamRoleParams, EcsRamRoleSource, OidcParams,
    ProfileFileSource, Source, StaticSource,
};
use crate::Credential;

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

    /// The static AK or STS credential (for `ram_role_arn`: STS if a token is set).
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
        Ok(build::static_credential(id, secret, token, self.t.as_str()))
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
        Ok(build::sts_call(
            self.millis(self.c.connect_timeout, "connect_timeout", build::DEFAULT_CONNECT_TIMEOUT)?,
            self.millis(self.c.timeout, "timeout", build::DEFAULT_READ_TIMEOUT)?,
            self.proxy()?,
        ))
    }

    fn session_duration(&self) -> Result<u64, ConfigError> {
        match (self.c.role_session_expiration, self.c.duration_seconds) {
            (Some(v), _) => build::check_duration("role_session_expiration", v),
            (None, Some(v)) => build::check_duration("duration_seconds", v),
            (None, None) => Ok(build::DEFAULT_SESSION_SECS),
        }
    }

    fn session_name(&self) -> Option<String> {
        non_empty(&self.c.role_session_name).or_else(|| self.env.get(vars::ROLE_SESSION_NAME)).map(str::to_owned)
    }

    fn endpoint(&self) -> Result<crate::endpoint::Endpoint, ConfigError> {
        sts_endpoint(self.c.sts_endpoint.as_deref(), self.c.sts_region_id.as_deref(), self.c.enable_vpc, self.env)
    }

    fn ram_role_arn(&self) -> Result<Box<dyn Source>, ConfigError> {
        let inner = self.static_credential(None)?;
        let params = AssumeRoleParams {
            role_arn: self.string_or_env(&self.c.role_arn, "role_arn", vars::ROLE_ARN)?,
            role_session_name: self.session_name(),
            duration_seconds: self.session_duration()?,
            policy: non_empty(&self.c.policy).map(str::to_owned),
            external_id: non_empty(&self.c.external_id).map(str::to_owned),
        };
        Ok(build::ram_role_arn_static(inner, params, self.endpoint()?, self.sts_call()?))
    }

    fn oidc_role_arn(&self) -> Result<Box<dyn Source>, ConfigError> {
        let duration = self.session_duration()?;
        let params = OidcParams {
            role_arn: self.string_or_env(&self.c.role_arn, "role_arn", vars::ROLE_ARN)?,
            oidc_provider_arn: self.string_or_env(
                &self.c.oidc_provider_arn,
                "oidc_provider_arn",
                vars::OIDC_PROVIDER_ARN,
            )?,
            token_file: self
                .string_or_env(&self.c.oidc_token_file_path, "oidc_token_file_path", vars::OIDC_TOKEN_FILE)?
                .into(),
            role_session_name: self.session_name(),
            duration_seconds: duration,
            policy: non_empty(&self.c.policy).map(str::to_owned),
        };
        Ok(build::oidc(params, self.endpoint()?, self.sts_call()?))
    }

    fn ecs_ram_role(&self) -> Result<Box<dyn Source>, ConfigError> {
        if self.env.flag(vars::ECS_METADATA_DISABLED) {
            return Err(ConfigError::InvalidValue {
                field: "type",
                reason: format!("ecs_ram_role is disabled by {}=true", vars::ECS_METADATA_DISABLED),
            });
        }
        if self.c.enable_imds_v2 == Some(false) {
            return Err(ConfigError::InvalidValue {
                field: "enable_imds_v2",
                reason: "IMDSv2 is always tried first; the fallback to IMDSv1 is controlled by disable_imds_v1"
                    .to_owned(),
            });
        }
        let ttl = match self.c.metadata_token_duration {
            None => build::DEFAULT_IMDS_TOKEN_TTL,
            Some(s @ 1..=21_600) => Duration::from_secs(s),
            Some(_) => {
                return Err(ConfigError::InvalidValue {
                    field: "metadata_token_duration",
                    reason: "must be between 1 and 21600 seconds".to_owned(),
                })
            }
        };
        Ok(Box::new(EcsRamRoleSource::new(EcsRamRoleParams {
            role_name: non_empty(&self.c.role_name).or_else(|| self.env.get(vars::ECS_METADATA)).map(str::to_owned),
            disable_imds_v1: self.c.disable_imds_v1.unwrap_or_else(|| self.env.flag(vars::IMDSV1_DISABLED)),
            token_ttl: ttl,
            endpoint: build::imds_endpoint(self.c.metadata_endpoint.as_deref(), self.env)?,
            connect_timeout: self.millis(self.c.connect_timeout, "connect_timeout", build::DEFAULT_IMDS_TIMEOUT)?,
            read_timeout: self.millis(self.c.timeout, "timeout", build::DEFAULT_IMDS_TIMEOUT)?,
        })))
    }

    fn credentials_uri(&self) -> Result<Box<dyn Source>, ConfigError> {
        let text = self.string_or_env(&self.c.credentials_uri, "credentials_uri", vars::CREDENTIALS_URI)?;
        let field =
            if non_empty(&self.c.credentials_uri).is_some() { "credentials_uri" } else { vars::CREDENTIALS_URI };
        Ok(build::credentials_uri(build::credentials_uri_of(&text, field)?, self.sts_call()?))
    }
}

/// Validates `config` against `env` and builds its source. A config with no field set (as
/// `Config::default()`) selects the [default chain](default_chain).
///
/// Errors name the field: a missing value (with the environment variable that could supply it),
/// a value out of range, or a field the type does not use.
pub fn source_from_config(config: &Config, env: &Env) -> Result<Box<dyn Source>, ConfigError> {
    let Some(t) = config.credential_type else {
        if let Some(field) = config.fields_set().first() {
            return Err(ConfigError::InvalidValue {
                field,
                reason: "is set but `type` is not; set `type`, or leave every field unset for the default chain"
                    .to_owned(),
            });
        }
        return Ok(default_chain(env));
    };
    let allowed = allowed(t);
    if let Some(field) = config.fields_set().into_iter().find(|f| !allowed.contains(f)) {
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
        CredentialType::OidcRoleArn => r.oidc_role_arn(),
        CredentialType::EcsRamRole => r.ecs_ram_role(),
        CredentialType::CredentialsUri => r.credentials_uri(),
    }
}

/// The default credential chain, in the official SDKs' order:
///
/// 1. environment AccessKey (`ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET`, optional `_SECURITY_TOKEN`);
/// 2. OIDC from the environment, only when `ALIBABA_CLOUD_ROLE_ARN`,
///    `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set;
/// 3. the aliyun CLI profile (`ALIBABA_CLOUD_CONFIG_FILE` or `~/.aliyun/config.json`), unless
///    `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`;
/// 4. the ini profile (`ALIBABA_CLOUD_CREDENTIALS_FILE`, else `~/.alibabacloud/credentials.ini`,
///    else `~/.alibabacloud/credentials`);
/// 5. the ECS instance RAM role, unless `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`;
/// 6. the credentials URI, only when `ALIBABA_CLOUD_CREDENTIALS_URI` is set.
///
/// See [`ChainSource`] for how absent and broken sources are told apart. A link whose
/// environment is invalid (a malformed URI, say) is built as a broken link, so the chain stops
/// there with that error.
pub fn default_chain(env: &Env) -> Box<dyn Source> {
    let links: Vec<Box<dyn Source>> = vec![
        Box::new(env_source(env)),
        oidc_link(env),
        cli_profile_link(env),
        ini_profile_link(env),
        ecs_link(env),
        uri_link(env),
    ];
    Box::new(ChainSource::new(links))
}

fn broken(provider: &str, e: ConfigError) -> Box<dyn Source> {
    Box::new(StaticSource::failing(provider, crate::Error::Config(e)))
}

fn oidc_link(env: &Env) -> Box<dyn Source> {
    let needed = [vars::ROLE_ARN, vars::OIDC_PROVIDER_ARN, vars::OIDC_TOKEN_FILE];
    let missing: Vec<&str> = needed.iter().copied().filter(|v| env.get(v).is_none()).collect();
    if !missing.is_empty() {
        return Box::new(StaticSource::absent("oidc_role_arn", format!("{} not set", missing.join(", "))));
    }
    let config = Config { credential_type: Some(CredentialType::OidcRoleArn), ..Config::default() };
    let r = Resolver { c: &config, env, t: CredentialType::OidcRoleArn };
    r.oidc_role_arn().unwrap_or_else(|e| broken("oidc_role_arn", e))
}

fn cli_profile_link(env: &Env) -> Box<dyn Source> {
    if env.flag(vars::CLI_PROFILE_DISABLED) {
        return Box::new(StaticSource::absent("cli_profile", format!("disabled by {}", vars::CLI_PROFILE_DISABLED)));
    }
    let path = match (env.get(vars::CONFIG_FILE), env.home()) {
        (Some(p), _) => p.into(),
        (None, Some(home)) => home.join(".aliyun").join("config.json"),
        (None, None) => return Box::new(StaticSource::absent("cli_profile", "no home directory")),
    };
    Box::new(ProfileFileSource::new("cli_profile", vec![path], cli_json::cli_profile_source, env.clone()))
}

fn ini_profile_link(env: &Env) -> Box<dyn Source> {
    let candidates = match (env.get(vars::CREDENTIALS_FILE), env.home()) {
        (Some(p), _) => vec![p.into()],
        (None, Some(home)) => {
            let dir = home.join(".alibabacloud");
            vec![dir.join("credentials.ini"), dir.join("credentials")]
        }
        (None, None) => return Box::new(StaticSource::absent("profile", "no home directory")),
    };
    Box::new(ProfileFileSource::new("profile", candidates, ini::ini_profile_source, env.clone()))
}

fn ecs_link(env: &Env) -> Box<dyn Source> {
    if env.flag(vars::ECS_METADATA_DISABLED) {
        return Box::new(StaticSource::absent("ecs_ram_role", format!("disabled by {}", vars::ECS_METADATA_DISABLED)));
    }
    build::ecs_ram_role(None, env).unwrap_or_else(|e| broken("ecs_ram_role", e))
}

fn uri_link(env: &Env) -> Box<dyn Source> {
    let Some(uri) = env.get(vars::CREDENTIALS_URI) else {
        return Box::new(StaticSource::absent("credential_uri", format!("{} not set", vars::CREDENTIALS_URI)));
    };
    match build::credentials_uri_of(uri, vars::CREDENTIALS_URI) {
        Ok(uri) => build::credentials_uri(uri, build::default_sts_call()),
        Err(e) => broken("credential_uri", e),
    }
}
