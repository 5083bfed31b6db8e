//! `ecs_ram_role` end to end on the fake clock against the scripted metadata service: the
//! IMDSv2 flow and its exact requests, token and role reuse across fetches, both IMDSv1
//! fallbacks and `disable_imds_v1`, absence (`NotConfigured`), every fault's typed error,
//! retries, expirations under clock skew, the fetch-time bound, and secret hygiene.

use std::sync::Arc;
use std::time::Duration;

use alibabacloud_credentials_core::endpoint::Endpoint;
use alibabacloud_credentials_core::source::{EcsRamRoleParams, EcsRamRoleSource};
use alibabacloud_credentials_core::time::{format_http_date, parse_expiration};
use alibabacloud_credentials_core::{
    user_agent, Cache, ConfigError, Credential, Effect, Error, HttpRequest, Lookup, Now, ProxyPolicy, RefreshPoll,
    Refresher, Source, TransportError, TransportErrorKind,
};
use alibabacloud_credentials_testkit::{drive, FakeClock, ImdsFault, ImdsRequestKind as Kind, ImdsServer, World};
use proptest::prelude::*;

const ROLE: &str = ImdsServer::DEFAULT_ROLE;
const TOKEN_PATH: &str = "/latest/api/token";
const ROLES_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const SIX_HOURS: Duration = Duration::from_secs(6 * 3600);

fn creds_path(role: &str) -> String {
    format!("{ROLES_PATH}{role}")
}

fn params() -> EcsRamRoleParams {
    EcsRamRoleParams {
        role_name: None,
        disable_imds_v1: false,
        token_ttl: Duration::from_secs(21_600),
        endpoint: Endpoint::parse("http://100.100.100.200", http::uri::Scheme::HTTP, "metadata_endpoint").unwrap(),
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_secs(1),
    }
}

/// A refresher over an `ecs_ram_role` source, demand already raised.
fn refresher(p: EcsRamRoleParams, seed: u64) -> (Refresher, Arc<Cache>) {
    let r = Refresher::new(Box::new(EcsRamRoleSource::new(p)), seed);
    let cache = r.cache().clone();
    cache.request_refresh();
    (r, cache)
}

/// Everything the scripted service hands out that must never appear in an error or a `Debug`:
/// metadata tokens, AccessKey secrets, security tokens.
const SECRETS: [&str; 3] = ["imds-token-", "imds-secret-", "imds-sts-token-"];

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks {s:?}: {text}");
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

fn ready(cache: &Cache, clock: &FakeClock) -> Credential {
    match cache.lookup(|| clock.now().mono) {
        Lookup::Ready(c) => c,
        other => panic!("expected a credential, got {other:?}"),
    }
}

fn failed(cache: &Cache, clock: &FakeClock) -> Error {
    let e = match cache.lookup(|| clock.now().mono) {
        Lookup::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    };
    assert_error_clean(&e);
    e
}

/// Forces one more fetch now (after any error hold) and drives it; returns the requests made.
fn fetch_again(r: &mut Refresher, cache: &Cache, clock: &FakeClock, world: &mut dyn World) -> usize {
    let snap = cache.snapshot();
    if let Some(until) = snap.error_until {
        clock.advance_to(until);
    }
    if let Some(c) = &snap.credential {
        cache.request_invalidate(c);
    }
    cache.request_refresh();
    drive(r, clock, world).requests
}

/// Runs one fetch of a fresh source that must fail; returns the error and the requests made.
fn fetch_error(p: EcsRamRoleParams, imds: &mut ImdsServer) -> (Error, usize) {
    let clock = FakeClock::new();
    let before = imds.requests().len();
    let (mut r, cache) = refresher(p, 7);
    drive(&mut r, &clock, imds);
    let e = failed(&cache, &clock);
    assert_clean("Lookup Debug", &format!("{:?}", cache.lookup(|| clock.now().mono)));
    (e, imds.requests().len() - before)
}

/// (method, path, carried a token) of each request from index `from`.
fn trace(imds: &ImdsServer, from: usize) -> Vec<(String, String, bool)> {
    imds.requests()[from..].iter().map(|r| (r.method.clone(), r.path.clone(), r.token().is_some())).collect()
}

fn t(method: &str, path: &str, token: bool) -> (String, String, bool) {
    (method.to_owned(), path.to_owned(), token)
}

fn v2_flow() -> Vec<(String, String, bool)> {
    vec![t("PUT", TOKEN_PATH, false), t("GET", ROLES_PATH, true), t("GET", &creds_path(ROLE), true)]
}

fn service_parts(e: &Error) -> (&str, u16, &str) {
    match e {
        Error::Service { provider, source } => (provider.as_str(), source.http_status, source.code.as_str()),
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// The request effects as the driver saw them.
#[derive(Debug, Clone)]
struct Sent {
    uri: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    max_body: usize,
    proxy: ProxyPolicy,
    debug: String,
}

struct Capture<'a> {
    imds: &'a mut ImdsServer,
    sent: Vec<Sent>,
    strip_date: bool,
}

impl<'a> Capture<'a> {
    fn new(imds: &'a mut ImdsServer) -> Self {
        Capture { imds, sent: Vec::new(), strip_date: false }
    }
}

impl World for Capture<'_> {
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        self.sent.push(Sent {
            uri: req.request.uri().to_string(),
            connect_timeout: req.connect_timeout,
            read_timeout: req.read_timeout,
            max_body: req.max_body,
            proxy: req.proxy.clone(),
            debug: format!("{req:?} {req:#?}"),
        });
        let (mut result, latency) = World::serve(&mut *self.imds, req, now);
        if self.strip_date {
            if let Ok(r) = &mut result {
                r.headers_mut().remove(http::header::DATE);
            }
        }
        (result, latency)
    }
}

// ---------------------------------------------------------------------------------------------
// The IMDSv2 flow

