//! [`ChainWorld`]: every scripted server behind one [`World`], routed by host, for whole-chain
//! tests (put a [`FileWorld`](crate::FileWorld) in front of it for files).

use std::collections::HashMap;
use std::time::Duration;

use alibabacloud_credentials_core::{HttpRequest, Now, TransportError, TransportErrorKind};

use crate::drive::World;
use crate::sts::StsServer;
use crate::uri::UriServer;

/// The metadata service's address.
pub const IMDS_HOST: &str = "100.100.100.200";

/// STS (hosts `sts*`), instance metadata (`100.100.100.200`) and a credentials URI (any other
/// host). A host with no server refuses the connection, as off ECS.
#[derive(Default)]
pub struct ChainWorld {
    /// The STS.
    pub sts: StsServer,
    /// The metadata service, if this "machine" is an ECS instance.
    pub imds: Option<Box<dyn World + Send>>,
    /// The credentials URI server, if any.
    pub uri: Option<UriServer>,
    /// Requests per host.
    pub requests: HashMap<String, usize>,
}

impl std::fmt::Debug for ChainWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainWorld").field("requests", &self.requests).finish_non_exhaustive()
    }
}

impl ChainWorld {
    /// A world with an empty STS and nothing else.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests sent to `host`.
    pub fn requests_to(&self, host: &str) -> usize {
        self.requests.get(host).copied().unwrap_or(0)
    }
}

fn refused() -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
    (Err(TransportError::new(TransportErrorKind::Connect, "connection refused")), Duration::from_millis(1))
}

impl World for ChainWorld {
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        let host = req.request.uri().host().unwrap_or("").to_owned();
        *self.requests.entry(host.clone()).or_default() += 1;
        if host == IMDS_HOST {
            return match &mut self.imds {
                Some(imds) => imds.serve(req, now),
                None => refused(),
            };
        }
        if host.starts_with("sts") {
            return self.sts.serve(req, now);
        }
        match &mut self.uri {
            Some(uri) => uri.serve(req, now),
            None => refused(),
        }
    }
}
