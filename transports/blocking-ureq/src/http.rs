//! Performs the core's effects with ureq and `std::fs`.

use std::io::Read;

use alibabacloud_credentials_core::{
    FileError, FileRead, HttpRequest, ProxyPolicy, TransportError, TransportErrorKind,
};

/// A ureq agent that never follows redirects and reports every HTTP status as a response.
pub(crate) struct Http {
    agent: ureq::Agent,
}

impl Http {
    pub fn new() -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(ureq::config::AutoHeaderValue::None)
            .build()
            .new_agent();
        Http { agent }
    }

    pub fn send(&self, req: HttpRequest) -> Result<http::Response<Vec<u8>>, TransportError> {
        let proxy = match &req.proxy {
            ProxyPolicy::Never => None,
            ProxyPolicy::Explicit(url) => Some(
                ureq::Proxy::new(url)
                    .map_err(|_| TransportError::new(TransportErrorKind::Proxy, "invalid proxy URL"))?,
            ),
            // The agent's default config read HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and NO_PROXY.
            _ => self.agent.config().proxy().cloned(),
        };
        let request = self
            .agent
            .configure_request(req.request)
            .proxy(proxy)
            .timeout_connect(Some(req.connect_timeout))
            .timeout_recv_response(Some(req.read_timeout))
            .timeout_recv_body(Some(req.read_timeout))
            .timeout_global(Some(req.connect_timeout + req.read_timeout))
            .build();
        let response = self.agent.run(request).map_err(map_error)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body.with_config().limit(req.max_body as u64).read_to_vec().map_err(map_error)?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Maps ureq's error to the core's kinds. Messages never include the URL (it may carry signed
/// parameters).
fn map_error(e: ureq::Error) -> TransportError {
    use TransportErrorKind as K;
    let (kind, detail) = match &e {
        ureq::Error::Timeout(t) => (K::Timeout, format!("{t}")),
        ureq::Error::HostNotFound => (K::Connect, "host not found".to_owned()),
        ureq::Error::ConnectionFailed => (K::Connect, "connection failed".to_owned()),
        ureq::Error::BodyExceedsLimit(n) => (K::BodyTooLarge, format!("limit {n} bytes")),
        ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => (K::Proxy, e.to_string()),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => (K::InvalidRequest, "invalid request".to_owned()),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => (K::Tls, e.to_string()),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => (K::Connect, io.to_string()),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => (K::Timeout, io.to_string()),
            _ => (K::Io, io.to_string()),
        },
        _ => (K::Io, e.to_string()),
    };
    TransportError::new(kind, detail)
}

/// Reads a file, refusing more than `max_len` bytes.
pub(crate) fn read_file(f: &FileRead) -> Result<Vec<u8>, FileError> {
    let mut buf = Vec::new();
    std::fs::File::open(&f.path)?.take(f.max_len as u64 + 1).read_to_end(&mut buf)?;
    f.accept(buf)
}
