//! [`ImdsServer`]: a scripted ECS instance metadata service (the RAM role part of it).
//!
//! Sans-IO like [`StsServer`](crate::StsServer): [`ImdsServer::handle`] takes a request and the
//! server's wall time and returns the [`Reply`]. It serves
//!
//! - `PUT /latest/api/token`: a token (`imds-token-…`) for the TTL in
//!   `X-aliyun-ecs-metadata-token-ttl-seconds` (400 if missing or outside 1..=21600);
//! - `GET /latest/meta-data/ram/security-credentials/`: the attached roles, one per line (404
//!   when none is attached);
//! - `GET /latest/meta-data/ram/security-credentials/<role>`: a new credential per request
//!   (`STS.NImds…`, secret `imds-secret-…`, token `imds-sts-token-…`) living
//!   [`set_lifetime`](ImdsServer::set_lifetime) (6 h by default).
//!
//! A GET that carries `X-aliyun-ecs-metadata-token` must carry a live token issued by this
//! server (else 401); with [`set_v2_required`](ImdsServer::set_v2_required) a GET without one
//! is refused with 401 too (security hardening mode). Faults are queued and each applies to the
//! next request it can apply to.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use alibabacloud_credentials_core::time::{format_http_date, format_timestamp};
use alibabacloud_credentials_core::{HttpRequest, Now, TransportError, TransportErrorKind};

use crate::drive::World;
use crate::sts::Reply;

const TOKEN_PATH: &str = "/latest/api/token";
const ROLES_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";

/// Which metadata request a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImdsRequestKind {
    /// `PUT /latest/api/token`.
    Token,
    /// `GET /latest/meta-data/ram/security-credentials/`.
    RoleList,
    /// `GET /latest/meta-data/ram/security-credentials/<role>`.
    Credentials,
    /// Anything else (answered 404).
    Other,
}

/// A fault to inject. Each queued fault is consumed by the next request it applies to:
/// `TokenStatus` by a token request; `NotSuccess`, `MissingField`, `Expired` and `Malformed` by
/// a credentials request; the others by any request (or by the kind given to
/// [`ImdsServer::push_fault_on`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImdsFault {
    /// The token request answers this status (403, 404, 405: no IMDSv2 here).
    TokenStatus(u16),
    /// Answer this status with a short plain-text body.
    Status(u16),
    /// Answer 200 with this body.
    Body(Vec<u8>),
    /// Close the connection without answering (a transport error).
    Drop,
    /// Answer normally, after this long.
    Delay(Duration),
    /// A credentials answer with `"Code": "Failed"`.
    NotSuccess,
    /// A credentials answer without this field (`AccessKeyId`, `Code`, ...).
    MissingField(&'static str),
    /// A credentials answer that expired a minute ago.
    Expired,
    /// A credentials answer that is not JSON.
    Malformed,
}

impl ImdsFault {
    fn applies_to(&self, kind: ImdsRequestKind) -> bool {
        match self {
            ImdsFault::TokenStatus(_) => kind == ImdsRequestKind::Token,
            ImdsFault::NotSuccess | ImdsFault::MissingField(_) | ImdsFault::Expired | ImdsFault::Malformed => {
                kind == ImdsRequestKind::Credentials
            }
            ImdsFault::Status(_) | ImdsFault::Body(_) | ImdsFault::Drop | ImdsFault::Delay(_) => true,
        }
    }
}

/// One request the server received.
#[derive(Clone, Debug)]
pub struct ImdsRequest {
    /// HTTP method.
    pub method: String,
    /// Path (the metadata service takes no query).
    pub path: String,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// What it asked for.
    pub kind: ImdsRequestKind,
    /// The status answered; `None` when the connection was dropped or refused.
    pub status: Option<u16>,
}

impl ImdsRequest {
    /// The metadata token it carried.
    pub fn token(&self) -> Option<&str> {
        self.headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok())
    }

    /// The token TTL it asked for (token requests).
    pub fn ttl_header(&self) -> Option<&str> {
        self.headers.get(TTL_HEADER).and_then(|v| v.to_str().ok())
    }
}

struct IssuedToken {
    value: String,
    expires: SystemTime,
}

/// A scripted instance metadata service. See the module docs.
pub struct ImdsServer {
    roles: Vec<String>,
    lifetime: Duration,
    latency: Duration,
    clock_offset: i64,
    v2_required: bool,
    token_status: Option<u16>,
    token_gets_fail: Option<u16>,
    unreachable: Option<TransportErrorKind>,
    tokens: Vec<IssuedToken>,
    issued_tokens: u64,
    issued_credentials: u64,
    last_credentials: Option<serde_json::Value>,
    faults: VecDeque<(Option<ImdsRequestKind>, ImdsFault)>,
    requests: Vec<ImdsRequest>,
}

impl std::fmt::Debug for ImdsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImdsServer")
            .field("roles", &self.roles)
            .field("tokens", &self.tokens.len())
            .field("requests", &self.requests.len())
            .finish_non_exhaustive()
    }
}

impl Default for ImdsServer {
    fn default() -> Self {
        Self::new()
    }
}

