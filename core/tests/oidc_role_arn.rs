//! `oidc_role_arn` end to end on the fake clock: the token file read on every fetch (it
//! rotates), the exact unsigned `AssumeRoleWithOIDC` request with the token in the body only,
//! file failures naming the path, typed STS errors, retries, and the token kept out of every
//! error and `Debug` rendering.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alibabacloud_credentials_core::endpoint::Endpoint;
use alibabacloud_credentials_core::source::{CallSettings, OidcParams, OidcRoleArnSource};
use alibabacloud_credentials_core::time::{format_timestamp, parse_expiration};
use alibabacloud_credentials_core::{
    sign, user_agent, Cache, Credential, Ctx, Effect, Error, FileError, FileRead, HttpRequest, Input, Lookup, Now,
    ProxyPolicy, RefreshPoll, Refresher, Source, SourcePoll, TransportError, TransportErrorKind,
};
use alibabacloud_credentials_testkit::{drive, FakeClock, Fault, FileWorld, StsServer, World};

const ROLE: &str = "acs:ram::1234567890123456:role/rrsa-role";
const PROVIDER_ARN: &str = "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0123456789";
const TOKEN_PATH: &str = "/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token";
const START_UNIX: u64 = 1_735_689_600;
/// JWT-shaped tokens (base64url parts; the signature has `-` and `_`).
const TOKEN1: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.\
                      eyJpc3MiOiJodHRwczovL29pZGMtYWNrIiwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmRlZmF1bHQ6YXBwIn0.\
                      c2lnbmF0dXJlLW9uZS1z_WduYXR1cmUtb25l-AbCdEf";
const TOKEN2: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.\
                      eyJpc3MiOiJodHRwczovL29pZGMtYWNrIiwic3ViIjoicm90YXRlZC10b2tlbi10d28tYXBwIn0.\
                      c2lnbmF0dXJlLXR3by1z_WduYXR1cmUtdHdv-GhIjKl";
/// Not registered with the server.
const BAD_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1bmtub3duLXN1YmplY3QtdGhyZWUifQ.YmFkLXNpZ25hdHVyZS10aHJlZQ";
const README_POLICY: &str = r#"{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}"#;

/// Everything that must never appear in an error or `Debug`: each token, raw and encoded, and
/// each of its parts but the (public) JWT header; the credentials the STS issues.
fn secrets() -> Vec<String> {
    let mut v: Vec<String> = vec!["emu-secret-".into(), "CAIS-emu-token-".into()];
    for t in [TOKEN1, TOKEN2, BAD_TOKEN] {
        v.push(t.to_owned());
        v.push(sign::percent_encode(t));
        v.extend(t.split('.').skip(1).map(str::to_owned));
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
    assert_clean("Error Debug", &format!("{e:?} {e:#?}"));
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        assert_clean("Error source", &s.to_string());
        src = s.source();
    }
}

fn params() -> OidcParams {
    OidcParams {
        role_arn: ROLE.to_owned(),
        oidc_provider_arn: PROVIDER_ARN.to_owned(),
        token_file: PathBuf::from(TOKEN_PATH),
        role_session_name: None,
        duration_seconds: 3600,
        policy: None,
    }
}

fn settings() -> CallSettings {
    CallSettings::new(Duration::from_secs(5), Duration::from_secs(10), ProxyPolicy::FromEnv).with_attempts(3)
}

fn endpoint() -> Endpoint {
    Endpoint::parse("sts.aliyuncs.com", http::uri::Scheme::HTTPS, "sts_endpoint").unwrap()
}

fn source(p: OidcParams) -> OidcRoleArnSource {
    OidcRoleArnSource::new(p, endpoint(), settings())
}

/// A refresher over the source with these parameters, demand already raised.
fn refresher(p: OidcParams, seed: u64) -> (Refresher, std::sync::Arc<Cache>) {
    let r = Refresher::new(Box::new(source(p)), seed);
    let cache = r.cache().clone();
    cache.request_refresh();
    (r, cache)
}

