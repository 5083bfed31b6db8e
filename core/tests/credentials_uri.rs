//! `credentials_uri` end to end on the fake clock against the scripted URI server: the exact
//! GET (query kept), every fault's typed error, retries, expirations under clock skew, secret
//! hygiene, and no panic on any answer.

use std::time::{Duration, Instant};

use alibabacloud_credentials_core::source::{CallSettings, CredentialsUriSource};
use alibabacloud_credentials_core::time::{format_http_date, parse_expiration};
use alibabacloud_credentials_core::{
    user_agent, Cache, ConfigError, Credential, Ctx, Effect, Error, Input, Lookup, ProxyPolicy, Refresher, Source,
    SourcePoll, TransportErrorKind,
};
use alibabacloud_credentials_testkit::{drive, FakeClock, UriFault, UriServer};
use proptest::prelude::*;

const URI: &str = "http://127.0.0.1:8080/v1/credentials?role=app&sig=abc%2Fdef%3D%3D&flag&empty=";

/// What must never appear in an error or `Debug`: the issued secrets, the URI's query and
/// user information, and the error bodies' messages.
fn secrets() -> Vec<&'static str> {
    vec!["uri-secret-", "CAIS-uri-token-", "abc%2Fdef", "sig=", "scripted failure", "<html", "hunter2"]
}

fn assert_clean(what: &str, text: &str) {
    for s in secrets() {
        assert!(!text.contains(s), "{what} leaks {s:?}: {text}");
    }
}

fn assert_error_clean(e: &Error) {
    assert_clean("Error Display", &e.to_string());
    assert_clean("Error Debug", &format!("{e:?} {e:#?}"));
}

fn settings(attempts: u32) -> CallSettings {
    CallSettings::new(Duration::from_secs(5), Duration::from_secs(10), ProxyPolicy::FromEnv).with_attempts(attempts)
}

fn source(uri: &str) -> CredentialsUriSource {
    CredentialsUriSource::new(uri.parse().unwrap(), settings(3))
}

fn refresher(uri: &str, seed: u64) -> (Refresher, std::sync::Arc<Cache>) {
    let r = Refresher::new(Box::new(source(uri)), seed);
    let cache = r.cache().clone();
    cache.request_refresh();
    (r, cache)
}

fn ready(cache: &Cache, at: Instant) -> Credential {
    match cache.lookup(|| at) {
        Lookup::Ready(c) => c,
        other => panic!("expected a credential, got {other:?}"),
    }
}

/// Runs one fetch that must fail; returns the error (checked for secrets) and the requests.
fn fetch_error(uri: &str, server: &mut UriServer, clock: &FakeClock) -> (Error, usize) {
    let before = server.requests().len();
    let (mut r, cache) = refresher(uri, 5);
    drive(&mut r, clock, server);
    let err = match cache.lookup(|| clock.now().mono) {
        Lookup::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    };
    assert_error_clean(&err);
    assert_clean("Refresher Debug", &format!("{r:?}"));
    (err, server.requests().len() - before)
}

fn service(e: &Error) -> (u16, &str) {
    match e {
        Error::Service { provider, source } => {
            assert_eq!(provider, "credential_uri");
            assert_eq!(source.endpoint, "127.0.0.1:8080");
            (source.http_status, source.code.as_str())
        }
        other => panic!("expected a service error, got {other:?}"),
    }
}

