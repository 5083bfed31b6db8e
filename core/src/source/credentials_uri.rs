//! `credentials_uri`: credentials served as JSON by a URI (a sidecar, a local agent).
//!
//! `GET <uri>` exactly as configured (query included), then
//! `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}` from an
//! HTTP 200. The URI's query and user information may carry tokens: only its scheme, host and
//! path are ever shown, and errors name the host only. Answers are never quoted.

use std::time::Duration;

use serde::Deserialize;

use crate::ctx::Ctx;
use crate::effect::{Effect, Input};
use crate::error::{ConfigError, Error, ServiceError};
use crate::secret::{redact_url, Secret};
use crate::source::{Call, CallPoll, CallSettings, Fetched, Source, SourcePoll};
use crate::sts::{json_error_class, server_date};
use crate::time::{expiry_deadline, parse_expiration, Now};
use crate::user_agent::user_agent;
use crate::Credential;

const PROVIDER: &str = "credential_uri";
const CREDENTIAL_TYPE: &str = "credentials_uri";
/// The operation, as errors name it.
const ACTION: &str = "GET credentials";

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: Option<Secret>,
    #[serde(rename = "SecurityToken")]
    security_token: Option<Secret>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

/// The parts of an error answer that are safe to show (codes and ids, never messages).
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: Option<serde_json::Value>,
    #[serde(rename = "RequestId")]
    request_id: Option<serde_json::Value>,
}

/// A service code or request id worth showing: short, and made of the characters codes use.
fn code_like(v: Option<serde_json::Value>, max: usize) -> Option<String> {
    match v {
        Some(serde_json::Value::String(s))
            if !s.is_empty()
                && s.len() <= max
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c)) =>
        {
            Some(s)
        }
        _ => None,
    }
}

/// Credentials served by a URI.
pub struct CredentialsUriSource {
    uri: http::Uri,
    /// Host (and port) for error messages.
    endpoint: String,
    call: Call,
    fetching: bool,
}

