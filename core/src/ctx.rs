//! [`Ctx`]: the state every source shares during a fetch: effect ids and the seeded PRNG.

use std::time::Duration;

use crate::effect::EffectId;

/// Shared per-client context, owned by the refresher and lent to sources during `poll`.
///
/// The PRNG is seeded by the driver (OS entropy in production, a fixed seed in tests), so nonces
/// and jitter are reproducible in tests and never correlated across a fleet.
pub struct Ctx {
    rng: fastrand::Rng,
    next_id: u64,
}

impl std::fmt::Debug for Ctx {
    /// The PRNG state is not shown: it would predict the next nonces.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("next_id", &self.next_id).finish_non_exhaustive()
    }
}

impl Ctx {
    /// A context seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Ctx { rng: fastrand::Rng::with_seed(seed), next_id: 1 }
    }

    /// A fresh effect id.
    pub fn next_id(&mut self) -> EffectId {
        let id = EffectId(self.next_id);
        self.next_id += 1;
        id
    }

    /// A random UUID-shaped nonce (version 4 layout) for `SignatureNonce`.
    pub fn nonce(&mut self) -> String {
        let a = self.rng.u64(..);
        let b = self.rng.u64(..);
        let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    /// A uniformly random duration in `[lo, hi]`.
    pub fn jitter(&mut self, lo: Duration, hi: Duration) -> Duration {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo).as_millis() as u64;
        lo + Duration::from_millis(self.rng.u64(0..=span))
    }

    /// A uniformly random fraction in `[0, 1)`.
    pub fn fraction(&mut self) -> f64 {
        self.rng.f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_uuid_shaped_and_reproducible() {
        let mut a = Ctx::new(7);
        let mut b = Ctx::new(7);
        let n = a.nonce();
        assert_eq!(n, b.nonce());
        assert_eq!(n.len(), 36);
        assert_eq!(&n[14..15], "4");
        assert_ne!(a.nonce(), n);
    }

    #[test]
    fn jitter_stays_in_range() {
        let mut c = Ctx::new(1);
        for _ in 0..1000 {
            let d = c.jitter(Duration::from_secs(1), Duration::from_secs(5));
            assert!(d >= Duration::from_secs(1) && d <= Duration::from_secs(5));
        }
    }
}
