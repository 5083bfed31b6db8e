//! Typed errors. None of them ever carries a secret or a response body that may hold one.

use std::fmt;
use std::path::PathBuf;

/// A configuration that cannot be used, naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config text is not valid JSON, or not a JSON object.
    #[error("config is not valid JSON: {message} at line {line}, column {column}")]
    Json {
        /// What the parser expected (never the config's content).
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A field this library does not know (a typo, or a parameter of another SDK).
    #[error("unknown config field `{field}`{}", did_you_mean(.suggestion))]
    UnknownField {
        /// The field as written.
        field: String,
        /// The known field it most resembles.
        suggestion: Option<&'static str>,
    },
    /// A field holds a value of the wrong kind or out of range.
    #[error("config field `{field}`: {reason}")]
    InvalidValue {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `type` names no known credential type.
    #[error(
        "unknown credential type `{value}`; expected one of: access_key, sts, bearer, \
         ram_role_arn, ecs_ram_role, oidc_role_arn, credentials_uri"
    )]
    UnknownType {
        /// The type as written.
        value: String,
    },
    /// A required value is missing (or empty) in the config and in its environment fallback.
    #[error("config field `{field}` is required for type `{credential_type}`{}", env_hint(.env))]
    Missing {
        /// The field.
        field: &'static str,
        /// The configured type.
        credential_type: &'static str,
        /// The environment variable that can supply it instead.
        env: Option<&'static str>,
    },
    /// A field is set that the configured type does not use; we refuse rather than ignore it.
    #[error("config field `{field}` is not used by type `{credential_type}`")]
    NotApplicable {
        /// The field.
        field: &'static str,
        /// The configured type.
        credential_type: &'static str,
    },
    /// A known type or mode this library deliberately does not implement.
    #[error("{what} is not supported: {reason}")]
    Unsupported {
        /// What was asked for.
        what: String,
        /// Why, and what to use instead.
        reason: &'static str,
    },
}

fn profile_suffix(p: &Option<String>) -> String {
    p.as_ref().map(|p| format!(", profile `{p}`")).unwrap_or_default()
}

fn format_tried(tried: &[(String, String)]) -> String {
    tried.iter().map(|(p, why)| format!("{p} ({why})")).collect::<Vec<_>>().join("; ")
}

fn did_you_mean(s: &Option<&'static str>) -> String {
    s.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}

fn env_hint(env: &Option<&'static str>) -> String {
    env.map(|e| format!(" (or set the environment variable {e})")).unwrap_or_default()
}

/// How an HTTP exchange failed below the HTTP layer, as reported by the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// TCP connect failed or was refused.
    Connect,
    /// The connect or read timeout passed.
    Timeout,
    /// TLS handshake or certificate failure.
    Tls,
    /// The proxy refused or failed.
    Proxy,
    /// The response body exceeded the size limit.
    BodyTooLarge,
    /// The connection broke while sending or receiving.
    Io,
    /// The driver could not send this request at all (bad URI, unsupported scheme).
    InvalidRequest,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Tls => "TLS failure",
            TransportErrorKind::Proxy => "proxy failure",
            TransportErrorKind::BodyTooLarge => "response body too large",
            TransportErrorKind::Io => "connection error",
            TransportErrorKind::InvalidRequest => "request could not be sent",
        })
    }
}

/// A failed HTTP exchange, as the driver reports it. Drivers must not put URLs (which may carry
/// signed parameters) into `detail`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}{}", detail_suffix(.detail))]
pub struct TransportError {
    /// What failed.
    pub kind: TransportErrorKind,
    /// A short description from the HTTP library.
    pub detail: String,
}

fn detail_suffix(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(": {d}")
    }
}

impl TransportError {
    /// A transport error of `kind` with a short description.
    pub fn new(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        TransportError { kind, detail: detail.into() }
    }
}

