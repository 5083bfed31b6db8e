//! [`StsServer`]: a scripted STS that checks requests the way the real one does.
//!
//! Sans-IO: [`StsServer::handle`] takes a request and the server's wall time and returns the
//! reply (and how long it takes). The same logic backs the loopback [`Emulator`](crate::Emulator).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, SystemTime};

use alibabacloud_credentials_core::sign;
use alibabacloud_credentials_core::time::{format_http_date, format_timestamp, parse_expiration};

use crate::form;

/// A fault to inject into the next answer (faults are consumed in order, one per request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this STS error.
    Error {
        /// HTTP status.
        status: u16,
        /// `Code`.
        code: String,
        /// `Message`.
        message: String,
    },
    /// Answer 200 with a body that is not JSON.
    Malformed,
    /// Answer 200 without `Credentials.<field>`.
    MissingField(&'static str),
    /// Answer with a credential that expired a minute ago.
    Expired,
    /// Answer normally, after this long.
    Delay(Duration),
    /// Close the connection without answering (a transport error).
    Drop,
    /// Answer 503 with an HTML body (a load balancer page).
    Html503,
}

impl Fault {
    /// An STS error answer.
    pub fn error(status: u16, code: &str, message: &str) -> Fault {
        Fault::Error { status, code: code.to_owned(), message: message.to_owned() }
    }
}

/// What the server did with one request.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// `Action`.
    pub action: String,
    /// Query parameters.
    pub query: BTreeMap<String, String>,
    /// Form body parameters.
    pub form: BTreeMap<String, String>,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// The error code answered, if any.
    pub error_code: Option<String>,
}

impl RecordedRequest {
    /// A parameter from the query or the body.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).or_else(|| self.form.get(name)).map(String::as_str)
    }
}

/// The server's answer.
#[derive(Debug)]
pub enum Reply {
    /// Send this response after `latency`.
    Response(http::Response<Vec<u8>>, Duration),
    /// Close the connection after `latency`.
    Drop(Duration),
}

struct Key {
    secret: String,
    token: Option<String>,
}

/// A scripted STS. See the module docs.
pub struct StsServer {
    keys: HashMap<String, Key>,
    faults: VecDeque<Fault>,
    lifetime_cap: Option<Duration>,
    latency: Duration,
    clock_offset: i64,
    issued: u64,
    nonces: HashSet<String>,
    requests: Vec<RecordedRequest>,
    oidc_tokens: HashSet<String>,
}

impl Default for StsServer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for StsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsServer").field("keys", &self.keys.len()).field("requests", &self.requests.len()).finish()
    }
}

type Answer = Result<String, (u16, String, String)>;

impl StsServer {
    /// A server that knows no keys yet.
    pub fn new() -> Self {
        StsServer {
            keys: HashMap::new(),
            faults: VecDeque::new(),
            lifetime_cap: None,
            latency: Duration::ZERO,
            clock_offset: 0,
            issued: 0,
            nonces: HashSet::new(),
            requests: Vec::new(),
            oidc_tokens: HashSet::new(),
        }
    }

    /// Accepts an AccessKey.
    pub fn add_key(&mut self, id: &str, secret: &str) {
        self.keys.insert(id.to_owned(), Key { secret: secret.to_owned(), token: None });
    }

    /// Accepts an STS credential (the token must be sent).
    pub fn add_sts_key(&mut self, id: &str, secret: &str, token: &str) {
        self.keys.insert(id.to_owned(), Key { secret: secret.to_owned(), token: Some(token.to_owned()) });
    }

    /// Accepts this OIDC token in `AssumeRoleWithOIDC` (any other is refused with
    /// `AuthenticationFail.OIDCToken`).
    pub fn add_oidc_token(&mut self, token: &str) {
        self.oidc_tokens.insert(token.to_owned());
    }

    /// Queues a fault for the next request.
    pub fn push_fault(&mut self, fault: Fault) {
        self.faults.push_back(fault);
    }

    /// Issues credentials that live at most this long, whatever `DurationSeconds` asks.
    pub fn set_lifetime_cap(&mut self, d: Duration) {
        self.lifetime_cap = Some(d);
    }

