//! [`Call`]: one HTTP operation with a deadline and bounded, jittered retries.

use std::time::{Duration, Instant};

use crate::answer::Origin;
use crate::ctx::Ctx;
use crate::effect::{EffectId, HttpRequest, Input, ProxyPolicy};
use crate::error::Error;
use crate::error::{TransportError, TransportErrorKind};
use crate::source::Fetched;
use crate::time::Now;

/// Timeouts, size limit, proxy and retry budget of one HTTP operation of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallSettings {
    /// Connect timeout (TCP and TLS).
    pub connect_timeout: Duration,
    /// Read timeout (request sent to last body byte).
    pub read_timeout: Duration,
    /// Largest answer accepted.
    pub max_body: usize,
    /// Proxy use.
    pub proxy: ProxyPolicy,
    /// Attempts for retryable failures, the first included.
    pub max_attempts: u32,
    /// Back-off before the second attempt; doubled for each further attempt, with jitter.
    pub base_backoff: Duration,
}

impl CallSettings {
    /// Settings with these timeouts and proxy, a 64 KiB answer limit, and 3 attempts 200 ms
    /// apart (doubling).
    pub fn new(connect_timeout: Duration, read_timeout: Duration, proxy: ProxyPolicy) -> Self {
        CallSettings {
            connect_timeout,
            read_timeout,
            max_body: 64 * 1024,
            proxy,
            max_attempts: 3,
            base_backoff: Duration::from_millis(200),
        }
    }

    /// The same with another attempt budget.
    pub fn with_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }
}

impl CallSettings {
    /// Worst case for one call: every attempt times out, every back-off is at its maximum.
    pub fn max_time(&self) -> Duration {
        let per_attempt = self.connect_timeout + self.read_timeout + GRACE;
        let mut total = per_attempt * self.max_attempts;
        for n in 1..self.max_attempts {
            total += self.base_backoff * 2u32.pow(n - 1);
        }
        total
    }
}

/// Slack past the driver's own timeouts before the core declares a request lost.
const GRACE: Duration = Duration::from_secs(1);

enum State {
    Idle,
    Ready,
    InFlight { id: EffectId, deadline: Instant },
    Backoff { until: Instant },
    Finished(Option<Result<http::Response<Vec<u8>>, TransportError>>),
}

/// What the call needs.
#[derive(Debug)]
pub(crate) enum CallPoll {
    /// Build the request now (fresh timestamp and nonce) and pass it to [`Call::send`].
    Send,
    /// Wait until then.
    Wait(Instant),
    /// An answer (any status) or a transport failure; decide, then maybe [`Call::retry`].
    Answer(Result<http::Response<Vec<u8>>, TransportError>),
    /// Not started.
    Idle,
}

/// One HTTP operation (possibly several attempts).
pub(crate) struct Call {
    settings: CallSettings,
    state: State,
    attempt: u32,
}

impl std::fmt::Debug for Call {
    /// Where the call stands; answers (which carry credentials) are not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Idle => "idle",
            State::Ready => "ready to send",
            State::InFlight { .. } => "in flight",
            State::Backoff { .. } => "backing off",
            State::Finished(_) => "answered",
        };
        f.debug_struct("Call").field("state", &state).field("attempt", &self.attempt).finish()
    }
}

impl Call {
    pub fn new(settings: CallSettings) -> Self {
        Call { settings, state: State::Idle, attempt: 0 }
    }

    pub fn settings(&self) -> &CallSettings {
        &self.settings
    }

    /// Begins the operation (first attempt).
    pub fn start(&mut self) {
        self.state = State::Ready;
        self.attempt = 0;
    }

    /// Forgets the operation; late answers will not match.
    pub fn cancel(&mut self) {
        self.state = State::Idle;
    }

    pub fn poll(&mut self, now: Now) -> CallPoll {
        match &mut self.state {
            State::Idle => CallPoll::Idle,
            State::Ready => CallPoll::Send,
            State::InFlight { deadline, .. } => {
                if now.mono >= *deadline {
                    self.state = State::Finished(None);
                    CallPoll::Answer(Err(TransportError::new(
                        TransportErrorKind::Timeout,
                        "no answer within the connect and read timeouts",
                    )))
                } else {
                    CallPoll::Wait(*deadline)
                }
            }
            State::Backoff { until } => {
                if now.mono >= *until {
                    self.state = State::Ready;
                    CallPoll::Send
                } else {
                    CallPoll::Wait(*until)
                }
            }
            State::Finished(answer) => match answer.take() {
                Some(a) => CallPoll::Answer(a),
                None => CallPoll::Idle,
            },
        }
    }

    /// Wraps a request built after [`CallPoll::Send`] into the effect to emit.
    pub fn send(&mut self, request: http::Request<Vec<u8>>, now: Now, ctx: &mut Ctx) -> HttpRequest {
        let id = ctx.next_id();
        self.attempt += 1;
        let s = &self.settings;
        self.state = State::InFlight { id, deadline: now.mono + s.connect_timeout + s.read_timeout + GRACE };
        HttpRequest {
            id,
            request,
            connect_timeout: s.connect_timeout,
            read_timeout: s.read_timeout,
            max_body: s.max_body,
            proxy: s.proxy.clone(),
        }
    }

    /// Accepts the answer to the request in flight; other inputs are ignored.
    pub fn handle(&mut self, input: Input) {
        if let (State::InFlight { id, .. }, Input::Http { id: got, result }) = (&self.state, input) {
            if *id == got {
                self.state = State::Finished(Some(result));
            }
        }
    }

    /// After a retryable answer: schedules another attempt if the budget allows (returns true).
    pub fn retry(&mut self, now: Now, ctx: &mut Ctx) -> bool {
        if self.attempt >= self.settings.max_attempts {
            self.state = State::Idle;
            return false;
        }
        let full = self.settings.base_backoff * 2u32.pow(self.attempt.saturating_sub(1));
        let wait = ctx.jitter(full / 2, full);
        self.state = State::Backoff { until: now.mono + wait };
        true
    }

    /// Settles an answer: a response goes through `parse`, a transport failure is named after
    /// `origin`, and a retryable failure schedules another attempt while the budget allows
    /// (then `None`: poll again). Otherwise the operation is over and its result returned.
    pub fn settle(
        &mut self,
        answer: Result<http::Response<Vec<u8>>, TransportError>,
        origin: &Origin<'_>,
        now: Now,
        ctx: &mut Ctx,
        parse: impl FnOnce(&http::Response<Vec<u8>>) -> Result<Fetched, Error>,
    ) -> Option<Result<Fetched, Error>> {
        let result = match answer {
            Ok(resp) => parse(&resp),
            Err(source) => Err(origin.transport(source)),
        };
        match result {
            Err(e) if e.is_retryable() && self.retry(now, ctx) => {
                tracing::debug!(provider = origin.provider, action = origin.action, error = %e, "retrying");
                None
            }
            result => {
                self.finish();
                Some(result)
            }
        }
    }

    /// Marks the operation over.
    pub fn finish(&mut self) {
        self.state = State::Idle;
    }
}
