//! `oidc_role_arn`: `AssumeRoleWithOIDC` with a token read from a file (ACK RRSA).
//!
//! Every fetch reads the token file first (the kubelet rotates it), then POSTs the unsigned
//! `AssumeRoleWithOIDC` with every business parameter, the token included, in the form body:
//! the token never appears in a URL, an error or a `Debug` rendering.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::ctx::Ctx;
use crate::effect::{Effect, EffectId, FileError, FileRead, Input};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::secret::Secret;
use crate::sign::percent_encode;
use crate::source::{Call, CallPoll, CallSettings, Source, SourcePoll};
use crate::sts::{build_rpc_post, parse_sts_response, Origin};
use crate::time::Now;

const PROVIDER: &str = "oidc_role_arn";
const ACTION: &str = "AssumeRoleWithOIDC";

/// The longest token STS accepts (characters).
pub(crate) const MAX_TOKEN_LEN: usize = 20_000;
/// The largest token file read: the longest token plus room for surrounding whitespace.
pub(crate) const MAX_TOKEN_FILE: usize = MAX_TOKEN_LEN + 1024;
/// How long the driver has to answer the file read before the fetch fails.
const FILE_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The parameters of `AssumeRoleWithOIDC`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcParams {
    /// `RoleArn`.
    pub role_arn: String,
    /// `OIDCProviderArn`.
    pub oidc_provider_arn: String,
    /// The file holding the OIDC token (re-read on every fetch: it rotates).
    pub token_file: PathBuf,
    /// `RoleSessionName`; `None` means `credentials-rust-<unix seconds>`, fixed at the first fetch.
    pub role_session_name: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: u64,
    /// `Policy`, sent when set.
    pub policy: Option<String>,
}

enum State {
    Idle,
    /// The file read is to be emitted.
    ReadPending,
    /// The file read is out.
    Reading {
        id: EffectId,
        deadline: Instant,
    },
    /// The fetch failed before reaching STS; reported by the next poll.
    Failed(Error),
    /// Calling STS with this token.
    Calling {
        token: Secret,
    },
}

/// Assumes a role with an OIDC token (ACK RRSA).
pub struct OidcRoleArnSource {
    params: OidcParams,
    endpoint: Endpoint,
    call: Call,
    state: State,
}

impl std::fmt::Debug for OidcRoleArnSource {
    /// The role, provider, token path and where the fetch stands; never the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Idle => "idle",
            State::ReadPending | State::Reading { .. } => "reading the token file",
            State::Failed(_) => "failed",
            State::Calling { .. } => "calling AssumeRoleWithOIDC",
        };
        f.debug_struct("OidcRoleArnSource")
            .field("role_arn", &self.params.role_arn)
            .field("oidc_provider_arn", &self.params.oidc_provider_arn)
            .field("token_file", &self.params.token_file)
            .field("endpoint", &self.endpoint)
            .field("state", &state)
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl OidcRoleArnSource {
    /// A source calling `endpoint`.
    pub fn new(params: OidcParams, endpoint: Endpoint, settings: CallSettings) -> Self {
        OidcRoleArnSource { params, endpoint, call: Call::new(settings), state: State::Idle }
    }

    /// The STS endpoint in use.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn file_error(&self, reason: impl Into<String>) -> Error {
        Error::File { provider: PROVIDER.to_owned(), path: self.params.token_file.clone(), reason: reason.into() }
    }

    /// Turns the file's bytes into the token: UTF-8, surrounding whitespace trimmed, not empty,
    /// within STS's limit. Errors describe the content, never quote it.
    fn token_from(&self, result: Result<Vec<u8>, FileError>) -> Result<Secret, Error> {
        let bytes = Zeroizing::new(result.map_err(|e| match e {
            FileError::TooLarge => self.file_error(format!("file too large (limit {MAX_TOKEN_FILE} bytes)")),
            e => self.file_error(e.to_string()),
        })?);
        if bytes.len() > MAX_TOKEN_FILE {
            return Err(self.file_error(format!("file too large (limit {MAX_TOKEN_FILE} bytes)")));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| self.file_error("the OIDC token is not UTF-8 text"))?;
        let token = text.trim();
        if token.is_empty() {
            return Err(self.file_error("the OIDC token file is empty"));
        }
        let chars = token.chars().count();
        if chars > MAX_TOKEN_LEN {
            return Err(self.file_error(format!(
                "the OIDC token is {chars} characters long; STS accepts at most {MAX_TOKEN_LEN}"
            )));
        }
        Ok(Secret::new(token))
    }

    fn build(&mut self, now: Now, ctx: &mut Ctx) -> Effect {
        let State::Calling { token } = &self.state else { unreachable!("build is only called while calling STS") };
        let session =
            self.params.role_session_name.get_or_insert_with(|| crate::sts::default_session_name(now)).clone();
        let duration = self.params.duration_seconds.to_string();
        let mut business: Vec<(&str, &str)> = vec![
            ("RoleArn", &self.params.role_arn),
            ("OIDCProviderArn", &self.params.oidc_provider_arn),
            ("OIDCToken", token.expose()),
            ("RoleSessionName", &session),
            ("DurationSeconds", &duration),
        ];
        if let Some(p) = self.params.policy.as_deref() {
            business.push(("Policy", p));
        }
        let request = build_rpc_post(&self.endpoint, ACTION, &business, None, &[], now, ctx).request;
        Effect::Http(self.call.send(request, now, ctx))
    }
}

