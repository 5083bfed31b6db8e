//! The default credential chain: tries its links in order, skips the absent ones, stops at the
//! first broken one, and sticks to the winner.

use std::time::Duration;

use crate::ctx::Ctx;
use crate::effect::Input;
use crate::error::Error;
use crate::source::{Fetched, Source, SourcePoll};
use crate::time::Now;

/// A chain of sources.
///
/// Semantics (they differ from the official SDKs, which fall through on any error):
/// - a link that is not configured ([`Error::NotConfigured`]) is skipped, and the reason kept;
/// - any other error stops the chain: a configured but broken source must not silently hand the
///   program another identity;
/// - when every link is absent, the error lists each one and why ([`Error::NoCredentials`]);
/// - after a success the winner is remembered, and later fetches go straight to it (as every
///   official SDK does by default); its errors are then returned as they are.
///
/// Credentials are labelled `default/<provider>` (`default/env`, `default/ecs_ram_role`, ...).
#[derive(Debug)]
pub struct ChainSource {
    links: Vec<Box<dyn Source>>,
    current: Option<usize>,
    winner: Option<usize>,
    tried: Vec<(String, String)>,
    name: String,
}

impl ChainSource {
    /// A chain over `links`, tried in order.
    pub fn new(links: Vec<Box<dyn Source>>) -> Self {
        ChainSource { links, current: None, winner: None, tried: Vec::new(), name: "default".to_owned() }
    }

    /// The index of the link that won, once one has.
    pub fn winner(&self) -> Option<usize> {
        self.winner
    }
}

impl Source for ChainSource {
    fn provider_name(&self) -> &str {
        &self.name
    }

    fn start(&mut self, now: Now) {
        self.cancel();
        self.tried.clear();
        let first = self.winner.unwrap_or(0);
        if let Some(link) = self.links.get_mut(first) {
            link.start(now);
            self.current = Some(first);
        }
    }

    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll {
        loop {
            let Some(i) = self.current else {
                return SourcePoll::Idle;
            };
            match self.links[i].poll(now, ctx) {
                SourcePoll::Done(Ok(f)) => {
                    self.current = None;
                    self.winner = Some(i);
                    let name = format!("default/{}", f.credential.provider_name());
                    self.name = name.clone();
                    let credential = f.credential.relabel(name, "default");
                    return SourcePoll::Done(Ok(Fetched { credential, expires_at: f.expires_at }));
                }
                SourcePoll::Done(Err(Error::NotConfigured { provider, reason })) if self.winner.is_none() => {
                    tracing::debug!(%provider, %reason, "credential source not configured; trying the next");
                    self.tried.push((provider, reason));
                    match self.links.get_mut(i + 1) {
                        Some(next) => {
                            next.start(now);
                            self.current = Some(i + 1);
                        }
                        None => {
                            self.current = None;
                            return SourcePoll::Done(Err(Error::NoCredentials {
                                tried: std::mem::take(&mut self.tried),
                            }));
                        }
                    }
                }
                SourcePoll::Done(Err(e)) => {
                    self.current = None;
                    return SourcePoll::Done(Err(e));
                }
                SourcePoll::Idle => {
                    // A link that lost its fetch: restart it rather than hang.
                    self.links[i].start(now);
                }
                other => return other,
            }
        }
    }

    fn handle(&mut self, input: Input, now: Now) {
        if let Some(i) = self.current {
            self.links[i].handle(input, now);
        }
    }

    fn cancel(&mut self) {
        if let Some(i) = self.current.take() {
            self.links[i].cancel();
        }
    }

    fn max_fetch_time(&self) -> Duration {
        self.links.iter().map(|l| l.max_fetch_time()).sum()
    }
}
