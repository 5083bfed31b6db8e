//! When to refresh: the advisory and mandatory windows, and back-off after failures.

use std::time::{Duration, Instant};

use crate::ctx::Ctx;

/// The numbers of the refresh policy. The defaults are what the crate documents; tests and
/// unusual deployments may change them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// A credential is no longer handed out this long before it expires (scaled down to a
    /// quarter of the lifetime for short-lived credentials). Default 180 s, as the official SDKs.
    pub mandatory_margin: Duration,
    /// A fetched credential with less than this left counts as a failed refresh. Default 10 s.
    pub min_remaining: Duration,
    /// First back-off after a failed refresh; doubled per consecutive failure. Default 1 s.
    pub backoff_base: Duration,
    /// Longest back-off between background refresh attempts. Default 60 s.
    pub backoff_cap: Duration,
    /// Longest time an error is handed to callers that have nothing usable before a new fetch
    /// is tried. Default 5 s.
    pub error_hold_cap: Duration,
    /// A non-recoverable error is held for a random time in this range, so a hot retry loop
    /// cannot hammer the service. Default 1 to 5 s.
    pub non_recoverable_hold: (Duration, Duration),
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            mandatory_margin: Duration::from_secs(180),
            min_remaining: Duration::from_secs(10),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
            error_hold_cap: Duration::from_secs(5),
            non_recoverable_hold: (Duration::from_secs(1), Duration::from_secs(5)),
        }
    }
}

/// The moments that govern one credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    /// From here a background refresh runs; callers keep the current credential.
    pub advisory_at: Instant,
    /// From here the credential is not handed out; callers wait for a refresh.
    pub usable_until: Instant,
    /// The credential's expiry.
    pub expires_at: Instant,
}

/// How long before expiry the advisory window opens, by lifetime (the cross-SDK refresh
/// tiers): up to 20 min → 5 min, up to 90 min → 15 min, longer → 60 min.
fn advisory_tier(lifetime: Duration) -> Duration {
    const MIN: u64 = 60;
    if lifetime <= Duration::from_secs(20 * MIN) {
        Duration::from_secs(5 * MIN)
    } else if lifetime <= Duration::from_secs(90 * MIN) {
        Duration::from_secs(15 * MIN)
    } else {
        Duration::from_secs(60 * MIN)
    }
}

impl RefreshPolicy {
    /// The windows of a credential fetched at `fetched_at` that expires at `expires_at`.
    ///
    /// Both margins shrink for short lifetimes (advisory to half, mandatory to a quarter of the
    /// lifetime), so a 60 s credential is served for 45 s and refreshed in the background after
    /// 30 s or a little earlier; a refresh can never be due the moment a credential arrives.
    /// The advisory point gets up to 20 % extra lead, drawn from the PRNG, so a fleet does not
    /// refresh in lockstep.
    pub fn windows(&self, fetched_at: Instant, expires_at: Instant, ctx: &mut Ctx) -> Windows {
        let lifetime = expires_at.saturating_duration_since(fetched_at);
        let mandatory = self.mandatory_margin.min(lifetime / 4);
        let advisory = advisory_tier(lifetime).min(lifetime / 2).max(mandatory);
        let lead = advisory + advisory.mul_f64(ctx.fraction() * 0.2);
        Windows {
            advisory_at: expires_at.checked_sub(lead).unwrap_or(fetched_at).max(fetched_at),
            usable_until: expires_at.checked_sub(mandatory).unwrap_or(fetched_at),
            expires_at,
        }
    }

    /// The back-off after `failures` consecutive failures: `base · 2^(failures-1)`, capped,
    /// then scaled by a random factor in [0.5, 1].
    pub fn backoff(&self, failures: u32, ctx: &mut Ctx) -> Duration {
        let exp = failures.saturating_sub(1).min(20);
        let full = self.backoff_base.saturating_mul(1u32 << exp).min(self.backoff_cap);
        ctx.jitter(full / 2, full)
    }
}
