//! Layer 2: caching and refresh policy, still sans-IO.

pub mod cache;
pub mod machine;
pub mod policy;

pub use cache::{Cache, Lookup, Snapshot};
pub use machine::{RefreshPoll, Refresher};
pub use policy::{RefreshPolicy, Windows};
