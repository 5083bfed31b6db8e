//! The driver task that runs the core's refresher.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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
    /// The refresher while no driver task runs it: before the first caller that must wait, and
    /// after a driver's runtime shut down (the next waiting caller spawns a new one).
    pub pending: Mutex<Option<Refresher>>,
}

impl Shared {
    /// Spawns the driver on the current runtime if none is running. Call within a runtime.
    pub fn ensure_driver(self: &Arc<Self>) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(refresher) = pending.take() {
            tokio::spawn(run(refresher, self.clone()));
        }
    }
}

/// The time as the core wants it; follows tokio's clock, so paused-time tests work.
pub(crate) fn now() -> Now {
    Now::new(tokio::time::Instant::now().into_std(), SystemTime::now())
}

/// Hands the refresher back however the driver task ends: when its runtime shuts down while
/// clients remain, the next caller that has to wait spawns a new driver on its own runtime.
struct Parked {
    refresher: Option<Refresher>,
    shared: Arc<Shared>,
}

impl Drop for Parked {
    fn drop(&mut self) {
        if let Some(mut refresher) = self.refresher.take() {
            if !self.shared.closed.load(Ordering::Acquire) {
                refresher.abandon_fetch();
                *self.shared.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(refresher);
            }
        }
    }
}

/// Runs until every handle is dropped.
pub(crate) async fn run(refresher: Refresher, shared: Arc<Shared>) {
    let mut parked = Parked { refresher: Some(refresher), shared: shared.clone() };
    let refresher = parked.refresher.as_mut().expect("set just above");
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
