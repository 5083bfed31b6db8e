//! `ram_role_arn` end to end on the fake clock against the strict, signature-verifying STS:
//! the exact request, defaults, policies, STS signers, every fault's typed error, retries
//! within a fetch, the error hold, expirations under clock skew, and secret hygiene.

use std::time::{Duration, Instant, SystemTime};

use alibabacloud_credentials_core::time::{format_timestamp, parse_expiration};
use alibabacloud_credentials_core::{
    sign, source_from_config, user_agent, Cache, Config, ConfigBuilder, Credential, CredentialType, Ctx, Effect, Env,
    Error, HttpRequest, Lookup, Now, RefreshPoll, Refresher, TransportError, TransportErrorKind,
};
use alibabacloud_credentials_testkit::{drive, FakeClock, Fault, StsServer, World};

const AK_ID: &str = "LTAI5tRamRoleArnTest01";
const SECRET: &str = "SeCrEt-123-ak";
const WRONG_SECRET: &str = "WrOnG-SeCrEt-456";
const STS_ID: &str = "STS.NUgYrLnoC37mZZCNnAbez2EGU";
const STS_SECRET: &str = "SeCrEt-789-sts";
/// Has characters that are percent-encoded (once in the query, twice in a string to sign).
const STS_TOKEN: &str = "CAIS+SourceToken/abc==";
/// Only unreserved characters, so it reads the same raw and encoded.
const PLAIN_TOKEN: &str = "CAISplainSourceToken0123456789";
const ROLE: &str = "acs:ram::1234567890123456:role/test-role";
const START_UNIX: u64 = 1_735_689_600;
const README_POLICY: &str = r#"{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}"#;

/// Everything that must never appear in an error, raw or encoded. The issued credentials of
/// the scripted STS start with `emu-secret-` and `CAIS-emu-token-`.
fn secrets() -> Vec<String> {
    let mut v: Vec<String> =
        [SECRET, WRONG_SECRET, STS_SECRET, STS_TOKEN, PLAIN_TOKEN, "emu-secret-", "CAIS-emu-token-"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    for t in [STS_TOKEN, PLAIN_TOKEN] {
        let once = sign::percent_encode(t);
        v.push(sign::percent_encode(&once));
        v.push(once);
    }
    v
}

fn assert_clean(what: &str, text: &str) {
    for s in secrets() {
        assert!(!text.contains(&s), "{what} leaks {s:?}: {text}");
    }
}

fn assert_error_clean(e: &Error) {
    assert_clean("Error Display", &e.to_string());
    assert_clean("Error Debug", &format!("{e:?}"));
    assert_clean("Error Debug (alternate)", &format!("{e:#?}"));
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        assert_clean("Error source", &s.to_string());
        src = s.source();
    }
}

fn ak_config() -> ConfigBuilder {
    Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(AK_ID)
        .access_key_secret(SECRET)
        .role_arn(ROLE)
}

fn sts_config(token: &str) -> ConfigBuilder {
    Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(STS_ID)
        .access_key_secret(STS_SECRET)
        .security_token(token)
        .role_arn(ROLE)
}

fn server() -> StsServer {
    let mut sts = StsServer::new();
    sts.add_key(AK_ID, SECRET);
    sts
}

/// A refresher over `config` with PRNG `seed`, demand already raised.
fn refresher(config: Config, seed: u64) -> (Refresher, std::sync::Arc<Cache>) {
    let source = source_from_config(&config, &Env::empty()).unwrap_or_else(|e| panic!("{e}"));
    let r = Refresher::new(source, seed);
    let cache = r.cache().clone();
    cache.request_refresh();
    (r, cache)
}

/// One request as it went over the wire, and the server's answer.
#[derive(Debug, Clone)]
struct Wire {
    method: String,
    uri: String,
    body: String,
    headers: http::HeaderMap,
    response: Option<(u16, String)>,
}

/// Wraps the scripted STS and keeps the raw requests and responses.
struct Capture<'a> {
    sts: &'a mut StsServer,
    wire: Vec<Wire>,
}

impl<'a> Capture<'a> {
    fn new(sts: &'a mut StsServer) -> Self {
        Capture { sts, wire: Vec::new() }
    }
}

