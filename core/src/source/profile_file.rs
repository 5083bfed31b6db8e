//! Sources configured by a file: the aliyun CLI's `config.json` and the ini credentials file.
//! The file is read through the driver (a file-read effect), parsed by the core, and the
//! selected profile's source is built once and then used for every later fetch.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::ctx::Ctx;
use crate::effect::{Effect, EffectId, FileError, FileRead, Input};
use crate::env::Env;
use crate::error::Error;
use crate::source::{Fetched, Source, SourcePoll};
use crate::time::Now;

/// Profile files larger than this are refused.
const MAX_PROFILE_FILE: usize = 1 << 20;
/// How long the driver may take to read the file.
const READ_DEADLINE: Duration = Duration::from_secs(30);

/// Builds the selected profile's source from the file's bytes.
pub type ProfileParser = fn(&[u8], &Path, &Env) -> Result<Box<dyn Source>, Error>;

enum State {
    Idle,
    Read { index: usize, pending: Option<(EffectId, Instant)> },
    Inner,
    Finished(Result<Fetched, Error>),
}

/// A source whose configuration lives in a file (see the module docs).
pub struct ProfileFileSource {
    provider: &'static str,
    candidates: Vec<PathBuf>,
    parser: ProfileParser,
    env: Env,
    inner: Option<Box<dyn Source>>,
    state: State,
    name: String,
}

impl fmt::Debug for ProfileFileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileFileSource")
            .field("provider", &self.name)
            .field("candidates", &self.candidates)
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl ProfileFileSource {
    /// A source named `provider` that reads the first of `candidates` that exists.
    pub fn new(provider: &'static str, candidates: Vec<PathBuf>, parser: ProfileParser, env: Env) -> Self {
        ProfileFileSource {
            provider,
            candidates,
            parser,
            env,
            inner: None,
            state: State::Idle,
            name: provider.to_owned(),
        }
    }

    fn on_file(&mut self, index: usize, result: Result<Vec<u8>, FileError>, now: Now) {
        let path = &self.candidates[index];
        self.state = match result {
            Ok(bytes) => match (self.parser)(&bytes, path, &self.env) {
                Ok(mut inner) => {
                    self.name = format!("{}/{}", self.provider, inner.provider_name());
                    inner.start(now);
                    self.inner = Some(inner);
                    State::Inner
                }
                Err(e) => State::Finished(Err(e)),
            },
            Err(FileError::NotFound) if index + 1 < self.candidates.len() => {
                State::Read { index: index + 1, pending: None }
            }
            Err(FileError::NotFound) => State::Finished(Err(Error::NotConfigured {
                provider: self.provider.to_owned(),
                reason: format!(
                    "no file at {}",
                    self.candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" or ")
                ),
            })),
            Err(e) => State::Finished(Err(Error::File {
                provider: self.provider.to_owned(),
                path: path.clone(),
                reason: e.to_string(),
            })),
        };
    }
}

impl Source for ProfileFileSource {
    fn provider_name(&self) -> &str {
        &self.name
    }

    fn start(&mut self, now: Now) {
        match &mut self.inner {
            Some(inner) => {
                inner.start(now);
                self.state = State::Inner;
            }
            None => self.state = State::Read { index: 0, pending: None },
        }
    }

    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll {
        match &mut self.state {
            State::Idle => SourcePoll::Idle,
            State::Read { index, pending: None } => {
                let id = ctx.next_id();
                let path = self.candidates[*index].clone();
                self.state = State::Read { index: *index, pending: Some((id, now.mono + READ_DEADLINE)) };
                SourcePoll::Effect(Effect::ReadFile(FileRead { id, path, max_len: MAX_PROFILE_FILE }))
            }
            State::Read { index, pending: Some((_, deadline)) } => {
                if now.mono < *deadline {
                    return SourcePoll::Wait(*deadline);
                }
                let path = self.candidates[*index].clone();
                self.state = State::Idle;
                SourcePoll::Done(Err(Error::File {
                    provider: self.provider.to_owned(),
                    path,
                    reason: "the read did not complete in time".into(),
                }))
            }
            State::Inner => {
                let inner = self.inner.as_mut().expect("the Inner state has an inner source");
                match inner.poll(now, ctx) {
                    SourcePoll::Done(Ok(f)) => {
                        self.state = State::Idle;
                        let name = format!("{}/{}", self.provider, f.credential.provider_name());
                        let credential_type = f.credential.credential_type().to_owned();
                        let credential = f.credential.relabel(name, credential_type);
                        SourcePoll::Done(Ok(Fetched { credential, expires_at: f.expires_at }))
                    }
                    SourcePoll::Done(Err(e)) => {
                        self.state = State::Idle;
                        SourcePoll::Done(Err(e))
                    }
                    other => other,
                }
            }
            State::Finished(_) => match std::mem::replace(&mut self.state, State::Idle) {
                State::Finished(result) => SourcePoll::Done(result),
                _ => unreachable!("matched Finished just above"),
            },
        }
    }

    fn handle(&mut self, input: Input, now: Now) {
        match &mut self.state {
            State::Read { index, pending: Some((id, _)) } => {
                if let Input::File { id: got, result } = input {
                    if got == *id {
                        let index = *index;
                        self.on_file(index, result, now);
                    }
                }
            }
            State::Inner => {
                if let Some(inner) = &mut self.inner {
                    inner.handle(input, now);
                }
            }
            _ => {}
        }
    }

    fn cancel(&mut self) {
        if let (State::Inner, Some(inner)) = (&self.state, &mut self.inner) {
            inner.cancel();
        }
        self.state = State::Idle;
    }

    fn max_fetch_time(&self) -> Duration {
        // Before the file is read the inner source is unknown: allow for the slowest kind
        // (a chained role: two STS calls with retries).
        let inner = self.inner.as_ref().map_or(Duration::from_secs(90), |i| i.max_fetch_time());
        READ_DEADLINE.min(Duration::from_secs(5)) + inner
    }
}