impl ImdsServer {
    /// The role attached by default.
    pub const DEFAULT_ROLE: &'static str = "EcsRamRoleTest";

    /// A server with [`DEFAULT_ROLE`](Self::DEFAULT_ROLE) attached, IMDSv1 and v2 both
    /// accepted, 6 h credentials.
    pub fn new() -> Self {
        ImdsServer {
            roles: vec![Self::DEFAULT_ROLE.to_owned()],
            lifetime: Duration::from_secs(6 * 3600),
            latency: Duration::ZERO,
            clock_offset: 0,
            v2_required: false,
            token_status: None,
            token_gets_fail: None,
            unreachable: None,
            tokens: Vec::new(),
            issued_tokens: 0,
            issued_credentials: 0,
            last_credentials: None,
            faults: VecDeque::new(),
            requests: Vec::new(),
        }
    }

    /// A server with this role attached (otherwise as [`new`](Self::new)).
    pub fn with_role(role: &str) -> Self {
        let mut s = Self::new();
        s.set_role(Some(role));
        s
    }

    /// Attaches this role (`None`: no role; the role list answers 404).
    pub fn set_role(&mut self, role: Option<&str>) {
        self.roles = role.map(|r| vec![r.to_owned()]).unwrap_or_default();
    }

    /// Attaches these roles (listed one per line, in this order).
    pub fn set_roles(&mut self, roles: &[&str]) {
        self.roles = roles.iter().map(|r| r.to_string()).collect();
    }

    /// Issues credentials living this long.
    pub fn set_lifetime(&mut self, d: Duration) {
        self.lifetime = d;
    }

    /// Adds latency to every answer.
    pub fn set_latency(&mut self, d: Duration) {
        self.latency = d;
    }

    /// Runs the server's clock this many seconds ahead (negative: behind) of the wall time it
    /// is given (the `Date` header and the expirations follow it).
    pub fn set_clock_offset(&mut self, secs: i64) {
        self.clock_offset = secs;
    }

    /// Security hardening mode: GETs without a token are refused (401).
    pub fn set_v2_required(&mut self, on: bool) {
        self.v2_required = on;
    }

    /// An IMDSv1-only service: the token request always answers this status (`None`: tokens
    /// are issued).
    pub fn set_v1_only(&mut self, token_status: Option<u16>) {
        self.token_status = token_status;
    }

    /// Every GET that carries a token answers this status (`None`: tokens work).
    pub fn set_token_gets_fail(&mut self, status: Option<u16>) {
        self.token_gets_fail = status;
    }

    /// Makes the [`World`] fail every request with this transport error before it reaches the
    /// server (`Connect`: nothing listens; `Timeout`: nothing answers). `None` restores it.
    pub fn set_unreachable(&mut self, kind: Option<TransportErrorKind>) {
        self.unreachable = kind;
    }

    /// Forgets every token issued so far (GETs carrying one are refused with 401).
    pub fn revoke_tokens(&mut self) {
        self.tokens.clear();
    }

    /// Queues a fault for the next request it applies to.
    pub fn push_fault(&mut self, fault: ImdsFault) {
        self.faults.push_back((None, fault));
    }

    /// Queues a fault for the next request of this kind.
    pub fn push_fault_on(&mut self, kind: ImdsRequestKind, fault: ImdsFault) {
        self.faults.push_back((Some(kind), fault));
    }

    /// Every request received so far.
    pub fn requests(&self) -> &[ImdsRequest] {
        &self.requests
    }

    /// How many requests of this kind were received.
    pub fn count(&self, kind: ImdsRequestKind) -> usize {
        self.requests.iter().filter(|r| r.kind == kind).count()
    }

    /// How many tokens were issued.
    pub fn tokens_issued(&self) -> u64 {
        self.issued_tokens
    }

    /// How many credentials were issued.
    pub fn credentials_issued(&self) -> u64 {
        self.issued_credentials
    }

    /// The JSON of the last credentials answer (after any fault was applied).
    pub fn last_credentials(&self) -> Option<&serde_json::Value> {
        self.last_credentials.as_ref()
    }

    fn server_time(&self, wall: SystemTime) -> SystemTime {
        crate::clock::skewed(wall, self.clock_offset)
    }

    fn take_fault(&mut self, kind: ImdsRequestKind) -> Option<ImdsFault> {
        let i = self.faults.iter().position(|(target, f)| match target {
            Some(t) => *t == kind,
            None => f.applies_to(kind),
        })?;
        self.faults.remove(i).map(|(_, f)| f)
    }

    fn classify(req: &http::Request<Vec<u8>>) -> ImdsRequestKind {
        let path = req.uri().path();
        match (req.method(), path) {
            (&http::Method::PUT, TOKEN_PATH) => ImdsRequestKind::Token,
            (&http::Method::GET, ROLES_PATH) => ImdsRequestKind::RoleList,
            (&http::Method::GET, p) if p.len() > ROLES_PATH.len() && p.starts_with(ROLES_PATH) => {
                ImdsRequestKind::Credentials
            }
            _ => ImdsRequestKind::Other,
        }
    }

