//! [`Client`]: the public handle.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use alibabacloud_credentials_core::{ClientBuilder, Config, Credential, Env, Error, Lookup, Refresher, Spawn};
use tokio::sync::{watch, Notify};

use crate::driver::Shared;

/// A credentials client: cheap to clone, `Send + Sync`; clones share one cache and one driver
/// task, which ends when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct Client {
    handle: Arc<Handle>,
}

#[derive(Debug)]
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.wake.notify_one();
    }
}

/// The future of [`Client::get`]: complete at the first poll when a credential is cached (the
/// waiting path is boxed and only allocated when needed, so this stays small to move).
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a> {
    state: GetState<'a>,
}

enum GetState<'a> {
    Done(Option<Result<Credential, Error>>),
    Waiting(Pin<Box<dyn Future<Output = Result<Credential, Error>> + Send + 'a>>),
}

impl Future for Get<'_> {
    type Output = Result<Credential, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            GetState::Done(result) => Poll::Ready(result.take().expect("`Get` polled after it completed")),
            GetState::Waiting(wait) => wait.as_mut().poll(cx),
        }
    }
}

impl std::fmt::Debug for Get<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            GetState::Done(_) => "ready",
            GetState::Waiting(_) => "waiting",
        };
        f.debug_struct("Get").field("state", &state).finish()
    }
}

/// Builds a [`Client`] with non-default settings (environment, seed, refresh policy, a custom
/// source).
pub type Builder = ClientBuilder<Client>;

impl Spawn for Client {
    /// Defers the driver task to the first caller that must wait, so a client can be built
    /// outside a runtime.
    fn spawn(refresher: Refresher) -> Result<Client, Error> {
        let shared = Arc::new(Shared {
            cache: refresher.cache().clone(),
            wake: Notify::new(),
            generation: watch::Sender::new(0),
            closed: AtomicBool::new(false),
            pending: Mutex::new(Some(refresher)),
        });
        Ok(Client { handle: Arc::new(Handle { shared }) })
    }

    fn process_env() -> Env {
        Env::from_os_vars(std::env::vars_os())
    }

    fn entropy() -> u64 {
        fastrand::u64(..)
    }
}

fn mono_now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

impl Client {
    /// A client for `config`, reading fallbacks from the process environment now.
    ///
    /// Fails with [`Error::Config`] naming the field when the configuration is unusable. No
    /// request is sent and no task is spawned until the first [`get`](Client::get).
    pub fn new(config: Config) -> Result<Client, Error> {
        Builder::default().build(config)
    }

    /// A client over the default credential chain: environment, OIDC from the environment, the
    /// aliyun CLI profile, the ini profile, the ECS instance RAM role, the credentials URI (see
    /// [`default_chain`](alibabacloud_credentials_core::default_chain)). The environment is read
    /// now; files and services when credentials are first needed.
    pub fn default_chain() -> Result<Client, Error> {
        Client::new(Config::default())
    }

    /// A builder for non-default settings.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The current credential. While one is usable this completes at the first poll: one
    /// atomic load and a clock read, no lock, no allocation. Only when nothing usable is
    /// cached does it wait for the driver, for at most the fetch budget.
    #[inline]
    pub fn get(&self) -> Get<'_> {
        let state = match self.handle.shared.cache.lookup(mono_now) {
            Lookup::Ready(c) => GetState::Done(Some(Ok(c))),
            Lookup::Failed(e) => GetState::Done(Some(Err(e))),
            Lookup::Wait { generation } => GetState::Waiting(Box::pin(self.wait(generation))),
        };
        Get { state }
    }

    /// Calls `f` with the current credential, borrowed in place: the cheapest read (no
    /// reference-count update, so no shared memory is written and it scales flat across cores).
    /// Use it to sign a request; `f` should be short. Waits like [`get`](Client::get) when nothing
    /// usable is cached.
    pub async fn with_credential<R>(&self, f: impl FnOnce(&Credential) -> R) -> Result<R, Error> {
        match self.handle.shared.cache.peek(mono_now, f) {
            Ok(r) => Ok(r),
            Err((_, Lookup::Failed(e))) => Err(e),
            Err((f, Lookup::Wait { generation })) => self.wait(generation).await.map(|c| f(&c)),
            Err((f, Lookup::Ready(c))) => Ok(f(&c)),
        }
    }

    /// The current credential if one is usable now, without waiting. When none is, a fetch is
    /// requested in the background (if called within a tokio runtime, which the driver task
    /// needs), so a later call may find one.
    pub fn try_get(&self) -> Option<Credential> {
        match self.handle.shared.cache.lookup(mono_now) {
            Lookup::Ready(c) => Some(c),
            Lookup::Failed(_) => None,
            Lookup::Wait { .. } => {
                if tokio::runtime::Handle::try_current().is_ok() {
                    self.ensure_driver();
                }
                self.handle.shared.cache.request_refresh();
                self.handle.shared.wake.notify_one();
                None
            }
        }
    }

    /// Reports that a service rejected `credential`: unless it was already replaced, the next
    /// [`get`](Client::get) fetches a new one.
    pub fn invalidate(&self, credential: &Credential) {
        let shared = &self.handle.shared;
        shared.cache.request_invalidate(credential);
        shared.wake.notify_one();
    }

    /// Spawns the driver on the current runtime if it is not running.
    fn ensure_driver(&self) {
        self.handle.shared.ensure_driver();
    }

    #[cold]
    async fn wait(&self, mut seen: u64) -> Result<Credential, Error> {
        /// How often a waiting caller checks that a driver is running (its runtime may have shut
        /// down, leaving the refresher parked for the next caller to respawn).
        const CHECK: std::time::Duration = std::time::Duration::from_secs(1);
        let shared = &self.handle.shared;
        let start = tokio::time::Instant::now();
        let deadline = start + shared.cache.max_wait();
        let mut rx = shared.generation.subscribe();
        loop {
            self.ensure_driver();
            shared.cache.request_refresh();
            shared.wake.notify_one();
            let until = deadline.min(tokio::time::Instant::now() + CHECK);
            match tokio::time::timeout_at(until, rx.wait_for(|g| *g > seen)).await {
                Ok(Ok(_)) => {}
                Ok(Err(_)) => return Err(Error::Stopped),
                Err(_) if until < deadline => continue,
                Err(_) => return Err(Error::Timeout { waited_ms: start.elapsed().as_millis() as u64 }),
            }
            match shared.cache.lookup(mono_now) {
                Lookup::Ready(c) => return Ok(c),
                Lookup::Failed(e) => return Err(e),
                Lookup::Wait { generation } => seen = generation,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<super::Client>();
    }
}
