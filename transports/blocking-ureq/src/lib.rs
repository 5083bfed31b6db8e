//! # alibabacloud-credentials-blocking
//!
//! Alibaba Cloud credentials for synchronous Rust programs. A [`Client`] is built from a
//! [`Config`] once and shared (clones share one cache and one background thread); [`Client::get`]
//! returns the current credential from a lock-free snapshot, and the background thread refreshes
//! session credentials before they expire.
//!
//! ```no_run
//! use alibabacloud_credentials_blocking::{Client, Config, CredentialType};
//!
//! let config = Config::builder()
//!     .credential_type(CredentialType::RamRoleArn)
//!     .role_arn("acs:ram::123456789012****:role/adminrole")
//!     .build(); // the AccessKey comes from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET
//! let client = Client::new(config)?;
//! let credential = client.get()?;
//! println!("{}", credential.access_key_id());
//! # Ok::<(), alibabacloud_credentials_blocking::Error>(())
//! ```
//!
//! This crate is a thin driver: every decision (what to send, when to refresh, how to parse)
//! is made by [`alibabacloud_credentials_core`], whose types it re-exports.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod driver;
mod http;

pub use alibabacloud_credentials_core::{
    Config, ConfigBuilder, ConfigError, Credential, CredentialType, Env, Error, RefreshPolicy, ServiceError,
    TransportError, TransportErrorKind,
};
pub use client::{Builder, Client};

/// The sans-IO core, for custom sources and drivers.
pub use alibabacloud_credentials_core as core;
