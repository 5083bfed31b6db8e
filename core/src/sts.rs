//! STS wire format: building signed `AssumeRole` requests and parsing STS answers.

use std::time::SystemTime;

use serde::Deserialize;

use crate::ctx::Ctx;
use crate::endpoint::Endpoint;
use crate::error::{Error, ServiceError};
use crate::secret::Secret;
use crate::sign;
use crate::time::{expiry_deadline, format_timestamp, parse_expiration, parse_http_date, Now};
use crate::user_agent::user_agent;
use crate::{Credential, Fetched};

/// STS API version.
pub const STS_VERSION: &str = "2015-04-01";

/// Largest STS answer accepted (real ones are about 2 KiB).
pub const MAX_STS_BODY: usize = 64 * 1024;

/// A built request and the string it signed (kept to diagnose `SignatureDoesNotMatch`).
pub(crate) struct SignedRequest {
    pub request: http::Request<Vec<u8>>,
    pub string_to_sign: Option<String>,
}

/// Builds a POST to `endpoint` with the common RPC parameters in the query and `business`
/// parameters as a form body, signed with `signer` when given (then `AccessKeyId`,
/// `SecurityToken`, `SignatureNonce` and `Signature` are added).
pub(crate) fn build_rpc_post(
    endpoint: &Endpoint,
    action: &str,
    business: &[(&str, &str)],
    signer: Option<&Credential>,
    extra_headers: &[(&'static str, &str)],
    now: Now,
    ctx: &mut Ctx,
) -> SignedRequest {
    let timestamp = format_timestamp(now.wall);
    let mut system: Vec<(&str, &str)> =
        vec![("Action", action), ("Format", "JSON"), ("Version", STS_VERSION), ("Timestamp", &timestamp)];
    let nonce;
    let mut string_to_sign = None;
    let signature;
    if let Some(cred) = signer {
        nonce = ctx.nonce();
        system.push(("AccessKeyId", cred.access_key_id()));
        system.push(("SignatureMethod", "HMAC-SHA1"));
        system.push(("SignatureVersion", "1.0"));
        system.push(("SignatureNonce", &nonce));
        if let Some(token) = cred.security_token() {
            system.push(("SecurityToken", token));
        }
        let sts = sign::string_to_sign("POST", &sign::canonical_query(system.iter().chain(business).copied()));
        signature = sign::signature(cred.access_key_secret(), &sts);
        string_to_sign = Some(sts);
        system.push(("Signature", &signature));
    }
    let query = sign::encode_pairs(system.iter().copied());
    let body = sign::encode_pairs(business.iter().copied());
    let mut builder = http::Request::post(endpoint.uri(&format!("/?{query}")))
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, user_agent());
    for (name, value) in extra_headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(body.into_bytes()).expect("all request parts are pre-validated");
    SignedRequest { request, string_to_sign }
}

#[derive(Deserialize)]
struct SuccessBody {
    #[serde(rename = "Credentials")]
    credentials: Option<StsCredentials>,
}

#[derive(Deserialize)]
struct StsCredentials {
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: Option<Secret>,
    #[serde(rename = "SecurityToken")]
    security_token: Option<Secret>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "Recommend")]
    recommend: Option<String>,
}

/// Who is parsing, for error messages and the resulting credential.
pub(crate) struct Origin<'a> {
    pub provider: &'a str,
    pub action: &'static str,
    pub endpoint: &'a str,
}

impl Origin<'_> {
    fn invalid(&self, status: u16, reason: impl Into<String>) -> Error {
        Error::InvalidResponse {
            provider: self.provider.to_owned(),
            action: self.action,
            endpoint: self.endpoint.to_owned(),
            http_status: status,
            reason: reason.into(),
        }
    }
}

/// The server's `Date`, used to cancel local clock skew.
pub(crate) fn server_date(resp: &http::Response<Vec<u8>>) -> Option<SystemTime> {
    resp.headers().get(http::header::DATE).and_then(|v| v.to_str().ok()).and_then(parse_http_date)
}