    /// Adds latency to every answer.
    pub fn set_latency(&mut self, d: Duration) {
        self.latency = d;
    }

    /// Runs the server's clock this many seconds ahead (negative: behind) of the wall time
    /// it is given, for clock-skew tests.
    pub fn set_clock_offset(&mut self, secs: i64) {
        self.clock_offset = secs;
    }

    /// Every request received so far.
    pub fn requests(&self) -> &[RecordedRequest] {
        &self.requests
    }

    /// How many requests carried this action.
    pub fn count(&self, action: &str) -> usize {
        self.requests.iter().filter(|r| r.action == action).count()
    }

    fn server_time(&self, wall: SystemTime) -> SystemTime {
        crate::clock::skewed(wall, self.clock_offset)
    }

    /// Answers one request at the server's wall time `wall`.
    pub fn handle(&mut self, req: &http::Request<Vec<u8>>, wall: SystemTime) -> Reply {
        let wall = self.server_time(wall);
        let mut latency = self.latency;
        let fault = self.faults.pop_front();
        let query = req.uri().query().and_then(form::parse);
        let body = std::str::from_utf8(req.body()).ok().and_then(form::parse);
        let (query, body) = match (query.or(Some(BTreeMap::new())), body) {
            (Some(q), Some(b)) => (q, b),
            _ => {
                return self.finish(
                    req,
                    BTreeMap::new(),
                    BTreeMap::new(),
                    Err((400, "InvalidParameter".into(), "malformed query or body".into())),
                    wall,
                    latency,
                )
            }
        };
        match &fault {
            Some(Fault::Drop) => {
                self.record(req, &query, &body, Some("<dropped>".into()));
                return Reply::Drop(latency);
            }
            Some(Fault::Delay(d)) => latency += *d,
            _ => {}
        }
        let answer = match &fault {
            Some(Fault::Error { status, code, message }) => Err((*status, code.clone(), message.clone())),
            _ => self.check(req, &query, &body, wall),
        };
        let reply = self.finish(req, query.clone(), body.clone(), answer, wall, latency);
        match (fault, reply) {
            (Some(Fault::Malformed), Reply::Response(r, l)) if r.status() == 200 => {
                Reply::Response(with_body(r, b"{\"RequestId\": \"x\", \"Credentials\": {".to_vec()), l)
            }
            (Some(Fault::Html503), Reply::Response(r, l)) => {
                let mut r = with_body(r, b"<html><body>503 Service Temporarily Unavailable</body></html>".to_vec());
                *r.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
                Reply::Response(r, l)
            }
            (Some(Fault::MissingField(field)), Reply::Response(r, l)) if r.status() == 200 => {
                let mut v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
                v["Credentials"].as_object_mut().unwrap().remove(field);
                Reply::Response(with_body(r, serde_json::to_vec(&v).unwrap()), l)
            }
            (Some(Fault::Expired), Reply::Response(r, l)) if r.status() == 200 => {
                let mut v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
                v["Credentials"]["Expiration"] = format_timestamp(wall - Duration::from_secs(60)).into();
                Reply::Response(with_body(r, serde_json::to_vec(&v).unwrap()), l)
            }
            (_, reply) => reply,
        }
    }

    fn record(
        &mut self,
        req: &http::Request<Vec<u8>>,
        q: &BTreeMap<String, String>,
        b: &BTreeMap<String, String>,
        error_code: Option<String>,
    ) {
        let action = q.get("Action").or_else(|| b.get("Action")).cloned().unwrap_or_default();
        self.requests.push(RecordedRequest {
            method: req.method().to_string(),
            action,
            query: q.clone(),
            form: b.clone(),
            headers: req.headers().clone(),
            error_code,
        });
    }

