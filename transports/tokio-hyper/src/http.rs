//! Performs the core's effects with hyper (rustls on ring, webpki roots) and `tokio::fs`.
//!
//! Each request gets its own connection: credential fetches are a few per hour, so pooling
//! buys nothing, and owning the connect step lets the connect timeout (TCP, proxy tunnel, TLS)
//! and the read timeout (request to last body byte) apply separately, as the config says.

use std::sync::Arc;
use std::time::Duration;

use alibabacloud_credentials_core::{
    FileError, FileRead, HttpRequest, ProxyPolicy, TransportError, TransportErrorKind,
};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use tokio::io::AsyncReadExt;
use tower_service::Service;

/// Sends requests; holds what is worth building once.
pub(crate) struct Http {
    env_proxy: Matcher,
    tls: Arc<rustls::ClientConfig>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn tcp(connect_timeout: Duration) -> HttpConnector {
    let mut c = HttpConnector::new();
    c.set_connect_timeout(Some(connect_timeout));
    c.set_nodelay(true);
    c.enforce_http(false);
    c
}

impl Http {
    pub fn new() -> Self {
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default protocol versions")
            .with_root_certificates(rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()))
            .with_no_client_auth();
        Http { env_proxy: Matcher::from_env(), tls: Arc::new(tls) }
    }

    fn intercept(&self, policy: &ProxyPolicy, uri: &http::Uri) -> Option<Intercept> {
        match policy {
            ProxyPolicy::Explicit(url) => Matcher::builder().all(url.clone()).build().intercept(uri),
            ProxyPolicy::Never => None,
            _ => self.env_proxy.intercept(uri),
        }
    }

    async fn connect(
        &self,
        uri: http::Uri,
        connect_timeout: Duration,
        intercept: Option<Intercept>,
    ) -> Result<hyper_rustls::MaybeHttpsStream<hyper_util::rt::TokioIo<tokio::net::TcpStream>>, BoxError> {
        match intercept {
            None => HttpsConnector::from((tcp(connect_timeout), self.tls.clone())).call(uri).await,
            Some(i) => {
                let mut tunnel = Tunnel::new(i.uri().clone(), tcp(connect_timeout));
                if let Some(auth) = i.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                HttpsConnector::from((tunnel, self.tls.clone())).call(uri).await
            }
        }
    }

    pub async fn send(&mut self, req: HttpRequest) -> Result<http::Response<Vec<u8>>, TransportError> {
        let uri = req.request.uri().clone();
        let intercept = self.intercept(&req.proxy, &uri);
        let io =
            match tokio::time::timeout(req.connect_timeout, self.connect(uri.clone(), req.connect_timeout, intercept))
                .await
            {
                Err(_) => return Err(timeout("connect", req.connect_timeout)),
                Ok(Err(e)) => return Err(map_error(TransportErrorKind::Connect, &*e)),
                Ok(Ok(io)) => io,
            };
        let limit = req.max_body;
        let request = origin_form(req.request)?;
        let exchange = async {
            let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, Full<Bytes>>(io)
                .await
                .map_err(|e| map_error(TransportErrorKind::Io, &e))?;
            // The connection ends with the exchange (no keep-alive use), so the task is short.
            tokio::spawn(connection);
            let response = sender.send_request(request).await.map_err(|e| map_error(TransportErrorKind::Io, &e))?;
            let (parts, body) = response.into_parts();
            let bytes = Limited::new(body, limit).collect().await.map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                    TransportError::new(TransportErrorKind::BodyTooLarge, format!("limit {limit} bytes"))
                } else {
                    map_error(TransportErrorKind::Io, &*e)
                }
            })?;
            Ok(http::Response::from_parts(parts, bytes.to_bytes().to_vec()))
        };
        match tokio::time::timeout(req.read_timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(timeout("read", req.read_timeout)),
        }
    }
}

fn timeout(phase: &str, after: Duration) -> TransportError {
    TransportError::new(TransportErrorKind::Timeout, format!("{phase} timed out after {} ms", after.as_millis()))
}

/// Rewrites an absolute-URI request to origin form with a `Host` header, as HTTP/1.1 sends it
/// to an origin server (and through a CONNECT tunnel).
fn origin_form(req: http::Request<Vec<u8>>) -> Result<http::Request<Full<Bytes>>, TransportError> {
    let (mut parts, body) = req.into_parts();
    let invalid = || TransportError::new(TransportErrorKind::InvalidRequest, "the request URI has no host");
    let authority = parts.uri.authority().ok_or_else(invalid)?.as_str().to_owned();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    parts.uri = path.parse().map_err(|_| invalid())?;
    let host = http::HeaderValue::from_str(&authority).map_err(|_| invalid())?;
    parts.headers.insert(http::header::HOST, host);
    Ok(http::Request::from_parts(parts, Full::new(Bytes::from(body))))
}

/// Classifies an error by walking its sources; the messages never include the URL.
fn map_error(default: TransportErrorKind, e: &(dyn std::error::Error + 'static)) -> TransportError {
    let mut kind = default;
    let mut detail = vec![e.to_string()];
    let mut source = e.source();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = current {
        if s.downcast_ref::<rustls::Error>().is_some() {
            kind = TransportErrorKind::Tls;
        }
        if s.to_string().contains("tunnel") {
            kind = TransportErrorKind::Proxy;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                kind = TransportErrorKind::Timeout;
            }
        }
        current = s.source();
    }
    while let Some(s) = source {
        detail.push(s.to_string());
        source = s.source();
    }
    TransportError::new(kind, detail.join(": "))
}

/// Reads a file, refusing more than `max_len` bytes.
pub(crate) async fn read_file(f: &FileRead) -> Result<Vec<u8>, FileError> {
    let mut buf = Vec::new();
    tokio::fs::File::open(&f.path).await?.take(f.max_len as u64 + 1).read_to_end(&mut buf).await?;
    f.accept(buf)
}
