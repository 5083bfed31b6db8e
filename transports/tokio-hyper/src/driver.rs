//! The driver task that runs the core's refresher.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use alibabacloud_credentials_core::{Cache, Effect, Input, Now, RefreshPoll, Refresher};
use tokio::sync::{watch, Notify};

use crate::http::{read_file, Http};

/// What callers and the driver share besides the cache (cold path only).
#[derive(Debug)]
pub(crate) struct Shared {
    pub cache: Arc<Cache>,
    /// Wakes the driver (a caller demands, invalidates, or the last handle went away).
    pub wake: Notify,
    /// The generation last published; callers wait on it.
    pub generation: watch::Sender<u64>,
    /// Every client handle is gone.
    pub closed: AtomicBool,
    /// The driver task ended (its runtime shut down).
    pub gone: AtomicBool,
}

/// The time as the core wants it; follows tokio's clock, so paused-time tests work.
pub(crate) fn now() -> Now {
    Now::new(tokio::time::Instant::now().into_std(), SystemTime::now())
}

/// Marks the driver gone however its task ends (including runtime shutdown).
struct Gone(Arc<Shared>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.gone.store(true, Ordering::Release);
        self.0.generation.send_modify(|g| *g = u64::MAX);
    }
}

/// Runs until every handle is dropped.
pub(crate) async fn run(mut refresher: Refresher, shared: Arc<Shared>) {
    let _gone = Gone(shared.clone());
    let mut http = Http::new();
    loop {
        if shared.closed.load(Ordering::Acquire) {
            return;
        }
        match refresher.poll(now()) {
            RefreshPoll::Effect(Effect::Http(req)) => {
                let id = req.id;
                let result = http.send(req).await;
                refresher.handle_input(Input::Http { id, result }, now());
            }
            RefreshPoll::Effect(Effect::ReadFile(f)) => {
                let result = read_file(&f).await;
                refresher.handle_input(Input::File { id: f.id, result }, now());
            }
            RefreshPoll::Published => {
                shared.generation.send_replace(shared.cache.generation());
            }
            RefreshPoll::Wait(Some(t)) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(t.into()) => {}
                    _ = shared.wake.notified() => {}
                }
            }
            RefreshPoll::Wait(None) => shared.wake.notified().await,
        }
    }
}
