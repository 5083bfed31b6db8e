//! [`ClientBuilder`]: what every transport's client needs to start, in one place, so the
//! transports only add how they drive the refresher.

use std::marker::PhantomData;

use crate::config::{source_from_config, Config};
use crate::env::Env;
use crate::error::Error;
use crate::refresh::{RefreshPolicy, Refresher};
use crate::source::Source;

/// A transport's client, started from a ready [`Refresher`].
pub trait Spawn: Sized {
    /// Starts driving `refresher` (a thread, a task) and returns the client handle.
    fn spawn(refresher: Refresher) -> Result<Self, Error>;

    /// The process environment, read when a client is built without [`ClientBuilder::env`].
    fn process_env() -> Env;

    /// A seed from OS entropy, used without [`ClientBuilder::seed`].
    fn entropy() -> u64;
}

/// Builds a client of type `C` with non-default settings (tests, custom sources).
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder<C> {
    env: Option<Env>,
    seed: Option<u64>,
    policy: Option<RefreshPolicy>,
    client: PhantomData<fn() -> C>,
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder { env: None, seed: None, policy: None, client: PhantomData }
    }
}

impl<C: Spawn> ClientBuilder<C> {
    /// Uses this environment instead of the process's.
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Seeds nonces and jitter (reproducible requests in tests).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Uses another refresh policy.
    pub fn policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Builds a client for `config` (see [`source_from_config`]); credentials are labelled with
    /// the configured type, or `default` for the default chain.
    pub fn build(mut self, config: Config) -> Result<C, Error> {
        let env = self.env.take().unwrap_or_else(C::process_env);
        let source = source_from_config(&config, &env)?;
        let t = config.credential_type.map_or("default", |t| t.as_str());
        self.build_source(source, t)
    }

    /// Builds a client over any [`Source`]; credentials are labelled with `credential_type`.
    pub fn build_source(self, source: Box<dyn Source>, credential_type: &str) -> Result<C, Error> {
        let seed = self.seed.unwrap_or_else(C::entropy);
        let mut refresher = Refresher::with_policy(source, seed, self.policy.unwrap_or_default());
        refresher.set_credential_type(credential_type);
        C::spawn(refresher)
    }
}
