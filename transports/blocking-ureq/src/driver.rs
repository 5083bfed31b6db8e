//! The background thread that runs the core's refresher.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use alibabacloud_credentials_core::{Cache, Effect, Input, Now, RefreshPoll, Refresher};

use crate::http::{read_file, Http};

/// What callers and the driver signal each other (cold path only).
#[derive(Debug, Default)]
pub(crate) struct Signal {
    /// A caller wants the driver to look at the cache's demand/invalidation flags.
    pub wake: bool,
    /// Every client handle is gone.
    pub closed: bool,
    /// The last generation the driver published.
    pub generation: u64,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub cache: Arc<Cache>,
    pub signal: Mutex<Signal>,
    /// The driver waits on this for callers.
    pub driver_cv: Condvar,
    /// Callers wait on this for a new generation.
    pub callers_cv: Condvar,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Signal> {
        self.signal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes the driver.
    pub fn wake(&self) {
        self.lock().wake = true;
        self.driver_cv.notify_one();
    }
}

pub(crate) fn now() -> Now {
    Now::new(Instant::now(), SystemTime::now())
}

/// Marks the driver gone however `run` ends (a panic included), so waiting callers get
/// `Error::Stopped` at once instead of waiting out their budget.
struct Gone(Arc<Shared>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.callers_cv.notify_all();
    }
}

/// Runs until every handle is dropped.
pub(crate) fn run(mut refresher: Refresher, shared: Arc<Shared>) {
    let _gone = Gone(shared.clone());
    let http = Http::new();
    loop {
        match refresher.poll(now()) {
            RefreshPoll::Effect(Effect::Http(req)) => {
                let id = req.id;
                let result = http.send(req);
                refresher.handle_input(Input::Http { id, result }, now());
            }
            RefreshPoll::Effect(Effect::ReadFile(f)) => {
                let result = read_file(&f);
                refresher.handle_input(Input::File { id: f.id, result }, now());
            }
            RefreshPoll::Published => {
                shared.lock().generation = shared.cache.generation();
                shared.callers_cv.notify_all();
            }
            RefreshPoll::Wait(until) => {
                let mut s = shared.lock();
                loop {
                    if s.closed {
                        return;
                    }
                    if std::mem::take(&mut s.wake) {
                        break;
                    }
                    match until {
                        None => s = shared.driver_cv.wait(s).unwrap_or_else(|p| p.into_inner()),
                        Some(t) => {
                            let left = t.saturating_duration_since(Instant::now());
                            if left.is_zero() {
                                break;
                            }
                            s = shared.driver_cv.wait_timeout(s, left).unwrap_or_else(|p| p.into_inner()).0;
                        }
                    }
                }
            }
        }
    }
}