/// An STS that accepts `tokens`, behind a file system holding `file` at [`TOKEN_PATH`].
fn world(tokens: &[&str], file: Option<&str>) -> FileWorld<StsServer> {
    let mut sts = StsServer::new();
    for t in tokens {
        sts.add_oidc_token(t);
    }
    let mut w = FileWorld::new(sts);
    if let Some(f) = file {
        w.write(TOKEN_PATH, f);
    }
    w
}

fn ready(cache: &Cache, at: Instant) -> Credential {
    match cache.lookup(|| at) {
        Lookup::Ready(c) => c,
        other => panic!("expected a credential, got {other:?}"),
    }
}

/// Runs one fetch that must fail; returns the error (checked for secrets) and the number of
/// STS requests it made.
fn fetch_error(p: OidcParams, w: &mut FileWorld<StsServer>, clock: &FakeClock) -> (Error, usize) {
    let before = w.inner.requests().len();
    let (mut r, cache) = refresher(p, 7);
    drive(&mut r, clock, w);
    let err = match cache.lookup(|| clock.now().mono) {
        Lookup::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    };
    assert_error_clean(&err);
    assert_clean("Refresher Debug", &format!("{r:?}"));
    (err, w.inner.requests().len() - before)
}

/// One request as it went over the wire.
#[derive(Debug, Clone)]
struct Wire {
    method: String,
    uri: String,
    body: String,
    headers: http::HeaderMap,
}

/// Wraps a world and keeps the raw requests.
struct Capture<'a> {
    inner: &'a mut dyn World,
    wire: Vec<Wire>,
}

impl World for Capture<'_> {
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        let r = &req.request;
        self.wire.push(Wire {
            method: r.method().to_string(),
            uri: r.uri().to_string(),
            body: String::from_utf8(r.body().clone()).expect("form bodies are ASCII"),
            headers: r.headers().clone(),
        });
        self.inner.serve(req, now)
    }

    fn read_file(&mut self, file: &FileRead) -> Result<Vec<u8>, FileError> {
        self.inner.read_file(file)
    }
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
fn request_is_exact_unsigned_and_keeps_the_token_in_the_body() {
    let clock = FakeClock::new();
    let mut w = world(&[TOKEN1], Some(&format!("{TOKEN1}\n")));
    let mut cap = Capture { inner: &mut w, wire: Vec::new() };
    let (mut r, cache) = refresher(params(), 42);
    let report = drive(&mut r, &clock, &mut cap);
    assert_eq!((report.files, report.requests), (1, 1));
    let wire = cap.wire;
    let c = ready(&cache, clock.now().mono);

    let w0 = &wire[0];
    assert_eq!(w0.method, "POST");
    assert_eq!(
        w0.uri,
        "https://sts.aliyuncs.com/?Action=AssumeRoleWithOIDC&Format=JSON&Version=2015-04-01&Timestamp=2025-01-01T00%3A00%3A00Z"
    );
    assert_eq!(
        w0.body,
        format!(
            "RoleArn=acs%3Aram%3A%3A1234567890123456%3Arole%2Frrsa-role\
             &OIDCProviderArn=acs%3Aram%3A%3A1234567890123456%3Aoidc-provider%2Fack-rrsa-c0123456789\
             &OIDCToken={}&RoleSessionName=credentials-rust-{START_UNIX}&DurationSeconds=3600",
            sign::percent_encode(TOKEN1)
        )
    );
    assert!(!w0.uri.contains("OIDCToken") && !w0.uri.contains(TOKEN1.split('.').nth(1).unwrap()));
    let h = &w0.headers;
    assert_eq!(h["content-type"], "application/x-www-form-urlencoded");
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["user-agent"].to_str().unwrap(), user_agent());
    assert_eq!(sorted(h.keys().map(|k| k.as_str()).collect()), ["accept", "content-type", "user-agent"]);

    // What the server decoded: no signature, nothing secret in the query.
    let rec = &w.inner.requests()[0];
    assert_eq!(rec.error_code, None);
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.action, "AssumeRoleWithOIDC");
    assert_eq!(names(&rec.query), sorted(vec!["Action", "Format", "Version", "Timestamp"]));
    assert_eq!(
        names(&rec.form),
        sorted(vec!["RoleArn", "OIDCProviderArn", "OIDCToken", "RoleSessionName", "DurationSeconds"])
    );
    assert_eq!(rec.form["OIDCToken"], TOKEN1, "the trailing newline is trimmed");
    assert_eq!(rec.form["RoleArn"], ROLE);
    assert_eq!(rec.form["OIDCProviderArn"], PROVIDER_ARN);
    for p in ["AccessKeyId", "Signature", "SignatureNonce", "SignatureMethod", "SecurityToken"] {
        assert_eq!(rec.param(p), None, "{p}");
    }
    assert_eq!(w.reads(), [PathBuf::from(TOKEN_PATH)]);

    // The credential.
    assert_eq!(c.provider_name(), "oidc_role_arn");
    assert_eq!(c.credential_type(), "oidc_role_arn");
    assert!(c.access_key_id().starts_with("STS.NEmu"), "{}", c.access_key_id());
    assert!(c.access_key_secret().starts_with("emu-secret-"));
    assert!(c.security_token().unwrap().starts_with("CAIS-emu-token-"));
    assert_eq!(c.expiration(), parse_expiration(&format_timestamp(clock.now().wall + Duration::from_secs(3600))));
}

