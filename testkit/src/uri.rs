//! [`UriServer`]: a scripted credentials URI server (the `credentials_uri` source's peer).
//!
//! Sans-IO like [`StsServer`](crate::StsServer): [`UriServer::handle`] takes a request and the
//! server's wall time and returns a [`Reply`]. A `GET` is answered with
//! `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}`; faults
//! replace the next answers.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use alibabacloud_credentials_core::time::{format_http_date, format_timestamp};
use alibabacloud_credentials_core::{HttpRequest, Now, TransportError, TransportErrorKind};

use crate::drive::World;
use crate::sts::Reply;

/// A fault to inject into the next answer (consumed in order, one per request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UriFault {
    /// Answer with this status; with `code`, a JSON body `{"Code": code, "Message": ...}`,
    /// else an HTML page.
    Status {
        /// HTTP status.
        status: u16,
        /// `Code` of the JSON body, if any.
        code: Option<String>,
    },
    /// Answer 200 with this `Code` instead of `Success`.
    Code(String),
    /// Answer 200 without this field (`Code`, `AccessKeyId`, `AccessKeySecret`,
    /// `SecurityToken`, `Expiration`).
    MissingField(&'static str),
    /// Answer 200 with a body that is not JSON.
    BadJson,
    /// Answer with a credential that expired a minute ago.
    Expired,
    /// Close the connection without answering.
    Drop,
    /// Answer normally, after this long.
    Delay(Duration),
}

impl UriFault {
    /// A status with an HTML body.
    pub fn status(status: u16) -> UriFault {
        UriFault::Status { status, code: None }
    }

    /// A status with a JSON body carrying `code`.
    pub fn status_code(status: u16, code: &str) -> UriFault {
        UriFault::Status { status, code: Some(code.to_owned()) }
    }
}

/// One request the server received.
#[derive(Clone, Debug)]
pub struct UriRequest {
    /// HTTP method.
    pub method: String,
    /// The URI as sent (with its query).
    pub uri: String,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// Body length.
    pub body_len: usize,
}

/// A credential the server issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `AccessKeySecret`.
    pub access_key_secret: String,
    /// `SecurityToken`.
    pub security_token: String,
    /// `Expiration` as sent.
    pub expiration: String,
}

/// A scripted credentials URI server. See the module docs.
pub struct UriServer {
    faults: VecDeque<Fault>,
    lifetime: Duration,
    latency: Duration,
    clock_offset: i64,
    requests: Vec<UriRequest>,
    issued: Vec<Issued>,
}

type Fault = UriFault;

impl Default for UriServer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for UriServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UriServer").field("requests", &self.requests.len()).field("issued", &self.issued.len()).finish()
    }
}

impl UriServer {
    /// A server issuing credentials that live one hour.
    pub fn new() -> Self {
        UriServer {
            faults: VecDeque::new(),
            lifetime: Duration::from_secs(3600),
            latency: Duration::ZERO,
            clock_offset: 0,
            requests: Vec::new(),
            issued: Vec::new(),
        }
    }

    /// Queues a fault for the next request.
    pub fn push_fault(&mut self, fault: UriFault) {
        self.faults.push_back(fault);
    }

    /// Issues credentials that live this long.
    pub fn set_lifetime(&mut self, d: Duration) {
        self.lifetime = d;
    }

    /// Adds latency to every answer.
    pub fn set_latency(&mut self, d: Duration) {
        self.latency = d;
    }

    /// Runs the server's clock this many seconds ahead (negative: behind) of the wall time it
    /// is given; its `Date` header and `Expiration` follow it.
    pub fn set_clock_offset(&mut self, secs: i64) {
        self.clock_offset = secs;
    }

    /// Every request received so far.
    pub fn requests(&self) -> &[UriRequest] {
        &self.requests
    }

    /// Every credential issued so far (in successful answers and in faulty ones).
    pub fn issued(&self) -> &[Issued] {
        &self.issued
    }

    fn server_time(&self, wall: SystemTime) -> SystemTime {
        crate::clock::skewed(wall, self.clock_offset)
    }

    /// Answers one request at the server's wall time `wall`.
    pub fn handle(&mut self, req: &http::Request<Vec<u8>>, wall: SystemTime) -> Reply {
        let wall = self.server_time(wall);
        self.requests.push(UriRequest {
            method: req.method().to_string(),
            uri: req.uri().to_string(),
            headers: req.headers().clone(),
            body_len: req.body().len(),
        });
        let mut latency = self.latency;
        let fault = self.faults.pop_front();
        match &fault {
            Some(Fault::Drop) => return Reply::Drop(latency),
            Some(Fault::Delay(d)) => latency += *d,
            _ => {}
        }
        if req.method() != http::Method::GET {
            let body = serde_json::json!({"Code": "MethodNotAllowed", "Message": "use GET"}).to_string();
            return Reply::Response(response(405, body.into_bytes(), wall), latency);
        }
        let (status, body) = match fault {
            Some(Fault::Status { status, code: Some(code) }) => (
                status,
                serde_json::json!({"Code": code, "Message": "scripted failure", "RequestId": "URI-REQ-1"})
                    .to_string()
                    .into_bytes(),
            ),
            Some(Fault::Status { status, code: None }) => {
                (status, format!("<html><body>{status} scripted failure</body></html>").into_bytes())
            }
            Some(Fault::BadJson) => (200, b"{\"Code\": \"Success\", \"AccessKeyId\": ".to_vec()),
            fault => {
                let mut v = self.issue(wall, fault == Some(Fault::Expired));
                match fault {
                    Some(Fault::Code(code)) => v["Code"] = code.into(),
                    Some(Fault::MissingField(field)) => {
                        v.as_object_mut().expect("an object").remove(field);
                    }
                    _ => {}
                }
                (200, v.to_string().into_bytes())
            }
        };
        Reply::Response(response(status, body, wall), latency)
    }

    fn issue(&mut self, wall: SystemTime, expired: bool) -> serde_json::Value {
        let n = self.issued.len() + 1;
        let expiration = if expired { wall - Duration::from_secs(60) } else { wall + self.lifetime };
        let issued = Issued {
            access_key_id: format!("STS.NUriEmuAbCdEf{n:06}"),
            access_key_secret: format!("uri-secret-{n:06}"),
            security_token: format!("CAIS-uri-token-{n:06}-{}", "y".repeat(24)),
            expiration: format_timestamp(expiration),
        };
        self.issued.push(issued.clone());
        serde_json::json!({
            "Code": "Success",
            "AccessKeyId": issued.access_key_id,
            "AccessKeySecret": issued.access_key_secret,
            "SecurityToken": issued.security_token,
            "Expiration": issued.expiration,
            "LastUpdated": format_timestamp(wall),
        })
    }
}

fn response(status: u16, body: Vec<u8>, wall: SystemTime) -> http::Response<Vec<u8>> {
    let content_type = if body.starts_with(b"<") { "text/html" } else { "application/json" };
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("date", format_http_date(wall))
        .body(body)
        .expect("scripted responses are valid")
}

impl World for UriServer {
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        match self.handle(&req.request, now.wall) {
            Reply::Response(r, latency) => (Ok(r), latency),
            Reply::Drop(latency) => {
                (Err(TransportError::new(TransportErrorKind::Io, "connection closed before a response")), latency)
            }
        }
    }
}