    fn finish(
        &mut self,
        req: &http::Request<Vec<u8>>,
        query: BTreeMap<String, String>,
        body: BTreeMap<String, String>,
        answer: Answer,
        wall: SystemTime,
        latency: Duration,
    ) -> Reply {
        self.issued += 1;
        let request_id = format!("EMU-{:08}", self.issued);
        let (status, json, code) = match answer {
            Ok(json) => (200, json.replace("@REQUEST_ID@", &request_id), None),
            Err((status, code, message)) => {
                let json = serde_json::json!({
                    "RequestId": request_id,
                    "HostId": "sts.aliyuncs.com",
                    "Code": code,
                    "Message": message,
                    "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Sts"),
                });
                (status, json.to_string(), Some(code))
            }
        };
        self.record(req, &query, &body, code);
        let resp = http::Response::builder()
            .status(status)
            .header("content-type", "application/json;charset=utf-8")
            .header("date", format_http_date(wall))
            .header("x-acs-request-id", &request_id)
            .body(json.into_bytes())
            .unwrap();
        Reply::Response(resp, latency)
    }

    fn check(
        &mut self,
        req: &http::Request<Vec<u8>>,
        q: &BTreeMap<String, String>,
        b: &BTreeMap<String, String>,
        wall: SystemTime,
    ) -> Answer {
        let bad = |code: &str, msg: &str| Err((400, code.to_owned(), msg.to_owned()));
        let mut all = q.clone();
        for (k, v) in b {
            if all.insert(k.clone(), v.clone()).is_some() {
                return bad("InvalidParameter", &format!("{k} is given twice"));
            }
        }
        let action = all.get("Action").cloned().unwrap_or_default();
        for p in ["Version", "Format", "Timestamp"] {
            if !all.contains_key(p) {
                return bad("MissingParameter", &format!("{p} is mandatory for this action."));
            }
        }
        if all["Version"] != "2015-04-01" {
            return bad("InvalidVersion", "Specified parameter Version is not valid.");
        }
        let Some(ts) = parse_expiration(&all["Timestamp"]) else {
            return bad("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.");
        };
        let skew = ts.duration_since(wall).or_else(|e| Ok::<_, ()>(e.duration())).unwrap();
        if skew > Duration::from_secs(15 * 60) {
            return bad("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
        }
        match action.as_str() {
            "AssumeRole" => {
                self.verify_signature(req.method().as_str(), &all)?;
                self.assume_role(&all, wall)
            }
            "AssumeRoleWithOIDC" => self.assume_role_with_oidc(&all, wall),
            _ => Err((
                404,
                "InvalidAction.NotFound".into(),
                "Specified api is not found, please check your url and method.".into(),
            )),
        }
    }

    fn verify_signature(&mut self, method: &str, all: &BTreeMap<String, String>) -> Result<(), (u16, String, String)> {
        let bad = |status: u16, code: &str, msg: &str| Err((status, code.to_owned(), msg.to_owned()));
        for p in ["AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce"] {
            if !all.contains_key(p) {
                return bad(400, "MissingParameter", &format!("{p} is mandatory for this action."));
            }
        }
        if all["SignatureMethod"] != "HMAC-SHA1" || all["SignatureVersion"] != "1.0" {
            return bad(400, "InvalidParameter.SignatureMethod", "Specified signature method is not supported.");
        }
        let Some(key) = self.keys.get(&all["AccessKeyId"]) else {
            return bad(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        };
        match (&key.token, all.get("SecurityToken")) {
            (Some(t), Some(sent)) if t == sent => {}
            (Some(_), Some(_)) => {
                return bad(
                    400,
                    "InvalidSecurityToken.Mismatch",
                    "Specified SecurityToken mismatch with the AccessKey.",
                )
            }
            (Some(_), None) => return bad(400, "MissingSecurityToken", "SecurityToken is mandatory for this action."),
            (None, Some(_)) => {
                return bad(400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
            }
            (None, None) => {}
        }
        let signed: Vec<(&str, &str)> =
            all.iter().filter(|(k, _)| k.as_str() != "Signature").map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let sts = sign::string_to_sign(method, &sign::canonical_query(signed));
        if sign::signature(&key.secret, &sts) != all["Signature"] {
            return bad(
                400,
                "SignatureDoesNotMatch",
                &format!("Specified signature is not matched with our calculation. server string to sign is:{sts}"),
            );
        }
        if !self.nonces.insert(all["SignatureNonce"].clone()) {
            return bad(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
        }
        Ok(())
    }

    fn assume_role(&mut self, all: &BTreeMap<String, String>, wall: SystemTime) -> Answer {
        let bad = |code: &str, msg: &str| Err((400, code.to_owned(), msg.to_owned()));
        let Some(role) = all.get("RoleArn") else {
            return bad("MissingRoleArn", "RoleArn is mandatory for this action.");
        };
        if !role.starts_with("acs:ram::") || !role.contains(":role/") {
            return bad("InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.");
        }
        let Some(session) = all.get("RoleSessionName") else {
            return bad("MissingRoleSessionName", "RoleSessionName is mandatory for this action.");
        };
        let session_ok = (2..=64).contains(&session.len())
            && session.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@=,".contains(c));
        if !session_ok {
            return bad("InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.");
        }
        let duration: u64 = match all.get("DurationSeconds").map(|d| d.parse()) {
            None => 3600,
            Some(Ok(d)) if (900..=43_200).contains(&d) => d,
            _ => return bad("InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is 15min/12hr."),
        };
        if let Some(p) = all.get("Policy") {
            if serde_json::from_str::<serde_json::Value>(p).is_err() {
                return bad("InvalidParameter.PolicyGrammar", "The parameter Policy has not a valid grammar.");
            }
        }
        let n = self.issued + 1;
        let lifetime =
            self.lifetime_cap.map_or(Duration::from_secs(duration), |c| c.min(Duration::from_secs(duration)));
        let id = format!("STS.NEmuAbCdEfGhIjKlMn{n:06}");
        let secret = format!("emu-secret-{n:06}-{}", session);
        let token = format!("CAIS-emu-token-{n:06}-{}", "x".repeat(32));
        self.add_sts_key(&id, &secret, &token);
        let json = serde_json::json!({
            "RequestId": "@REQUEST_ID@",
            "AssumedRoleUser": {
                "Arn": format!("{}/{}", role.replace(":role/", ":assumed-role/"), session),
                "AssumedRoleId": format!("3{n:017}:{session}"),
            },
            "Credentials": {
                "AccessKeyId": id,
                "AccessKeySecret": secret,
                "SecurityToken": token,
                "Expiration": format_timestamp(wall + lifetime),
            },
        });
        Ok(json.to_string())
    }
}

impl StsServer {
    /// `AssumeRoleWithOIDC`: unsigned; the token must be one registered with
    /// [`add_oidc_token`](StsServer::add_oidc_token).
    fn assume_role_with_oidc(&mut self, all: &BTreeMap<String, String>, wall: SystemTime) -> Answer {
        let bad = |code: &str, msg: &str| Err((400, code.to_owned(), msg.to_owned()));
        if !all.contains_key("RoleArn") {
            return bad("MissingRoleArn", "RoleArn is mandatory for this action.");
        }
        let Some(provider) = all.get("OIDCProviderArn") else {
            return bad("MissingOIDCProviderArn", "OIDCProviderArn is mandatory for this action.");
        };
        if !provider.starts_with("acs:ram::") || !provider.contains(":oidc-provider/") {
            return bad("InvalidParameter.OIDCProviderArn", "The parameter OIDCProviderArn is wrongly formed.");
        }
        let Some(token) = all.get("OIDCToken") else {
            return bad("MissingOIDCToken", "OIDCToken is mandatory for this action.");
        };
        if !self.oidc_tokens.contains(token) {
            return bad("AuthenticationFail.OIDCToken", "Illegal OIDC token: the token is invalid or expired.");
        }
        let json = self.assume_role(all, wall)?;
        let mut v: serde_json::Value = serde_json::from_str(&json).expect("assume_role answers JSON");
        v["OIDCTokenInfo"] = serde_json::json!({
            "Subject": "system:serviceaccount:default:emulator",
            "Issuer": "https://oidc-ack.cn-hangzhou.aliyuncs.com/emulator",
            "ClientIds": "sts.aliyuncs.com",
            "ExpirationTime": format_timestamp(wall + Duration::from_secs(3600)),
            "IssuanceTime": format_timestamp(wall),
            "VerificationInfo": "Success",
        });
        Ok(v.to_string())
    }
}

fn with_body(r: http::Response<Vec<u8>>, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let (parts, _) = r.into_parts();
    http::Response::from_parts(parts, body)
}