#[test]
fn the_read_asks_for_the_token_path_with_room_for_a_20000_character_token() {
    let clock = FakeClock::new();
    let mut src = source(params());
    let mut ctx = Ctx::new(1);
    src.start(clock.now());
    let SourcePoll::Effect(Effect::ReadFile(f)) = src.poll(clock.now(), &mut ctx) else { panic!("expected a read") };
    assert_eq!(f.path, Path::new(TOKEN_PATH));
    assert!((20_000..=32 * 1024).contains(&f.max_len), "{}", f.max_len);
    // A 20 000-character token with a trailing newline is accepted.
    let long = "a".repeat(20_000);
    src.handle(Input::File { id: f.id, result: Ok(format!("{long}\n").into_bytes()) }, clock.now());
    let SourcePoll::Effect(Effect::Http(req)) = src.poll(clock.now(), &mut ctx) else { panic!("expected a request") };
    assert!(String::from_utf8(req.request.body().clone()).unwrap().contains(&format!("&OIDCToken={long}&")));
}

#[test]
fn the_token_is_reread_on_every_fetch() {
    let clock = FakeClock::new();
    let mut w = world(&[TOKEN1, TOKEN2], Some(TOKEN1));
    let (mut r, cache) = refresher(params(), 3);
    drive(&mut r, &clock, &mut w);
    let first = ready(&cache, clock.now().mono);
    assert_eq!(w.inner.requests()[0].form["OIDCToken"], TOKEN1);

    // The kubelet rotates the token; past the advisory point the background refresh uses it.
    w.write(TOKEN_PATH, format!("{TOKEN2}\n"));
    clock.advance(Duration::from_secs(3000));
    drive(&mut r, &clock, &mut w);
    assert_eq!(w.inner.requests().len(), 2);
    assert_eq!(w.inner.requests()[1].form["OIDCToken"], TOKEN2);
    let second = ready(&cache, clock.now().mono);
    assert_ne!(first.access_key_id(), second.access_key_id());
    assert_eq!(w.reads().len(), 2);

    // A token the server refuses fails the next refresh; the current credential is kept.
    w.write(TOKEN_PATH, BAD_TOKEN);
    clock.advance(Duration::from_secs(3000));
    drive(&mut r, &clock, &mut w);
    assert_eq!(w.inner.requests().len(), 3, "an authentication failure is not retried");
    assert_eq!(w.inner.requests()[2].form["OIDCToken"], BAD_TOKEN);
    assert!(ready(&cache, clock.now().mono).ptr_eq(&second));
    let e = cache.snapshot().error.clone().expect("the error is kept for status");
    assert_eq!(e.service_code(), Some("AuthenticationFail.OIDCToken"));
    assert_error_clean(&e);
    assert_eq!(w.reads().len(), 3);
}

