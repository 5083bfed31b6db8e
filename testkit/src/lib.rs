//! # alibabacloud-credentials-testkit
//!
//! Deterministic test tools for the Alibaba Cloud credentials library:
//!
//! - [`FakeClock`]: a monotonic and wall clock that only moves when told.
//! - [`StsServer`]: a scripted, sans-IO STS (request in, response out) that verifies every
//!   signature by the published rule, records requests, and injects faults.
//! - [`drive()`]: runs a [`Refresher`](alibabacloud_credentials_core::Refresher) against a
//!   [`World`] on the fake clock, like quinn-proto's test `Pair`.
//! - [`Emulator`]: the same STS served over real sockets on 127.0.0.1, for transport tests and
//!   the demo.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod clock;
pub mod conformance;
pub mod drive;
mod emulator;
mod files;
mod form;
mod imds;
mod proxy;
mod scripted;
pub mod sts;
pub mod uri;
mod world;

pub use clock::FakeClock;
pub use drive::{drive, ScriptedWorld, World};
pub use emulator::{Emulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ECS_ROLE, DEMO_ROLE_ARN};
pub use files::FileWorld;
pub use imds::{ImdsFault, ImdsRequest, ImdsRequestKind, ImdsServer};
pub use proxy::Proxy;
pub use scripted::{Answer, ScriptHandle, ScriptedSource};
pub use sts::{Fault, RecordedRequest, StsServer};
pub use uri::{UriFault, UriServer};
pub use world::{ChainWorld, IMDS_HOST};