#[test]
fn full_imdsv2_flow_exact_requests() {
    let clock = FakeClock::new();
    let start = clock.now();
    let mut imds = ImdsServer::new();
    imds.set_v2_required(true);
    let mut world = Capture::new(&mut imds);
    let (mut r, cache) = refresher(params(), 1);
    let report = drive(&mut r, &clock, &mut world);
    assert_eq!(report.requests, 3);
    let sent = world.sent;
    let c = ready(&cache, &clock);

    // The effects: plain http to the metadata host, never proxied, 1 s timeouts, small bodies.
    let uris: Vec<&str> = sent.iter().map(|s| s.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "http://100.100.100.200/latest/api/token",
            "http://100.100.100.200/latest/meta-data/ram/security-credentials/",
            "http://100.100.100.200/latest/meta-data/ram/security-credentials/EcsRamRoleTest",
        ]
    );
    for s in &sent {
        assert_eq!(s.proxy, ProxyPolicy::Never);
        assert_eq!(s.connect_timeout, Duration::from_secs(1));
        assert_eq!(s.read_timeout, Duration::from_secs(1));
        assert_eq!(s.max_body, 16 * 1024);
        assert_clean("HttpRequest Debug", &s.debug);
    }

    // The requests as the service received them: exact methods, paths and headers.
    assert_eq!(trace(&imds, 0), v2_flow());
    let reqs = imds.requests();
    let names = |q: &alibabacloud_credentials_testkit::ImdsRequest| {
        let mut v: Vec<String> = q.headers.keys().map(|k| k.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(names(&reqs[0]), ["user-agent", "x-aliyun-ecs-metadata-token-ttl-seconds"]);
    assert_eq!(reqs[0].ttl_header(), Some("21600"));
    let token = reqs[1].token().expect("a token").to_owned();
    assert!(token.starts_with("imds-token-0001-"), "{token}");
    for q in &reqs[1..] {
        assert_eq!(names(q), ["user-agent", "x-aliyun-ecs-metadata-token"]);
        assert_eq!(q.token(), Some(token.as_str()));
    }
    for q in reqs {
        assert_eq!(q.headers["user-agent"], user_agent());
        assert_eq!(q.status, Some(200));
    }
    assert_eq!(imds.tokens_issued(), 1);

    // The credential is the service's, labelled `ecs_ram_role`.
    let issued = imds.last_credentials().unwrap().clone();
    assert_eq!(c.access_key_id(), issued["AccessKeyId"].as_str().unwrap());
    assert_eq!(c.access_key_secret(), issued["AccessKeySecret"].as_str().unwrap());
    assert_eq!(c.security_token(), issued["SecurityToken"].as_str());
    assert_eq!(c.expiration(), parse_expiration(issued["Expiration"].as_str().unwrap()));
    assert_eq!(c.expiration(), Some(start.wall + SIX_HOURS));
    assert_eq!(c.provider_name(), "ecs_ram_role");
    assert_eq!(c.credential_type(), "ecs_ram_role");
    assert_eq!(r.provider_name(), "ecs_ram_role");
    assert_clean("Credential Debug", &format!("{c:?} {c:#?}"));
    assert_clean("Credential Display", &c.to_string());
    assert_clean("Refresher Debug", &format!("{r:?}"));
}

#[test]
fn provider_name_and_defaults() {
    let s = EcsRamRoleSource::new(params());
    assert_eq!(s.provider_name(), "ecs_ram_role");
    assert_eq!(s.endpoint().to_string(), "http://100.100.100.200");
    assert_eq!(s.role_name(), None);
    let d = EcsRamRoleParams::default();
    assert_eq!(d, params());
    assert_eq!(EcsRamRoleParams::DEFAULT_ENDPOINT, "http://100.100.100.200");
    assert_eq!(EcsRamRoleParams::default_endpoint(), d.endpoint);
    assert_eq!(EcsRamRoleParams::DEFAULT_TOKEN_TTL, Duration::from_secs(21_600));
    assert_eq!(EcsRamRoleParams::DEFAULT_TIMEOUT, Duration::from_secs(1));
    assert_eq!(EcsRamRoleParams::MAX_BODY, 16 * 1024);
    let s = EcsRamRoleSource::new(EcsRamRoleParams { role_name: Some("  my-role \n".into()), ..params() });
    assert_eq!(s.role_name(), Some("my-role"));
    let s = EcsRamRoleSource::new(EcsRamRoleParams { role_name: Some("  ".into()), ..params() });
    assert_eq!(s.role_name(), None, "a blank role means discover it");
}

#[test]
fn a_second_fetch_reuses_the_token_and_the_role() {
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    imds.set_v2_required(true);
    let (mut r, cache) = refresher(params(), 2);
    drive(&mut r, &clock, &mut imds);
    let first = ready(&cache, &clock);
    let token = imds.requests()[1].token().unwrap().to_owned();

    // The refresher prefetches in the advisory window (about 5 h for a 6 h credential): the
    // token (reused for 5 h 24 min) and the discovered role are still good, so one GET.
    clock.advance(Duration::from_secs(4 * 3600));
    drive(&mut r, &clock, &mut imds);
    assert_eq!(imds.requests().len(), 3, "nothing before the advisory window");
    clock.advance(Duration::from_secs(3600));
    let report = drive(&mut r, &clock, &mut imds);
    assert_eq!(report.requests, 1);
    assert_eq!(trace(&imds, 3), [t("GET", &creds_path(ROLE), true)]);
    assert_eq!(imds.requests()[3].token(), Some(token.as_str()));
    assert_eq!(imds.tokens_issued(), 1);
    let second = ready(&cache, &clock);
    assert_ne!(first.access_key_id(), second.access_key_id());

    // The next prefetch (about 5 h later) is past the token's reuse window: a new token, but
    // still no discovery.
    clock.advance(Duration::from_secs(5 * 3600));
    let report = drive(&mut r, &clock, &mut imds);
    assert_eq!(report.requests, 2);
    assert_eq!(trace(&imds, 4), [t("PUT", TOKEN_PATH, false), t("GET", &creds_path(ROLE), true)]);
    assert_ne!(imds.requests()[5].token(), Some(token.as_str()));
    assert_eq!(imds.count(Kind::RoleList), 1);
    assert_eq!(imds.tokens_issued(), 2);
    ready(&cache, &clock);
}

#[test]
fn the_token_is_replaced_shortly_before_its_ttl() {
    // 6 h tokens are reused for 5 h 24 min (19 440 s) after they were requested.
    for (at, new_token) in [(19_439u64, false), (19_440, true)] {
        let clock = FakeClock::new();
        let mut imds = ImdsServer::new();
        // Credentials outliving the token, so only the forced fetch runs.
        imds.set_lifetime(Duration::from_secs(12 * 3600));
        let (mut r, cache) = refresher(params(), 3);
        drive(&mut r, &clock, &mut imds);
        ready(&cache, &clock);
        clock.advance(Duration::from_secs(at));
        let n = fetch_again(&mut r, &cache, &clock, &mut imds);
        assert_eq!(n, if new_token { 2 } else { 1 }, "at {at} s");
        assert_eq!(imds.tokens_issued(), if new_token { 2 } else { 1 }, "at {at} s");
        ready(&cache, &clock);
    }

    // The TTL asked for is the configured one (whole seconds, clamped to 1..=21600), and the
    // reuse window follows it: a 10 min token is reused for 5 min.
    for (ttl, header) in [(600u64, "600"), (0, "1"), (86_400, "21600")] {
        let clock = FakeClock::new();
        let mut imds = ImdsServer::new();
        let (mut r, cache) = refresher(EcsRamRoleParams { token_ttl: Duration::from_secs(ttl), ..params() }, 3);
        drive(&mut r, &clock, &mut imds);
        ready(&cache, &clock);
        assert_eq!(imds.requests()[0].ttl_header(), Some(header));
    }
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    let (mut r, cache) = refresher(EcsRamRoleParams { token_ttl: Duration::from_secs(600), ..params() }, 3);
    drive(&mut r, &clock, &mut imds);
    clock.advance(Duration::from_secs(299));
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 2);
    assert_eq!(imds.tokens_issued(), 2);
}