#[test]
fn session_name_defaults_and_is_fixed_at_the_first_fetch() {
    let clock = FakeClock::at_unix(1_800_000_123);
    let mut w = world(&[TOKEN1], Some(TOKEN1));
    let (mut r, cache) = refresher(params(), 5);
    drive(&mut r, &clock, &mut w);
    ready(&cache, clock.now().mono);
    clock.advance(Duration::from_secs(3000));
    drive(&mut r, &clock, &mut w);
    ready(&cache, clock.now().mono);
    let reqs = w.inner.requests();
    assert_eq!(reqs.len(), 2);
    for rec in reqs {
        assert_eq!(rec.form["RoleSessionName"], "credentials-rust-1800000123");
        assert_eq!(rec.form["DurationSeconds"], "3600");
    }
    assert_ne!(reqs[0].query["Timestamp"], reqs[1].query["Timestamp"]);

    // An explicit name and duration are sent as given.
    let mut w = world(&[TOKEN1], Some(TOKEN1));
    let p = OidcParams { role_session_name: Some("my.session@team".into()), duration_seconds: 900, ..params() };
    let (mut r, cache) = refresher(p, 5);
    drive(&mut r, &clock, &mut w);
    let c = ready(&cache, clock.now().mono);
    let rec = &w.inner.requests()[0];
    assert_eq!(rec.form["RoleSessionName"], "my.session@team");
    assert_eq!(rec.form["DurationSeconds"], "900");
    assert_eq!(c.expiration(), Some(clock.now().wall + Duration::from_secs(900)));
}

#[test]
fn policies_with_spaces_go_in_the_body_percent_encoded() {
    let policies = [
        README_POLICY,
        "{\n  \"Version\": \"1\",\n  \"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}]\n}",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:b/a+b c/ü"}]}"#,
    ];
    for policy in policies {
        let clock = FakeClock::new();
        let mut w = world(&[TOKEN1], Some(TOKEN1));
        let mut cap = Capture { inner: &mut w, wire: Vec::new() };
        let (mut r, cache) = refresher(OidcParams { policy: Some(policy.to_owned()), ..params() }, 11);
        drive(&mut r, &clock, &mut cap);
        let wire = cap.wire;
        ready(&cache, clock.now().mono);
        let rec = &w.inner.requests()[0];
        assert_eq!(rec.error_code, None, "{policy}");
        assert_eq!(rec.form["Policy"], policy);
        assert!(!rec.query.contains_key("Policy"));
        let body = &wire[0].body;
        assert!(body.ends_with(&format!("&Policy={}", sign::percent_encode(policy))), "{body}");
        assert!(!body.contains('+') && body.contains("%20"), "{body}");
    }
}

#[test]
fn a_custom_endpoint_is_used() {
    let clock = FakeClock::new();
    let mut w = world(&[TOKEN1], Some(TOKEN1));
    let mut cap = Capture { inner: &mut w, wire: Vec::new() };
    let ep = Endpoint::parse("http://127.0.0.1:8080", http::uri::Scheme::HTTPS, "sts_endpoint").unwrap();
    let src = OidcRoleArnSource::new(params(), ep, settings());
    assert_eq!(src.endpoint().authority(), "127.0.0.1:8080");
    let mut r = Refresher::new(Box::new(src), 1);
    r.cache().request_refresh();
    drive(&mut r, &clock, &mut cap);
    assert!(cap.wire[0].uri.starts_with("http://127.0.0.1:8080/?Action=AssumeRoleWithOIDC&"), "{}", cap.wire[0].uri);
    ready(r.cache(), clock.now().mono);
}

// ---------------------------------------------------------------------------------------------
// The token file

fn file_error(e: &Error) -> (&Path, &str) {
    match e {
        Error::File { provider, path, reason } => {
            assert_eq!(provider, "oidc_role_arn");
            (path.as_path(), reason.as_str())
        }
        other => panic!("expected a file error, got {other:?}"),
    }
}

