//! [`StaticSource`]: a source whose every fetch gives the same answer at once: the credentials
//! of `access_key`, `sts` and `bearer`, and the default chain's links that are decided when the
//! chain is built (absent ones, broken ones).

use std::time::Duration;

use crate::ctx::Ctx;
use crate::effect::Input;
use crate::error::Error;
use crate::source::{Fetched, Source, SourcePoll};
use crate::time::Now;
use crate::Credential;

/// A fixed answer: every fetch returns it at once. A credential from it never expires.
#[derive(Debug)]
pub struct StaticSource {
    provider: String,
    answer: Result<Credential, Error>,
    pending: bool,
}

impl StaticSource {
    /// Serves `credential` (its provider name is the one it carries).
    pub fn new(credential: Credential) -> Self {
        let provider = credential.provider_name().to_owned();
        StaticSource { provider, answer: Ok(credential), pending: false }
    }

    /// A source named `provider` that always fails with `error`.
    pub fn failing(provider: impl Into<String>, error: Error) -> Self {
        StaticSource { provider: provider.into(), answer: Err(error), pending: false }
    }

    /// A source named `provider` that is not configured here, because of `reason` (the default
    /// chain skips it).
    pub fn absent(provider: impl Into<String>, reason: impl Into<String>) -> Self {
        let provider = provider.into();
        let error = Error::NotConfigured { provider: provider.clone(), reason: reason.into() };
        StaticSource { provider, answer: Err(error), pending: false }
    }
}

impl Source for StaticSource {
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
        SourcePoll::Done(self.answer.clone().map(|credential| Fetched { credential, expires_at: None }))
    }

    fn handle(&mut self, _input: Input, _now: Now) {}

    fn cancel(&mut self) {
        self.pending = false;
    }

    fn max_fetch_time(&self) -> Duration {
        Duration::ZERO
    }
}
