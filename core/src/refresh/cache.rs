//! The read side: a lock-free snapshot of the current credential that every caller reads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::error::Error;
use crate::Credential;

/// What callers see; replaced as a whole by the refresher (never mutated in place).
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The credential to hand out, if any.
    pub credential: Option<Credential>,
    /// Hand it out only before this instant; `None` means forever (static credentials).
    pub usable_until: Option<Instant>,
    /// The last refresh error (kept while the credential is still served, for status).
    pub error: Option<Error>,
    /// Callers with nothing usable get `error` without a new fetch until this instant.
    pub error_until: Option<Instant>,
    /// Bumped on every publish; waiters wait for it to change.
    pub generation: u64,
}

/// The outcome of a [`Cache::lookup`].
#[derive(Debug)]
pub enum Lookup {
    /// A usable credential.
    Ready(Credential),
    /// The last fetch failed and nothing usable is left; retry after a while.
    Failed(Error),
    /// Nothing usable yet: call [`Cache::request_refresh`], wake the driver, and wait until
    /// the generation is past this one.
    Wait {
        /// The generation seen.
        generation: u64,
    },
}

/// Shared between the handles (readers) and the refresher (the only writer).
#[derive(Debug)]
pub struct Cache {
    snapshot: ArcSwap<Snapshot>,
    // Written by callers only when they must wait; read by the driver. Kept apart from the
    // snapshot pointer so the hot path reads a line nobody writes.
    demand: crossbeam_padding::Padded<AtomicBool>,
    invalidated: Mutex<Option<Credential>>,
    max_wait: Duration,
}

mod crossbeam_padding {
    /// Aligns a value to its own cache line.
    #[derive(Debug, Default)]
    #[repr(align(128))]
    pub struct Padded<T>(pub T);
}

impl Cache {
    /// An empty cache; callers wait at most `max_wait` for a fetch.
    pub fn new(max_wait: Duration) -> Self {
        Cache {
            snapshot: ArcSwap::from_pointee(Snapshot::default()),
            demand: crossbeam_padding::Padded(AtomicBool::new(false)),
            invalidated: Mutex::new(None),
            max_wait,
        }
    }

    /// The hot path: one atomic load and at most one call of `now` (none for credentials that
    /// never expire). No lock, no allocation.
    #[inline]
    pub fn lookup(&self, now: impl FnOnce() -> Instant) -> Lookup {
        let snap = self.snapshot.load();
        if let Some(c) = &snap.credential {
            let Some(until) = snap.usable_until else {
                return Lookup::Ready(c.clone());
            };
            let n = now();
            if n < until {
                return Lookup::Ready(c.clone());
            }
            return self.slow_path(&snap, n);
        }
        self.slow_path(&snap, now())
    }

    /// The hot path without the reference-count update: calls `f` with the credential in place
    /// while the snapshot is held. Readers then write no shared memory at all, so this scales
    /// flat across cores. When nothing usable is cached, `f` is handed back with the lookup.
    #[inline]
    pub fn peek<R, F: FnOnce(&Credential) -> R>(&self, now: impl FnOnce() -> Instant, f: F) -> Result<R, (F, Lookup)> {
        let snap = self.snapshot.load();
        if let Some(c) = &snap.credential {
            let Some(until) = snap.usable_until else {
                return Ok(f(c));
            };
            let n = now();
            if n < until {
                return Ok(f(c));
            }
            return Err((f, self.slow_path(&snap, n)));
        }
        Err((f, self.slow_path(&snap, now())))
    }

    #[cold]
    fn slow_path(&self, snap: &Snapshot, now: Instant) -> Lookup {
        match (&snap.error, snap.error_until) {
            (Some(e), Some(until)) if now < until => Lookup::Failed(e.clone()),
            _ => Lookup::Wait { generation: snap.generation },
        }
    }

    /// The current snapshot (for status displays and waiting).
    pub fn snapshot(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.snapshot.load()
    }

    /// The generation currently published.
    pub fn generation(&self) -> u64 {
        self.snapshot.load().generation
    }

    /// How long a caller should wait for one fetch before giving up.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// Asks the refresher for a fetch (a caller has nothing usable). Wake the driver after.
    pub fn request_refresh(&self) {
        if !self.demand.0.load(Ordering::Relaxed) {
            self.demand.0.store(true, Ordering::Release);
        }
    }

    /// Reports that a service rejected `credential`. Wake the driver after.
    ///
    /// Takes effect at once: if the snapshot still holds that credential, it is withdrawn, so the
    /// very next lookup waits for a new one instead of returning the rejected one. A newer
    /// credential the driver publishes at the same moment is kept (compare-and-swap).
    pub fn request_invalidate(&self, credential: &Credential) {
        *self.invalidated.lock().unwrap_or_else(|p| p.into_inner()) = Some(credential.clone());
        self.snapshot.rcu(|snap| match &snap.credential {
            Some(c) if c.access_key_id() == credential.access_key_id() => {
                Arc::new(Snapshot { generation: snap.generation, ..Snapshot::default() })
            }
            _ => Arc::clone(snap),
        });
    }

    pub(crate) fn take_demand(&self) -> bool {
        self.demand.0.load(Ordering::Relaxed) && self.demand.0.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn take_invalidated(&self) -> Option<Credential> {
        self.invalidated.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub(crate) fn publish(&self, snapshot: Snapshot) {
        self.snapshot.store(Arc::new(snapshot));
    }
}
