//! Sources: one fetch state machine per credential type.
//!
//! A [`Source`] is configured once and then asked for a credential many times. Each fetch goes:
//!
//! ```text
//!   start(now) ──► poll(now, ctx) ──► Effect(..) ──► driver ──► handle(input, now) ──┐
//!                      ▲   │                                                         │
//!                      │   └─► Wait(t): poll again at t (or after an input)          │
//!                      └─────────────────────────────────────────────────────────────┘
//!                          Done(result): the fetch is over; the source is idle again
//! ```
//!
//! Sources keep what should outlive one fetch (a discovered role name, a metadata token, the
//! chain's winner) between fetches.

mod call;
mod chain;
mod credentials_uri;
mod ecs_ram_role;
mod env;
mod oidc_role_arn;
mod profile_file;
mod ram_role_arn;
mod static_creds;

use std::fmt;
use std::time::Instant;

use crate::ctx::Ctx;
use crate::effect::{Effect, Input};
use crate::error::Error;
use crate::time::Now;
use crate::Credential;

pub use call::CallSettings;
pub(crate) use call::{Call, CallPoll};
pub use chain::ChainSource;
pub use credentials_uri::CredentialsUriSource;
pub use ecs_ram_role::{EcsRamRoleParams, EcsRamRoleSource};
pub use env::env_source;
pub use oidc_role_arn::{OidcParams, OidcRoleArnSource};
pub use profile_file::{ProfileFileSource, ProfileParser};
pub use ram_role_arn::{AssumeRoleParams, RamRoleArnSource};
pub use static_creds::StaticSource;

/// A credential and when it stops being valid on the monotonic clock.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The credential.
    pub credential: Credential,
    /// Its expiry as a monotonic deadline (skew-corrected); `None` for credentials that never
    /// expire.
    pub expires_at: Option<Instant>,
}

/// What a source wants next.
#[derive(Debug)]
#[must_use]
// Moved a few times per fetch; boxing the request buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum SourcePoll {
    /// Perform this effect and feed its result to [`Source::handle`].
    Effect(Effect),
    /// Nothing to do until this instant (or until an input arrives).
    Wait(Instant),
    /// The fetch is over.
    Done(Result<Fetched, Error>),
    /// No fetch is in progress.
    Idle,
}

/// A credential source as a sans-IO state machine.
///
/// Contract, in the style of quinn-proto:
/// - [`start`](Source::start): call when idle, to begin a fetch.
/// - [`poll`](Source::poll): call after `start`, after every `handle`, and when a `Wait`
///   deadline has passed. Calling it early is harmless: it returns the same `Wait`.
/// - [`handle`](Source::handle): call with the result of every effect `poll` returned. Results
///   with an unknown id (from an abandoned fetch) are ignored.
///
/// Implementations' `Debug` MUST NOT print secrets, signed strings or response bodies.
pub trait Source: Send + fmt::Debug {
    /// The provider name credentials carry (`static_ak`, `ram_role_arn/static_sts`, ...).
    fn provider_name(&self) -> &str;

    /// Begins a fetch; any fetch in progress is abandoned.
    fn start(&mut self, now: Now);

    /// Advances the fetch.
    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll;

    /// Feeds the result of an effect.
    fn handle(&mut self, input: Input, now: Now);

    /// Abandons the fetch in progress, if any (late results will be ignored).
    fn cancel(&mut self);

    /// The longest a fetch can take with every retry and timeout, so callers can bound how
    /// long they wait for one.
    fn max_fetch_time(&self) -> std::time::Duration;
}
