//! STS wire format: building signed `AssumeRole` requests and parsing STS answers.

use serde::Deserialize;

pub(crate) use crate::answer::{json_error_class, Origin};
use crate::answer::{request_id_header, SessionFields};
use crate::ctx::Ctx;
use crate::endpoint::Endpoint;
use crate::error::{Error, ServiceError};
use crate::sign;
use crate::time::{format_timestamp, Now};
use crate::user_agent::user_agent;
use crate::{Credential, Fetched};

/// STS API version.
pub const STS_VERSION: &str = "2015-04-01";

/// The `RoleSessionName` used when none is configured: `credentials-rust-<unix seconds>`, as
/// the official SDKs name theirs `credentials-python-...`, `credentials-go-...`.
pub(crate) fn default_session_name(now: Now) -> String {
    format!("credentials-rust-{}", now.unix_seconds())
}

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
    credentials: Option<SessionFields>,
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
    c.into_fetched(resp, origin, "Credentials.", credential_type, now)
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
            request_id: body.request_id.filter(|s| !s.is_empty()).or_else(|| request_id_header(resp)),
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