impl World for Capture<'_> {
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        let (result, latency) = World::serve(&mut *self.sts, req, now);
        let r = &req.request;
        self.wire.push(Wire {
            method: r.method().to_string(),
            uri: r.uri().to_string(),
            body: String::from_utf8(r.body().clone()).expect("form bodies are ASCII"),
            headers: r.headers().clone(),
            response: result
                .as_ref()
                .ok()
                .map(|resp| (resp.status().as_u16(), String::from_utf8_lossy(resp.body()).into_owned())),
        });
        (result, latency)
    }
}

fn ready(cache: &Cache, at: Instant) -> Credential {
    match cache.lookup(|| at) {
        Lookup::Ready(c) => c,
        other => panic!("expected a credential, got {other:?}"),
    }
}

/// Runs one fetch that must fail; returns the error (checked for secrets) and the requests.
fn fetch_error(config: Config, sts: &mut StsServer, clock: &FakeClock) -> (Error, usize) {
    // A fresh seed per fetch: the strict server refuses a nonce it has seen.
    static SEED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1000);
    let seed = SEED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let before = sts.requests().len();
    let (mut r, cache) = refresher(config, seed);
    drive(&mut r, clock, sts);
    let err = match cache.lookup(|| clock.now().mono) {
        Lookup::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    };
    assert_error_clean(&err);
    assert_clean("Lookup Debug", &format!("{:?}", cache.lookup(|| clock.now().mono)));
    (err, sts.requests().len() - before)
}

fn names(m: &std::collections::BTreeMap<String, String>) -> Vec<&str> {
    m.keys().map(String::as_str).collect()
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

// ---------------------------------------------------------------------------------------------
// The request

#[test]
fn request_is_byte_exact_for_a_fixed_seed() {
    let clock = FakeClock::new();
    let mut sts = server();
    let mut world = Capture::new(&mut sts);
    let (mut r, cache) = refresher(ak_config().build(), 42);
    let report = drive(&mut r, &clock, &mut world);
    assert_eq!(report.requests, 1);
    ready(&cache, clock.now().mono);

    let wire = world.wire;
    let w = &wire[0];
    assert_eq!(w.method, "POST");

    // The nonce is the first draw of the seeded PRNG.
    let nonce = Ctx::new(42).nonce();
    let timestamp = "2025-01-01T00:00:00Z";
    let session = format!("credentials-rust-{START_UNIX}");
    let system = [
        ("Action", "AssumeRole"),
        ("Format", "JSON"),
        ("Version", "2015-04-01"),
        ("Timestamp", timestamp),
        ("AccessKeyId", AK_ID),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce.as_str()),
    ];
    let business = [("RoleArn", ROLE), ("RoleSessionName", session.as_str()), ("DurationSeconds", "3600")];
    let signature = sign::sign_params("POST", system.iter().chain(&business).copied(), SECRET);
    let mut query = sign::encode_pairs(system.iter().copied());
    query.push_str("&Signature=");
    query.push_str(&sign::percent_encode(&signature));
    assert_eq!(w.uri, format!("https://sts.aliyuncs.com/?{query}"));
    assert_eq!(
        w.body,
        format!(
            "RoleArn=acs%3Aram%3A%3A1234567890123456%3Arole%2Ftest-role&RoleSessionName=credentials-rust-{START_UNIX}&DurationSeconds=3600"
        )
    );

    // Headers: exactly these.
    let h = &w.headers;
    assert_eq!(h["content-type"], "application/x-www-form-urlencoded");
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["x-acs-credentials-provider"], "static_ak");
    let ua = h["user-agent"].to_str().unwrap();
    assert_eq!(ua, user_agent());
    assert!(ua.starts_with("AlibabaCloud ("), "{ua}");
    assert!(ua.ends_with(" TeaDSL/1"), "{ua}");
    assert!(ua.contains(") Rust/") && ua.contains(" Credentials/"), "{ua}");
    let mut header_names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
    header_names.sort_unstable();
    assert_eq!(header_names, ["accept", "content-type", "user-agent", "x-acs-credentials-provider"]);

    // What the server decoded: system parameters in the query, business ones in the body.
    let rec = &sts.requests()[0];
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.action, "AssumeRole");
    assert_eq!(
        names(&rec.query),
        sorted(vec![
            "Action",
            "Format",
            "Version",
            "Timestamp",
            "AccessKeyId",
            "SignatureMethod",
            "SignatureVersion",
            "SignatureNonce",
            "Signature"
        ])
    );
    assert_eq!(names(&rec.form), sorted(vec!["RoleArn", "RoleSessionName", "DurationSeconds"]));
    assert_eq!(rec.query["SignatureNonce"], nonce);
    assert_eq!(rec.query["Signature"], signature);
    assert_eq!(rec.query["Timestamp"], timestamp);
    assert_eq!(rec.error_code, None);
}

