//! [`ScriptedSource`]: a source whose fetches return scripted answers, for refresh-policy tests.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alibabacloud_credentials_core::{
    Credential, Ctx, Effect, EffectId, Error, Fetched, HttpRequest, Input, Now, ProxyPolicy, Source, SourcePoll,
    TransportError, TransportErrorKind,
};

/// One scripted fetch result.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A session credential living this long from when the answer arrives.
    Lives(Duration),
    /// A credential that never expires.
    Static,
    /// This error.
    Fails(Error),
}

impl Answer {
    /// A retryable failure (a timeout).
    pub fn retryable() -> Answer {
        Answer::Fails(Error::Transport {
            provider: "scripted".into(),
            action: "Fetch",
            endpoint: "scripted".into(),
            source: TransportError::new(TransportErrorKind::Timeout, "scripted timeout"),
        })
    }

    /// A non-recoverable failure (a configuration error).
    pub fn non_recoverable() -> Answer {
        Answer::Fails(Error::Config(alibabacloud_credentials_core::ConfigError::Missing {
            field: "role_arn",
            credential_type: "ram_role_arn",
            env: None,
        }))
    }
}

#[derive(Debug, Default)]
struct Script {
    answers: VecDeque<(Answer, Duration)>,
}

/// A handle to add answers to a [`ScriptedSource`] after it was moved into a refresher, and to
/// count its fetches.
#[derive(Clone, Debug, Default)]
pub struct ScriptHandle {
    script: Arc<Mutex<Script>>,
    fetches: Arc<AtomicUsize>,
}

impl ScriptHandle {
    /// Queues an answer that arrives at once.
    pub fn push(&self, answer: Answer) {
        self.push_after(answer, Duration::ZERO);
    }

    /// Queues an answer that takes `latency` to arrive (the fetch is then an HTTP effect the
    /// [`drive`](crate::drive()) harness answers after that latency).
    pub fn push_after(&self, answer: Answer, latency: Duration) {
        self.script.lock().unwrap().answers.push_back((answer, latency));
    }

    /// How many fetches started.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Answers not yet consumed.
    pub fn remaining(&self) -> usize {
        self.script.lock().unwrap().answers.len()
    }
}

#[derive(Debug)]
enum State {
    Idle,
    Start,
    Waiting { id: EffectId, answer: Answer, deadline: Instant },
    Arrived(Answer),
}

/// A [`Source`] driven by a script. With latency, a fetch emits one HTTP effect (to
/// `http://scripted.invalid/`) and completes when its input arrives.
#[derive(Debug)]
pub struct ScriptedSource {
    handle: ScriptHandle,
    state: State,
    issued: u64,
}

impl ScriptedSource {
    /// A new source and its handle.
    pub fn new() -> (ScriptedSource, ScriptHandle) {
        let handle = ScriptHandle::default();
        (ScriptedSource { handle: handle.clone(), state: State::Idle, issued: 0 }, handle)
    }

    fn finish(&mut self, answer: Answer, now: Now) -> SourcePoll {
        self.state = State::Idle;
        SourcePoll::Done(match answer {
            Answer::Fails(e) => Err(e),
            Answer::Static => Ok(Fetched { credential: self.credential(None), expires_at: None }),
            Answer::Lives(d) => {
                Ok(Fetched { credential: self.credential(Some(now.wall + d)), expires_at: Some(now.mono + d) })
            }
        })
    }

    fn credential(&mut self, expiration: Option<std::time::SystemTime>) -> Credential {
        self.issued += 1;
        let mut b = Credential::builder()
            .access_key_id(format!("STS.ScriptedKey{:06}", self.issued))
            .access_key_secret(format!("scripted-secret-{}", self.issued))
            .provider_name("scripted")
            .credential_type("scripted");
        if let Some(e) = expiration {
            b = b.security_token(format!("scripted-token-{}", self.issued)).expiration(e);
        }
        b.build()
    }
}

impl Source for ScriptedSource {
    fn provider_name(&self) -> &str {
        "scripted"
    }

    fn start(&mut self, _now: Now) {
        self.handle.fetches.fetch_add(1, Ordering::SeqCst);
        self.state = State::Start;
    }

    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Idle => SourcePoll::Idle,
            State::Start => {
                let next = self.handle.script.lock().unwrap().answers.pop_front();
                let (answer, latency) = next.unwrap_or((Answer::retryable(), Duration::ZERO));
                if latency.is_zero() {
                    return self.finish(answer, now);
                }
                let id = ctx.next_id();
                let deadline = now.mono + latency;
                self.state = State::Waiting { id, answer, deadline };
                let request = http::Request::get("http://scripted.invalid/").body(Vec::new()).expect("static request");
                SourcePoll::Effect(Effect::Http(HttpRequest {
                    id,
                    request,
                    connect_timeout: latency,
                    read_timeout: latency,
                    max_body: 0,
                    proxy: ProxyPolicy::Never,
                }))
            }
            // The scripted latency is when the answer arrives, whether or not the harness
            // delivered the effect's input.
            State::Waiting { answer, deadline, .. } if now.mono >= deadline => self.finish(answer, now),
            State::Waiting { id, answer, deadline } => {
                self.state = State::Waiting { id, answer, deadline };
                SourcePoll::Wait(deadline)
            }
            State::Arrived(answer) => self.finish(answer, now),
        }
    }

    fn handle(&mut self, input: Input, _now: Now) {
        if let State::Waiting { id, .. } = &self.state {
            if *id == input.id() {
                if let State::Waiting { answer, .. } = std::mem::replace(&mut self.state, State::Idle) {
                    self.state = State::Arrived(answer);
                }
            }
        }
    }

    fn cancel(&mut self) {
        self.state = State::Idle;
    }

    fn max_fetch_time(&self) -> Duration {
        Duration::from_secs(30)
    }
}

/// Latency the [`World`](crate::World) of scripted sources reports for `http://scripted.invalid/`.
pub(crate) fn scripted_latency(req: &HttpRequest) -> Option<Duration> {
    (req.request.uri().host() == Some("scripted.invalid")).then_some(req.read_timeout)
}