#[test]
fn a_refused_cached_token_is_replaced_once() {
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    imds.set_v2_required(true);
    let (mut r, cache) = refresher(params(), 4);
    drive(&mut r, &clock, &mut imds);
    ready(&cache, &clock);
    // The service restarted and forgot its tokens: the cached one gets 401, a new one is
    // requested and the GET repeated with it.
    imds.revoke_tokens();
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 3);
    assert_eq!(
        trace(&imds, 3),
        [t("GET", &creds_path(ROLE), true), t("PUT", TOKEN_PATH, false), t("GET", &creds_path(ROLE), true)]
    );
    assert_eq!(imds.requests()[3].status, Some(401));
    assert_ne!(imds.requests()[3].token(), imds.requests()[5].token());
    ready(&cache, &clock);

    // Also with `disable_imds_v1` (this is still IMDSv2).
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    imds.set_v2_required(true);
    let (mut r, cache) = refresher(EcsRamRoleParams { disable_imds_v1: true, ..params() }, 4);
    drive(&mut r, &clock, &mut imds);
    imds.revoke_tokens();
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 3);
    ready(&cache, &clock);
}

#[test]
fn a_configured_role_is_not_discovered() {
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    imds.set_roles(&["other-role", "my.role-1"]);
    let (mut r, cache) = refresher(EcsRamRoleParams { role_name: Some("my.role-1".into()), ..params() }, 5);
    assert_eq!(drive(&mut r, &clock, &mut imds).requests, 2);
    assert_eq!(trace(&imds, 0), [t("PUT", TOKEN_PATH, false), t("GET", &creds_path("my.role-1"), true)]);
    assert_eq!(imds.count(Kind::RoleList), 0);
    ready(&cache, &clock);
}

#[test]
fn discovery_takes_the_first_listed_role_trimmed() {
    for (body, role) in [
        ("role-a\nrole-b\n", "role-a"),
        ("  role-a  \r\n", "role-a"),
        ("\n\nrole-b\n", "role-b"),
        ("role_c.1\r\nrole-a", "role_c.1"),
    ] {
        let clock = FakeClock::new();
        let mut imds = ImdsServer::new();
        imds.set_roles(&["role-a", "role-b", "role_c.1"]);
        imds.push_fault_on(Kind::RoleList, ImdsFault::Body(body.as_bytes().to_vec()));
        let (mut r, cache) = refresher(params(), 6);
        drive(&mut r, &clock, &mut imds);
        ready(&cache, &clock);
        assert_eq!(imds.requests()[2].path, creds_path(role), "{body:?}");
    }
}