    fn record(&mut self, req: &http::Request<Vec<u8>>, kind: ImdsRequestKind, status: Option<u16>) {
        self.requests.push(ImdsRequest {
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
            headers: req.headers().clone(),
            kind,
            status,
        });
    }

    /// Answers one request at the server's wall time `wall` (before the clock offset).
    pub fn handle(&mut self, req: &http::Request<Vec<u8>>, wall: SystemTime) -> Reply {
        let wall = self.server_time(wall);
        let kind = Self::classify(req);
        let fault = self.take_fault(kind);
        let mut latency = self.latency;
        match &fault {
            Some(ImdsFault::Drop) => {
                self.record(req, kind, None);
                return Reply::Drop(latency);
            }
            Some(ImdsFault::Delay(d)) => latency += *d,
            _ => {}
        }
        let (status, body) = match fault {
            Some(ImdsFault::TokenStatus(s) | ImdsFault::Status(s)) => (s, status_text(s)),
            Some(ImdsFault::Body(b)) => (200, b),
            fault => self.answer(req, kind, wall, fault),
        };
        self.record(req, kind, Some(status));
        let resp = http::Response::builder()
            .status(status)
            .header("content-type", "text/plain")
            .header("date", format_http_date(wall))
            .body(body)
            .expect("scripted answers are valid");
        Reply::Response(resp, latency)
    }

    fn answer(
        &mut self,
        req: &http::Request<Vec<u8>>,
        kind: ImdsRequestKind,
        wall: SystemTime,
        fault: Option<ImdsFault>,
    ) -> (u16, Vec<u8>) {
        if kind == ImdsRequestKind::Token {
            if let Some(s) = self.token_status {
                return (s, status_text(s));
            }
            let ttl = req.headers().get(TTL_HEADER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
            let Some(ttl) = ttl.filter(|t| (1..=21_600).contains(t)) else {
                return (400, status_text(400));
            };
            self.issued_tokens += 1;
            let n = self.issued_tokens;
            let value = format!("imds-token-{n:04}-{:016x}", mix(n));
            self.tokens.push(IssuedToken { value: value.clone(), expires: wall + Duration::from_secs(ttl) });
            return (200, value.into_bytes());
        }
        if kind == ImdsRequestKind::Other {
            return (404, status_text(404));
        }
        // GETs: the token check.
        match req.headers().get(TOKEN_HEADER) {
            Some(sent) => {
                if let Some(s) = self.token_gets_fail {
                    return (s, status_text(s));
                }
                let live = self.tokens.iter().any(|t| t.value.as_bytes() == sent.as_bytes() && wall < t.expires);
                if !live {
                    return (401, status_text(401));
                }
            }
            None if self.v2_required => return (401, status_text(401)),
            None => {}
        }
        if self.roles.is_empty() {
            return (404, status_text(404));
        }
        if kind == ImdsRequestKind::RoleList {
            return (200, self.roles.join("\n").into_bytes());
        }
        let role = &req.uri().path()[ROLES_PATH.len()..];
        if !self.roles.iter().any(|r| r == role) {
            return (404, status_text(404));
        }
        self.issued_credentials += 1;
        let n = self.issued_credentials;
        let mut v = serde_json::json!({
            "AccessKeyId": format!("STS.NImdsAbCdEfGhIj{n:06}"),
            "AccessKeySecret": format!("imds-secret-{n:06}"),
            "Expiration": format_timestamp(wall + self.lifetime),
            "SecurityToken": format!("imds-sts-token-{n:06}-{}", "y".repeat(32)),
            "LastUpdated": format_timestamp(wall),
            "Code": "Success",
        });
        match fault {
            Some(ImdsFault::Malformed) => return (200, b"{\"AccessKeyId\": \"STS.N".to_vec()),
            Some(ImdsFault::NotSuccess) => v["Code"] = "Failed".into(),
            Some(ImdsFault::MissingField(f)) => {
                if let Some(o) = v.as_object_mut() {
                    o.remove(f);
                }
            }
            Some(ImdsFault::Expired) => v["Expiration"] = format_timestamp(wall - Duration::from_secs(60)).into(),
            _ => {}
        }
        let body = serde_json::to_vec_pretty(&v).expect("JSON values serialize");
        self.last_credentials = Some(v);
        (200, body)
    }
}

fn status_text(status: u16) -> Vec<u8> {
    let reason = http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
    format!("{status} {reason}").into_bytes()
}

/// A fixed scramble (splitmix64), so tokens look random but repeat across runs.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl World for ImdsServer {
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        if let Some(kind) = self.unreachable {
            let r = &req.request;
            self.record(r, Self::classify(r), None);
            let latency = match kind {
                TransportErrorKind::Timeout => req.connect_timeout,
                _ => Duration::ZERO,
            };
            return (Err(TransportError::new(kind, "scripted: the metadata service is unreachable")), latency);
        }
        match self.handle(&req.request, now.wall) {
            Reply::Response(r, latency) => (Ok(r), latency),
            Reply::Drop(latency) => {
                (Err(TransportError::new(TransportErrorKind::Io, "connection closed before a response")), latency)
            }
        }
    }
}