/// An error answer from a service (STS, metadata, credentials URI), with its parsed fields.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{action} at {endpoint} failed: HTTP {http_status} {code}: {message}{}", service_suffix(.request_id, .recommend))]
#[non_exhaustive]
pub struct ServiceError {
    /// The operation (`AssumeRole`, `AssumeRoleWithOIDC`, ...).
    pub action: &'static str,
    /// Host (and port) that answered.
    pub endpoint: String,
    /// The HTTP status.
    pub http_status: u16,
    /// The service's error code (`NoPermission`, `Throttling.User`, ...), or `Http<status>`
    /// when the body had none.
    pub code: String,
    /// The service's message, with any echoed string-to-sign removed.
    pub message: String,
    /// The request id, for support tickets.
    pub request_id: Option<String>,
    /// The troubleshooting link the service recommends.
    pub recommend: Option<String>,
}

fn service_suffix(request_id: &Option<String>, recommend: &Option<String>) -> String {
    let mut s = String::new();
    if let Some(r) = request_id {
        s.push_str(&format!(" (RequestId: {r})"));
    }
    if let Some(r) = recommend {
        s.push_str(&format!(" (see {r})"));
    }
    s
}

impl ServiceError {
    /// Throttling and server-side failures, which a later attempt may not hit.
    pub fn is_retryable(&self) -> bool {
        self.http_status >= 500
            || self.http_status == 429
            || self.code.starts_with("Throttling")
            || self.code == "ServiceUnavailable"
            || self.code == "InternalError"
    }
}