#[test]
fn bad_role_lists_and_names_are_errors() {
    for (body, reason) in [
        ("", "the role list is empty"),
        (" \n \r\n", "the role list is empty"),
        ("../../user-data", "not a valid RAM role name"),
        ("role with spaces", "not a valid RAM role name"),
        ("role?x=1", "not a valid RAM role name"),
    ] {
        let mut imds = ImdsServer::new();
        imds.push_fault_on(Kind::RoleList, ImdsFault::Body(body.as_bytes().to_vec()));
        let (e, n) = fetch_error(params(), &mut imds);
        assert_eq!(n, 2, "{body:?}");
        match &e {
            Error::InvalidResponse { provider, action, endpoint, http_status, reason: why } => {
                assert_eq!(provider, "ecs_ram_role");
                assert_eq!(*action, "GetRoleName");
                assert_eq!(endpoint, "100.100.100.200");
                assert_eq!(*http_status, 200);
                assert!(why.contains(reason), "{body:?}: {why}");
                assert!(!why.contains("user-data") && !why.contains("spaces"), "{why}");
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
    let mut imds = ImdsServer::new();
    imds.push_fault_on(Kind::RoleList, ImdsFault::Body(vec![0xff, 0xfe]));
    let (e, _) = fetch_error(params(), &mut imds);
    assert!(matches!(e, Error::InvalidResponse { .. }), "{e:?}");

    // A configured name that could not be a RAM role never reaches a request path.
    for bad in ["a/b", "../x", "a b", "r\u{e9}le", &"r".repeat(65)] {
        let mut imds = ImdsServer::new();
        let (e, n) = fetch_error(EcsRamRoleParams { role_name: Some(bad.to_owned()), ..params() }, &mut imds);
        assert_eq!(n, 0, "{bad}");
        assert!(matches!(&e, Error::Config(ConfigError::InvalidValue { field: "role_name", .. })), "{bad}: {e:?}");
    }
}

#[test]
fn a_role_that_disappears_is_discovered_again() {
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    let (mut r, cache) = refresher(params(), 7);
    drive(&mut r, &clock, &mut imds);
    ready(&cache, &clock);
    imds.set_role(Some("new-role"));
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 1);
    let e = failed(&cache, &clock);
    let (_, status, code) = service_parts(&e);
    assert_eq!((status, code), (404, "Http404"));
    assert!(e.to_string().contains("the role `EcsRamRoleTest` is not attached"), "{e}");
    assert!(!e.is_retryable());
    // 404 is about the role, not the token: no IMDSv1 repeat, and the token is kept.
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 2);
    assert_eq!(trace(&imds, 4), [t("GET", ROLES_PATH, true), t("GET", &creds_path("new-role"), true)]);
    ready(&cache, &clock);

    // A configured role that is not attached: the same error, every time.
    let mut imds = ImdsServer::new();
    let (e, n) = fetch_error(EcsRamRoleParams { role_name: Some("not-mine".into()), ..params() }, &mut imds);
    assert_eq!(n, 2);
    assert_eq!(service_parts(&e), ("ecs_ram_role", 404, "Http404"));
    assert!(e.to_string().contains("GetRoleCredentials at 100.100.100.200 failed: HTTP 404"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// IMDSv1 fallback

#[test]
fn falls_back_to_v1_when_the_token_request_fails() {
    for status in [403u16, 404, 405, 400] {
        let clock = FakeClock::new();
        let mut imds = ImdsServer::new();
        imds.set_v1_only(Some(status));
        let (mut r, cache) = refresher(params(), 8);
        assert_eq!(drive(&mut r, &clock, &mut imds).requests, 3, "{status}");
        assert_eq!(
            trace(&imds, 0),
            [t("PUT", TOKEN_PATH, false), t("GET", ROLES_PATH, false), t("GET", &creds_path(ROLE), false)]
        );
        assert_eq!(imds.requests()[0].status, Some(status));
        let c = ready(&cache, &clock);
        assert_eq!(c.provider_name(), "ecs_ram_role");

        // No lasting v1 mode: the next fetch asks for a token again.
        assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 2);
        assert_eq!(trace(&imds, 3), [t("PUT", TOKEN_PATH, false), t("GET", &creds_path(ROLE), false)]);
        // And uses it once the service issues tokens.
        imds.set_v1_only(None);
        assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 2);
        assert_eq!(trace(&imds, 5), [t("PUT", TOKEN_PATH, false), t("GET", &creds_path(ROLE), true)]);
        ready(&cache, &clock);
    }

    // A dropped connection, a 5xx (after its retry) or an empty token also mean v1.
    let cases: Vec<(Vec<ImdsFault>, usize)> = vec![
        (vec![ImdsFault::Drop], 3),
        (vec![ImdsFault::TokenStatus(500), ImdsFault::TokenStatus(503)], 4),
        (vec![ImdsFault::Body(Vec::new())], 3),
        (vec![ImdsFault::Body(b"bad\ntoken".to_vec())], 3),
    ];
    for (faults, requests) in cases {
        let clock = FakeClock::new();
        let mut imds = ImdsServer::new();
        for f in &faults {
            imds.push_fault_on(Kind::Token, f.clone());
        }
        let (mut r, cache) = refresher(params(), 8);
        assert_eq!(drive(&mut r, &clock, &mut imds).requests, requests, "{faults:?}");
        let tr = trace(&imds, 0);
        assert_eq!(&tr[requests - 2..], [t("GET", ROLES_PATH, false), t("GET", &creds_path(ROLE), false)]);
        ready(&cache, &clock);
    }
}

#[test]
fn a_get_with_the_token_that_fails_is_repeated_without_it() {
    // The service issues tokens but refuses GETs that carry one: the role list is asked again
    // without it, and the rest of the fetch goes without a token.
    for status in [400u16, 403] {
        let clock = FakeClock::new();
        let mut imds = ImdsServer::new();
        imds.set_token_gets_fail(Some(status));
        let (mut r, cache) = refresher(params(), 9);
        assert_eq!(drive(&mut r, &clock, &mut imds).requests, 4, "{status}");
        assert_eq!(
            trace(&imds, 0),
            [
                t("PUT", TOKEN_PATH, false),
                t("GET", ROLES_PATH, true),
                t("GET", ROLES_PATH, false),
                t("GET", &creds_path(ROLE), false)
            ]
        );
        ready(&cache, &clock);
    }

    // Only the credentials GET fails with the token (a dropped connection): repeated once
    // without it.
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    imds.push_fault_on(Kind::Credentials, ImdsFault::Drop);
    let (mut r, cache) = refresher(params(), 9);
    assert_eq!(drive(&mut r, &clock, &mut imds).requests, 4);
    assert_eq!(
        trace(&imds, 0),
        [
            t("PUT", TOKEN_PATH, false),
            t("GET", ROLES_PATH, true),
            t("GET", &creds_path(ROLE), true),
            t("GET", &creds_path(ROLE), false)
        ]
    );
    ready(&cache, &clock);
    // The token that failed is not reused: the next fetch gets a new one.
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 2);
    assert_eq!(trace(&imds, 4), [t("PUT", TOKEN_PATH, false), t("GET", &creds_path(ROLE), true)]);
    assert_eq!(imds.tokens_issued(), 2);

    // Without the token it fails too: that error, after exactly one repeat.
    let mut imds = ImdsServer::new();
    imds.set_token_gets_fail(Some(403));
    imds.push_fault_on(Kind::RoleList, ImdsFault::Status(403));
    imds.push_fault_on(Kind::RoleList, ImdsFault::Status(403));
    let (e, n) = fetch_error(params(), &mut imds);
    assert_eq!(n, 3);
    assert_eq!(service_parts(&e), ("ecs_ram_role", 403, "Http403"));
}

#[test]
fn disable_imds_v1_refuses_both_fallbacks() {
    let v1_off = EcsRamRoleParams { disable_imds_v1: true, ..params() };

    // The token request is refused.
    for status in [403u16, 404, 405] {
        let mut imds = ImdsServer::new();
        imds.set_v1_only(Some(status));
        let (e, n) = fetch_error(v1_off.clone(), &mut imds);
        assert_eq!(n, 1, "{status}");
        match &e {
            Error::Service { provider, source } => {
                assert_eq!(provider, "ecs_ram_role");
                assert_eq!(source.action, "GetMetadataToken");
                assert_eq!(source.endpoint, "100.100.100.200");
                assert_eq!(source.http_status, status);
                assert_eq!(source.code, format!("Http{status}"));
                assert!(source.message.contains("IMDSv1 fallback is disabled"), "{}", source.message);
                assert!(source.message.contains("disable_imds_v1"), "{}", source.message);
            }
            other => panic!("{other:?}"),
        }
        assert!(!e.is_retryable());
        assert!(e.to_string().contains(&format!("HTTP {status}")), "{e}");
    }

    // The token request's connection breaks (once the service is known to exist).
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    imds.set_lifetime(Duration::from_secs(12 * 3600));
    let (mut r, cache) = refresher(v1_off.clone(), 10);
    drive(&mut r, &clock, &mut imds);
    clock.advance(Duration::from_secs(6 * 3600));
    imds.push_fault_on(Kind::Token, ImdsFault::Drop);
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 1);
    let e = cache.snapshot().error.clone().expect("an error");
    assert_error_clean(&e);
    match &e {
        Error::Transport { provider, action, source, .. } => {
            assert_eq!((provider.as_str(), *action), ("ecs_ram_role", "GetMetadataToken"));
            assert_eq!(source.kind, TransportErrorKind::Io);
            assert!(source.detail.contains("IMDSv1 fallback is disabled"), "{}", source.detail);
        }
        other => panic!("{other:?}"),
    }

    // An empty token.
    let mut imds = ImdsServer::new();
    imds.push_fault_on(Kind::Token, ImdsFault::Body(b"  ".to_vec()));
    let (e, n) = fetch_error(v1_off.clone(), &mut imds);
    assert_eq!(n, 1);
    match &e {
        Error::InvalidResponse { action, reason, .. } => {
            assert_eq!(*action, "GetMetadataToken");
            assert!(reason.contains("empty") && reason.contains("IMDSv1 fallback is disabled"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    // A GET with the token fails: not repeated without it.
    let mut imds = ImdsServer::new();
    imds.set_token_gets_fail(Some(400));
    let (e, n) = fetch_error(v1_off.clone(), &mut imds);
    assert_eq!(n, 2);
    assert!(imds.requests().iter().skip(1).all(|q| q.token().is_some()));
    let (_, status, code) = service_parts(&e);
    assert_eq!((status, code), (400, "Http400"));
    match &e {
        Error::Service { source, .. } => assert_eq!(source.action, "GetRoleName"),
        _ => unreachable!(),
    }

    // With everything working, v1-off changes nothing.
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    imds.set_v2_required(true);
    let (mut r, cache) = refresher(v1_off, 10);
    assert_eq!(drive(&mut r, &clock, &mut imds).requests, 3);
    assert_eq!(trace(&imds, 0), v2_flow());
    ready(&cache, &clock);
}

// ---------------------------------------------------------------------------------------------
// Absence

#[test]
fn not_configured_off_ecs() {
    for kind in [TransportErrorKind::Connect, TransportErrorKind::Timeout] {
        for disable_imds_v1 in [false, true] {
            let clock = FakeClock::new();
            let start = clock.now().mono;
            let mut imds = ImdsServer::new();
            imds.set_unreachable(Some(kind));
            let (mut r, cache) = refresher(EcsRamRoleParams { disable_imds_v1, ..params() }, 11);
            assert_eq!(drive(&mut r, &clock, &mut imds).requests, 1, "{kind:?}: not retried, no v1 fallback");
            let e = failed(&cache, &clock);
            match &e {
                Error::NotConfigured { provider, reason } => {
                    assert_eq!(provider, "ecs_ram_role");
                    assert!(reason.contains("http://100.100.100.200"), "{reason}");
                    assert!(reason.contains(&kind.to_string()), "{reason}");
                }
                other => panic!("{kind:?}: {other:?}"),
            }
            assert!(!e.is_retryable());
            // Fails fast: one timeout at most.
            assert!(clock.now().mono - start <= Duration::from_secs(1), "{kind:?}");
        }
    }

    // A service that accepts the connection but never answers: the driver's read timeout.
    let clock = FakeClock::new();
    let start = clock.now().mono;
    let mut imds = ImdsServer::new();
    imds.push_fault(ImdsFault::Delay(Duration::from_secs(30)));
    let (mut r, cache) = refresher(params(), 11);
    assert_eq!(drive(&mut r, &clock, &mut imds).requests, 1);
    assert!(matches!(failed(&cache, &clock), Error::NotConfigured { .. }));
    assert!(clock.now().mono - start <= Duration::from_secs(2));
}

/// A world where nothing listens, as a test would write it by hand.
struct Refused(usize);

impl World for Refused {
    fn serve(&mut self, _req: &HttpRequest, _now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        self.0 += 1;
        (Err(TransportError::new(TransportErrorKind::Connect, "connection refused")), Duration::ZERO)
    }
}

#[test]
fn not_configured_with_a_hand_written_world() {
    let clock = FakeClock::new();
    let (mut r, cache) = refresher(params(), 12);
    let mut world = Refused(0);
    drive(&mut r, &clock, &mut world);
    assert_eq!(world.0, 1);
    let e = failed(&cache, &clock);
    assert!(matches!(&e, Error::NotConfigured { provider, .. } if provider == "ecs_ram_role"), "{e:?}");
    assert!(e.to_string().starts_with("ecs_ram_role: not configured: "), "{e}");
}

#[test]
fn not_configured_without_a_role() {
    let mut imds = ImdsServer::new();
    imds.set_role(None);
    let (e, n) = fetch_error(params(), &mut imds);
    assert_eq!(n, 2, "the 404 is not repeated without the token");
    assert_eq!(trace(&imds, 0), [t("PUT", TOKEN_PATH, false), t("GET", ROLES_PATH, true)]);
    match &e {
        Error::NotConfigured { provider, reason } => {
            assert_eq!(provider, "ecs_ram_role");
            assert!(reason.contains("no RAM role is attached"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    // The same through IMDSv1.
    let mut imds = ImdsServer::new();
    imds.set_role(None);
    imds.set_v1_only(Some(404));
    let (e, n) = fetch_error(params(), &mut imds);
    assert_eq!(n, 2);
    assert!(matches!(e, Error::NotConfigured { .. }), "{e:?}");
}

#[test]
fn once_the_service_answered_an_outage_is_a_transport_error() {
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    imds.set_lifetime(Duration::from_secs(12 * 3600));
    let (mut r, cache) = refresher(params(), 13);
    drive(&mut r, &clock, &mut imds);
    ready(&cache, &clock);

    // With the token cached: the GET times out; repeated without the token, which times out too.
    imds.set_unreachable(Some(TransportErrorKind::Timeout));
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 2);
    let e = cache.snapshot().error.clone().expect("an error");
    match &e {
        Error::Transport { action, source, .. } => {
            assert_eq!(*action, "GetRoleCredentials");
            assert_eq!(source.kind, TransportErrorKind::Timeout);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_retryable());

    // Without a cached token (dropped above): the token request is refused, then the v1 GET.
    imds.set_unreachable(Some(TransportErrorKind::Connect));
    assert_eq!(fetch_again(&mut r, &cache, &clock, &mut imds), 2);
    let e = cache.snapshot().error.clone().expect("an error");
    assert!(matches!(&e, Error::Transport { source, .. } if source.kind == TransportErrorKind::Connect), "{e:?}");
    assert_error_clean(&e);
}

// ---------------------------------------------------------------------------------------------
// Bad answers

#[test]
fn code_other_than_success_is_a_service_error() {
    let mut imds = ImdsServer::new();
    imds.push_fault(ImdsFault::NotSuccess);
    let (e, n) = fetch_error(params(), &mut imds);
    assert_eq!(n, 3, "a 200 answer is not repeated without the token");
    match &e {
        Error::Service { provider, source } => {
            assert_eq!(provider, "ecs_ram_role");
            assert_eq!(source.action, "GetRoleCredentials");
            assert_eq!(source.http_status, 200);
            assert_eq!(source.code, "Failed");
            assert!(source.message.contains("Success"), "{}", source.message);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.service_code(), Some("Failed"));

    // A code that is not a plain word is not repeated.
    let mut imds = ImdsServer::new();
    imds.push_fault_on(
        Kind::Credentials,
        ImdsFault::Body(br#"{"Code":"imds-secret-in a weird code","AccessKeyId":"x"}"#.to_vec()),
    );
    let (e, _) = fetch_error(params(), &mut imds);
    assert!(matches!(e, Error::InvalidResponse { .. }), "{e:?}");
    assert!(e.to_string().contains("`Code` is not `Success`") && !e.to_string().contains("imds-secret"), "{e}");
}

#[test]
fn missing_fields_and_bad_json_are_invalid_responses() {
    let mut cases: Vec<(ImdsFault, String)> = vec![(ImdsFault::Malformed, "body is not the expected JSON".into())];
    for field in ["AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"] {
        cases.push((ImdsFault::MissingField(field), format!("missing or empty field `{field}`")));
    }
    cases.push((ImdsFault::MissingField("Code"), "missing field `Code`".into()));
    let bodies: [(&[u8], &str); 5] = [
        (b"", "body is not the expected JSON (truncated)"),
        (b"<html>oops</html>", "body is not the expected JSON (syntax error)"),
        (br#"{"Code":"Success","AccessKeyId":1}"#, "body is not the expected JSON (unexpected value types)"),
        (
            br#"{"Code":"Success","AccessKeyId":"STS.x","AccessKeySecret":"imds-secret-1","SecurityToken":"imds-sts-token-1","Expiration":"tomorrow"}"#,
            "field `Expiration` is not an RFC 3339 time",
        ),
        (
            br#"{"Code":"Success","AccessKeyId":"STS.x","AccessKeySecret":"","SecurityToken":"imds-sts-token-1","Expiration":"2030-01-01T00:00:00Z"}"#,
            "missing or empty field `AccessKeySecret`",
        ),
    ];
    for (body, reason) in bodies {
        cases.push((ImdsFault::Body(body.to_vec()), reason.to_owned()));
    }
    for (fault, reason) in cases {
        let mut imds = ImdsServer::new();
        imds.push_fault_on(Kind::Credentials, fault.clone());
        let (e, n) = fetch_error(params(), &mut imds);
        assert_eq!(n, 3, "{fault:?}");
        match &e {
            Error::InvalidResponse { provider, action, endpoint, http_status, reason: why } => {
                assert_eq!(provider, "ecs_ram_role");
                assert_eq!(*action, "GetRoleCredentials");
                assert_eq!(endpoint, "100.100.100.200");
                assert_eq!(*http_status, 200);
                assert!(why.starts_with(&reason), "{fault:?}: {why}");
            }
            other => panic!("{fault:?}: {other:?}"),
        }
        assert!(!e.is_retryable());
    }
}

#[test]
fn server_errors_are_retried_once_then_fail() {
    // One 500 on the credentials: retried after a short back-off, then success.
    let clock = FakeClock::new();
    let start = clock.now().mono;
    let mut imds = ImdsServer::new();
    imds.push_fault_on(Kind::Credentials, ImdsFault::Status(500));
    let (mut r, cache) = refresher(params(), 14);
    assert_eq!(drive(&mut r, &clock, &mut imds).requests, 4);
    assert_eq!(imds.requests()[2].status, Some(500));
    assert_eq!(imds.requests()[2].token(), imds.requests()[3].token(), "the retry keeps the token");
    let waited = clock.now().mono - start;
    assert!(waited >= Duration::from_millis(50) && waited <= Duration::from_millis(100), "{waited:?}");
    ready(&cache, &clock);

    // 500 every time: two attempts with the token, two without, then the error.
    let mut imds = ImdsServer::new();
    for _ in 0..4 {
        imds.push_fault_on(Kind::Credentials, ImdsFault::Status(500));
    }
    let (e, n) = fetch_error(params(), &mut imds);
    assert_eq!(n, 6);
    assert_eq!(service_parts(&e), ("ecs_ram_role", 500, "Http500"));
    assert!(e.is_retryable());
    assert_eq!(
        trace(&imds, 2),
        [
            t("GET", &creds_path(ROLE), true),
            t("GET", &creds_path(ROLE), true),
            t("GET", &creds_path(ROLE), false),
            t("GET", &creds_path(ROLE), false)
        ]
    );

    // 429 is retried too; 4xx are not.
    let mut imds = ImdsServer::new();
    imds.push_fault_on(Kind::RoleList, ImdsFault::Status(429));
    let clock = FakeClock::new();
    let (mut r, cache) = refresher(params(), 14);
    assert_eq!(drive(&mut r, &clock, &mut imds).requests, 4);
    ready(&cache, &clock);
}

#[test]
fn a_json_error_code_is_used_but_not_the_body() {
    /// Answers the credentials GET with a JSON error body.
    struct JsonError(ImdsServer);
    impl World for JsonError {
        fn serve(
            &mut self,
            req: &HttpRequest,
            now: Now,
        ) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
            if req.request.uri().path().starts_with(ROLES_PATH) && req.request.uri().path() != ROLES_PATH {
                let resp = http::Response::builder()
                    .status(403)
                    .header("x-acs-request-id", "REQ-1")
                    .body(br#"{"Code":"Forbidden.RoleNotAuthorized","Message":"imds-secret-echo"}"#.to_vec())
                    .unwrap();
                return (Ok(resp), Duration::ZERO);
            }
            self.0.serve(req, now)
        }
    }
    let clock = FakeClock::new();
    let (mut r, cache) = refresher(params(), 15);
    let mut world = JsonError(ImdsServer::new());
    drive(&mut r, &clock, &mut world);
    let e = failed(&cache, &clock);
    let (_, status, code) = service_parts(&e);
    assert_eq!((status, code), (403, "Forbidden.RoleNotAuthorized"));
    match &e {
        Error::Service { source, .. } => assert_eq!(source.request_id.as_deref(), Some("REQ-1")),
        _ => unreachable!(),
    }
    assert!(!e.to_string().contains("echo"), "{e}");
}

#[test]
fn an_expired_answer_is_an_error() {
    let mut imds = ImdsServer::new();
    imds.push_fault(ImdsFault::Expired);
    let (e, n) = fetch_error(params(), &mut imds);
    assert_eq!(n, 3);
    match e {
        Error::ExpiredCredential { provider, remaining_secs } => {
            assert_eq!(provider, "ecs_ram_role");
            assert_eq!(remaining_secs, 0);
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Expiration and clock skew

#[test]
fn expiration_uses_the_date_header_so_skew_cancels() {
    for offset in [0i64, 600, -600] {
        for strip_date in [false, true] {
            let clock = FakeClock::new();
            let start = clock.now();
            let mut imds = ImdsServer::new();
            imds.set_clock_offset(offset);
            let mut world = Capture::new(&mut imds);
            world.strip_date = strip_date;
            let (mut r, cache) = refresher(params(), 16);
            drive(&mut r, &clock, &mut world);
            let c = ready(&cache, &clock);
            let server_now = if offset >= 0 {
                start.wall + Duration::from_secs(offset as u64)
            } else {
                start.wall - Duration::from_secs(offset.unsigned_abs())
            };
            assert_eq!(c.expiration(), Some(server_now + SIX_HOURS), "offset {offset}");
            // With the server's Date, the 6 h lifetime is measured on its clock: served for 6 h
            // minus the 180 s margin whatever the skew. Without it, the local clock is used and
            // the skew shows.
            let lifetime =
                if strip_date { (server_now + SIX_HOURS).duration_since(start.wall).unwrap() } else { SIX_HOURS };
            let until = start.mono + lifetime - Duration::from_secs(180);
            assert_eq!(cache.snapshot().usable_until, Some(until), "offset {offset}, strip_date {strip_date}");
        }
    }
    // The Date header the scripted service sends is the standard one.
    let mut imds = ImdsServer::new();
    let wall = FakeClock::new().now().wall;
    let alibabacloud_credentials_testkit::sts::Reply::Response(resp, _) =
        imds.handle(&http::Request::put(TOKEN_PATH).body(Vec::new()).unwrap(), wall)
    else {
        panic!("a response")
    };
    assert_eq!(resp.status(), 400, "no TTL header");
    assert_eq!(resp.headers()["date"], format_http_date(wall).as_str());
}

// ---------------------------------------------------------------------------------------------
// Bounds

#[test]
fn max_fetch_time_bounds_the_worst_case() {
    let s = EcsRamRoleSource::new(params());
    let bound = s.max_fetch_time();
    // 5 requests, each 2 attempts of (connect + read + 1 s grace), plus one back-off each.
    assert_eq!(bound, Duration::from_millis(30_500));

    // The longest path: a refused cached token, a new token after a 503, a role list that
    // fails with the new token (twice) and once without it, then the credentials after a 502;
    // every answer takes 1.9 s. Nine requests (a 401 is not retried).
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    let (mut r, cache) = refresher(params(), 17);
    imds.push_fault_on(Kind::Credentials, ImdsFault::Status(404));
    drive(&mut r, &clock, &mut imds);
    assert!(matches!(cache.snapshot().error, Some(Error::Service { .. })));
    imds.revoke_tokens();
    imds.set_latency(Duration::from_millis(1900));
    imds.push_fault_on(Kind::Token, ImdsFault::Status(503));
    imds.push_fault_on(Kind::RoleList, ImdsFault::Status(401));
    for _ in 0..3 {
        imds.push_fault_on(Kind::RoleList, ImdsFault::Status(500));
    }
    imds.push_fault_on(Kind::Credentials, ImdsFault::Status(502));
    let snap = cache.snapshot();
    clock.advance_to(snap.error_until.unwrap());
    let before = clock.now().mono;
    let n = fetch_again(&mut r, &cache, &clock, &mut imds);
    let took = clock.now().mono - before;
    ready(&cache, &clock);
    assert_eq!(n, 9, "{:#?}", trace(&imds, 3));
    let statuses: Vec<Option<u16>> = imds.requests()[3..].iter().map(|q| q.status).collect();
    let ok = Some(200);
    assert_eq!(statuses, [Some(401), Some(503), ok, Some(500), Some(500), Some(500), ok, Some(502), ok]);
    assert!(took <= bound, "{took:?} > {bound:?}");
    assert!(took >= Duration::from_millis(17_100), "{took:?}");
}

#[test]
fn source_debug_never_shows_the_token_or_answers() {
    let clock = FakeClock::new();
    let mut imds = ImdsServer::new();
    let (mut r, cache) = refresher(params(), 18);
    drive(&mut r, &clock, &mut imds);
    ready(&cache, &clock);
    // Mid-fetch with the cached token, and with an answer handled but not yet polled.
    cache.request_invalidate(&ready(&cache, &clock));
    cache.request_refresh();
    let mut effect = None;
    for _ in 0..10 {
        match r.poll(clock.now()) {
            RefreshPoll::Effect(Effect::Http(req)) => {
                assert!(req.request.headers().contains_key("x-aliyun-ecs-metadata-token"));
                assert_clean("HttpRequest Debug", &format!("{req:?} {req:#?}"));
                effect = Some(req);
                break;
            }
            RefreshPoll::Effect(other) => panic!("{other:?}"),
            _ => {}
        }
    }
    let req = effect.expect("a request");
    assert_clean("Refresher Debug (in flight)", &format!("{r:?} {r:#?}"));
    let (result, _) = imds.serve(&req, clock.now());
    r.handle_input(alibabacloud_credentials_core::Input::Http { id: req.id, result }, clock.now());
    assert_clean("Refresher Debug (answered)", &format!("{r:?} {r:#?}"));

    let mut s = EcsRamRoleSource::new(params());
    let mut ctx = alibabacloud_credentials_core::Ctx::new(1);
    s.start(clock.now());
    let alibabacloud_credentials_core::SourcePoll::Effect(Effect::Http(req)) = s.poll(clock.now(), &mut ctx) else {
        panic!("a request")
    };
    let (result, _) = imds.serve(&req, clock.now());
    s.handle(alibabacloud_credentials_core::Input::Http { id: req.id, result }, clock.now());
    let shown = format!("{s:?} {s:#?}");
    assert_clean("Source Debug (token answered)", &shown);
    let _ = s.poll(clock.now(), &mut ctx);
    let shown = format!("{s:?} {s:#?}");
    assert_clean("Source Debug (token cached)", &shown);
    assert!(shown.contains("token_cached: true"), "{shown}");
    assert!(shown.contains("100.100.100.200"), "{shown}");
}

#[test]
fn no_error_contains_a_secret() {
    // Every failure mode with the secrets the service hands out in play.
    let mut errors = Vec::new();
    let faults = [
        ImdsFault::NotSuccess,
        ImdsFault::Malformed,
        ImdsFault::MissingField("AccessKeyId"),
        ImdsFault::MissingField("SecurityToken"),
        ImdsFault::Expired,
        ImdsFault::Body(br#"{"Code":"Success","AccessKeyId":"imds-secret-x","Expiration":"x"}"#.to_vec()),
    ];
    for f in faults {
        let mut imds = ImdsServer::new();
        imds.push_fault_on(Kind::Credentials, f);
        errors.push(fetch_error(params(), &mut imds).0);
    }
    for status in [400u16, 401, 403, 500] {
        let mut imds = ImdsServer::new();
        imds.set_token_gets_fail(Some(status));
        imds.set_v2_required(true);
        errors.push(fetch_error(params(), &mut imds).0);
        let mut imds = ImdsServer::new();
        imds.set_token_gets_fail(Some(status));
        errors.push(fetch_error(EcsRamRoleParams { disable_imds_v1: true, ..params() }, &mut imds).0);
    }
    let mut imds = ImdsServer::new();
    imds.push_fault_on(Kind::RoleList, ImdsFault::Body(b"imds-token-0001/abc".to_vec()));
    imds.push_fault_on(Kind::RoleList, ImdsFault::Body(b"imds-secret-1 x".to_vec()));
    errors.push(fetch_error(params(), &mut imds).0);
    errors.push(fetch_error(params(), &mut imds).0);
    assert!(errors.len() >= 16);
    for e in &errors {
        assert_error_clean(e);
    }
}

// ---------------------------------------------------------------------------------------------
// Never a panic

/// Answers each request with the next scripted (status, body), or drops the connection.
struct Scripted(Vec<Option<(u16, Vec<u8>)>>, usize);

impl World for Scripted {
    fn serve(&mut self, _req: &HttpRequest, _now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        let i = self.1;
        self.1 += 1;
        match self.0.get(i).cloned().flatten() {
            Some((status, body)) => {
                (Ok(http::Response::builder().status(status).body(body).unwrap()), Duration::from_millis(5))
            }
            None => (Err(TransportError::new(TransportErrorKind::Io, "scripted drop")), Duration::ZERO),
        }
    }
}

fn answer() -> impl Strategy<Value = Option<(u16, Vec<u8>)>> {
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        Just(b"EcsRamRoleTest".to_vec()),
        // Token-shaped, but not a valid role name (a listed role name may appear in errors).
        Just(b"imds-token-0001 x".to_vec()),
        "[ -~\n]{0,40}".prop_map(String::into_bytes),
        (any::<bool>(), "[A-Za-z]{0,10}", "[ -~]{0,30}").prop_map(|(ok, code, exp)| {
            serde_json::json!({
                "Code": if ok { "Success".to_owned() } else { code },
                "AccessKeyId": "STS.x",
                "AccessKeySecret": "imds-secret-p",
                "SecurityToken": "imds-sts-token-p",
                "Expiration": exp,
            })
            .to_string()
            .into_bytes()
        }),
    ];
    let status = prop_oneof![Just(200u16), Just(200), Just(401), Just(404), Just(500), 100u16..600];
    proptest::option::weighted(0.9, (status, body))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_answers_give_a_credential_or_a_clean_error(
        answers in proptest::collection::vec(answer(), 0..12),
        role in proptest::option::of("[a-z]{1,8}"),
        disable_imds_v1 in any::<bool>(),
    ) {
        let clock = FakeClock::new();
        let p = EcsRamRoleParams { role_name: role, disable_imds_v1, ..params() };
        let bound = EcsRamRoleSource::new(p.clone()).max_fetch_time();
        let (mut r, cache) = refresher(p, 19);
        let mut world = Scripted(answers, 0);
        let start = clock.now().mono;
        drive(&mut r, &clock, &mut world);
        prop_assert!(world.1 <= 10, "{} requests", world.1);
        prop_assert!(clock.now().mono - start <= bound);
        match cache.lookup(|| clock.now().mono) {
            Lookup::Ready(c) => prop_assert_eq!(c.provider_name(), "ecs_ram_role"),
            Lookup::Failed(e) => assert_error_clean(&e),
            Lookup::Wait { .. } => prop_assert!(false, "the fetch did not finish"),
        }
        // And a second fetch on the same source state.
        fetch_again(&mut r, &cache, &clock, &mut world);
        prop_assert!(!r.is_fetching());
    }
}
