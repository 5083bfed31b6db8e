//! Builders shared by the `Config` resolver and the profile files: one place that knows how
//! each source is assembled and what its defaults are.

use std::time::Duration;

use crate::effect::ProxyPolicy;
use crate::endpoint::{sts_endpoint, Endpoint};
use crate::env::{vars, Env};
use crate::error::ConfigError;
use crate::source::{
    AssumeRoleParams, CallSettings, CredentialsUriSource, EcsRamRoleParams, EcsRamRoleSource, OidcParams,
    OidcRoleArnSource, RamRoleArnSource, Source, StaticSource,
};
use crate::sts::MAX_STS_BODY;
use crate::Credential;

/// Default STS/URI connect timeout (the official SDKs' 5 s).
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(5000);
/// Default STS/URI read timeout (the official SDKs' 10 s).
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_millis(10_000);
/// Default metadata timeouts (1 s each, as every official SDK).
pub(crate) const DEFAULT_IMDS_TIMEOUT: Duration = Duration::from_millis(1000);
/// Default IMDSv2 token lifetime.
pub(crate) const DEFAULT_IMDS_TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// The instance metadata service.
pub(crate) const IMDS_ENDPOINT: &str = "http://100.100.100.200";
/// Default session duration.
pub(crate) const DEFAULT_SESSION_SECS: u64 = 3600;

/// STS call settings: the given timeouts and proxy, 3 attempts.
pub(crate) fn sts_call(connect: Duration, read: Duration, proxy: ProxyPolicy) -> CallSettings {
    let mut s = CallSettings::new(connect, read, proxy).with_attempts(3);
    s.max_body = MAX_STS_BODY;
    s
}

/// STS call settings with every default.
pub(crate) fn default_sts_call() -> CallSettings {
    sts_call(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, ProxyPolicy::FromEnv)
}

/// A static AccessKey or STS credential.
pub(crate) fn static_credential(
    id: String,
    secret: crate::Secret,
    token: Option<crate::Secret>,
    t: &str,
) -> Credential {
    let b = Credential::builder().access_key_id(id).access_key_secret(secret).credential_type(t);
    match token {
        Some(token) => b.security_token(token).provider_name("static_sts").build(),
        None => b.provider_name("static_ak").build(),
    }
}

/// Checks a session duration (900 to 43200 seconds).
pub(crate) fn check_duration(field: &'static str, value: u64) -> Result<u64, ConfigError> {
    if !(900..=43_200).contains(&value) {
        return Err(ConfigError::InvalidValue {
            field,
            reason: format!("session duration must be between 900 and 43200 seconds, got {value}"),
        });
    }
    Ok(value)
}

/// `AssumeRole` over `inner`.
pub(crate) fn ram_role_arn(
    inner: Box<dyn Source>,
    params: AssumeRoleParams,
    endpoint: Endpoint,
    call: CallSettings,
) -> Box<dyn Source> {
    Box::new(RamRoleArnSource::new(inner, params, endpoint, call))
}

/// `AssumeRole` with a static credential.
pub(crate) fn ram_role_arn_static(
    credential: Credential,
    params: AssumeRoleParams,
    endpoint: Endpoint,
    call: CallSettings,
) -> Box<dyn Source> {
    ram_role_arn(Box::new(StaticSource::new(credential)), params, endpoint, call)
}

/// The STS endpoint from a profile's fields and the environment.
pub(crate) fn profile_sts_endpoint(
    explicit: Option<&str>,
    region: Option<&str>,
    vpc: Option<bool>,
    env: &Env,
) -> Result<Endpoint, ConfigError> {
    sts_endpoint(explicit, region, vpc, env)
}

/// The metadata endpoint: explicit, else `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT`, else
/// `http://100.100.100.200`.
pub(crate) fn imds_endpoint(explicit: Option<&str>, env: &Env) -> Result<Endpoint, ConfigError> {
    match explicit.filter(|s| !s.is_empty()) {
        Some(e) => Endpoint::parse(e, http::uri::Scheme::HTTP, "metadata_endpoint"),
        None => match env.get(vars::ECS_METADATA_SERVICE_ENDPOINT) {
            Some(e) => Endpoint::parse(e, http::uri::Scheme::HTTP, vars::ECS_METADATA_SERVICE_ENDPOINT),
            None => Endpoint::parse(IMDS_ENDPOINT, http::uri::Scheme::HTTP, "metadata_endpoint"),
        },
    }
}

/// The ECS RAM role source with the environment's defaults for what `role_name` leaves open.
pub(crate) fn ecs_ram_role(role_name: Option<String>, env: &Env) -> Result<Box<dyn Source>, ConfigError> {
    Ok(Box::new(EcsRamRoleSource::new(EcsRamRoleParams {
        role_name: role_name.filter(|r| !r.is_empty()).or_else(|| env.get(vars::ECS_METADATA).map(str::to_owned)),
        disable_imds_v1: env.flag(vars::IMDSV1_DISABLED),
        token_ttl: DEFAULT_IMDS_TOKEN_TTL,
        endpoint: imds_endpoint(None, env)?,
        connect_timeout: DEFAULT_IMDS_TIMEOUT,
        read_timeout: DEFAULT_IMDS_TIMEOUT,
    })))
}

/// `AssumeRoleWithOIDC`.
pub(crate) fn oidc(params: OidcParams, endpoint: Endpoint, call: CallSettings) -> Box<dyn Source> {
    Box::new(OidcRoleArnSource::new(params, endpoint, call))
}

/// Parses a credentials URI; without a scheme, `http` is assumed (as the Python SDK does).
pub(crate) fn credentials_uri_of(text: &str, field: &'static str) -> Result<http::Uri, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidValue { field, reason: reason.to_owned() };
    let text = text.trim();
    let full = if text.contains("://") { text.to_owned() } else { format!("http://{text}") };
    let uri: http::Uri = full.parse().map_err(|_| invalid("is not a valid URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(invalid("must use http or https")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(invalid("must not contain user information"));
    }
    Ok(uri)
}

/// The credentials URI source.
pub(crate) fn credentials_uri(uri: http::Uri, call: CallSettings) -> Box<dyn Source> {
    Box::new(CredentialsUriSource::new(uri, call))
}