/// Any failure to produce a credential.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable.
    #[error("invalid credentials configuration: {0}")]
    Config(#[from] ConfigError),
    /// The service answered with an error.
    #[error("{provider}: {source}")]
    Service {
        /// The provider that called it.
        provider: String,
        /// The parsed error answer (boxed: it is large and errors travel in `Result`s).
        source: Box<ServiceError>,
    },
    /// The HTTP exchange itself failed.
    #[error("{provider}: {action} at {endpoint}: {source}")]
    Transport {
        /// The provider that called it.
        provider: String,
        /// The operation.
        action: &'static str,
        /// Host (and port).
        endpoint: String,
        /// What failed.
        source: TransportError,
    },
    /// The service answered success, but the answer is unusable.
    #[error("{provider}: invalid {action} response from {endpoint} (HTTP {http_status}): {reason}")]
    InvalidResponse {
        /// The provider that called it.
        provider: String,
        /// The operation.
        action: &'static str,
        /// Host (and port).
        endpoint: String,
        /// The HTTP status.
        http_status: u16,
        /// What is wrong (never the body).
        reason: String,
    },
    /// A source handed back a credential that is already expired or too close to expiry.
    #[error("{provider}: the fetched credential expires too soon to be used ({remaining_secs} s left)")]
    ExpiredCredential {
        /// The provider.
        provider: String,
        /// Seconds it had left when received.
        remaining_secs: u64,
    },
    /// A file could not be read.
    #[error("{provider}: cannot read {}: {reason}", .path.display())]
    File {
        /// The provider.
        provider: String,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The source is not configured in this environment (no variables, no file, not on ECS).
    /// The default chain skips such sources and tries the next; anything else stops it.
    #[error("{provider}: not configured: {reason}")]
    NotConfigured {
        /// The provider.
        provider: String,
        /// Why it is considered absent.
        reason: String,
    },
    /// A profile file (`~/.aliyun/config.json`, `~/.alibabacloud/credentials.ini`) exists but
    /// cannot be used.
    #[error("{provider}: {}{}: {reason}", .path.display(), profile_suffix(.profile))]
    InvalidProfile {
        /// The provider (`cli_profile`, `profile`).
        provider: String,
        /// The file.
        path: PathBuf,
        /// The profile or section, when one was selected.
        profile: Option<String>,
        /// What is wrong (never a value from the file).
        reason: String,
    },
    /// Every source of the default chain is absent.
    #[error("no credentials found; tried: {}", format_tried(.tried))]
    NoCredentials {
        /// Each source tried, with why it was skipped.
        tried: Vec<(String, String)>,
    },
    /// Waiting for a refresh took longer than the fetch budget.
    #[error("timed out after {waited_ms} ms waiting for credentials")]
    Timeout {
        /// How long the caller waited.
        waited_ms: u64,
    },
    /// The client's driver has stopped (its runtime shut down).
    #[error("the credentials client has stopped")]
    Stopped,
}

impl Error {
    /// Whether another attempt later may succeed (timeouts, connection failures, 5xx,
    /// throttling). Configuration errors and authentication or permission refusals are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Service { source, .. } => source.is_retryable(),
            Error::Transport { source, .. } => {
                !matches!(source.kind, TransportErrorKind::InvalidRequest | TransportErrorKind::BodyTooLarge)
            }
            Error::InvalidResponse { http_status, .. } => *http_status >= 500,
            Error::ExpiredCredential { .. } | Error::Timeout { .. } | Error::File { .. } => true,
            Error::Config(_)
            | Error::Stopped
            | Error::NotConfigured { .. }
            | Error::NoCredentials { .. }
            | Error::InvalidProfile { .. } => false,
        }
    }

    /// The service error code, if a service answered with one.
    pub fn service_code(&self) -> Option<&str> {
        match self {
            Error::Service { source, .. } => Some(&source.code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field() {
        let e = ConfigError::Missing {
            field: "role_arn",
            credential_type: "ram_role_arn",
            env: Some("ALIBABA_CLOUD_ROLE_ARN"),
        };
        assert_eq!(
            e.to_string(),
            "config field `role_arn` is required for type `ram_role_arn` (or set the environment variable ALIBABA_CLOUD_ROLE_ARN)"
        );
        let e = ConfigError::UnknownField { field: "role_ar".into(), suggestion: Some("role_arn") };
        assert_eq!(e.to_string(), "unknown config field `role_ar` (did you mean `role_arn`?)");
    }

    #[test]
    fn failure_classes() {
        let e = |status: u16, code: &str| ServiceError {
            action: "AssumeRole",
            endpoint: "sts.aliyuncs.com".into(),
            http_status: status,
            code: code.into(),
            message: String::new(),
            request_id: None,
            recommend: None,
        };
        for (status, code) in
            [(400, "Throttling.User"), (400, "Throttling.Api"), (500, "InternalError"), (503, "Http503")]
        {
            assert!(e(status, code).is_retryable(), "{code}");
        }
        for code in [
            "InvalidAccessKeyId.NotFound",
            "InvalidAccessKeyId.Inactive",
            "SignatureDoesNotMatch",
            "NoPermission",
            "EntityNotExist.Role",
            "InvalidParameter.PolicyGrammar",
            "AuthenticationFail.OIDCToken.Invalid",
        ] {
            assert!(!e(400, code).is_retryable(), "{code}");
            assert!(!e(403, code).is_retryable(), "{code}");
            assert!(!e(404, code).is_retryable(), "{code}");
        }
        let transport = |kind| Error::Transport {
            provider: "p".into(),
            action: "AssumeRole",
            endpoint: "e".into(),
            source: TransportError::new(kind, ""),
        };
        assert!(transport(TransportErrorKind::Timeout).is_retryable());
        assert!(transport(TransportErrorKind::Connect).is_retryable());
        assert!(!transport(TransportErrorKind::BodyTooLarge).is_retryable());
    }

    #[test]
    fn service_errors_render_all_fields() {
        let e = Error::Service {
            provider: "ram_role_arn".into(),
            source: Box::new(ServiceError {
                action: "AssumeRole",
                endpoint: "sts.aliyuncs.com".into(),
                http_status: 403,
                code: "NoPermission".into(),
                message: "You are not authorized to do this action.".into(),
                request_id: Some("RID-1".into()),
                recommend: Some("https://api.aliyun.com/troubleshoot?q=NoPermission".into()),
            }),
        };
        assert_eq!(
            e.to_string(),
            "ram_role_arn: AssumeRole at sts.aliyuncs.com failed: HTTP 403 NoPermission: You are not \
             authorized to do this action. (RequestId: RID-1) (see https://api.aliyun.com/troubleshoot?q=NoPermission)"
        );
        assert!(!e.is_retryable());
        assert_eq!(e.service_code(), Some("NoPermission"));
    }
}
