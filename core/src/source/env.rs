//! The environment AccessKey (`ALIBABA_CLOUD_ACCESS_KEY_ID`, `_SECRET`, optional `_SECURITY_TOKEN`),
//! and [`AbsentSource`] for chain links that are not configured.

use std::time::Duration;

use crate::ctx::Ctx;
use crate::effect::Input;
use crate::env::{vars, Env};
use crate::error::Error;
use crate::source::{Fetched, Source, SourcePoll};
use crate::time::Now;
use crate::Credential;

/// The credential in the environment snapshot, taken when the client was built.
#[derive(Debug)]
pub struct EnvSource {
    result: Result<Credential, Error>,
    pending: bool,
}

impl EnvSource {
    /// Reads the snapshot: absent when neither id nor secret is set, an error naming the
    /// variable when only one is.
    pub fn new(env: &Env) -> Self {
        let id = env.get(vars::ACCESS_KEY_ID);
        let secret = env.get(vars::ACCESS_KEY_SECRET);
        let result = match (id, secret) {
            (None, None) => Err(Error::NotConfigured {
                provider: "env".into(),
                reason: format!("{} and {} are not set", vars::ACCESS_KEY_ID, vars::ACCESS_KEY_SECRET),
            }),
            (Some(_), None) | (None, Some(_)) => {
                let missing = if id.is_none() { vars::ACCESS_KEY_ID } else { vars::ACCESS_KEY_SECRET };
                Err(Error::Config(crate::ConfigError::InvalidValue {
                    field: missing,
                    reason: "is empty or unset while the other half of the AccessKey is set".into(),
                }))
            }
            (Some(id), Some(secret)) => {
                let b = Credential::builder().access_key_id(id).access_key_secret(secret).provider_name("env");
                Ok(match env.get(vars::SECURITY_TOKEN) {
                    Some(t) => b.security_token(t).credential_type("sts").build(),
                    None => b.credential_type("access_key").build(),
                })
            }
        };
        EnvSource { result, pending: false }
    }
}

impl Source for EnvSource {
    fn provider_name(&self) -> &str {
        "env"
    }

    fn start(&mut self, _now: Now) {
        self.pending = true;
    }

    fn poll(&mut self, _now: Now, _ctx: &mut Ctx) -> SourcePoll {
        if !std::mem::take(&mut self.pending) {
            return SourcePoll::Idle;
        }
        SourcePoll::Done(self.result.clone().map(|credential| Fetched { credential, expires_at: None }))
    }

    fn handle(&mut self, _input: Input, _now: Now) {}

    fn cancel(&mut self) {
        self.pending = false;
    }

    fn max_fetch_time(&self) -> Duration {
        Duration::ZERO
    }
}

/// A chain link that is not configured here; every fetch says why.
#[derive(Debug)]
pub struct AbsentSource {
    provider: String,
    reason: String,
    pending: bool,
}

impl AbsentSource {
    /// A link for `provider` that is absent because of `reason`.
    pub fn new(provider: impl Into<String>, reason: impl Into<String>) -> Self {
        AbsentSource { provider: provider.into(), reason: reason.into(), pending: false }
    }
}

impl Source for AbsentSource {
    fn provider_name(&self) -> &str {
        &self.provider
    }

    fn start(&mut self, _now: Now) {
        self.pending = true;
    }

    fn poll(&mut self, _now: Now, _ctx: &mut Ctx) -> SourcePoll {
        if !std::mem::take(&mut self.pending) {
            return SourcePoll::Idle;
        }
        SourcePoll::Done(Err(Error::NotConfigured { provider: self.provider.clone(), reason: self.reason.clone() }))
    }

    fn handle(&mut self, _input: Input, _now: Now) {}

    fn cancel(&mut self) {
        self.pending = false;
    }

    fn max_fetch_time(&self) -> Duration {
        Duration::ZERO
    }
}

/// A chain link whose configuration is broken; every fetch returns the error.
#[derive(Debug)]
pub struct FailingSource {
    provider: String,
    error: Error,
    pending: bool,
}

impl FailingSource {
    /// A link for `provider` that always fails with `error`.
    pub fn new(provider: impl Into<String>, error: Error) -> Self {
        FailingSource { provider: provider.into(), error, pending: false }
    }
}

impl Source for FailingSource {
    fn provider_name(&self) -> &str {
        &self.provider
    }

    fn start(&mut self, _now: Now) {
        self.pending = true;
    }

    fn poll(&mut self, _now: Now, _ctx: &mut Ctx) -> SourcePoll {
        if !std::mem::take(&mut self.pending) {
            return SourcePoll::Idle;
        }
        SourcePoll::Done(Err(self.error.clone()))
    }

    fn handle(&mut self, _input: Input, _now: Now) {}

    fn cancel(&mut self) {
        self.pending = false;
    }

    fn max_fetch_time(&self) -> Duration {
        Duration::ZERO
    }
}
