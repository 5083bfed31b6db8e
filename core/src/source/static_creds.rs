//! `access_key`, `sts` and `bearer`: credentials given in the configuration.

use std::time::Duration;

use crate::ctx::Ctx;
use crate::effect::Input;
use crate::source::{Fetched, Source, SourcePoll};
use crate::time::Now;
use crate::Credential;

/// A fixed credential: every fetch returns it at once; it never expires.
#[derive(Debug)]
pub struct StaticSource {
    credential: Credential,
    pending: bool,
}

impl StaticSource {
    /// Serves `credential` (its provider name is the one it carries).
    pub fn new(credential: Credential) -> Self {
        StaticSource { credential, pending: false }
    }
}

impl Source for StaticSource {
    fn provider_name(&self) -> &str {
        self.credential.provider_name()
    }

    fn start(&mut self, _now: Now) {
        self.pending = true;
    }

    fn poll(&mut self, _now: Now, _ctx: &mut Ctx) -> SourcePoll {
        if std::mem::take(&mut self.pending) {
            SourcePoll::Done(Ok(Fetched { credential: self.credential.clone(), expires_at: None }))
        } else {
            SourcePoll::Idle
        }
    }

    fn handle(&mut self, _input: Input, _now: Now) {}

    fn cancel(&mut self) {
        self.pending = false;
    }

    fn max_fetch_time(&self) -> Duration {
        Duration::ZERO
    }
}
