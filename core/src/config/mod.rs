//! [`Config`]: what a user asks for, with the field names of the official Python `Config`.

mod build;
mod cli_json;
mod ini;
mod json;
mod resolve;

use std::fmt;
use std::str::FromStr;

use crate::error::ConfigError;
use crate::secret::{mask_key_id, redact_url, Secret};

pub use cli_json::cli_profile_source;
pub use ini::ini_profile_source;
pub use resolve::{default_chain, source_from_config};

/// The credential types of the official SDKs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialType {
    /// A permanent AccessKey.
    AccessKey,
    /// A fixed STS token.
    Sts,
    /// A bearer token (Cloud Call Center only).
    Bearer,
    /// `AssumeRole` with an AccessKey or STS token.
    RamRoleArn,
    /// The ECS instance RAM role, from instance metadata.
    EcsRamRole,
    /// `AssumeRoleWithOIDC` with a token file (ACK RRSA).
    OidcRoleArn,
    /// A URI that serves credentials.
    CredentialsUri,
}

impl CredentialType {
    /// The `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialType::AccessKey => "access_key",
            CredentialType::Sts => "sts",
            CredentialType::Bearer => "bearer",
            CredentialType::RamRoleArn => "ram_role_arn",
            CredentialType::EcsRamRole => "ecs_ram_role",
            CredentialType::OidcRoleArn => "oidc_role_arn",
            CredentialType::CredentialsUri => "credentials_uri",
        }
    }
}

impl fmt::Display for CredentialType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CredentialType {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, ConfigError> {
        Ok(match s {
            "access_key" => CredentialType::AccessKey,
            "sts" => CredentialType::Sts,
            "bearer" => CredentialType::Bearer,
            "ram_role_arn" => CredentialType::RamRoleArn,
            "ecs_ram_role" => CredentialType::EcsRamRole,
            "oidc_role_arn" => CredentialType::OidcRoleArn,
            "credentials_uri" => CredentialType::CredentialsUri,
            "rsa_key_pair" => {
                return Err(ConfigError::Unsupported {
                    what: "type `rsa_key_pair`".to_owned(),
                    reason: "it is deprecated by Alibaba Cloud and the official SDKs disagree on its signature; \
                             use ram_role_arn",
                })
            }
            other => return Err(ConfigError::UnknownType { value: other.to_owned() }),
        })
    }
}

/// A credentials configuration, field for field the official Python SDK's `Config`.
///
/// Build it with [`Config::builder`], parse it with [`Config::from_json`] (snake_case keys as in
/// Python, camelCase keys as its `to_map()` writes them), or start from `Config::default()`,
/// which means "use the default credential chain". Values left unset fall back to the
/// environment variables the official SDKs read; see each field.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// `type`: which credential type; `None` selects the default credential chain.
    pub credential_type: Option<CredentialType>,
    /// `access_key_id` (else `ALIBABA_CLOUD_ACCESS_KEY_ID`).
    pub access_key_id: Option<String>,
    /// `access_key_secret` (else `ALIBABA_CLOUD_ACCESS_KEY_SECRET`).
    pub access_key_secret: Option<Secret>,
    /// `security_token` (else `ALIBABA_CLOUD_SECURITY_TOKEN`).
    pub security_token: Option<Secret>,
    /// `bearer_token`.
    pub bearer_token: Option<Secret>,
    /// `role_arn` (else `ALIBABA_CLOUD_ROLE_ARN`).
    pub role_arn: Option<String>,
    /// `oidc_provider_arn` (else `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`).
    pub oidc_provider_arn: Option<String>,
    /// `oidc_token_file_path` (else `ALIBABA_CLOUD_OIDC_TOKEN_FILE`).
    pub oidc_token_file_path: Option<String>,
    /// `role_session_name` (else `ALIBABA_CLOUD_ROLE_SESSION_NAME`, else
    /// `credentials-rust-<unix seconds>`).
    pub role_session_name: Option<String>,
    /// `role_session_expiration`: session lifetime in seconds, 900 to 43200; default 3600.
    pub role_session_expiration: Option<u64>,
    /// `duration_seconds`: deprecated spelling of `role_session_expiration`, used only when that
    /// one is unset (the Python SDK ignores it; we honour it rather than drop it).
    pub duration_seconds: Option<u64>,
    /// `policy`: an inline policy that narrows the role's permissions.
    pub policy: Option<String>,
    /// `external_id`: the role's external id.
    pub external_id: Option<String>,
    /// `sts_endpoint`: host, `host:port` or URL with scheme (else `ALIBABA_CLOUD_STS_ENDPOINT`,
    /// else the region rules, else `sts.aliyuncs.com`).
    pub sts_endpoint: Option<String>,
    /// `sts_region_id`: region of the STS endpoint (else `ALIBABA_CLOUD_STS_REGION`).
    pub sts_region_id: Option<String>,
    /// `enable_vpc`: use `sts-vpc.<region>` (else `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`).
    pub enable_vpc: Option<bool>,
    /// `role_name`: the ECS RAM role (else `ALIBABA_CLOUD_ECS_METADATA`, else discovered).
    pub role_name: Option<String>,
    /// `disable_imds_v1`: never fall back to IMDSv1 (else `ALIBABA_CLOUD_IMDSV1_DISABLED`).
    pub disable_imds_v1: Option<bool>,
    /// `enable_imds_v2`: accepted for compatibility; IMDSv2 is always tried first, so only
    /// `true` is allowed.
    pub enable_imds_v2: Option<bool>,
    /// `metadata_token_duration`: IMDSv2 token lifetime in seconds, 1 to 21600 (default 21600).
    pub metadata_token_duration: Option<u64>,
    /// `metadata_endpoint`: instance metadata endpoint (else
    /// `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT`, else `http://100.100.100.200`).
    pub metadata_endpoint: Option<String>,
    /// `credentials_uri` (else `ALIBABA_CLOUD_CREDENTIALS_URI`).
    pub credentials_uri: Option<String>,
    /// `timeout`: read timeout in milliseconds (default 10000; metadata 1000).
    pub timeout: Option<u64>,
    /// `connect_timeout`: connect timeout in milliseconds (default 5000; metadata 1000).
    pub connect_timeout: Option<u64>,
    /// `proxy`: an `http://` proxy URL for STS and credentials URI requests (metadata requests
    /// never use a proxy). Without it, `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply.
    pub proxy: Option<String>,
}