impl std::fmt::Debug for CredentialsUriSource {
    /// The URI without its query or user information (they may carry tokens).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsUriSource")
            .field("uri", &redact_url(&self.uri.to_string()))
            .field("fetching", &self.fetching)
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl CredentialsUriSource {
    /// A source that GETs `uri`.
    pub fn new(uri: http::Uri, settings: CallSettings) -> Self {
        let endpoint = uri
            .authority()
            .map(|a| a.as_str().rsplit('@').next().unwrap_or("").to_owned())
            .unwrap_or_else(|| "<no host>".to_owned());
        CredentialsUriSource { uri, endpoint, call: Call::new(settings), fetching: false }
    }

    fn check_uri(&self) -> Result<(), Error> {
        let ok = matches!(self.uri.scheme_str(), Some("http" | "https")) && self.uri.authority().is_some();
        if ok {
            Ok(())
        } else {
            Err(Error::Config(ConfigError::InvalidValue {
                field: "credentials_uri",
                reason: "must be an absolute http:// or https:// URL".to_owned(),
            }))
        }
    }

    fn request(&self) -> http::Request<Vec<u8>> {
        let mut request = http::Request::new(Vec::new());
        *request.method_mut() = http::Method::GET;
        *request.uri_mut() = self.uri.clone();
        let headers = request.headers_mut();
        headers.insert(http::header::ACCEPT, http::HeaderValue::from_static("application/json"));
        if let Ok(ua) = http::HeaderValue::from_str(user_agent()) {
            headers.insert(http::header::USER_AGENT, ua);
        }
        request
    }

    fn invalid(&self, status: u16, reason: impl Into<String>) -> Error {
        Error::InvalidResponse {
            provider: PROVIDER.to_owned(),
            action: ACTION,
            endpoint: self.endpoint.clone(),
            http_status: status,
            reason: reason.into(),
        }
    }

    fn service(&self, status: u16, code: String, message: String, request_id: Option<String>) -> Error {
        Error::Service {
            provider: PROVIDER.to_owned(),
            source: Box::new(ServiceError {
                action: ACTION,
                endpoint: self.endpoint.clone(),
                http_status: status,
                code,
                message,
                request_id,
                recommend: None,
            }),
        }
    }

    fn parse(&self, resp: &http::Response<Vec<u8>>, now: Now) -> Result<Fetched, Error> {
        let status = resp.status().as_u16();
        let header_request_id = || {
            let h = resp.headers().get("x-acs-request-id")?.to_str().ok()?;
            code_like(Some(serde_json::Value::String(h.to_owned())), 128)
        };
        if status != 200 {
            let body: ErrorBody = serde_json::from_slice(resp.body()).unwrap_or_default();
            let code = code_like(body.code, 64).unwrap_or_else(|| format!("Http{status}"));
            let message = format!(
                "{} (the {}-byte body is not shown)",
                resp.status().canonical_reason().unwrap_or("unexpected status"),
                resp.body().len()
            );
            let request_id = code_like(body.request_id, 128).or_else(header_request_id);
            return Err(self.service(status, code, message, request_id));
        }
        let body: Body = serde_json::from_slice(resp.body())
            .map_err(|e| self.invalid(status, format!("body is not the expected JSON ({})", json_error_class(&e))))?;
        match body.code.as_deref() {
            Some("Success") => {}
            None => return Err(self.invalid(status, "missing field `Code`")),
            Some(other) => {
                let shown = code_like(Some(serde_json::Value::String(other.to_owned())), 64);
                return Err(match shown {
                    Some(code) => self.service(
                        status,
                        code.clone(),
                        format!("the credentials server answered Code `{code}` instead of `Success`"),
                        header_request_id(),
                    ),
                    None => self.invalid(status, "field `Code` is not `Success`"),
                });
            }
        }
        let field = |name: &str| self.invalid(status, format!("missing or empty field `{name}`"));
        let id = body.access_key_id.filter(|s| !s.is_empty()).ok_or_else(|| field("AccessKeyId"))?;
        let secret = body.access_key_secret.filter(|s| !s.is_empty()).ok_or_else(|| field("AccessKeySecret"))?;
        let token = body.security_token.filter(|s| !s.is_empty()).ok_or_else(|| field("SecurityToken"))?;
        let exp_text = body.expiration.filter(|s| !s.is_empty()).ok_or_else(|| field("Expiration"))?;
        let expiration = parse_expiration(&exp_text)
            .ok_or_else(|| self.invalid(status, "field `Expiration` is not an RFC 3339 time"))?;
        let expires_at = expiry_deadline(expiration, server_date(resp), now);
        let credential = Credential::builder()
            .access_key_id(id)
            .access_key_secret(secret)
            .security_token(token)
            .expiration(expiration)
            .provider_name(PROVIDER)
            .credential_type(CREDENTIAL_TYPE)
            .build();
        Ok(Fetched { credential, expires_at: Some(expires_at) })
    }
}

impl Source for CredentialsUriSource {
    fn provider_name(&self) -> &str {
        PROVIDER
    }

    fn start(&mut self, _now: Now) {
        self.call.cancel();
        self.call.start();
        self.fetching = true;
    }

    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll {
        if !self.fetching {
            return SourcePoll::Idle;
        }
        if let Err(e) = self.check_uri() {
            self.call.finish();
            self.fetching = false;
            return SourcePoll::Done(Err(e));
        }
        loop {
            match self.call.poll(now) {
                CallPoll::Send => {
                    let request = self.request();
                    return SourcePoll::Effect(Effect::Http(self.call.send(request, now, ctx)));
                }
                CallPoll::Wait(t) => return SourcePoll::Wait(t),
                CallPoll::Idle => {
                    self.fetching = false;
                    return SourcePoll::Idle;
                }
                CallPoll::Answer(answer) => {
                    let result = match answer {
                        Ok(resp) => self.parse(&resp, now),
                        Err(source) => Err(Error::Transport {
                            provider: PROVIDER.to_owned(),
                            action: ACTION,
                            endpoint: self.endpoint.clone(),
                            source,
                        }),
                    };
                    match result {
                        Err(e) if e.is_retryable() && self.call.retry(now, ctx) => {
                            tracing::debug!(provider = PROVIDER, error = %e, "retrying the credentials URI");
                            continue;
                        }
                        result => {
                            self.call.finish();
                            self.fetching = false;
                            return SourcePoll::Done(result);
                        }
                    }
                }
            }
        }
    }

    fn handle(&mut self, input: Input, _now: Now) {
        if self.fetching {
            self.call.handle(input);
        }
    }

    fn cancel(&mut self) {
        self.call.cancel();
        self.fetching = false;
    }

    fn max_fetch_time(&self) -> Duration {
        self.call.settings().max_time()
    }
}