#[test]
fn a_missing_or_unreadable_file_names_the_path() {
    let cases = [
        (None, "file not found"),
        (Some(FileError::PermissionDenied), "permission denied"),
        (Some(FileError::Other("Is a directory (os error 21)".into())), "Is a directory (os error 21)"),
    ];
    for (fail, reason) in cases {
        let clock = FakeClock::new();
        let mut w = world(&[TOKEN1], None);
        if let Some(f) = fail {
            w.write(TOKEN_PATH, TOKEN1);
            w.fail(TOKEN_PATH, f);
        }
        let (e, n) = fetch_error(params(), &mut w, &clock);
        assert_eq!(n, 0, "no request without a token");
        assert_eq!(file_error(&e), (Path::new(TOKEN_PATH), reason));
        assert_eq!(e.to_string(), format!("oidc_role_arn: cannot read {TOKEN_PATH}: {reason}"));
        assert_eq!(w.reads().len(), 1, "a file failure is not retried within the fetch");
    }
}

#[test]
fn the_file_recovers_on_a_later_fetch() {
    let clock = FakeClock::new();
    let mut w = world(&[TOKEN1], None);
    let (mut r, cache) = refresher(params(), 2);
    drive(&mut r, &clock, &mut w);
    assert!(matches!(cache.lookup(|| clock.now().mono), Lookup::Failed(Error::File { .. })));
    let held = cache.snapshot().error_until.expect("an error hold");
    // The token appears (the volume got mounted); after the hold the next demand fetches.
    w.write(TOKEN_PATH, TOKEN1);
    clock.advance_to(held);
    cache.request_refresh();
    drive(&mut r, &clock, &mut w);
    ready(&cache, clock.now().mono);
    assert_eq!(w.reads().len(), 2);
}

#[test]
fn empty_whitespace_oversized_and_binary_files_are_errors() {
    let mut cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "the OIDC token file is empty"),
        (b"\n".to_vec(), "the OIDC token file is empty"),
        (b"  \t\r\n  \n".to_vec(), "the OIDC token file is empty"),
        (vec![0xff, 0xfe, b'a', b'b'], "the OIDC token is not UTF-8 text"),
    ];
    let over = "a".repeat(20_001);
    cases.push((over.clone().into_bytes(), "the OIDC token is 20001 characters long; STS accepts at most 20000"));
    let huge = "b".repeat(100_000);
    cases.push((huge.clone().into_bytes(), "file too large"));
    for (contents, reason) in cases {
        let clock = FakeClock::new();
        let mut w = world(&[TOKEN1], None);
        w.write(TOKEN_PATH, contents);
        let (e, n) = fetch_error(params(), &mut w, &clock);
        assert_eq!(n, 0, "{reason}");
        let (path, got) = file_error(&e);
        assert_eq!(path, Path::new(TOKEN_PATH));
        assert!(got.starts_with(reason), "{got}");
        let text = format!("{e} {e:?}");
        assert!(!text.contains("aaaaaaaa") && !text.contains("bbbbbbbb"), "the content is quoted: {text}");
    }
}

#[test]
fn surrounding_whitespace_is_trimmed() {
    for contents in [format!("{TOKEN1}\n"), format!("{TOKEN1}\r\n"), format!("\n  {TOKEN1} \t\n\n")] {
        let clock = FakeClock::new();
        let mut w = world(&[TOKEN1], Some(&contents));
        let (mut r, cache) = refresher(params(), 4);
        drive(&mut r, &clock, &mut w);
        ready(&cache, clock.now().mono);
        assert_eq!(w.inner.requests()[0].form["OIDCToken"], TOKEN1);
    }
}

