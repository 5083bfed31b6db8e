//! What the session-credential answers of STS, the metadata service and credentials URIs have
//! in common: the four credential fields, the `Code` check, and errors that never quote a body.

use serde::Deserialize;

use crate::error::{Error, ServiceError};
use crate::secret::Secret;
use crate::source::Fetched;
use crate::time::{expiry_deadline, parse_expiration, parse_http_date, Now};
use crate::Credential;

/// Who answered, for error messages and the resulting credential.
pub(crate) struct Origin<'a> {
    pub provider: &'a str,
    pub action: &'static str,
    pub endpoint: &'a str,
}

impl Origin<'_> {
    /// A success status with an unusable body.
    pub fn invalid(&self, status: u16, reason: impl Into<String>) -> Error {
        Error::InvalidResponse {
            provider: self.provider.to_owned(),
            action: self.action,
            endpoint: self.endpoint.to_owned(),
            http_status: status,
            reason: reason.into(),
        }
    }

    /// A failure below HTTP.
    pub fn transport(&self, source: crate::error::TransportError) -> Error {
        Error::Transport {
            provider: self.provider.to_owned(),
            action: self.action,
            endpoint: self.endpoint.to_owned(),
            source,
        }
    }

    /// An error answer.
    pub fn service(&self, status: u16, code: String, message: String, request_id: Option<String>) -> Error {
        Error::Service {
            provider: self.provider.to_owned(),
            source: Box::new(ServiceError {
                action: self.action,
                endpoint: self.endpoint.to_owned(),
                http_status: status,
                code,
                message,
                request_id,
                recommend: None,
            }),
        }
    }
}

/// A code or id short and plain enough to repeat in an error.
pub(crate) fn plain(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c))
}

/// The `x-acs-request-id` header, if plain.
pub(crate) fn request_id_header(resp: &http::Response<Vec<u8>>) -> Option<String> {
    let v = resp.headers().get("x-acs-request-id")?.to_str().ok()?;
    plain(v, 128).then(|| v.to_owned())
}

/// The server's `Date`, used to cancel local clock skew.
pub(crate) fn server_date(resp: &http::Response<Vec<u8>>) -> Option<std::time::SystemTime> {
    resp.headers().get(http::header::DATE).and_then(|v| v.to_str().ok()).and_then(parse_http_date)
}

/// Names the kind of JSON failure without quoting any of the input.
pub(crate) fn json_error_class(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "I/O error",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected value types",
        Category::Eof => "truncated",
    }
}

/// The credential fields of an answer. STS nests them under `Credentials`; the metadata
/// service and credentials URIs put them at the top level, beside `Code`.
#[derive(Deserialize)]
pub(crate) struct SessionFields {
    #[serde(rename = "Code")]
    pub code: Option<serde_json::Value>,
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: Option<Secret>,
    #[serde(rename = "SecurityToken")]
    security_token: Option<Secret>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

impl SessionFields {
    /// Parses a top-level answer (metadata service, credentials URI) and checks its `Code` is
    /// `Success`: another plain code is a service error naming it, anything else is invalid.
    pub fn parse_with_code(resp: &http::Response<Vec<u8>>, origin: &Origin<'_>) -> Result<SessionFields, Error> {
        let status = resp.status().as_u16();
        let fields: SessionFields = serde_json::from_slice(resp.body())
            .map_err(|e| origin.invalid(status, format!("body is not the expected JSON ({})", json_error_class(&e))))?;
        match &fields.code {
            Some(serde_json::Value::String(c)) if c == "Success" => Ok(fields),
            None | Some(serde_json::Value::Null) => Err(origin.invalid(status, "missing field `Code`")),
            Some(serde_json::Value::String(c)) if plain(c, 64) => Err(origin.service(
                status,
                c.clone(),
                format!("answered Code `{c}` instead of `Success`"),
                request_id_header(resp),
            )),
            Some(_) => Err(origin.invalid(status, "field `Code` is not `Success`")),
        }
    }

    /// The credential, requiring all four fields (`prefix` names where they sit, as
    /// `Credentials.`, in errors). The expiry is measured against the answer's `Date`.
    pub fn into_fetched(
        self,
        resp: &http::Response<Vec<u8>>,
        origin: &Origin<'_>,
        prefix: &str,
        credential_type: &str,
        now: Now,
    ) -> Result<Fetched, Error> {
        let status = resp.status().as_u16();
        let field = |name: &str| origin.invalid(status, format!("missing or empty field `{prefix}{name}`"));
        let id = self.access_key_id.filter(|s| !s.is_empty()).ok_or_else(|| field("AccessKeyId"))?;
        let secret = self.access_key_secret.filter(|s| !s.is_empty()).ok_or_else(|| field("AccessKeySecret"))?;
        let token = self.security_token.filter(|s| !s.is_empty()).ok_or_else(|| field("SecurityToken"))?;
        let exp_text = self.expiration.filter(|s| !s.is_empty()).ok_or_else(|| field("Expiration"))?;
        let expiration = parse_expiration(&exp_text)
            .ok_or_else(|| origin.invalid(status, format!("field `{prefix}Expiration` is not an RFC 3339 time")))?;
        let expires_at = expiry_deadline(expiration, server_date(resp), now);
        let credential = Credential::builder()
            .access_key_id(id)
            .access_key_secret(secret)
            .security_token(token)
            .expiration(expiration)
            .provider_name(origin.provider)
            .credential_type(credential_type)
            .build();
        Ok(Fetched { credential, expires_at: Some(expires_at) })
    }
}
