//! `credentials_uri`: credentials served as JSON by a URI (a sidecar, a local agent).
//!
//! `GET <uri>` exactly as configured (query included), then
//! `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}` from an
//! HTTP 200. The URI's query and user information may carry tokens: only its scheme, host and
//! path are ever shown, and errors name the host only. Answers are never quoted.

use std::time::Duration;

use serde::Deserialize;

use crate::answer::{plain, request_id_header, Origin, SessionFields};
use crate::ctx::Ctx;
use crate::effect::{Effect, Input};
use crate::error::{ConfigError, Error};
use crate::secret::redact_url;
use crate::source::{Call, CallPoll, CallSettings, Fetched, Source, SourcePoll};
use crate::time::Now;
use crate::user_agent::user_agent;

const PROVIDER: &str = "credential_uri";
const CREDENTIAL_TYPE: &str = "credentials_uri";
/// The operation, as errors name it.
const ACTION: &str = "GET credentials";

/// The parts of an error answer that are safe to show (codes and ids, never messages).
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(rename = "Code", default, deserialize_with = "string_or_none")]
    code: Option<String>,
    #[serde(rename = "RequestId", default, deserialize_with = "string_or_none")]
    request_id: Option<String>,
}

/// A JSON string, or `None` for any other value (an error body's fields are only hints).
fn string_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
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

    fn parse(resp: &http::Response<Vec<u8>>, origin: &Origin<'_>, now: Now) -> Result<Fetched, Error> {
        let status = resp.status().as_u16();
        if status != 200 {
            let body: ErrorBody = serde_json::from_slice(resp.body()).unwrap_or_default();
            let code = body.code.filter(|c| plain(c, 64)).unwrap_or_else(|| format!("Http{status}"));
            let message = format!(
                "{} (the {}-byte body is not shown)",
                resp.status().canonical_reason().unwrap_or("unexpected status"),
                resp.body().len()
            );
            let request_id = body.request_id.filter(|r| plain(r, 128)).or_else(|| request_id_header(resp));
            return Err(origin.service(status, code, message, request_id));
        }
        SessionFields::parse_with_code(resp, origin)?.into_fetched(resp, origin, "", CREDENTIAL_TYPE, now)
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
                    let origin = Origin { provider: PROVIDER, action: ACTION, endpoint: &self.endpoint };
                    if let Some(result) = self.call.settle(answer, &origin, now, ctx, |r| Self::parse(r, &origin, now))
                    {
                        self.fetching = false;
                        return SourcePoll::Done(result);
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