#[test]
fn an_unanswered_read_times_out_and_stale_results_are_ignored() {
    let clock = FakeClock::new();
    let mut src = source(params());
    let mut ctx = Ctx::new(1);
    let t0 = clock.now();
    src.start(t0);
    let SourcePoll::Effect(Effect::ReadFile(f1)) = src.poll(t0, &mut ctx) else { panic!("expected a read") };
    // A result with another id is ignored.
    src.handle(
        Input::File { id: alibabacloud_credentials_core::EffectId(f1.id.0 + 100), result: Ok(b"x".to_vec()) },
        t0,
    );
    let SourcePoll::Wait(deadline) = src.poll(t0, &mut ctx) else { panic!("expected a wait") };
    assert!(deadline > t0.mono && deadline <= t0.mono + Duration::from_secs(30));
    assert!(src.max_fetch_time() >= deadline - t0.mono + settings().max_time());
    // Polling early is harmless.
    assert!(matches!(src.poll(t0, &mut ctx), SourcePoll::Wait(t) if t == deadline));
    clock.advance_to(deadline);
    let SourcePoll::Done(Err(e)) = src.poll(clock.now(), &mut ctx) else { panic!("expected a failure") };
    let (_, reason) = file_error(&e);
    assert!(reason.starts_with("not read within"), "{reason}");
    assert!(matches!(src.poll(clock.now(), &mut ctx), SourcePoll::Idle));

    // A new fetch: the late answer to the first read is ignored, the new one is used.
    src.start(clock.now());
    let SourcePoll::Effect(Effect::ReadFile(f2)) = src.poll(clock.now(), &mut ctx) else { panic!("expected a read") };
    assert_ne!(f1.id, f2.id);
    src.handle(Input::File { id: f1.id, result: Ok(BAD_TOKEN.as_bytes().to_vec()) }, clock.now());
    assert!(matches!(src.poll(clock.now(), &mut ctx), SourcePoll::Wait(_)));
    src.handle(Input::File { id: f2.id, result: Ok(TOKEN1.as_bytes().to_vec()) }, clock.now());
    let SourcePoll::Effect(Effect::Http(req)) = src.poll(clock.now(), &mut ctx) else { panic!("expected a request") };
    let body = String::from_utf8(req.request.body().clone()).unwrap();
    assert!(body.contains(&format!("OIDCToken={}", sign::percent_encode(TOKEN1))));

    // Cancelling mid-call forgets the request.
    src.cancel();
    assert!(matches!(src.poll(clock.now(), &mut ctx), SourcePoll::Idle));
}

// ---------------------------------------------------------------------------------------------
// STS answers

