//! `ram_role_arn`: `AssumeRole` signed with the credential of an inner source.

use std::time::Duration;

use crate::ctx::Ctx;
use crate::effect::{Effect, Input};
use crate::endpoint::Endpoint;
use crate::source::{Call, CallPoll, CallSettings, Fetched, Source, SourcePoll};
use crate::sts::{build_rpc_post, parse_sts_response, Origin};
use crate::time::Now;
use crate::Credential;

/// An inner credential is reused while it has at least this long left.
const INNER_REUSE_MARGIN: Duration = Duration::from_secs(180);

/// The parameters of `AssumeRole`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleParams {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`; `None` means `credentials-rust-<unix seconds>`, fixed at the first fetch.
    pub role_session_name: Option<String>,
    /// `DurationSeconds` (at least 900).
    pub duration_seconds: u64,
    /// `Policy`, sent when set.
    pub policy: Option<String>,
    /// `ExternalId`, sent when set.
    pub external_id: Option<String>,
}

enum State {
    Idle,
    Inner,
    Calling { signer: Credential, string_to_sign: Option<String> },
}

/// Assumes a RAM role with the credential of an inner source (static AK/STS, or any other).
pub struct RamRoleArnSource {
    inner: Box<dyn Source>,
    inner_cached: Option<Fetched>,
    params: AssumeRoleParams,
    endpoint: Endpoint,
    call: Call,
    provider_name: String,
    state: State,
}

impl std::fmt::Debug for RamRoleArnSource {
    /// The role and where the fetch stands; the signed string (which holds the source's
    /// token) and the answers are not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Idle => "idle",
            State::Inner => "fetching the source credential",
            State::Calling { .. } => "calling AssumeRole",
        };
        f.debug_struct("RamRoleArnSource")
            .field("provider_name", &self.provider_name)
            .field("role_arn", &self.params.role_arn)
            .field("endpoint", &self.endpoint)
            .field("state", &state)
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl RamRoleArnSource {
    /// Assumes `params.role_arn` at `endpoint`, signing with what `inner` fetches.
    pub fn new(inner: Box<dyn Source>, params: AssumeRoleParams, endpoint: Endpoint, settings: CallSettings) -> Self {
        let provider_name = format!("ram_role_arn/{}", inner.provider_name());
        RamRoleArnSource {
            inner,
            inner_cached: None,
            params,
            endpoint,
            call: Call::new(settings),
            provider_name,
            state: State::Idle,
        }
    }

    /// The STS endpoint in use.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn inner_usable(&self, now: Now) -> Option<Credential> {
        let f = self.inner_cached.as_ref()?;
        match f.expires_at {
            None => Some(f.credential.clone()),
            Some(t) if now.mono + INNER_REUSE_MARGIN < t => Some(f.credential.clone()),
            Some(_) => None,
        }
    }

    fn build(&mut self, now: Now, ctx: &mut Ctx) -> Effect {
        let State::Calling { signer, string_to_sign } = &mut self.state else {
            unreachable!("build is only called while calling STS")
        };
        let session =
            self.params.role_session_name.get_or_insert_with(|| crate::sts::default_session_name(now)).clone();
        let duration = self.params.duration_seconds.to_string();
        let mut business: Vec<(&str, &str)> =
            vec![("RoleArn", &self.params.role_arn), ("RoleSessionName", &session), ("DurationSeconds", &duration)];
        if let Some(p) = self.params.policy.as_deref() {
            business.push(("Policy", p));
        }
        if let Some(e) = self.params.external_id.as_deref() {
            business.push(("ExternalId", e));
        }
        let source_name = signer.provider_name().to_owned();
        let signed = build_rpc_post(
            &self.endpoint,
            "AssumeRole",
            &business,
            Some(signer),
            &[("x-acs-credentials-provider", &source_name)],
            now,
            ctx,
        );
        *string_to_sign = signed.string_to_sign;
        Effect::Http(self.call.send(signed.request, now, ctx))
    }
}

impl Source for RamRoleArnSource {
    fn provider_name(&self) -> &str {
        &self.provider_name
    }

    fn start(&mut self, now: Now) {
        self.call.cancel();
        match self.inner_usable(now) {
            Some(signer) => {
                self.state = State::Calling { signer, string_to_sign: None };
                self.call.start();
            }
            None => {
                self.inner.start(now);
                self.state = State::Inner;
            }
        }
    }

    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll {
        loop {
            match &self.state {
                State::Idle => return SourcePoll::Idle,
                State::Inner => match self.inner.poll(now, ctx) {
                    SourcePoll::Done(Ok(f)) => {
                        let signer = f.credential.clone();
                        self.inner_cached = Some(f);
                        self.state = State::Calling { signer, string_to_sign: None };
                        self.call.start();
                    }
                    SourcePoll::Done(Err(e)) => {
                        self.state = State::Idle;
                        return SourcePoll::Done(Err(e));
                    }
                    SourcePoll::Idle => {
                        // The inner source lost its fetch (cannot happen with well-behaved
                        // sources); restart it rather than hang.
                        self.inner.start(now);
                    }
                    other => return other,
                },
                State::Calling { string_to_sign, .. } => match self.call.poll(now) {
                    CallPoll::Send => return SourcePoll::Effect(self.build(now, ctx)),
                    CallPoll::Wait(t) => return SourcePoll::Wait(t),
                    CallPoll::Idle => {
                        self.state = State::Idle;
                        return SourcePoll::Idle;
                    }
                    CallPoll::Answer(answer) => {
                        let endpoint = self.endpoint.authority().to_owned();
                        let origin =
                            Origin { provider: &self.provider_name, action: "AssumeRole", endpoint: &endpoint };
                        let ours = string_to_sign.as_deref();
                        let parse = |resp: &_| parse_sts_response(resp, &origin, ours, "ram_role_arn", now);
                        if let Some(result) = self.call.settle(answer, &origin, now, ctx, parse) {
                            self.state = State::Idle;
                            return SourcePoll::Done(result);
                        }
                    }
                },
            }
        }
    }

    fn handle(&mut self, input: Input, now: Now) {
        match self.state {
            State::Inner => self.inner.handle(input, now),
            State::Calling { .. } => self.call.handle(input),
            State::Idle => {}
        }
    }

    fn cancel(&mut self) {
        self.inner.cancel();
        self.call.cancel();
        self.state = State::Idle;
    }

    fn max_fetch_time(&self) -> Duration {
        self.inner.max_fetch_time() + self.call.settings().max_time()
    }
}