fn invalid(e: &Error) -> (u16, &str) {
    match e {
        Error::InvalidResponse { provider, endpoint, http_status, reason, .. } => {
            assert_eq!(provider, "credential_uri");
            assert_eq!(endpoint, "127.0.0.1:8080");
            (*http_status, reason.as_str())
        }
        other => panic!("expected an invalid response, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Success

#[test]
fn success_with_the_exact_request() {
    let clock = FakeClock::new();
    let start = clock.now();
    let mut server = UriServer::new();
    let (mut r, cache) = refresher(URI, 1);
    let report = drive(&mut r, &clock, &mut server);
    assert_eq!((report.requests, report.files), (1, 0));
    let c = ready(&cache, start.mono);

    let req = &server.requests()[0];
    assert_eq!(req.method, "GET");
    assert_eq!(req.uri, URI, "the URI is sent as configured, query included");
    assert_eq!(req.body_len, 0);
    assert_eq!(req.headers["accept"], "application/json");
    assert_eq!(req.headers["user-agent"].to_str().unwrap(), user_agent());
    let mut names: Vec<&str> = req.headers.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["accept", "user-agent"]);

    let issued = &server.issued()[0];
    assert_eq!(c.access_key_id(), issued.access_key_id);
    assert_eq!(c.access_key_secret(), issued.access_key_secret);
    assert_eq!(c.security_token(), Some(issued.security_token.as_str()));
    assert_eq!(c.expiration(), parse_expiration(&issued.expiration));
    assert_eq!(c.provider_name(), "credential_uri");
    assert_eq!(c.credential_type(), "credentials_uri");
    assert_eq!(r.provider_name(), "credential_uri");
    assert_eq!(cache.snapshot().usable_until, Some(start.mono + Duration::from_secs(3600 - 180)));

    // Past the advisory point the next credential is fetched in the background.
    clock.advance(Duration::from_secs(3000));
    drive(&mut r, &clock, &mut server);
    assert_eq!(server.requests().len(), 2);
    let c2 = ready(&cache, clock.now().mono);
    assert_eq!(c2.access_key_id(), server.issued()[1].access_key_id);
}

#[test]
fn the_uri_is_sent_exactly_as_configured() {
    for uri in [
        URI,
        "https://creds.internal.example:8443/path/a%20b/c?x=1&x=2&y=%2B&z=a+b",
        "http://localhost/",
        "http://[::1]:9000/creds?token=T0k%3Den",
        "http://169.254.170.2/v2/credentials/2b9b5a80-39f3-4c8c-a5a5-7b4c4c2e0c77",
    ] {
        let clock = FakeClock::new();
        let mut server = UriServer::new();
        let (mut r, cache) = refresher(uri, 1);
        drive(&mut r, &clock, &mut server);
        ready(&cache, clock.now().mono);
        assert_eq!(server.requests()[0].uri, uri);
    }
}

#[test]
fn expiration_is_measured_against_the_servers_date() {
    for offset in [0i64, 600, -600, 7200] {
        let clock = FakeClock::new();
        let start = clock.now();
        let mut server = UriServer::new();
        server.set_clock_offset(offset);
        let (mut r, cache) = refresher(URI, 4);
        drive(&mut r, &clock, &mut server);
        let c = ready(&cache, start.mono);
        let expiration = parse_expiration(&server.issued()[0].expiration).unwrap();
        assert_eq!(c.expiration(), Some(expiration));
        // One hour on the server's clock, whatever the local wall clock says.
        let until = start.mono + Duration::from_secs(3600 - 180);
        assert_eq!(cache.snapshot().usable_until, Some(until), "offset {offset}");
        assert!(matches!(cache.lookup(|| until), Lookup::Wait { .. }), "offset {offset}");
    }

    // The local wall clock skewed instead: the same.
    let clock = FakeClock::new();
    clock.skew_wall(false, Duration::from_secs(1800));
    let start = clock.now();
    let mut server = UriServer::new();
    server.set_clock_offset(1800);
    let (mut r, cache) = refresher(URI, 4);
    drive(&mut r, &clock, &mut server);
    ready(&cache, start.mono);
    assert_eq!(cache.snapshot().usable_until, Some(start.mono + Duration::from_secs(3600 - 180)));
}

#[test]
fn without_a_date_header_the_local_clock_is_used() {
    let clock = FakeClock::new();
    let now = clock.now();
    let mut src = source(URI);
    let mut ctx = Ctx::new(1);
    src.start(now);
    let SourcePoll::Effect(Effect::Http(req)) = src.poll(now, &mut ctx) else { panic!("expected a request") };
    let body = r#"{"Code":"Success","AccessKeyId":"STS.a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2025-01-01T00:30:00Z"}"#;
    let resp = http::Response::builder().status(200).body(body.as_bytes().to_vec()).unwrap();
    src.handle(Input::Http { id: req.id, result: Ok(resp) }, now);
    let SourcePoll::Done(Ok(f)) = src.poll(now, &mut ctx) else { panic!("expected a credential") };
    assert_eq!(f.expires_at, Some(now.mono + Duration::from_secs(1800)));
}

// ---------------------------------------------------------------------------------------------
// Faults

#[test]
fn error_statuses_are_typed_and_5xx_is_retried() {
    // (fault, attempts, status, code, retryable)
    let cases = [
        (UriFault::status(500), 3, 500, "Http500", true),
        (UriFault::status(502), 3, 502, "Http502", true),
        (UriFault::status_code(503, "ServiceUnavailable"), 3, 503, "ServiceUnavailable", true),
        (UriFault::status(429), 3, 429, "Http429", true),
        (UriFault::status(404), 1, 404, "Http404", false),
        (UriFault::status_code(403, "Forbidden"), 1, 403, "Forbidden", false),
        (UriFault::status_code(401, "InvalidToken.Expired"), 1, 401, "InvalidToken.Expired", false),
        (UriFault::status(204), 1, 204, "Http204", false),
        (UriFault::status_code(201, "Success"), 1, 201, "Success", false),
        // A code that is not code-shaped is not shown.
        (UriFault::status_code(400, "the password is hunter2"), 1, 400, "Http400", false),
    ];
    for (fault, attempts, status, code, retryable) in cases {
        let clock = FakeClock::new();
        let mut server = UriServer::new();
        for _ in 0..4 {
            server.push_fault(fault.clone());
        }
        let (e, n) = fetch_error(URI, &mut server, &clock);
        assert_eq!(n, attempts, "{fault:?}");
        assert_eq!(service(&e), (status, code), "{fault:?}");
        assert_eq!(e.is_retryable(), retryable, "{fault:?}");
        assert_eq!(e.service_code(), Some(code));
        let Error::Service { source, .. } = &e else { unreachable!() };
        assert!(source.message.contains("body is not shown"), "{}", source.message);
        if matches!(fault, UriFault::Status { code: Some(_), .. }) && code != "Http400" {
            assert_eq!(source.request_id.as_deref(), Some("URI-REQ-1"));
        }
    }
}

#[test]
fn a_code_other_than_success_is_typed() {
    let clock = FakeClock::new();
    let mut server = UriServer::new();
    server.push_fault(UriFault::Code("Failure".into()));
    let (e, n) = fetch_error(URI, &mut server, &clock);
    assert_eq!(n, 1);
    assert_eq!(service(&e), (200, "Failure"));
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("answered Code `Failure` instead of `Success`"), "{e}");

    // A code-shaped throttling code is retried like any throttling.
    let mut server = UriServer::new();
    for _ in 0..3 {
        server.push_fault(UriFault::Code("Throttling".into()));
    }
    let (e, n) = fetch_error(URI, &mut server, &clock);
    assert_eq!((n, service(&e)), (3, (200, "Throttling")));

    // A code that is not code-shaped (it could be anything) is not quoted.
    for weird in ["", "secret: hunter2", "x".repeat(200).as_str()] {
        let mut server = UriServer::new();
        server.push_fault(UriFault::Code(weird.to_owned()));
        let (e, n) = fetch_error(URI, &mut server, &clock);
        assert_eq!(n, 1);
        assert_eq!(invalid(&e), (200, "field `Code` is not `Success`"));
    }
}

#[test]
fn missing_fields_are_named() {
    for field in ["Code", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"] {
        let clock = FakeClock::new();
        let mut server = UriServer::new();
        server.push_fault(UriFault::MissingField(field));
        server.push_fault(UriFault::MissingField(field));
        let (e, n) = fetch_error(URI, &mut server, &clock);
        assert_eq!(n, 1, "{field} is not retried");
        let (status, reason) = invalid(&e);
        assert_eq!(status, 200);
        let expected = if field == "Code" {
            "missing field `Code`".to_owned()
        } else {
            format!("missing or empty field `{field}`")
        };
        assert_eq!(reason, expected);
        assert!(!e.is_retryable());
    }
}

#[test]
fn bad_json_and_bad_values_are_invalid_responses() {
    let clock = FakeClock::new();
    let mut server = UriServer::new();
    server.push_fault(UriFault::BadJson);
    let (e, n) = fetch_error(URI, &mut server, &clock);
    assert_eq!(n, 1);
    assert_eq!(invalid(&e), (200, "body is not the expected JSON (truncated)"));

    let cases = [
        ("[1, 2]", "body is not the expected JSON (unexpected value types)"),
        (r#"{"Code":"Success","AccessKeyId":5}"#, "body is not the expected JSON (unexpected value types)"),
        ("<html>hunter2</html>", "body is not the expected JSON (syntax error)"),
        (
            r#"{"Code":"Success","AccessKeyId":"a","AccessKeySecret":"hunter2","SecurityToken":"t","Expiration":"tomorrow"}"#,
            "field `Expiration` is not an RFC 3339 time",
        ),
        (
            r#"{"Code":"Success","AccessKeyId":"","AccessKeySecret":"hunter2","SecurityToken":"t","Expiration":"2025-01-01T01:00:00Z"}"#,
            "missing or empty field `AccessKeyId`",
        ),
    ];
    for (body, reason) in cases {
        let now = clock.now();
        let mut src = source(URI);
        let mut ctx = Ctx::new(1);
        src.start(now);
        let SourcePoll::Effect(Effect::Http(req)) = src.poll(now, &mut ctx) else { panic!() };
        let resp = http::Response::builder().status(200).body(body.as_bytes().to_vec()).unwrap();
        src.handle(Input::Http { id: req.id, result: Ok(resp) }, now);
        let SourcePoll::Done(Err(e)) = src.poll(now, &mut ctx) else { panic!("{body}") };
        assert_eq!(invalid(&e), (200, reason), "{body}");
        assert_error_clean(&e);
    }
}

#[test]
fn an_expired_credential_is_refused() {
    let clock = FakeClock::new();
    let mut server = UriServer::new();
    server.push_fault(UriFault::Expired);
    let (e, n) = fetch_error(URI, &mut server, &clock);
    assert_eq!(n, 1);
    assert!(matches!(&e, Error::ExpiredCredential { provider, remaining_secs: 0 } if provider == "credential_uri"));
}

#[test]
fn transport_failures_are_retried() {
    for (fault, kind) in [
        (UriFault::Drop, TransportErrorKind::Io),
        (UriFault::Delay(Duration::from_secs(20)), TransportErrorKind::Timeout),
    ] {
        let clock = FakeClock::new();
        let mut server = UriServer::new();
        for _ in 0..4 {
            server.push_fault(fault.clone());
        }
        let (e, n) = fetch_error(URI, &mut server, &clock);
        assert_eq!(n, 3, "{fault:?}");
        match &e {
            Error::Transport { provider, action, endpoint, source } => {
                assert_eq!(provider, "credential_uri");
                assert_eq!(*action, "GET credentials");
                assert_eq!(endpoint, "127.0.0.1:8080");
                assert_eq!(source.kind, kind);
            }
            other => panic!("{other:?}"),
        }
        assert!(e.is_retryable());

        // Two failures, then success.
        let clock = FakeClock::new();
        let mut server = UriServer::new();
        server.push_fault(fault.clone());
        server.push_fault(fault.clone());
        let (mut r, cache) = refresher(URI, 2);
        drive(&mut r, &clock, &mut server);
        assert_eq!(server.requests().len(), 3);
        let c = ready(&cache, clock.now().mono);
        assert_eq!(c.access_key_id(), server.issued().last().unwrap().access_key_id);
    }

    // A short delay is just latency.
    let clock = FakeClock::new();
    let mut server = UriServer::new();
    server.push_fault(UriFault::Delay(Duration::from_secs(2)));
    let (mut r, cache) = refresher(URI, 2);
    drive(&mut r, &clock, &mut server);
    assert_eq!(server.requests().len(), 1);
    ready(&cache, clock.now().mono);
}

#[test]
fn a_uri_that_cannot_be_fetched_is_a_config_error() {
    for uri in ["/relative/path", "ftp://host/creds", "localhost:8080"] {
        let clock = FakeClock::new();
        let mut server = UriServer::new();
        let (e, n) = fetch_error(uri, &mut server, &clock);
        assert_eq!(n, 0, "{uri}");
        assert!(
            matches!(&e, Error::Config(ConfigError::InvalidValue { field: "credentials_uri", .. })),
            "{uri}: {e:?}"
        );
        assert!(!e.is_retryable());
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[test]
fn debug_and_errors_hide_the_query_and_user_information() {
    let uri = "http://admin:hunter2@127.0.0.1:8080/creds?sig=abc%2Fdef";
    let src = source(uri);
    let dbg = format!("{src:?} {src:#?}");
    assert_clean("source Debug", &dbg);
    assert!(dbg.contains("http://127.0.0.1:8080/creds"), "{dbg}");

    let clock = FakeClock::new();
    let mut server = UriServer::new();
    for _ in 0..3 {
        server.push_fault(UriFault::Drop);
    }
    let (e, _) = fetch_error(uri, &mut server, &clock);
    assert!(matches!(&e, Error::Transport { endpoint, .. } if endpoint == "127.0.0.1:8080"), "{e:?}");
    assert_eq!(server.requests()[0].uri, uri, "the user information is still sent");

    // Mid-fetch, and with the credential held.
    let mut src = source(URI);
    let mut ctx = Ctx::new(1);
    let now = clock.now();
    src.start(now);
    let SourcePoll::Effect(Effect::Http(req)) = src.poll(now, &mut ctx) else { panic!() };
    assert_clean("HttpRequest Debug", &format!("{req:?}"));
    assert_clean("source Debug (in flight)", &format!("{src:?}"));
    let (mut r, cache) = refresher(URI, 3);
    drive(&mut r, &clock, &mut server);
    let c = ready(&cache, clock.now().mono);
    assert_clean("Credential Debug", &format!("{c:?} {c:#?} {c}"));
    assert_clean("Refresher Debug", &format!("{r:?}"));
}

#[test]
fn late_and_foreign_answers_are_ignored() {
    let clock = FakeClock::new();
    let now = clock.now();
    let mut src = source(URI);
    let mut ctx = Ctx::new(1);
    src.start(now);
    let SourcePoll::Effect(Effect::Http(first)) = src.poll(now, &mut ctx) else { panic!() };
    // A file result and an answer with another id change nothing.
    src.handle(Input::File { id: first.id, result: Ok(Vec::new()) }, now);
    let other = alibabacloud_credentials_core::EffectId(first.id.0 + 50);
    src.handle(Input::Http { id: other, result: Ok(http::Response::new(Vec::new())) }, now);
    assert!(matches!(src.poll(now, &mut ctx), SourcePoll::Wait(_)));
    // Restarting abandons the first request.
    src.start(now);
    let SourcePoll::Effect(Effect::Http(second)) = src.poll(now, &mut ctx) else { panic!() };
    src.handle(Input::Http { id: first.id, result: Ok(http::Response::new(Vec::new())) }, now);
    assert!(matches!(src.poll(now, &mut ctx), SourcePoll::Wait(_)));
    let mut server = UriServer::new();
    let alibabacloud_credentials_testkit::sts::Reply::Response(resp, _) = server.handle(&second.request, now.wall)
    else {
        panic!()
    };
    src.handle(Input::Http { id: second.id, result: Ok(resp) }, now);
    assert!(matches!(src.poll(now, &mut ctx), SourcePoll::Done(Ok(_))));
    assert!(matches!(src.poll(now, &mut ctx), SourcePoll::Idle));
    assert!(src.max_fetch_time() >= Duration::from_secs(45));
}

// ---------------------------------------------------------------------------------------------
// Any answer

/// Feeds one answer to a fresh single-attempt source; returns what it made of it.
fn answer(status: u16, date: Option<&str>, body: Vec<u8>) -> Result<(), Error> {
    let clock = FakeClock::new();
    let now = clock.now();
    let mut src = CredentialsUriSource::new(URI.parse().unwrap(), settings(1));
    let mut ctx = Ctx::new(1);
    src.start(now);
    let SourcePoll::Effect(Effect::Http(req)) = src.poll(now, &mut ctx) else { panic!() };
    let mut b = http::Response::builder().status(status);
    if let Some(d) = date {
        b = b.header("date", d);
    }
    let resp = b.body(body).unwrap();
    src.handle(Input::Http { id: req.id, result: Ok(resp) }, now);
    match src.poll(now, &mut ctx) {
        SourcePoll::Done(r) => r.map(|_| ()),
        other => panic!("expected the fetch to end, got {other:?}"),
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("Success")),
        Just(serde_json::Value::from("2025-01-01T01:00:00Z")),
        Just(serde_json::Value::from("1970-01-01T00:00:00Z")),
        Just(serde_json::Value::from("9999-12-31T23:59:59Z")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_give_a_result_not_a_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = answer(status, None, body);
    }

    #[test]
    fn any_fields_give_a_result_not_a_panic(
        fields in proptest::collection::btree_map(
            prop_oneof![
                Just("Code".to_owned()), Just("AccessKeyId".to_owned()), Just("AccessKeySecret".to_owned()),
                Just("SecurityToken".to_owned()), Just("Expiration".to_owned()), "[A-Za-z]{1,8}",
            ],
            json_value(),
            0..7,
        ),
        status in prop_oneof![Just(200u16), 100u16..600],
        date in proptest::option::of(prop_oneof![
            Just(format_http_date(std::time::SystemTime::UNIX_EPOCH)),
            Just("Wed, 01 Jan 2025 00:00:00 GMT".to_owned()),
            "[ -~]{0,30}",
        ]),
    ) {
        let body = serde_json::to_vec(&fields).unwrap();
        if let Err(e) = answer(status, date.as_deref(), body) {
            // Values of the body are never quoted, only code-shaped codes.
            let text = e.to_string();
            let code = fields.get("Code").and_then(|c| c.as_str());
            for v in fields.values() {
                if let Some(s) = v.as_str() {
                    if s.len() >= 12 && Some(s) != code {
                        prop_assert!(!text.contains(s), "{} quoted in {}", s, text);
                    }
                }
            }
        }
    }
}