#[test]
fn an_unknown_token_is_a_typed_authentication_failure() {
    let clock = FakeClock::new();
    let mut w = world(&[TOKEN1], Some(BAD_TOKEN));
    let (e, n) = fetch_error(params(), &mut w, &clock);
    assert_eq!(n, 1, "not retried");
    assert!(!e.is_retryable());
    match &e {
        Error::Service { provider, source } => {
            assert_eq!(provider, "oidc_role_arn");
            assert_eq!(source.action, "AssumeRoleWithOIDC");
            assert_eq!(source.endpoint, "sts.aliyuncs.com");
            assert_eq!(source.http_status, 400);
            assert_eq!(source.code, "AuthenticationFail.OIDCToken");
            assert_eq!(source.request_id.as_deref(), Some("EMU-00000001"));
            assert_eq!(
                source.recommend.as_deref(),
                Some("https://api.aliyun.com/troubleshoot?q=AuthenticationFail.OIDCToken&product=Sts")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_token_echoed_by_the_server_is_redacted() {
    let clock = FakeClock::new();
    for message in [
        format!("Illegal OIDC token: {TOKEN1}"),
        format!("Illegal OIDC token: {}", sign::percent_encode(TOKEN1)),
        format!("Token payload {} is expired.", TOKEN1.split('.').nth(1).unwrap()),
    ] {
        let mut w = world(&[TOKEN1], Some(TOKEN1));
        w.inner.push_fault(Fault::error(400, "AuthenticationFail.OIDCToken", &message));
        let (e, n) = fetch_error(params(), &mut w, &clock);
        assert_eq!(n, 1);
        let Error::Service { source, .. } = &e else { panic!("{e:?}") };
        assert!(source.message.contains("<redacted OIDC token>"), "{}", source.message);
    }
}

#[test]
fn other_sts_refusals_are_typed_and_not_retried() {
    let cases = [
        (Fault::error(403, "NoPermission", "No permission perform sts:AssumeRoleWithOIDC on this Role."), 403),
        (Fault::error(404, "EntityNotExist.Role", "The role not exists."), 404),
        (Fault::error(400, "InvalidParameter.OIDCProviderArn", "wrongly formed"), 400),
    ];
    for (fault, status) in cases {
        let clock = FakeClock::new();
        let mut w = world(&[TOKEN1], Some(TOKEN1));
        let Fault::Error { code, .. } = &fault else { unreachable!() };
        let code = code.clone();
        w.inner.push_fault(fault.clone());
        w.inner.push_fault(fault);
        let (e, n) = fetch_error(params(), &mut w, &clock);
        assert_eq!(n, 1, "{code}");
        assert_eq!(e.service_code(), Some(code.as_str()));
        let Error::Service { source, .. } = &e else { panic!() };
        assert_eq!(source.http_status, status);
    }
    // The server's own checks: a malformed provider ARN.
    let clock = FakeClock::new();
    let mut w = world(&[TOKEN1], Some(TOKEN1));
    let p = OidcParams { oidc_provider_arn: "not-an-arn".into(), ..params() };
    let (e, _) = fetch_error(p, &mut w, &clock);
    assert_eq!(e.service_code(), Some("InvalidParameter.OIDCProviderArn"));
}

#[test]
fn retryable_failures_are_retried_within_the_fetch_without_rereading_the_file() {
    let faults = [
        ("503", Fault::error(503, "ServiceUnavailable", "The request has failed due to a temporary failure.")),
        ("500", Fault::error(500, "InternalError", "unknown error")),
        ("throttling", Fault::error(400, "Throttling.User", "Request was denied due to user flow control.")),
        ("html503", Fault::Html503),
        ("drop", Fault::Drop),
        ("timeout", Fault::Delay(Duration::from_secs(20))),
    ];
    for (name, fault) in &faults {
        // Two failures, then success.
        let clock = FakeClock::new();
        let mut w = world(&[TOKEN1], Some(TOKEN1));
        w.inner.push_fault(fault.clone());
        w.inner.push_fault(fault.clone());
        let (mut r, cache) = refresher(params(), 2);
        drive(&mut r, &clock, &mut w);
        ready(&cache, clock.now().mono);
        assert_eq!(w.inner.requests().len(), 3, "{name}");
        assert_eq!(w.reads().len(), 1, "{name}: one read per fetch");
        for rec in w.inner.requests() {
            assert_eq!(rec.form["OIDCToken"], TOKEN1);
        }

        // Every attempt fails: three requests, then the last error.
        let clock = FakeClock::new();
        let mut w = world(&[TOKEN1], Some(TOKEN1));
        for _ in 0..4 {
            w.inner.push_fault(fault.clone());
        }
        let (e, n) = fetch_error(params(), &mut w, &clock);
        assert_eq!(n, 3, "{name}: {e}");
        assert!(e.is_retryable(), "{name}");
        match (*name, &e) {
            ("503", Error::Service { source, .. }) => assert_eq!(source.code, "ServiceUnavailable"),
            ("500", Error::Service { source, .. }) => assert_eq!(source.code, "InternalError"),
            ("throttling", Error::Service { source, .. }) => assert_eq!(source.code, "Throttling.User"),
            ("html503", Error::Service { source, .. }) => {
                assert_eq!((source.http_status, source.code.as_str()), (503, "Http503"));
                assert!(!source.message.contains("<html>"));
            }
            ("drop", Error::Transport { provider, action, endpoint, source }) => {
                assert_eq!(
                    (provider.as_str(), *action, endpoint.as_str()),
                    ("oidc_role_arn", "AssumeRoleWithOIDC", "sts.aliyuncs.com")
                );
                assert_eq!(source.kind, TransportErrorKind::Io);
            }
            ("timeout", Error::Transport { source, .. }) => assert_eq!(source.kind, TransportErrorKind::Timeout),
            _ => panic!("{name}: unexpected {e:?}"),
        }
    }
}

#[test]
fn malformed_incomplete_and_expired_answers() {
    let mut cases: Vec<(Fault, String)> = vec![(Fault::Malformed, "body is not the expected JSON".to_owned())];
    for field in ["AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"] {
        cases.push((Fault::MissingField(field), format!("missing or empty field `Credentials.{field}`")));
    }
    for (fault, reason_start) in cases {
        let clock = FakeClock::new();
        let mut w = world(&[TOKEN1], Some(TOKEN1));
        w.inner.push_fault(fault.clone());
        let (e, n) = fetch_error(params(), &mut w, &clock);
        assert_eq!(n, 1, "{fault:?}");
        match &e {
            Error::InvalidResponse { provider, action, http_status, reason, .. } => {
                assert_eq!((provider.as_str(), *action, *http_status), ("oidc_role_arn", "AssumeRoleWithOIDC", 200));
                assert!(reason.starts_with(&reason_start), "{reason}");
            }
            other => panic!("{fault:?}: {other:?}"),
        }
    }
    let clock = FakeClock::new();
    let mut w = world(&[TOKEN1], Some(TOKEN1));
    w.inner.push_fault(Fault::Expired);
    let (e, _) = fetch_error(params(), &mut w, &clock);
    assert!(matches!(&e, Error::ExpiredCredential { provider, .. } if provider == "oidc_role_arn"), "{e:?}");
}

#[test]
fn expiration_under_server_clock_skew() {
    for offset in [0i64, 900, -900] {
        let clock = FakeClock::new();
        let start = clock.now();
        let mut w = world(&[TOKEN1], Some(TOKEN1));
        w.inner.set_clock_offset(offset);
        let (mut r, cache) = refresher(params(), 4);
        drive(&mut r, &clock, &mut w);
        ready(&cache, start.mono);
        // 3600 s on the server's clock, minus the 180 s margin, whatever the offset.
        assert_eq!(cache.snapshot().usable_until, Some(start.mono + Duration::from_secs(3600 - 180)), "{offset}");
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[test]
fn debug_never_shows_the_token() {
    let clock = FakeClock::new();
    let p = OidcParams { policy: Some(README_POLICY.into()), ..params() };
    assert_clean("OidcParams Debug", &format!("{p:?}"));
    let mut src = source(p);
    let mut ctx = Ctx::new(9);
    src.start(clock.now());
    let SourcePoll::Effect(Effect::ReadFile(f)) = src.poll(clock.now(), &mut ctx) else { panic!() };
    assert_clean("FileRead Debug", &format!("{f:?}"));
    let input = Input::File { id: f.id, result: Ok(TOKEN1.as_bytes().to_vec()) };
    assert_clean("Input Debug", &format!("{input:?}"));
    src.handle(input, clock.now());
    assert_clean("source Debug (token read)", &format!("{src:?} {src:#?}"));
    let SourcePoll::Effect(Effect::Http(req)) = src.poll(clock.now(), &mut ctx) else { panic!() };
    assert_clean("HttpRequest Debug", &format!("{req:?}"));
    let dbg = format!("{src:?}");
    assert_clean("source Debug (in flight)", &dbg);
    assert!(dbg.contains(TOKEN_PATH) && dbg.contains(ROLE), "{dbg}");

    // And through a refresher mid-fetch.
    let (mut r, _cache) = refresher(params(), 1);
    let RefreshPoll::Effect(Effect::ReadFile(f)) = r.poll(clock.now()) else { panic!() };
    r.handle_input(Input::File { id: f.id, result: Ok(TOKEN1.as_bytes().to_vec()) }, clock.now());
    let RefreshPoll::Effect(Effect::Http(_)) = r.poll(clock.now()) else { panic!() };
    assert_clean("Refresher Debug (in flight)", &format!("{r:?} {r:#?}"));
}

#[test]
fn a_full_life_renders_no_secret() {
    let clock = FakeClock::new();
    let mut w = world(&[TOKEN1], Some(TOKEN1));
    let (mut r, cache) = refresher(params(), 12);
    drive(&mut r, &clock, &mut w);
    let c = ready(&cache, clock.now().mono);
    assert_clean("Credential Debug", &format!("{c:?} {c:#?}"));
    assert_clean("Credential Display", &c.to_string());
    assert_clean("Refresher Debug", &format!("{r:?}"));
    assert_clean("Snapshot Debug", &format!("{:?}", cache.snapshot()));
}
