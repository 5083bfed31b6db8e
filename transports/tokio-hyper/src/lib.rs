//! # alibabacloud-credentials-tokio
//!
//! Alibaba Cloud credentials for async Rust on tokio. A [`Client`] is built from a [`Config`]
//! once and shared (clones share one cache and one driver task); [`Client::get`] returns the
//! current credential from a lock-free snapshot without awaiting anything while it is usable,
//! and the driver task refreshes session credentials in the background before they expire.
//!
//! ```no_run
//! use alibabacloud_credentials_tokio::{Client, Config, CredentialType};
//!
//! # async fn run() -> Result<(), alibabacloud_credentials_tokio::Error> {
//! let config = Config::builder()
//!     .credential_type(CredentialType::RamRoleArn)
//!     .role_arn("acs:ram::123456789012****:role/adminrole")
//!     .build(); // the AccessKey comes from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET
//! let client = Client::new(config)?;
//! let credential = client.get().await?;
//! println!("{}", credential.access_key_id());
//! # Ok(()) }
//! ```
//!
//! The driver task is spawned on the runtime of the first caller that has to wait (or of the
//! first `try_get` made inside a runtime), and ends when the last clone of the client is dropped.
//! Its clock follows tokio's (paused time in tests). If that runtime shuts down while clients
//! remain, the driver hands its state back, and the next caller that has to wait starts a new
//! driver on its own runtime (a fetch in flight is abandoned and made again).
//! This crate is a thin driver: every decision is made by [`alibabacloud_credentials_core`],
//! whose types it re-exports.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod driver;
mod http;

pub use alibabacloud_credentials_core::{
    Config, ConfigBuilder, ConfigError, Credential, CredentialType, Env, Error, RefreshPolicy, ServiceError,
    TransportError, TransportErrorKind,
};
pub use client::{Builder, Client, Get};

/// The sans-IO core, for custom sources and drivers.
pub use alibabacloud_credentials_core as core;
