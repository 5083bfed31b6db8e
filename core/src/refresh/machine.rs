//! [`Refresher`]: owns the current credential and at most one fetch; decides when to fetch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ctx::Ctx;
use crate::effect::{Effect, Input};
use crate::error::Error;
use crate::refresh::cache::{Cache, Snapshot};
use crate::refresh::policy::{RefreshPolicy, Windows};
use crate::secret::mask_key_id;
use crate::source::{Fetched, Source, SourcePoll};
use crate::time::Now;
use crate::Credential;

/// Slack added to a source's worst-case fetch time to bound how long callers wait.
const WAIT_SLACK: Duration = Duration::from_secs(5);

/// What the refresher wants next.
#[derive(Debug)]
#[must_use]
// Effects are moved a few times per fetch (minutes apart); boxing the request buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum RefreshPoll {
    /// Perform the effect, then call [`Refresher::handle_input`].
    Effect(Effect),
    /// A new snapshot was published to the [`Cache`]: wake every caller waiting for one.
    Published,
    /// Nothing to do until this instant (`None`: until woken by a caller or an input).
    Wait(Option<Instant>),
}

#[derive(Debug)]
struct Entry {
    credential: Credential,
    /// `None` for credentials that never expire.
    windows: Option<Windows>,
}

/// The refresh state machine. See the crate documentation for the driving loop.
///
/// Contract:
/// - [`poll`](Refresher::poll): call after construction, after every
///   [`handle_input`](Refresher::handle_input), when a `Wait` deadline passes, and whenever the
///   driver is woken by a caller (demand or invalidation). Drain it until it returns `Wait`.
/// - [`handle_input`](Refresher::handle_input): call with the result of every effect.
pub struct Refresher {
    source: Box<dyn Source>,
    ctx: Ctx,
    cache: Arc<Cache>,
    policy: RefreshPolicy,
    current: Option<Entry>,
    fetching: bool,
    demanded: bool,
    failures: u32,
    next_attempt: Option<Instant>,
    last_error: Option<Error>,
    error_until: Option<Instant>,
    generation: u64,
    credential_type: Option<String>,
}

impl std::fmt::Debug for Refresher {
    /// A summary: the source and fetch internals (signed strings, responses) are not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refresher")
            .field("provider", &self.source.provider_name())
            .field("credential", &self.current.as_ref().map(|e| &e.credential))
            .field("fetching", &self.fetching)
            .field("failures", &self.failures)
            .field("generation", &self.generation)
            .field("last_error", &self.last_error)
            .finish_non_exhaustive()
    }
}

impl Refresher {
    /// A refresher over `source`, with its PRNG seeded by `seed` (OS entropy in production, a
    /// constant in tests).
    pub fn new(source: Box<dyn Source>, seed: u64) -> Self {
        Self::with_policy(source, seed, RefreshPolicy::default())
    }

    /// As [`new`](Refresher::new), with another policy.
    pub fn with_policy(source: Box<dyn Source>, seed: u64, policy: RefreshPolicy) -> Self {
        let cache = Arc::new(Cache::new(source.max_fetch_time() + WAIT_SLACK));
        Refresher {
            source,
            ctx: Ctx::new(seed),
            cache,
            policy,
            current: None,
            fetching: false,
            demanded: false,
            failures: 0,
            next_attempt: None,
            last_error: None,
            error_until: None,
            generation: 0,
            credential_type: None,
        }
    }

    /// Relabels every credential with this `type` (the client's configured type).
    pub fn set_credential_type(&mut self, t: impl Into<String>) {
        self.credential_type = Some(t.into());
    }

    /// The cache the handles read.
    pub fn cache(&self) -> &Arc<Cache> {
        &self.cache
    }

    /// The source's provider name.
    pub fn provider_name(&self) -> &str {
        self.source.provider_name()
    }

    /// True while a fetch is in progress.
    pub fn is_fetching(&self) -> bool {
        self.fetching
    }

    /// Forgets the fetch in progress (its driver is gone; late results will be ignored). A caller's
    /// pending demand is kept, so the next driver fetches at once.
    pub fn abandon_fetch(&mut self) {
        if self.fetching {
            self.source.cancel();
            self.fetching = false;
        }
    }

    /// Feeds the result of an effect.
    pub fn handle_input(&mut self, input: Input, now: Now) {
        if self.fetching {
            self.source.handle(input, now);
        }
    }

    /// Advances the machine. See the type's contract.
    pub fn poll(&mut self, now: Now) -> RefreshPoll {
        if self.cache.take_demand() {
            self.demanded = true;
        }
        if self.apply_invalidation(now) {
            self.publish(now);
            return RefreshPoll::Published;
        }
        loop {
            if self.fetching {
                match self.source.poll(now, &mut self.ctx) {
                    SourcePoll::Effect(e) => return RefreshPoll::Effect(e),
                    SourcePoll::Wait(t) => return RefreshPoll::Wait(Some(t)),
                    SourcePoll::Done(result) => {
                        self.fetching = false;
                        self.complete(result, now);
                        return RefreshPoll::Published;
                    }
                    SourcePoll::Idle => {
                        // A source that forgot its fetch: start over rather than hang.
                        self.source.start(now);
                    }
                }
            } else if self.fetch_due(now) {
                tracing::debug!(provider = %self.source.provider_name(), "fetching credentials");
                self.source.start(now);
                self.fetching = true;
            } else {
                return RefreshPoll::Wait(self.next_wakeup(now));
            }
        }
    }