/// Parses an STS answer into a credential, or a typed error. `our_string_to_sign` lets a
/// `SignatureDoesNotMatch` tell a wrong secret from a signing bug.
pub(crate) fn parse_sts_response(
    resp: &http::Response<Vec<u8>>,
    origin: &Origin<'_>,
    our_string_to_sign: Option<&str>,
    credential_type: &str,
    now: Now,
) -> Result<Fetched, Error> {
    let status = resp.status().as_u16();
    if !resp.status().is_success() {
        return Err(service_error(resp, origin, our_string_to_sign));
    }
    let body: SuccessBody = serde_json::from_slice(resp.body())
        .map_err(|e| origin.invalid(status, format!("body is not the expected JSON ({})", json_error_class(&e))))?;
    let c = body.credentials.ok_or_else(|| origin.invalid(status, "missing field `Credentials`"))?;
    let field = |name: &str| origin.invalid(status, format!("missing or empty field `Credentials.{name}`"));
    let id = c.access_key_id.filter(|s| !s.is_empty()).ok_or_else(|| field("AccessKeyId"))?;
    let secret = c.access_key_secret.filter(|s| !s.is_empty()).ok_or_else(|| field("AccessKeySecret"))?;
    let token = c.security_token.filter(|s| !s.is_empty()).ok_or_else(|| field("SecurityToken"))?;
    let exp_text = c.expiration.ok_or_else(|| field("Expiration"))?;
    let expiration = parse_expiration(&exp_text)
        .ok_or_else(|| origin.invalid(status, "field `Credentials.Expiration` is not an RFC 3339 time"))?;
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

/// Parses an STS answer (`AssumeRole`, `AssumeRoleWithOIDC`) received at `now`, for a
/// credential labelled with `provider` and `credential_type`. Public for fuzzing and for
/// custom sources; any byte sequence gives a credential or a typed error, never a panic.
pub fn parse_response(
    resp: &http::Response<Vec<u8>>,
    action: &'static str,
    provider: &str,
    credential_type: &str,
    endpoint: &str,
    now: Now,
) -> Result<Fetched, Error> {
    let origin = Origin { provider, action, endpoint };
    parse_sts_response(resp, &origin, None, credential_type, now)
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

/// Builds the typed error of a non-2xx STS answer.
pub(crate) fn service_error(resp: &http::Response<Vec<u8>>, origin: &Origin<'_>, ours: Option<&str>) -> Error {
    let status = resp.status().as_u16();
    let parsed: Option<ErrorBody> = serde_json::from_slice(resp.body()).ok();
    let body = parsed.unwrap_or_default();
    let code = body.code.filter(|c| !c.is_empty()).unwrap_or_else(|| format!("Http{status}"));
    let message = match body.message {
        Some(m) => sanitize_message(&m, ours),
        None => format!(
            "{} (no error details in the {}-byte body)",
            resp.status().canonical_reason().unwrap_or("error"),
            resp.body().len()
        ),
    };
    Error::Service {
        provider: origin.provider.to_owned(),
        source: Box::new(ServiceError {
            action: origin.action,
            endpoint: origin.endpoint.to_owned(),
            http_status: status,
            code,
            message,
            request_id: body.request_id.filter(|s| !s.is_empty()).or_else(|| {
                let header = resp.headers().get("x-acs-request-id")?.to_str().ok()?;
                (!header.is_empty() && header.len() <= 128).then(|| header.to_owned())
            }),
            recommend: body.recommend.filter(|s| !s.is_empty()),
        }),
    }
}

/// STS echoes its string-to-sign in `SignatureDoesNotMatch` messages, and that string carries
/// the source's `SecurityToken`. Cut it, and say which side is wrong when ours equals theirs.
fn sanitize_message(message: &str, ours: Option<&str>) -> String {
    const MARKER: &str = "string to sign is:";
    let lower = message.to_ascii_lowercase();
    let Some(pos) = lower.find(MARKER) else {
        return message.chars().take(512).collect();
    };
    let head = message[..pos].trim_end().trim_end_matches("server").trim_end();
    let theirs = message[pos + MARKER.len()..].trim();
    let verdict = match ours {
        Some(o) if o == theirs => " [the server computed the same string to sign: the AccessKey secret is wrong]",
        Some(_) => " [the server computed a different string to sign; its copy was removed from this message]",
        None => " [the server's string to sign was removed from this message]",
    };
    format!("{head}{verdict}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_to_sign_never_survives() {
        let ours = "POST&%2F&AccessKeyId%3Dx%26SecurityToken%3DSECRET";
        let m = format!("Specified signature is not matched with our calculation. server string to sign is:{ours}");
        let s = sanitize_message(&m, Some(ours));
        assert!(!s.contains("SECRET"), "{s}");
        assert!(s.contains("AccessKey secret is wrong"), "{s}");
        let s = sanitize_message(&m, Some("other"));
        assert!(!s.contains("SECRET") && s.contains("different"), "{s}");
        assert_eq!(sanitize_message("plain", None), "plain");
    }
}