/// Removes the token from a text the server sent (in case it echoes it): the token, its
/// percent-encoded form, and each long dot-separated part (a JWT's payload and signature).
fn redact_token(text: &str, token: &str) -> String {
    let mut needles = vec![token.to_owned(), percent_encode(token)];
    needles.extend(token.split('.').filter(|p| p.len() >= 16).map(str::to_owned));
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_owned();
    for n in needles.iter().filter(|n| !n.is_empty()) {
        if out.contains(n.as_str()) {
            out = out.replace(n.as_str(), "<redacted OIDC token>");
        }
    }
    out
}

fn scrub(error: Error, token: &str) -> Error {
    match error {
        Error::Service { provider, mut source } => {
            source.message = redact_token(&source.message, token);
            source.code = redact_token(&source.code, token);
            source.request_id = source.request_id.map(|r| redact_token(&r, token));
            source.recommend = source.recommend.map(|r| redact_token(&r, token));
            Error::Service { provider, source }
        }
        Error::Transport { provider, action, endpoint, mut source } => {
            source.detail = redact_token(&source.detail, token);
            Error::Transport { provider, action, endpoint, source }
        }
        other => other,
    }
}

impl Source for OidcRoleArnSource {
    fn provider_name(&self) -> &str {
        PROVIDER
    }

    fn start(&mut self, _now: Now) {
        self.call.cancel();
        self.state = State::ReadPending;
    }

    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll {
        loop {
            match &self.state {
                State::Idle => return SourcePoll::Idle,
                State::ReadPending => {
                    let id = ctx.next_id();
                    self.state = State::Reading { id, deadline: now.mono + FILE_READ_TIMEOUT };
                    return SourcePoll::Effect(Effect::ReadFile(FileRead {
                        id,
                        path: self.params.token_file.clone(),
                        max_len: MAX_TOKEN_FILE,
                    }));
                }
                State::Reading { deadline, .. } => {
                    if now.mono < *deadline {
                        return SourcePoll::Wait(*deadline);
                    }
                    let e = self.file_error(format!("not read within {} s", FILE_READ_TIMEOUT.as_secs()));
                    self.state = State::Idle;
                    return SourcePoll::Done(Err(e));
                }
                State::Failed(_) => {
                    let State::Failed(e) = std::mem::replace(&mut self.state, State::Idle) else { unreachable!() };
                    return SourcePoll::Done(Err(e));
                }
                State::Calling { token } => match self.call.poll(now) {
                    CallPoll::Send => return SourcePoll::Effect(self.build(now, ctx)),
                    CallPoll::Wait(t) => return SourcePoll::Wait(t),
                    CallPoll::Idle => {
                        self.state = State::Idle;
                        return SourcePoll::Idle;
                    }
                    CallPoll::Answer(answer) => {
                        let endpoint = self.endpoint.authority().to_owned();
                        let origin = Origin { provider: PROVIDER, action: ACTION, endpoint: &endpoint };
                        let parse = |resp: &http::Response<Vec<u8>>| {
                            if resp.status().is_success() {
                                return parse_sts_response(resp, &origin, None, PROVIDER, now);
                            }
                            // An error answer may echo the token: remove it from the whole body
                            // before anything is parsed or cut short, so no fragment survives.
                            let body = redact_token(&String::from_utf8_lossy(resp.body()), token.expose());
                            let mut redacted = http::Response::new(body.into_bytes());
                            *redacted.status_mut() = resp.status();
                            *redacted.headers_mut() = resp.headers().clone();
                            parse_sts_response(&redacted, &origin, None, PROVIDER, now)
                                .map_err(|e| scrub(e, token.expose()))
                        };
                        if let Some(result) = self.call.settle(answer, &origin, now, ctx, parse) {
                            self.state = State::Idle;
                            return SourcePoll::Done(result);
                        }
                    }
                },
            }
        }
    }

    fn handle(&mut self, input: Input, _now: Now) {
        match &self.state {
            State::Reading { id, .. } => {
                if let Input::File { id: got, result } = input {
                    if got == *id {
                        self.state = match self.token_from(result) {
                            Ok(token) => {
                                self.call.start();
                                State::Calling { token }
                            }
                            Err(e) => State::Failed(e),
                        };
                    }
                }
            }
            State::Calling { .. } => self.call.handle(input),
            State::Idle | State::ReadPending | State::Failed(_) => {}
        }
    }

    fn cancel(&mut self) {
        self.call.cancel();
        self.state = State::Idle;
    }

    fn max_fetch_time(&self) -> Duration {
        FILE_READ_TIMEOUT + self.call.settings().max_time()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_covers_raw_encoded_and_jwt_parts() {
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let payload = "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ";
        for text in [
            format!("Illegal OIDC token: {token}"),
            format!("Illegal OIDC token: {}", percent_encode(token)),
            format!("payload {payload} is expired"),
        ] {
            let r = redact_token(&text, token);
            assert!(!r.contains(payload), "{r}");
            assert!(r.contains("<redacted OIDC token>"), "{r}");
        }
        assert_eq!(redact_token("plain message", token), "plain message");
        assert_eq!(redact_token("plain message", ""), "plain message");
    }
}