#[test]
fn policy_and_external_id_go_in_the_body() {
    let clock = FakeClock::new();
    let mut sts = server();
    let mut world = Capture::new(&mut sts);
    let config = ak_config()
        .policy(README_POLICY)
        .external_id("abc=def,ghi.jkl@mno:pqr/stu-vwx_yz")
        .role_session_name("my.session@team")
        .role_session_expiration(900u64)
        .build();
    let (mut r, cache) = refresher(config, 3);
    drive(&mut r, &clock, &mut world);
    ready(&cache, clock.now().mono);
    let wire = world.wire;
    let rec = &sts.requests()[0];
    assert_eq!(names(&rec.form), sorted(vec!["RoleArn", "RoleSessionName", "DurationSeconds", "Policy", "ExternalId"]));
    assert_eq!(rec.form["Policy"], README_POLICY);
    assert_eq!(rec.form["ExternalId"], "abc=def,ghi.jkl@mno:pqr/stu-vwx_yz");
    assert_eq!(rec.form["RoleSessionName"], "my.session@team");
    assert_eq!(rec.form["DurationSeconds"], "900");
    assert!(!rec.query.contains_key("Policy") && !rec.query.contains_key("ExternalId"));
    let body = &wire[0].body;
    assert!(body.ends_with(&format!(
        "&Policy={}&ExternalId=abc%3Ddef%2Cghi.jkl%40mno%3Apqr%2Fstu-vwx_yz",
        sign::percent_encode(README_POLICY)
    )));
}

#[test]
fn nonce_is_reproducible_per_seed() {
    let nonces = |seed: u64| -> Vec<String> {
        let clock = FakeClock::new();
        let mut sts = server();
        // Two retryable failures first, so one fetch signs three times.
        sts.push_fault(Fault::error(503, "ServiceUnavailable", "busy"));
        sts.push_fault(Fault::Drop);
        let (mut r, cache) = refresher(ak_config().build(), seed);
        drive(&mut r, &clock, &mut sts);
        ready(&cache, clock.now().mono);
        sts.requests().iter().map(|q| q.query["SignatureNonce"].clone()).collect()
    };
    let a = nonces(42);
    assert_eq!(a.len(), 3);
    assert_eq!(a, nonces(42), "same seed, same nonces");
    let b = nonces(43);
    for (x, y) in a.iter().zip(&b) {
        assert_ne!(x, y, "different seeds gave the same nonce");
    }
    // Every attempt signs with a fresh nonce, UUID-shaped.
    assert!(a[0] != a[1] && a[1] != a[2] && a[0] != a[2], "{a:?}");
    for n in &a {
        assert_eq!(n.len(), 36, "{n}");
        assert_eq!(
            n.char_indices().filter(|(_, c)| *c == '-').map(|(i, _)| i).collect::<Vec<_>>(),
            [8, 13, 18, 23],
            "{n}"
        );
    }
}

#[test]
fn default_session_name_and_duration() {
    for start in [START_UNIX, 1_800_000_123] {
        let clock = FakeClock::at_unix(start);
        let mut sts = server();
        let (mut r, cache) = refresher(ak_config().build(), 5);
        drive(&mut r, &clock, &mut sts);
        ready(&cache, clock.now().mono);
        let rec = &sts.requests()[0];
        assert_eq!(rec.form["RoleSessionName"], format!("credentials-rust-{start}"));
        assert_eq!(rec.form["DurationSeconds"], "3600");
        assert_eq!(rec.query["Timestamp"], format_timestamp(clock.now().wall));
    }
}

#[test]
fn default_session_name_is_fixed_at_the_first_fetch() {
    let clock = FakeClock::new();
    let mut sts = server();
    let (mut r, cache) = refresher(ak_config().build(), 5);
    drive(&mut r, &clock, &mut sts);
    let first = ready(&cache, clock.now().mono);
    // Past the advisory point the refresher fetches again in the background.
    clock.advance(Duration::from_secs(3000));
    drive(&mut r, &clock, &mut sts);
    assert_eq!(sts.requests().len(), 2);
    let second = ready(&cache, clock.now().mono);
    assert_ne!(first.access_key_id(), second.access_key_id());
    assert_eq!(sts.requests()[1].form["RoleSessionName"], format!("credentials-rust-{START_UNIX}"));
    assert_ne!(sts.requests()[0].query["Timestamp"], sts.requests()[1].query["Timestamp"]);
}

