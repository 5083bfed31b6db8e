//! Effects: what the core asks its driver to do, and the results the driver feeds back.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::TransportError;

/// Identifies one effect; a result carrying a stale id (after a timeout) is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EffectId(pub u64);

/// Whether a request may go through a proxy.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyPolicy {
    /// Connect directly (instance metadata must never be proxied).
    Never,
    /// Use the proxy from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`, honouring `NO_PROXY`.
    FromEnv,
    /// Use this proxy URL.
    Explicit(String),
}

impl fmt::Debug for ProxyPolicy {
    /// The proxy URL may carry a password: only its scheme and host are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyPolicy::Never => f.write_str("Never"),
            ProxyPolicy::FromEnv => f.write_str("FromEnv"),
            ProxyPolicy::Explicit(url) => {
                let shown = match url.parse::<http::Uri>() {
                    Ok(u) => format!("{}://{}", u.scheme_str().unwrap_or("http"), u.host().unwrap_or("?")),
                    Err(_) => "<invalid>".to_owned(),
                };
                f.debug_tuple("Explicit").field(&shown).finish()
            }
        }
    }
}

/// An HTTP request to send. The driver MUST NOT follow redirects, MUST stop reading the body
/// past `max_body` bytes (reporting [`TransportErrorKind::BodyTooLarge`]), and MUST apply the
/// two timeouts.
///
/// [`TransportErrorKind::BodyTooLarge`]: crate::TransportErrorKind::BodyTooLarge
#[must_use]
pub struct HttpRequest {
    /// Echo this id in [`Input::Http`].
    pub id: EffectId,
    /// The request, with an absolute URI.
    pub request: http::Request<Vec<u8>>,
    /// Time allowed to establish the connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time allowed from the request being sent to the whole body being read.
    pub read_timeout: Duration,
    /// Largest response body accepted.
    pub max_body: usize,
    /// Proxy use.
    pub proxy: ProxyPolicy,
}

impl fmt::Debug for HttpRequest {
    /// Method, scheme, authority and path only: the query and body carry signed parameters and
    /// tokens, and some headers carry tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uri = self.request.uri();
        f.debug_struct("HttpRequest")
            .field("id", &self.id)
            .field("method", self.request.method())
            .field(
                "uri",
                &format_args!(
                    "{}://{}{}",
                    uri.scheme_str().unwrap_or("http"),
                    uri.authority().map(|a| a.as_str()).unwrap_or(""),
                    uri.path()
                ),
            )
            .field("body_len", &self.request.body().len())
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("proxy", &self.proxy)
            .finish()
    }
}

/// A file to read (the OIDC token, which rotates; config files).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct FileRead {
    /// Echo this id in [`Input::File`].
    pub id: EffectId,
    /// The path.
    pub path: PathBuf,
    /// Largest file accepted.
    pub max_len: usize,
}

/// Why a file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileError {
    /// It does not exist.
    NotFound,
    /// Permission denied.
    PermissionDenied,
    /// Larger than the limit.
    TooLarge,
    /// Another I/O error, described.
    Other(String),
}

impl From<std::io::Error> for FileError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => FileError::NotFound,
            std::io::ErrorKind::PermissionDenied => FileError::PermissionDenied,
            _ => FileError::Other(e.to_string()),
        }
    }
}

impl FileRead {
    /// Checks what the driver read against the size limit (drivers read at most
    /// `max_len + 1` bytes).
    pub fn accept(&self, bytes: Vec<u8>) -> Result<Vec<u8>, FileError> {
        if bytes.len() > self.max_len {
            Err(FileError::TooLarge)
        } else {
            Ok(bytes)
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotFound => f.write_str("file not found"),
            FileError::PermissionDenied => f.write_str("permission denied"),
            FileError::TooLarge => f.write_str("file too large"),
            FileError::Other(s) => f.write_str(s),
        }
    }
}

/// One effect for the driver to perform.
#[derive(Debug)]
#[must_use]
// Effects are moved a few times per fetch (minutes apart); boxing the request buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Effect {
    /// Send an HTTP request, then feed [`Input::Http`].
    Http(HttpRequest),
    /// Read a file, then feed [`Input::File`].
    ReadFile(FileRead),
}

/// The result of an effect, fed back into the core.
pub enum Input {
    /// The answer to [`Effect::Http`]: any HTTP status is `Ok`; `Err` is a failure below HTTP.
    Http {
        /// The effect's id.
        id: EffectId,
        /// The response or the transport failure.
        result: Result<http::Response<Vec<u8>>, TransportError>,
    },
    /// The contents of [`Effect::ReadFile`].
    File {
        /// The effect's id.
        id: EffectId,
        /// The bytes or why they could not be read.
        result: Result<Vec<u8>, FileError>,
    },
}

impl Input {
    /// The id of the effect this answers.
    pub fn id(&self) -> EffectId {
        match self {
            Input::Http { id, .. } | Input::File { id, .. } => *id,
        }
    }
}

impl fmt::Debug for Input {
    /// Status and sizes only: bodies carry credentials and tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Http { id, result: Ok(r) } => f
                .debug_struct("Http")
                .field("id", id)
                .field("status", &r.status().as_u16())
                .field("body_len", &r.body().len())
                .finish(),
            Input::Http { id, result: Err(e) } => f.debug_struct("Http").field("id", id).field("error", e).finish(),
            Input::File { id, result: Ok(b) } => f.debug_struct("File").field("id", id).field("len", &b.len()).finish(),
            Input::File { id, result: Err(e) } => f.debug_struct("File").field("id", id).field("error", e).finish(),
        }
    }
}
