//! [`Client`]: the public handle.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use alibabacloud_credentials_core::{ClientBuilder, Config, Credential, Env, Error, Lookup, Refresher, Spawn};

use crate::driver::{self, Shared, Signal};

/// A credentials client: cheap to clone, `Send + Sync`; clones share one cache and one
/// background refresh thread, which stops when the last clone is dropped.
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
        self.shared.lock().closed = true;
        self.shared.driver_cv.notify_one();
    }
}

/// Builds a [`Client`] with non-default settings (environment, seed, refresh policy, a custom
/// source).
pub type Builder = ClientBuilder<Client>;

impl Spawn for Client {
    fn spawn(refresher: Refresher) -> Result<Client, Error> {
        let shared = Arc::new(Shared {
            cache: refresher.cache().clone(),
            signal: Mutex::new(Signal::default()),
            driver_cv: Condvar::new(),
            callers_cv: Condvar::new(),
        });
        let driver_shared = shared.clone();
        std::thread::Builder::new()
            .name("alibabacloud-credentials".into())
            .spawn(move || driver::run(refresher, driver_shared))
            .map_err(|_| Error::Stopped)?;
        Ok(Client { handle: Arc::new(Handle { shared }) })
    }

    fn process_env() -> Env {
        Env::from_os_vars(std::env::vars_os())
    }

    fn entropy() -> u64 {
        fastrand::u64(..)
    }
}

impl Client {
    /// A client for `config`, reading fallbacks from the process environment now.
    ///
    /// Fails with [`Error::Config`] naming the field when the configuration is unusable. No
    /// request is sent until the first [`get`](Client::get).
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

    /// The current credential. Served from the cache without a lock while it is usable (one
    /// atomic load and a clock read); blocks only when nothing usable is cached, for at most
    /// the fetch budget.
    pub fn get(&self) -> Result<Credential, Error> {
        match self.handle.shared.cache.lookup(Instant::now) {
            Lookup::Ready(c) => Ok(c),
            Lookup::Failed(e) => Err(e),
            Lookup::Wait { generation } => self.wait(generation),
        }
    }

    /// Calls `f` with the current credential, borrowed in place: the cheapest read (no
    /// reference-count update, so no shared memory is written and it scales flat across cores).
    /// Use it to sign a request; `f` should be short, as it holds the snapshot it reads. Waits
    /// like [`get`](Client::get) when nothing usable is cached.
    pub fn with_credential<R>(&self, f: impl FnOnce(&Credential) -> R) -> Result<R, Error> {
        match self.handle.shared.cache.peek(Instant::now, f) {
            Ok(r) => Ok(r),
            Err((_, Lookup::Failed(e))) => Err(e),
            Err((f, Lookup::Wait { generation })) => self.wait(generation).map(|c| f(&c)),
            Err((f, Lookup::Ready(c))) => Ok(f(&c)),
        }
    }

    /// The current credential if one is usable now, without ever blocking. When none is, a
    /// fetch is requested in the background, so a later call may find one.
    pub fn try_get(&self) -> Option<Credential> {
        match self.handle.shared.cache.lookup(Instant::now) {
            Lookup::Ready(c) => Some(c),
            Lookup::Failed(_) => None,
            Lookup::Wait { .. } => {
                self.handle.shared.cache.request_refresh();
                self.handle.shared.wake();
                None
            }
        }
    }

    /// Reports that a service rejected `credential`: unless it was already replaced, the next
    /// [`get`](Client::get) fetches a new one.
    pub fn invalidate(&self, credential: &Credential) {
        let shared = &self.handle.shared;
        shared.cache.request_invalidate(credential);
        shared.wake();
    }

    #[cold]
    fn wait(&self, mut seen: u64) -> Result<Credential, Error> {
        let shared = &self.handle.shared;
        let start = Instant::now();
        let deadline = start + shared.cache.max_wait();
        loop {
            shared.cache.request_refresh();
            shared.wake();
            {
                let mut s = shared.lock();
                while s.generation <= seen {
                    if s.closed {
                        return Err(Error::Stopped);
                    }
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Error::Timeout { waited_ms: start.elapsed().as_millis() as u64 });
                    }
                    s = shared.callers_cv.wait_timeout(s, left).unwrap_or_else(|p| p.into_inner()).0;
                }
            }
            match shared.cache.lookup(Instant::now) {
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