// ---------------------------------------------------------------------------------------------
// Policies and signers the strict server must accept

#[test]
fn policies_with_spaces_sign_correctly() {
    let policies = [
        README_POLICY,
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:Get*", "oss:List*"], "Resource": "*"}]}"#,
        "{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"acs:oss:*:*:bucket/~tmp/*\"}\n  ]\n}",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:b/a+b c/ü/中文"}]}"#,
    ];
    for policy in policies {
        let clock = FakeClock::new();
        let mut sts = server();
        let mut world = Capture::new(&mut sts);
        let (mut r, cache) = refresher(ak_config().policy(policy).build(), 11);
        drive(&mut r, &clock, &mut world);
        let body = world.wire[0].body.clone();
        assert_eq!(sts.requests()[0].error_code, None, "the server rejected {policy:?}");
        ready(&cache, clock.now().mono);
        assert_eq!(sts.requests()[0].form["Policy"], policy);
        assert!(!body.contains('+'), "{body}");
        if policy.contains(' ') {
            assert!(body.contains("%20"), "{body}");
        }
    }
}

#[test]
fn sts_source_credential_signs_with_its_token() {
    let clock = FakeClock::new();
    let mut sts = StsServer::new();
    sts.add_sts_key(STS_ID, STS_SECRET, STS_TOKEN);
    let mut world = Capture::new(&mut sts);
    let config = sts_config(STS_TOKEN).policy(README_POLICY).build();
    let source = source_from_config(&config, &Env::empty()).unwrap();
    assert_eq!(source.provider_name(), "ram_role_arn/static_sts");
    let mut r = Refresher::new(source, 9);
    let cache = r.cache().clone();
    cache.request_refresh();
    drive(&mut r, &clock, &mut world);
    let wire = world.wire;
    let c = ready(&cache, clock.now().mono);
    assert_eq!(c.provider_name(), "ram_role_arn/static_sts");
    assert_eq!(c.credential_type(), "ram_role_arn");

    let rec = &sts.requests()[0];
    assert_eq!(rec.error_code, None);
    assert_eq!(
        names(&rec.query),
        sorted(vec![
            "Action",
            "Format",
            "Version",
            "Timestamp",
            "AccessKeyId",
            "SignatureMethod",
            "SignatureVersion",
            "SignatureNonce",
            "SecurityToken",
            "Signature"
        ])
    );
    assert_eq!(rec.query["SecurityToken"], STS_TOKEN);
    assert_eq!(rec.query["AccessKeyId"], STS_ID);
    assert!(!rec.form.contains_key("SecurityToken"));
    let w = &wire[0];
    assert_eq!(w.headers["x-acs-credentials-provider"], "static_sts");
    assert!(w.uri.contains(&format!("&SecurityToken={}&", sign::percent_encode(STS_TOKEN))), "{}", w.uri);
}

#[test]
fn sts_source_without_its_token_is_refused_by_the_server() {
    // The server knows the key as an STS key; sending it as a plain AccessKey fails.
    let clock = FakeClock::new();
    let mut sts = StsServer::new();
    sts.add_sts_key(STS_ID, STS_SECRET, STS_TOKEN);
    let config = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(STS_ID)
        .access_key_secret(STS_SECRET)
        .role_arn(ROLE)
        .build();
    let (e, n) = fetch_error(config, &mut sts, &clock);
    assert_eq!(n, 1);
    assert_eq!(e.service_code(), Some("MissingSecurityToken"));
}

// ---------------------------------------------------------------------------------------------
// Faults and their typed errors

#[test]
fn service_error_carries_every_field() {
    let clock = FakeClock::new();
    let mut sts = server();
    sts.push_fault(Fault::error(
        403,
        "NoPermission",
        "You are not authorized to do this action. You should be authorized by RAM.",
    ));
    let (e, n) = fetch_error(ak_config().build(), &mut sts, &clock);
    assert_eq!(n, 1, "NoPermission is not retried");
    match &e {
        Error::Service { provider, source } => {
            assert_eq!(provider, "ram_role_arn/static_ak");
            assert_eq!(source.action, "AssumeRole");
            assert_eq!(source.endpoint, "sts.aliyuncs.com");
            assert_eq!(source.http_status, 403);
            assert_eq!(source.code, "NoPermission");
            assert_eq!(source.message, "You are not authorized to do this action. You should be authorized by RAM.");
            assert_eq!(source.request_id.as_deref(), Some("EMU-00000001"));
            assert_eq!(
                source.recommend.as_deref(),
                Some("https://api.aliyun.com/troubleshoot?q=NoPermission&product=Sts")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!e.is_retryable());
    assert_eq!(e.service_code(), Some("NoPermission"));
    assert_eq!(
        e.to_string(),
        "ram_role_arn/static_ak: AssumeRole at sts.aliyuncs.com failed: HTTP 403 NoPermission: \
         You are not authorized to do this action. You should be authorized by RAM. \
         (RequestId: EMU-00000001) (see https://api.aliyun.com/troubleshoot?q=NoPermission&product=Sts)"
    );
}

fn service_parts(e: &Error) -> (u16, &str) {
    match e {
        Error::Service { source, .. } => (source.http_status, source.code.as_str()),
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[test]
fn retryable_faults_are_retried_up_to_three_attempts() {
    let retryable: Vec<(&str, Fault)> = vec![
        ("throttling", Fault::error(400, "Throttling.User", "Request was denied due to user flow control.")),
        ("500", Fault::error(500, "InternalError", "The request processing has failed due to some unknown error.")),
        (
            "503",
            Fault::error(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
        ),
        ("drop", Fault::Drop),
        ("html503", Fault::Html503),
        // Slower than connect + read timeout: the driver reports a timeout.
        ("timeout", Fault::Delay(Duration::from_secs(20))),
    ];
    for (name, fault) in &retryable {
        // Every attempt fails: three requests, then the last error.
        let clock = FakeClock::new();
        let mut sts = server();
        for _ in 0..4 {
            sts.push_fault(fault.clone());
        }
        let (e, n) = fetch_error(ak_config().build(), &mut sts, &clock);
        assert_eq!(n, 3, "{name}: {e}");
        assert!(e.is_retryable(), "{name}: {e}");
        match (*name, &e) {
            ("throttling", _) => assert_eq!(service_parts(&e), (400, "Throttling.User")),
            ("500", _) => assert_eq!(service_parts(&e), (500, "InternalError")),
            ("503", _) => assert_eq!(service_parts(&e), (503, "ServiceUnavailable")),
            ("html503", Error::Service { source, .. }) => {
                assert_eq!((source.http_status, source.code.as_str()), (503, "Http503"));
                assert!(source.message.contains("no error details"), "{}", source.message);
                assert!(!source.message.contains("<html>"), "{}", source.message);
            }
            ("drop", Error::Transport { provider, action, endpoint, source }) => {
                assert_eq!(provider, "ram_role_arn/static_ak");
                assert_eq!(*action, "AssumeRole");
                assert_eq!(endpoint, "sts.aliyuncs.com");
                assert_eq!(source.kind, TransportErrorKind::Io);
            }
            ("timeout", Error::Transport { source, .. }) => {
                assert_eq!(source.kind, TransportErrorKind::Timeout)
            }
            _ => panic!("{name}: unexpected error {e:?}"),
        }

        // Two failures, then success: three requests and a credential.
        let clock = FakeClock::new();
        let mut sts = server();
        sts.push_fault(fault.clone());
        sts.push_fault(fault.clone());
        let (mut r, cache) = refresher(ak_config().build(), 2);
        drive(&mut r, &clock, &mut sts);
        assert_eq!(sts.requests().len(), 3, "{name}");
        ready(&cache, clock.now().mono);
    }

    // Mixed retryable faults within one fetch.
    let clock = FakeClock::new();
    let mut sts = server();
    sts.push_fault(Fault::Drop);
    sts.push_fault(Fault::Html503);
    let (mut r, cache) = refresher(ak_config().build(), 2);
    drive(&mut r, &clock, &mut sts);
    assert_eq!(sts.requests().len(), 3);
    ready(&cache, clock.now().mono);
}

#[test]
fn non_retryable_faults_are_not_retried() {
    let cases: Vec<(Fault, &str)> = vec![
        (Fault::error(403, "NoPermission", "No permission perform sts:AssumeRole on this Role."), "NoPermission"),
        (
            Fault::error(400, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed."),
            "InvalidParameter.RoleArn",
        ),
        (Fault::error(404, "EntityNotExist.Role", "The role not exists."), "EntityNotExist.Role"),
        (
            Fault::error(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."),
            "SignatureDoesNotMatch",
        ),
    ];
    for (fault, code) in cases {
        let clock = FakeClock::new();
        let mut sts = server();
        sts.push_fault(fault.clone());
        sts.push_fault(fault);
        let (e, n) = fetch_error(ak_config().build(), &mut sts, &clock);
        assert_eq!(n, 1, "{code}");
        assert_eq!(e.service_code(), Some(code));
        assert!(!e.is_retryable());
    }
}

#[test]
fn malformed_and_incomplete_answers_are_invalid_responses() {
    let mut cases: Vec<(Fault, String)> = vec![(Fault::Malformed, "body is not the expected JSON".to_owned())];
    for field in ["AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"] {
        cases.push((Fault::MissingField(field), format!("missing or empty field `Credentials.{field}`")));
    }
    for (fault, reason_start) in cases {
        let clock = FakeClock::new();
        let mut sts = server();
        sts.push_fault(fault.clone());
        sts.push_fault(fault.clone());
        let (e, n) = fetch_error(ak_config().build(), &mut sts, &clock);
        assert_eq!(n, 1, "{fault:?} is not retried");
        match &e {
            Error::InvalidResponse { provider, action, endpoint, http_status, reason } => {
                assert_eq!(provider, "ram_role_arn/static_ak");
                assert_eq!(*action, "AssumeRole");
                assert_eq!(endpoint, "sts.aliyuncs.com");
                assert_eq!(*http_status, 200);
                assert!(reason.starts_with(&reason_start), "{fault:?}: {reason}");
            }
            other => panic!("{fault:?}: {other:?}"),
        }
        assert!(!e.is_retryable());
    }
}

#[test]
fn an_already_expired_answer_is_an_error() {
    let clock = FakeClock::new();
    let mut sts = server();
    sts.push_fault(Fault::Expired);
    let (e, n) = fetch_error(ak_config().build(), &mut sts, &clock);
    assert_eq!(n, 1);
    match e {
        Error::ExpiredCredential { provider, remaining_secs } => {
            assert_eq!(provider, "ram_role_arn/static_ak");
            assert_eq!(remaining_secs, 0);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_secret_says_so_without_the_string_to_sign() {
    for (config, token) in [
        (
            Config::builder()
                .credential_type(CredentialType::RamRoleArn)
                .access_key_id(AK_ID)
                .access_key_secret(WRONG_SECRET)
                .role_arn(ROLE)
                .build(),
            None,
        ),
        (
            Config::builder()
                .credential_type(CredentialType::RamRoleArn)
                .access_key_id(STS_ID)
                .access_key_secret(WRONG_SECRET)
                .security_token(PLAIN_TOKEN)
                .role_arn(ROLE)
                .policy(README_POLICY)
                .build(),
            Some(PLAIN_TOKEN),
        ),
    ] {
        let clock = FakeClock::new();
        let mut sts = server();
        sts.add_sts_key(STS_ID, STS_SECRET, PLAIN_TOKEN);
        let (e, n) = fetch_error(config, &mut sts, &clock);
        assert_eq!(n, 1, "a wrong secret is not retried");
        let Error::Service { source, .. } = &e else { panic!("{e:?}") };
        assert_eq!(source.code, "SignatureDoesNotMatch");
        assert_eq!(source.http_status, 400);
        assert!(source.message.contains("the AccessKey secret is wrong"), "{}", source.message);
        for leak in ["string to sign is", "POST&", "%2F", "AssumeRole%26", "SignatureNonce"] {
            assert!(!source.message.contains(leak), "{leak}: {}", source.message);
        }
        if let Some(t) = token {
            assert!(!e.to_string().contains(t) && !format!("{e:?}").contains(t));
        }
    }
}

#[test]
fn unknown_access_key() {
    let clock = FakeClock::new();
    let mut sts = StsServer::new();
    let (e, n) = fetch_error(ak_config().build(), &mut sts, &clock);
    assert_eq!(n, 1);
    assert_eq!(service_parts(&e), (404, "InvalidAccessKeyId.NotFound"));
    assert!(!e.is_retryable());
}

// ---------------------------------------------------------------------------------------------
// Holding an error

#[test]
fn failure_is_held_then_a_new_fetch_runs() {
    // (fault, retryable, attempts, hold range)
    let cases = [
        (Fault::error(403, "NoPermission", "denied"), 1, (Duration::from_secs(1), Duration::from_secs(5))),
        (Fault::error(400, "Throttling.User", "slow down"), 3, (Duration::from_millis(500), Duration::from_secs(1))),
    ];
    for (fault, attempts, (lo, hi)) in cases {
        let clock = FakeClock::new();
        let mut sts = server();
        for _ in 0..attempts {
            sts.push_fault(fault.clone());
        }
        let (mut r, cache) = refresher(ak_config().build(), 21);
        drive(&mut r, &clock, &mut sts);
        assert_eq!(sts.requests().len(), attempts, "{fault:?}");
        let failed_at = clock.now().mono;
        let snap = cache.snapshot();
        let held_until = snap.error_until.expect("an error hold");
        let hold = held_until - failed_at;
        assert!(hold >= lo && hold <= hi, "{fault:?}: hold {hold:?}");
        let first = match cache.lookup(|| failed_at) {
            Lookup::Failed(e) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(Some(&first), snap.error.as_ref());
        assert!(matches!(cache.lookup(|| held_until - Duration::from_millis(1)), Lookup::Failed(_)));

        // Demand during the hold does not fetch.
        cache.request_refresh();
        drive(&mut r, &clock, &mut sts);
        assert_eq!(sts.requests().len(), attempts, "fetched during the hold");

        // After the hold, callers are told to wait for a new fetch, which now succeeds.
        assert!(matches!(cache.lookup(|| held_until), Lookup::Wait { .. }));
        clock.advance_to(held_until);
        cache.request_refresh();
        drive(&mut r, &clock, &mut sts);
        assert_eq!(sts.requests().len(), attempts + 1);
        let c = ready(&cache, clock.now().mono);
        assert_eq!(c.provider_name(), "ram_role_arn/static_ak");
        assert!(cache.snapshot().error.is_none());
    }
}

// ---------------------------------------------------------------------------------------------
// Expiration

/// The credentials in the server's last successful answer.
fn issued(world: &Capture<'_>) -> serde_json::Value {
    let (status, body) = world
        .wire
        .iter()
        .rev()
        .find_map(|w| w.response.clone().filter(|(s, _)| *s == 200))
        .expect("a successful answer");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["Credentials"].clone()
}

#[test]
fn expiration_is_the_servers_and_skew_cancels_on_the_monotonic_clock() {
    for offset in [0i64, 600, -600] {
        let clock = FakeClock::new();
        let start = clock.now();
        let mut sts = server();
        sts.set_clock_offset(offset);
        let mut world = Capture::new(&mut sts);
        let (mut r, cache) = refresher(ak_config().build(), 4);
        drive(&mut r, &clock, &mut world);
        let c = ready(&cache, start.mono);
        let creds = issued(&world);

        assert_eq!(c.access_key_id(), creds["AccessKeyId"].as_str().unwrap());
        assert_eq!(c.access_key_secret(), creds["AccessKeySecret"].as_str().unwrap());
        assert_eq!(c.security_token(), creds["SecurityToken"].as_str());
        let expiration = parse_expiration(creds["Expiration"].as_str().unwrap()).unwrap();
        assert_eq!(c.expiration(), Some(expiration), "offset {offset}");
        // The server issued 3600 s on its own clock.
        let server_now = if offset >= 0 {
            start.wall + Duration::from_secs(offset as u64)
        } else {
            start.wall - Duration::from_secs(offset.unsigned_abs())
        };
        assert_eq!(expiration, server_now + Duration::from_secs(3600));
        assert_eq!(
            expiration.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64,
            START_UNIX as i64 + 3600 + offset
        );

        // Served for 3600 s minus the 180 s mandatory margin on the monotonic clock, whatever
        // the server's clock says.
        let until = start.mono + Duration::from_secs(3600 - 180);
        assert!(ready(&cache, until - Duration::from_millis(1)).ptr_eq(&c), "offset {offset}");
        assert!(
            matches!(cache.lookup(|| until), Lookup::Wait { .. }),
            "offset {offset}: still served at the mandatory point"
        );
        assert_eq!(cache.snapshot().usable_until, Some(until), "offset {offset}");
    }
}

#[test]
fn refresh_keeps_serving_until_replaced() {
    let clock = FakeClock::new();
    let start = clock.now().mono;
    let mut sts = server();
    let (mut r, cache) = refresher(ak_config().build(), 8);
    drive(&mut r, &clock, &mut sts);
    let first = ready(&cache, start);
    // Past the advisory window the refresher fetches in the background; a failed background
    // fetch keeps the current credential.
    clock.advance(Duration::from_secs(3000));
    sts.push_fault(Fault::error(403, "NoPermission", "denied"));
    drive(&mut r, &clock, &mut sts);
    assert_eq!(sts.requests().len(), 2);
    assert!(ready(&cache, clock.now().mono).ptr_eq(&first));
    let e = cache.snapshot().error.clone().expect("the error is kept for status");
    assert_error_clean(&e);
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[test]
fn no_error_or_credential_rendering_contains_a_secret() {
    let clock = FakeClock::new();
    let mut sts = StsServer::new();
    sts.add_sts_key(STS_ID, STS_SECRET, STS_TOKEN);
    let mut errors = Vec::new();
    for fault in [
        Fault::error(400, "InvalidParameter", "bad"),
        Fault::Malformed,
        Fault::MissingField("AccessKeyId"),
        Fault::MissingField("AccessKeySecret"),
        Fault::MissingField("SecurityToken"),
        Fault::MissingField("Expiration"),
        Fault::Expired,
    ] {
        let expired = fault == Fault::Expired;
        let status = if matches!(fault, Fault::Error { .. }) { 400 } else { 200 };
        sts.push_fault(fault);
        let (e, _) = fetch_error(sts_config(STS_TOKEN).build(), &mut sts, &clock);
        match &e {
            Error::Service { source, .. } => assert_eq!(source.code, "InvalidParameter"),
            Error::InvalidResponse { http_status, .. } => assert_eq!(*http_status, status),
            Error::ExpiredCredential { .. } => assert!(expired),
            other => panic!("{other:?}"),
        }
        errors.push(e);
    }
    // A wrong secret with an STS signer: the server echoes a string to sign with the token.
    let config = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(STS_ID)
        .access_key_secret(WRONG_SECRET)
        .security_token(STS_TOKEN)
        .role_arn(ROLE)
        .build();
    let (e, _) = fetch_error(config, &mut sts, &clock);
    assert_eq!(e.service_code(), Some("SignatureDoesNotMatch"));
    errors.push(e);
    // The wrong token.
    let (e, _) = fetch_error(sts_config(PLAIN_TOKEN).build(), &mut sts, &clock);
    assert_eq!(e.service_code(), Some("InvalidSecurityToken.Mismatch"));
    errors.push(e);
    for e in &errors {
        assert_error_clean(e);
    }

    // And the credential itself renders without secrets.
    let (mut r, cache) = refresher(sts_config(STS_TOKEN).build(), 1);
    drive(&mut r, &clock, &mut sts);
    let c = ready(&cache, clock.now().mono);
    assert!(c.security_token().unwrap().starts_with("CAIS-emu-token-"));
    assert_clean("Credential Debug", &format!("{c:?} {c:#?}"));
    assert_clean("Credential Display", &c.to_string());
    assert_clean("Refresher Debug (idle)", &format!("{r:?}"));
}

/// `RamRoleArnSource` derives `Debug`, and while a call is in flight its state holds the string
/// to sign, which carries the signer's `SecurityToken`; `Refresher`'s derived `Debug` prints
/// the source, so `{:?}` of a refresher mid-fetch prints the token. (Once the answer has been
/// handled and before the next poll, the `Call` state also holds the raw `http::Response`,
/// whose body — the issued AccessKeySecret and SecurityToken — `Debug` prints as a byte list.)
#[test]
fn refresher_debug_mid_fetch_hides_the_token() {
    let clock = FakeClock::new();
    let (mut r, _cache) = refresher(sts_config(PLAIN_TOKEN).build(), 1);
    let RefreshPoll::Effect(Effect::Http(req)) = r.poll(clock.now()) else { panic!("expected a request") };
    assert_clean("HttpRequest Debug", &format!("{req:?}"));
    assert_clean("Refresher Debug (in flight)", &format!("{r:?}"));
}
