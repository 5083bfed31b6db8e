//! # alibabacloud-credentials-core
//!
//! The sans-IO core of the Alibaba Cloud credentials library for Rust. It knows every
//! credential source, the STS wire format and signature, and the refresh policy, but it never
//! opens a socket or a file, never reads the environment or a clock, and never asks the OS for
//! randomness: the driver passes those in. That makes every behaviour, down to the byte of a
//! signed request and the millisecond of a refresh, testable without I/O.
//!
//! Most users want a transport crate instead: `alibabacloud-credentials-tokio` (async) or
//! `alibabacloud-credentials-blocking`. Both re-export these types.
//!
//! ## Two layers
//!
//! - **Sources** ([`Source`]): one state machine per credential type. A fetch emits
//!   [`Effect`]s (an HTTP request, a file read) and consumes their results ([`Input`]).
//! - **The refresher** ([`Refresher`]): owns the current credential and at most one fetch
//!   (single flight by construction), prefetches in the background in the advisory window,
//!   stops handing out a credential at its mandatory point, backs off after failures, and
//!   publishes a [`Snapshot`] that callers read lock-free from the [`Cache`].
//!
//! ## The driving loop
//!
//! Every input must be followed by draining [`Refresher::poll`] until it returns `Wait`:
//!
//! ```text
//! loop {
//!     let now = clock.now();                       // Now { mono, wall }, read once
//!     match refresher.poll(now) {
//!         RefreshPoll::Effect(e)  => { let r = perform(e); refresher.handle_input(r, clock.now()); }
//!         RefreshPoll::Published  => wake_waiting_callers(),
//!         RefreshPoll::Wait(t)    => sleep_until(t).or_until(a caller demands or invalidates),
//!     }
//! }
//! ```
//!
//! Callers never touch the refresher: they call [`Cache::lookup`] (one atomic load, one time
//! comparison) or [`Cache::peek`] (the same, borrowing the credential in place). Only when
//! nothing usable is cached do they [`Cache::request_refresh`], wake the driver and wait for the
//! next generation. A transport implements [`Spawn`] (how it starts its driver) and gets its
//! client builder from [`ClientBuilder`].
//!
//! ## Where configuration comes from
//!
//! [`Config`] (the official SDKs' fields) and an [`Env`] snapshot taken by the driver go through
//! [`source_from_config`]; a config with no `type` selects the [`default_chain`]. Profile files
//! are read through the file-read effect, never directly.
//!
//! ## Time and entropy
//!
//! [`Now`] carries a monotonic instant (all scheduling) and the wall clock (request timestamps,
//! interpreting `Expiration`). Expirations are converted once, on arrival, into monotonic
//! deadlines, measured against the response's `Date` header when present so a skewed local clock
//! cancels out. The PRNG behind nonces and jitter is seeded by the driver.
//!
//! ## Panics
//!
//! None on any input: bad configuration, files, environment and server answers all become
//! typed [`Error`]s. The few `expect`s guard internal invariants and say which.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod answer;
mod client;
pub mod config;
mod credential;
mod ctx;
mod effect;
pub mod endpoint;
mod env;
mod error;
pub mod refresh;
mod secret;
pub mod sign;
pub mod source;
pub mod sts;
pub mod time;
mod user_agent;

pub use client::{ClientBuilder, Spawn};
pub use config::{default_chain, source_from_config, Config, ConfigBuilder, CredentialType};
pub use credential::{Credential, CredentialBuilder};
pub use ctx::Ctx;
pub use effect::{Effect, EffectId, FileError, FileRead, HttpRequest, Input, ProxyPolicy};
pub use env::{vars, Env};
pub use error::{ConfigError, Error, ServiceError, TransportError, TransportErrorKind};
pub use refresh::{Cache, Lookup, RefreshPolicy, RefreshPoll, Refresher, Snapshot};
pub use secret::{mask_key_id, Secret};
pub use source::{Fetched, Source, SourcePoll};
pub use time::Now;
pub use user_agent::user_agent;