    fn usable(&self, now: Instant) -> bool {
        match &self.current {
            Some(Entry { windows: None, .. }) => true,
            Some(Entry { windows: Some(w), .. }) => now < w.usable_until,
            None => false,
        }
    }

    fn fetch_due(&mut self, now: Now) -> bool {
        let t = now.mono;
        if self.demanded {
            if self.usable(t) {
                // Another fetch already answered this caller.
                self.demanded = false;
            } else if self.error_until.is_none_or(|u| t >= u) {
                return true;
            }
        }
        let backoff_over = self.next_attempt.is_none_or(|n| t >= n);
        // Background refreshes run only while the current credential is still handed out; past
        // its mandatory point nobody can use it, so an idle client stops calling the service
        // and waits for a caller's demand.
        match &self.current {
            Some(Entry { windows: Some(w), .. }) => t >= w.advisory_at && t < w.usable_until && backoff_over,
            _ => false,
        }
    }

    fn next_wakeup(&self, now: Now) -> Option<Instant> {
        let Some(Entry { windows: Some(w), .. }) = &self.current else {
            // Waiting callers wake us; with an error held, their demand after it runs out does.
            return None;
        };
        let next = w.advisory_at.max(self.next_attempt.unwrap_or(w.advisory_at));
        (next < w.usable_until).then(|| next.max(now.mono))
    }

    fn complete(&mut self, result: Result<Fetched, Error>, now: Now) {
        let result = result.and_then(|f| self.check_fresh(f, now));
        match result {
            Ok(fetched) => {
                let credential = match &self.credential_type {
                    Some(t) if fetched.credential.credential_type() != t => {
                        fetched.credential.relabel(fetched.credential.provider_name().to_owned(), t.clone())
                    }
                    _ => fetched.credential,
                };
                let windows = fetched.expires_at.map(|e| self.policy.windows(now.mono, e, &mut self.ctx));
                tracing::info!(
                    provider = %credential.provider_name(),
                    access_key_id = %mask_key_id(credential.access_key_id()),
                    expires_in_secs = windows.map(|w| w.expires_at.saturating_duration_since(now.mono).as_secs()),
                    "credentials refreshed"
                );
                self.current = Some(Entry { credential, windows });
                self.failures = 0;
                self.next_attempt = None;
                self.last_error = None;
                self.error_until = None;
            }
            Err(error) => {
                self.failures += 1;
                let backoff = self.policy.backoff(self.failures, &mut self.ctx);
                self.next_attempt = Some(now.mono + backoff);
                if self.usable(now.mono) {
                    tracing::warn!(
                        provider = %self.source.provider_name(), %error, retry_in_ms = backoff.as_millis() as u64,
                        "credential refresh failed; still serving the current credential"
                    );
                    self.error_until = None;
                } else {
                    let hold = if error.is_retryable() {
                        backoff.min(self.policy.error_hold_cap)
                    } else {
                        let (lo, hi) = self.policy.non_recoverable_hold;
                        self.ctx.jitter(lo, hi)
                    };
                    tracing::warn!(
                        provider = %self.source.provider_name(), %error, hold_ms = hold.as_millis() as u64,
                        "credential fetch failed and no usable credential is left"
                    );
                    self.error_until = Some(now.mono + hold);
                }
                self.last_error = Some(error);
            }
        }
        self.demanded = false;
        self.publish(now);
    }

    /// A credential that arrives (nearly) expired is a failed refresh.
    fn check_fresh(&self, f: Fetched, now: Now) -> Result<Fetched, Error> {
        match f.expires_at {
            Some(e) if e.saturating_duration_since(now.mono) < self.policy.min_remaining => {
                Err(Error::ExpiredCredential {
                    provider: f.credential.provider_name().to_owned(),
                    remaining_secs: e.saturating_duration_since(now.mono).as_secs(),
                })
            }
            _ => Ok(f),
        }
    }

    /// Applies a rejection reported by a caller: unless the credential was already replaced,
    /// it is retired now and the next `get` fetches anew. Returns whether anything changed.
    fn apply_invalidation(&mut self, now: Now) -> bool {
        let Some(rejected) = self.cache.take_invalidated() else { return false };
        let Some(entry) = &mut self.current else { return false };
        if entry.credential.access_key_id() != rejected.access_key_id() {
            // Already replaced: the rejection concerns an older credential.
            return false;
        }
        tracing::info!(
            access_key_id = %mask_key_id(rejected.access_key_id()),
            "credential invalidated; the next get fetches anew"
        );
        let expires_at = entry.windows.map(|w| w.expires_at).unwrap_or(now.mono);
        entry.windows = Some(Windows { advisory_at: now.mono, usable_until: now.mono, expires_at });
        self.next_attempt = None;
        self.error_until = None;
        true
    }

    fn publish(&mut self, now: Now) {
        // A rejection that arrived since the last poll applies first, so no publish can hand a
        // withdrawn credential back to callers.
        self.apply_invalidation(now);
        self.generation += 1;
        let (credential, usable_until) = match &self.current {
            Some(e) => (Some(e.credential.clone()), e.windows.map(|w| w.usable_until)),
            None => (None, None),
        };
        self.cache.publish(Snapshot {
            credential,
            usable_until,
            error: self.last_error.clone(),
            error_until: self.error_until,
            generation: self.generation,
        });
    }
}