impl Config {
    /// Starts a builder.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder(Config::default())
    }

    /// Parses a JSON object. Unknown fields, wrong value types and unknown types are errors
    /// naming the field; nothing is silently ignored.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        json::parse(text)
    }

    /// The names of the fields that are set (every field but `type`).
    pub(crate) fn fields_set(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        macro_rules! check {
            ($($name:ident),*) => {$( if self.$name.is_some() { v.push(stringify!($name)); } )*};
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
}

impl fmt::Debug for Config {
    /// Shows which fields are set; secrets are redacted and the key id masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Config");
        d.field("type", &self.credential_type.map(CredentialType::as_str));
        if let Some(id) = &self.access_key_id {
            d.field("access_key_id", &mask_key_id(id));
        }
        macro_rules! show {
            ($($name:ident),*) => {$(
                if let Some(v) = &self.$name {
                    d.field(stringify!($name), v);
                }
            )*};
        }
        show!(
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
            sts_region_id,
            enable_vpc,
            role_name,
            disable_imds_v1,
            enable_imds_v2,
            metadata_token_duration,
            timeout,
            connect_timeout
        );
        // URLs may carry user:password or tokens in their query.
        for (name, value) in [
            ("sts_endpoint", &self.sts_endpoint),
            ("metadata_endpoint", &self.metadata_endpoint),
            ("credentials_uri", &self.credentials_uri),
            ("proxy", &self.proxy),
        ] {
            if let Some(v) = value {
                d.field(name, &redact_url(v));
            }
        }
        d.finish()
    }
}

/// Builds a [`Config`] field by field.
#[derive(Clone, Default)]
pub struct ConfigBuilder(Config);

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $conv:expr;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            #[allow(clippy::redundant_closure_call)]
            { self.0.$name = Some(($conv)(value.into())); }
            self
        }
    )*};
}

impl ConfigBuilder {
    /// Sets `type`.
    pub fn credential_type(mut self, t: CredentialType) -> Self {
        self.0.credential_type = Some(t);
        self
    }

    setters! {
        /// Sets `access_key_id`.
        access_key_id: String => |v| v;
        /// Sets `access_key_secret`.
        access_key_secret: String => Secret::new;
        /// Sets `security_token`.
        security_token: String => Secret::new;
        /// Sets `bearer_token`.
        bearer_token: String => Secret::new;
        /// Sets `role_arn`.
        role_arn: String => |v| v;
        /// Sets `oidc_provider_arn`.
        oidc_provider_arn: String => |v| v;
        /// Sets `oidc_token_file_path`.
        oidc_token_file_path: String => |v| v;
        /// Sets `role_session_name`.
        role_session_name: String => |v| v;
        /// Sets `role_session_expiration` (seconds).
        role_session_expiration: u64 => |v| v;
        /// Sets `policy`.
        policy: String => |v| v;
        /// Sets `external_id`.
        external_id: String => |v| v;
        /// Sets `sts_endpoint`.
        sts_endpoint: String => |v| v;
        /// Sets `sts_region_id`.
        sts_region_id: String => |v| v;
        /// Sets `enable_vpc`.
        enable_vpc: bool => |v| v;
        /// Sets `role_name`.
        role_name: String => |v| v;
        /// Sets `disable_imds_v1`.
        disable_imds_v1: bool => |v| v;
        /// Sets `metadata_token_duration` (seconds).
        metadata_token_duration: u64 => |v| v;
        /// Sets `metadata_endpoint`.
        metadata_endpoint: String => |v| v;
        /// Sets `credentials_uri`.
        credentials_uri: String => |v| v;
        /// Sets `timeout` (read timeout, milliseconds).
        timeout: u64 => |v| v;
        /// Sets `connect_timeout` (milliseconds).
        connect_timeout: u64 => |v| v;
        /// Sets `proxy`.
        proxy: String => |v| v;
    }

    /// Finishes the configuration (validation happens when a client is built from it).
    pub fn build(self) -> Config {
        self.0
    }
}
