//! The invariants the fuzz targets assert, shared with the stable-toolchain seed test.
//!
//! This file is compiled twice: as `alibabacloud_credentials_fuzz::checks` for the cargo-fuzz
//! targets in `fuzz/fuzz_targets/`, and as a module of `core/tests/fuzz_seeds.rs` (through
//! `#[path]`), so plain `cargo test` runs every seed through exactly these checks. It may
//! therefore only use crates that the core's integration tests can see: the core itself,
//! `http` and `serde_json`.
//!
//! Every `check_*` function takes raw fuzz bytes and panics when an invariant breaks. Beyond
//! "never panics", they "plant" recognisable secret values into the secret fields of any input
//! that is a JSON object (AccessKey secrets, security tokens, bearer tokens, a proxy password,
//! the string-to-sign that STS echoes) and assert those values never show up in an error's
//! `Display`/`Debug`, a `Config`/`Credential`/source `Debug`, or an HTTP request's `Debug`.
//!
//! The targets for the parsers behind a source (metadata answers, credentials-URI answers, the
//! OIDC token file) drive the source itself through its public API, answering every effect
//! from the input (a `World`); the profile-file targets drive each source they build through
//! one fetch against a canned world.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use alibabacloud_credentials_core::config::{cli_profile_source, ini_profile_source};
use alibabacloud_credentials_core::endpoint::Endpoint;
use alibabacloud_credentials_core::source::{
    CallSettings, CredentialsUriSource, EcsRamRoleParams, EcsRamRoleSource, OidcParams, OidcRoleArnSource,
};
use alibabacloud_credentials_core::time::{
    expiry_deadline, format_http_date, format_rfc3339, parse_expiration, parse_http_date,
};
use alibabacloud_credentials_core::{
    source_from_config, sts, Config, ConfigError, Credential, Ctx, Effect, EffectId, Env, Error, Fetched, FileError,
    FileRead, HttpRequest, Input, Now, ProxyPolicy, Source, SourcePoll, TransportError, TransportErrorKind,
};
use serde_json::{Map, Value};

/// Prefix of every value planted into a secret field. Inputs that already contain it are not
/// planted into (an unknown key may legitimately be echoed).
pub const PLANT: &str = "Qz7PLANTED";
/// Prefix of the secrets the test environment carries.
pub const ENV_SECRET: &str = "Qz7ENVSECRET";

/// The wall clock every check runs at: 2025-01-02T03:04:05Z.
pub const NOW_UNIX: u64 = 1_735_787_045;

/// Longest session STS issues; deadlines are clamped to it.
const MAX_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The classes `ConfigError::Json` may name; anything else could be quoting the input.
const JSON_CLASSES: &[&str] = &["I/O error", "syntax error", "unexpected value types", "truncated"];

/// A fixed `Now` (one monotonic base per process, a fixed wall clock).
pub fn fixed_now() -> Now {
    static BASE: OnceLock<Instant> = OnceLock::new();
    Now::new(*BASE.get_or_init(Instant::now), SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_UNIX))
}

/// `Display`, `Debug`, alternate `Debug` and the `source()` chain of an error.
fn render_error<E: std::error::Error>(e: &E) -> String {
    let mut s = format!("{e}\n{e:?}\n{e:#?}");
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(&format!("\ncaused by: {c}"));
        cause = c.source();
    }
    s
}

fn render_debug<T: fmt::Debug + ?Sized>(v: &T) -> String {
    format!("{v:?}\n{v:#?}")
}

/// [`render_debug`], but the alternate form only for renderings under 16 KiB: the alternate
/// `Debug` of a deeply nested source (a long `source_profile` chain) grows with the square of
/// its depth.
fn render_debug_bounded<T: fmt::Debug + ?Sized>(v: &T) -> String {
    let plain = format!("{v:?}");
    if plain.len() < 16 * 1024 {
        format!("{plain}\n{v:#?}")
    } else {
        plain
    }
}

/// Asserts `needle` is not in `output`, unless the raw `input` already held it (then it may be
/// a legitimately echoed key or code, not a leak).
fn forbid(output: &str, needle: &str, input: &str, what: &str) {
    if input.contains(needle) {
        return;
    }
    assert!(!output.contains(needle), "{what} leaks the secret `{needle}`:\n{output}");
}

fn forbid_all(output: &str, input: &str, what: &str) {
    forbid(output, PLANT, input, what);
    forbid(output, ENV_SECRET, input, what);
}

// ---------------------------------------------------------------------------------------------
// config_json
// ---------------------------------------------------------------------------------------------

/// What a config input did, so the seed test can pin each seed's expected fate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConfigOutcome {
    /// `Config::from_json` succeeded.
    pub parsed: bool,
    /// `source_from_config` succeeded with an empty environment.
    pub resolved_empty_env: bool,
    /// `source_from_config` succeeded with [`secret_env`].
    pub resolved_with_env: bool,
    /// ... and one fetch of that source (STS answered with a canned success) gave a credential.
    pub fetched_with_env: bool,
}

/// An environment with every `ALIBABA_CLOUD_*` fallback a config may use, and secrets that
/// must never be printed.
pub fn secret_env() -> Env {
    Env::from_vars([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tFuzzEnvKeyId0001".to_owned()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", format!("{ENV_SECRET}-ak-secret")),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", format!("{ENV_SECRET}-sts-token")),
        ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890123456:role/fuzz-env-role".to_owned()),
        ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "fuzz-env-session".to_owned()),
        ("ALIBABA_CLOUD_STS_REGION", "cn-hangzhou".to_owned()),
        ("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true".to_owned()),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890123456:oidc-provider/ack-rrsa-fuzz".to_owned()),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/var/run/secrets/tokens/oidc-token".to_owned()),
        ("ALIBABA_CLOUD_ECS_METADATA", "EcsFuzzRole".to_owned()),
        ("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:8080/credentials".to_owned()),
        ("HOME", "/home/fuzz".to_owned()),
    ])
}

/// Config keys (both spellings) whose values are secrets, and the planted value of each.
const SECRET_KEYS: &[(&str, &str, &str)] = &[
    ("access_key_secret", "accessKeySecret", "ak-secret"),
    ("security_token", "securityToken", "sts-token"),
    ("bearer_token", "bearerToken", "bearer-token"),
];

/// `Config::from_json` on the (lossily UTF-8) input, then `source_from_config` with an empty
/// and a populated environment, then one fetch of the resulting source.
///
/// Invariants: no panic; deterministic; text that is not JSON gives `ConfigError::Json` naming
/// only an error class; planted secrets (config fields, a proxy password, the environment)
/// never appear in any error, `Config` `Debug`, source `Debug` or request `Debug`, and the
/// AccessKey secret is never sent.
pub fn check_config_json(data: &[u8]) -> ConfigOutcome {
    let text = String::from_utf8_lossy(data);
    let outcome = config_once(&text, &text);

    let syntax: Result<Value, _> = serde_json::from_str(&text);
    let parsed = Config::from_json(&text);
    match (&syntax, &parsed) {
        (Err(_), Ok(c)) => panic!("from_json accepted text that is not JSON: {c:?}"),
        (Err(_), Err(e)) => match e {
            ConfigError::Json { message, .. } => assert!(
                JSON_CLASSES.contains(&message.as_str()),
                "a JSON syntax error must name only its class, got {message:?}"
            ),
            other => panic!("text that is not JSON gave a non-JSON error: {other:?}"),
        },
        (Ok(v), r) if !v.is_object() => assert!(
            matches!(r, Err(ConfigError::Json { message, .. }) if message.starts_with("expected an object")),
            "a JSON value that is not an object must be refused as such: {r:?}"
        ),
        _ => {}
    }

    if let Ok(Value::Object(map)) = syntax {
        if !text.contains(PLANT) {
            // Replace the secrets that are there; with none, add them all.
            let has_secret =
                SECRET_KEYS.iter().any(|(snake, camel, _)| map.contains_key(*snake) || map.contains_key(*camel));
            plant_config(&map, !has_secret, &text);
        }
    }
    outcome
}

/// Parses and resolves one text; returns what happened. `input` is the fuzz input (for a
/// planted run, the text before planting): values it holds may legitimately be echoed.
fn config_once(text: &str, input: &str) -> ConfigOutcome {
    let first = Config::from_json(text);
    let again = Config::from_json(text);
    assert_eq!(first, again, "Config::from_json is not deterministic");
    let mut outcome = ConfigOutcome::default();
    match &first {
        Err(e) => forbid_all(&render_error(e), input, "ConfigError from from_json"),
        Ok(config) => {
            outcome.parsed = true;
            forbid_all(&render_debug(config), input, "Config Debug");
            outcome.resolved_empty_env = resolve_and_drive(config, &Env::empty(), input).is_some();
            static ENV: OnceLock<Env> = OnceLock::new();
            let with_env = resolve_and_drive(config, ENV.get_or_init(secret_env), input);
            outcome.resolved_with_env = with_env.is_some();
            outcome.fetched_with_env = with_env == Some(true);
        }
    }
    outcome
}

/// Rewrites the secret fields of a JSON object to planted values (`insert`: also adds the
/// missing ones), re-serialises it, and runs it through [`config_once`], checking the planted
/// values arrive where they belong.
fn plant_config(map: &Map<String, Value>, insert: bool, input: &str) {
    let mut m = map.clone();
    let mut expected: Vec<(&str, String)> = Vec::new();
    let mut changed = false;
    for (snake, camel, tag) in SECRET_KEYS {
        let value = format!("{PLANT}-{tag}");
        let mut present = false;
        for key in [snake, camel] {
            if let Some(v) = m.get_mut(*key) {
                *v = Value::String(value.clone());
                present = true;
                changed = true;
            }
        }
        if !present && insert {
            m.insert((*snake).to_owned(), Value::String(value.clone()));
            changed = true;
        }
        if present || insert {
            expected.push((snake, value));
        }
    }
    for key in ["proxy"] {
        if let Some(v) = m.get_mut(key) {
            *v = Value::String(format!("http://fuzz:{PLANT}-proxy-password@proxy.example:3128"));
            changed = true;
        }
    }
    if !changed {
        return;
    }
    let text = serde_json::to_string(&Value::Object(m)).expect("a JSON map serialises");
    config_once(&text, input);
    if let Ok(config) = Config::from_json(&text) {
        for (field, value) in &expected {
            let got = match *field {
                "access_key_secret" => config.access_key_secret.as_ref(),
                "security_token" => config.security_token.as_ref(),
                "bearer_token" => config.bearer_token.as_ref(),
                _ => unreachable!(),
            };
            assert_eq!(got.map(|s| s.expose()), Some(value.as_str()), "planted `{field}` did not arrive in the Config");
        }
    }
}

/// `source_from_config`, then one fetch (STS requests are answered with a canned success).
/// Returns `None` if the config did not resolve, else whether the fetch gave a credential.
fn resolve_and_drive(config: &Config, env: &Env, input: &str) -> Option<bool> {
    let resolved = source_from_config(config, env);
    let again = source_from_config(config, env);
    assert_eq!(resolved.as_ref().err(), again.as_ref().err(), "source_from_config is not deterministic");
    match resolved {
        Err(e) => {
            forbid_all(&render_error(&e), input, "ConfigError from source_from_config");
            None
        }
        Ok(mut source) => {
            forbid_all(&render_debug(&source), input, "source Debug");
            let _ = source.max_fetch_time();
            let never_sent: Vec<String> = [
                config.access_key_secret.as_ref().map(|s| s.expose().to_owned()),
                Some(format!("{ENV_SECRET}-ak-secret")),
            ]
            .into_iter()
            .flatten()
            .filter(|s| s.starts_with(PLANT) || s.starts_with(ENV_SECRET))
            .collect();
            Some(drive(&mut *source, &never_sent, input))
        }
    }
}

/// A 200 `AssumeRole` answer whose credential expires an hour after [`fixed_now`].
pub fn canned_sts_success() -> http::Response<Vec<u8>> {
    let now = fixed_now();
    let body = format!(
        r#"{{"RequestId":"6894B13B-6D71-4EF5-88FA-F32781734A7F","AssumedRoleUser":{{"Arn":"acs:ram::1234567890123456:role/fuzz/session","AssumedRoleId":"344584339364951186:session"}},"Credentials":{{"AccessKeyId":"STS.FuzzCannedKey0000001","AccessKeySecret":"canned-secret","SecurityToken":"canned-token","Expiration":"{}"}}}}"#,
        format_rfc3339(now.wall + Duration::from_secs(3600))
    );
    http::Response::builder()
        .status(200)
        .header(http::header::DATE, format_http_date(now.wall))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.into_bytes())
        .expect("a valid canned response")
}

/// A fetch that neither finishes nor waits within this many polls is looping.
const MAX_POLLS: usize = 64;

/// Runs one fetch of `source` (HTTP requests get a canned STS success, file reads "not
/// found"), until it finishes, waits or idles; `never_sent` are values that must not appear in any request.
/// Returns whether it gave a credential.
fn drive(source: &mut dyn Source, never_sent: &[String], input: &str) -> bool {
    let now = fixed_now();
    let mut ctx = Ctx::new(0x5eed);
    let provider = source.provider_name().to_owned();
    source.start(now);
    let mut answered = false;
    for _ in 0..MAX_POLLS {
        match source.poll(now, &mut ctx) {
            SourcePoll::Done(Ok(f)) => {
                check_fetched(&f, input, "fetched credential");
                if answered && provider.starts_with("ram_role_arn") {
                    assert_eq!(
                        f.credential.access_key_id(),
                        "STS.FuzzCannedKey0000001",
                        "ram_role_arn did not return the credential STS answered"
                    );
                }
                return true;
            }
            SourcePoll::Done(Err(e)) => {
                forbid_all(&render_error(&e), input, "fetch error");
                assert!(
                    !(answered && provider.starts_with("ram_role_arn")),
                    "ram_role_arn failed on a valid STS answer: {e}"
                );
                return false;
            }
            SourcePoll::Effect(Effect::Http(req)) => {
                forbid_all(&render_debug(&req), input, "HttpRequest Debug");
                let r = &req.request;
                let mut sent = format!("{} {}\n", r.method(), r.uri());
                for (name, value) in r.headers() {
                    sent.push_str(&format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())));
                }
                sent.push_str(&String::from_utf8_lossy(r.body()));
                for secret in never_sent {
                    forbid(&sent, secret, input, "the HTTP request");
                }
                let id = req.id;
                source.handle(Input::Http { id, result: Ok(canned_sts_success()) }, now);
                answered = true;
            }
            SourcePoll::Effect(Effect::ReadFile(read)) => {
                // Profile files, OIDC token: none exists in this world.
                forbid_all(&render_debug(&read), input, "FileRead Debug");
                source.handle(Input::File { id: read.id, result: Err(FileError::NotFound) }, now);
            }
            SourcePoll::Wait(_) | SourcePoll::Idle => {
                source.cancel();
                return false;
            }
        }
    }
    panic!("source `{provider}` did not finish a fetch within {MAX_POLLS} polls without waiting");
}

/// Invariants of any fetched credential.
fn check_fetched(f: &Fetched, input: &str, what: &str) {
    let c = &f.credential;
    let shown = format!("{c}\n{}\n{}", render_debug(c), render_debug(f));
    forbid_all(&shown, input, what);
    for secret in [Some(c.access_key_secret()), c.security_token(), c.bearer_token()].into_iter().flatten() {
        if secret.starts_with(PLANT) || secret.starts_with(ENV_SECRET) {
            assert!(!shown.contains(secret), "{what} shows its secret:\n{shown}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// sts_response
// ---------------------------------------------------------------------------------------------

/// How an STS answer was classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StsOutcome {
    /// A credential.
    Credential,
    /// `Error::Service` (a non-2xx answer).
    Service,
    /// `Error::InvalidResponse` (a 2xx answer that is unusable).
    InvalidResponse,
}

/// Splits an `sts_response` input: line 1 the status (anything that is not a status code
/// means 200), line 2 the `Date` header (empty or invalid: none), the rest the body.
pub fn split_sts_input(data: &[u8]) -> (u16, Option<http::HeaderValue>, &[u8]) {
    fn line(d: &[u8]) -> (&[u8], &[u8]) {
        match d.iter().position(|&b| b == b'\n') {
            Some(i) => (&d[..i], &d[i + 1..]),
            None => (d, &[]),
        }
    }
    let (status_line, rest) = line(data);
    let (date_line, body) = line(rest);
    let status = std::str::from_utf8(status_line)
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .filter(|s| http::StatusCode::from_u16(*s).is_ok())
        .unwrap_or(200);
    let date_line = date_line.strip_suffix(b"\r").unwrap_or(date_line);
    let date = if date_line.is_empty() { None } else { http::HeaderValue::from_bytes(date_line).ok() };
    (status, date, body)
}

/// `sts::parse_response` on a response built from the input ([`split_sts_input`]).
///
/// Invariants: no panic; deterministic; a credential only from a 2xx answer, with every field
/// non-empty, the values the body holds, and a deadline within 12 h of now; a 2xx failure is
/// `InvalidResponse` and a non-2xx one `Service` (with a code), both carrying the status;
/// planted `Credentials.AccessKeySecret`/`SecurityToken` values and a planted string-to-sign
/// echoed in `Message` never appear in an error or a credential's `Debug`/`Display`.
pub fn check_sts_response(data: &[u8]) -> StsOutcome {
    let (status, date, body) = split_sts_input(data);
    let input = String::from_utf8_lossy(data);
    let outcome = sts_once(status, date.clone(), body, &input);

    if input.contains(PLANT) {
        return outcome;
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return outcome;
    };
    // The secrets in `Credentials`, under the same status and under the other class of status.
    let mut m = map.clone();
    let mut creds = match m.get("Credentials") {
        Some(Value::Object(c)) => c.clone(),
        _ => Map::new(),
    };
    creds.insert("AccessKeySecret".into(), Value::String(format!("{PLANT}-ak-secret")));
    creds.insert("SecurityToken".into(), Value::String(format!("{PLANT}-sts-token")));
    m.insert("Credentials".into(), Value::Object(creds));
    let planted = serde_json::to_vec(&Value::Object(m)).expect("a JSON map serialises");
    let other_status = if (200..300).contains(&status) { 403 } else { 200 };
    for s in [status, other_status] {
        if let Ok(f) = sts_call(s, date.clone(), &planted) {
            assert_eq!(f.credential.access_key_secret(), format!("{PLANT}-ak-secret"));
            assert_eq!(f.credential.security_token(), Some(format!("{PLANT}-sts-token").as_str()));
        }
        sts_once(s, date.clone(), &planted, &input);
    }

    // A `SignatureDoesNotMatch` message echoing a string-to-sign that carries a token.
    let mut m = map;
    let head = match m.get("Message") {
        Some(Value::String(s)) => s.clone(),
        _ => "Specified signature is not matched with our calculation.".to_owned(),
    };
    m.insert(
        "Message".into(),
        Value::String(format!(
            "{head} server string to sign is:POST&%2F&AccessKeyId%3DLTAI5tFuzz%26SecurityToken%3D{PLANT}-echoed-token"
        )),
    );
    let planted = serde_json::to_vec(&Value::Object(m)).expect("a JSON map serialises");
    let s = if (200..300).contains(&status) { 400 } else { status };
    sts_once(s, date, &planted, &input);
    outcome
}

fn sts_call(status: u16, date: Option<http::HeaderValue>, body: &[u8]) -> Result<Fetched, Error> {
    let mut b = http::Response::builder().status(status);
    if let Some(d) = date {
        b = b.header(http::header::DATE, d);
    }
    let resp = b.body(body.to_vec()).expect("status and header were validated");
    sts::parse_response(&resp, "AssumeRole", "ram_role_arn/static_ak", "ram_role_arn", "sts.aliyuncs.com", fixed_now())
}

fn sts_once(status: u16, date: Option<http::HeaderValue>, body: &[u8], input: &str) -> StsOutcome {
    let now = fixed_now();
    let first = sts_call(status, date.clone(), body);
    let again = sts_call(status, date, body);
    match (&first, &again) {
        (Err(a), Err(b)) => assert_eq!(a, b, "parse_response is not deterministic"),
        (Ok(a), Ok(b)) => assert_eq!(a.expires_at, b.expires_at, "parse_response is not deterministic"),
        _ => panic!("parse_response is not deterministic"),
    }
    let success = (200..300).contains(&status);
    match first {
        Ok(f) => {
            assert!(success, "a credential from HTTP {status}");
            let c = &f.credential;
            assert!(!c.access_key_id().is_empty(), "empty AccessKeyId accepted");
            assert!(!c.access_key_secret().is_empty(), "empty AccessKeySecret accepted");
            assert!(c.security_token().is_some_and(|t| !t.is_empty()), "missing SecurityToken accepted");
            assert!(c.expiration().is_some(), "no expiration on an STS credential");
            let deadline = f.expires_at.expect("an STS credential has a deadline");
            assert!(deadline >= now.mono && deadline <= now.mono + MAX_LIFETIME, "deadline outside [now, now + 12 h]");
            // The credential carries exactly what the body says. (serde skips the fields it
            // ignores without checking their UTF-8, so compare against a lossy copy.)
            let v: Value = serde_json::from_str(&String::from_utf8_lossy(body)).expect("an accepted body is JSON");
            let field = |name: &str| v["Credentials"][name].as_str().map(str::to_owned);
            assert_eq!(field("AccessKeyId").as_deref(), Some(c.access_key_id()));
            assert_eq!(field("AccessKeySecret").as_deref(), Some(c.access_key_secret()));
            assert_eq!(field("SecurityToken").as_deref(), c.security_token());
            assert_eq!(field("Expiration").and_then(|e| parse_expiration(&e)), c.expiration());
            check_fetched(&f, input, "credential from parse_response");
            StsOutcome::Credential
        }
        Err(e) => {
            forbid_all(&render_error(&e), input, "STS error");
            let _ = e.is_retryable();
            match &e {
                Error::InvalidResponse { http_status, .. } => {
                    assert!(success, "InvalidResponse for HTTP {status}: {e}");
                    assert_eq!(*http_status, status);
                    StsOutcome::InvalidResponse
                }
                Error::Service { source, .. } => {
                    assert!(!success, "Service error for HTTP {status}: {e}");
                    assert_eq!(source.http_status, status);
                    assert!(!source.code.is_empty(), "empty error code");
                    assert_eq!(e.service_code(), Some(source.code.as_str()));
                    StsOutcome::Service
                }
                other => panic!("unexpected error kind from parse_response: {other:?}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// time_parsers
// ---------------------------------------------------------------------------------------------

/// What the time parsers made of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeOutcome {
    /// `parse_expiration`.
    pub expiration: Option<SystemTime>,
    /// `parse_http_date`.
    pub http_date: Option<SystemTime>,
}

/// `t` rounded down to a whole second (what the formatters print).
fn floor_secs(t: SystemTime) -> SystemTime {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs()),
        Err(e) => {
            let d = e.duration();
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            SystemTime::UNIX_EPOCH - Duration::from_secs(secs)
        }
    }
}

/// `parse_expiration` and `parse_http_date` on the (lossily UTF-8) input.
///
/// Invariants: no panic (formatting included, whatever instant parsed); a parsed expiration
/// within the four-digit years formats (`format_rfc3339`) and parses back to the same second; a
/// parsed HTTP date is the IMF-fixdate `format_http_date` writes for it (day name aside), and
/// its RFC 3339 form parses as an expiration of the same instant; `expiry_deadline` stays
/// within [now, now + 12 h]; the same text as an STS `Expiration` and `Date` gives a
/// credential exactly when `parse_expiration` accepts it, expiring at that instant.
pub fn check_time(data: &[u8]) -> TimeOutcome {
    let text = String::from_utf8_lossy(data);
    let now = fixed_now();
    let expiration = parse_expiration(&text);
    let http_date = parse_http_date(&text);
    assert_eq!(expiration, parse_expiration(text.trim()), "parse_expiration trims");
    assert_eq!(http_date, parse_http_date(text.trim()), "parse_http_date trims");

    if let Some(t) = expiration {
        // Must not panic whatever the instant (an offset can push a year-9999 text past the
        // end of year 9999 in UTC, and a year-0000 one before its start).
        let formatted = format_rfc3339(t);
        let _ = format_http_date(t);
        // RFC 3339 has four-digit years: only instants within them can round-trip.
        let lo = parse_expiration("0000-01-01T00:00:00Z").expect("year 0 parses");
        let hi = parse_expiration("9999-12-31T23:59:59.999999999Z").expect("year 9999 parses");
        if lo <= t && t <= hi {
            assert_eq!(
                parse_expiration(&formatted),
                Some(floor_secs(t)),
                "expiration {text:?} formats as {formatted:?}, which does not parse back"
            );
        }
    }
    if let Some(t) = http_date {
        // IMF-fixdate has exactly one spelling per instant (RFC 9110 §5.6.7: fixed-width
        // fields, a 4-digit year, no sign), so whatever parses must be that spelling; only the
        // day name is not checked against the date (a lenient, harmless choice).
        let formatted = format_http_date(t);
        let trimmed = text.trim();
        assert_eq!(
            formatted.get(3..),
            trimmed.get(3..),
            "parse_http_date accepted {text:?}, which is not the IMF-fixdate of the instant it gave ({formatted:?})"
        );
        assert_eq!(parse_http_date(&formatted), Some(t), "HTTP date {formatted:?} does not parse back");
        assert_eq!(parse_expiration(&format_rfc3339(t)), Some(t), "HTTP date {text:?} does not survive RFC 3339");
    }
    for server in [None, http_date, expiration] {
        for exp in [expiration, http_date, Some(now.wall)].into_iter().flatten() {
            let d = expiry_deadline(exp, server, now);
            assert!(d >= now.mono && d <= now.mono + MAX_LIFETIME, "deadline out of range");
        }
    }

    // The same text inside an STS answer, as `Expiration` and as the `Date` header.
    let body = format!(
        r#"{{"RequestId":"R","Credentials":{{"AccessKeyId":"STS.FuzzTimeKey000000001","AccessKeySecret":"s","SecurityToken":"t","Expiration":{}}}}}"#,
        Value::String(text.clone().into_owned())
    );
    let date = http::HeaderValue::from_str(&text).ok();
    match sts_call(200, date, body.as_bytes()) {
        Ok(f) => {
            assert_eq!(f.credential.expiration(), expiration, "STS Expiration differs");
            assert!(expiration.is_some(), "STS accepted an Expiration parse_expiration refuses");
            let _ = format!("{}{:?}", f.credential, f.credential);
        }
        Err(e) => {
            assert!(expiration.is_none(), "STS refused an Expiration parse_expiration accepts: {e}");
        }
    }
    TimeOutcome { expiration, http_date }
}

// ---------------------------------------------------------------------------------------------
// Scripted worlds: sources driven through their public API
// ---------------------------------------------------------------------------------------------
//
// `imds_answers`, `uri_answers` and `oidc_token` construct a source, `start` it and `poll` it
// until `Done`, answering each effect from the fuzz input; `cli_config` and `ini` drive the
// source a profile builds through one fetch against a canned world that answers everything.

/// Separates the parts of a multi-answer input: a line holding only `%%`.
pub const PART_SEPARATOR: &[u8] = b"\n%%\n";

/// Most polls one scripted fetch may take (effects, waits and the final `Done` included).
const MAX_FETCH_STEPS: usize = 64;

/// How a fetch ended, so the seed test can pin each seed's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A credential.
    Credential,
    /// `Error::NotConfigured`.
    NotConfigured,
    /// `Error::Service`.
    Service,
    /// `Error::InvalidResponse`.
    InvalidResponse,
    /// `Error::Transport`.
    Transport,
    /// `Error::Config`.
    Config,
    /// `Error::File`.
    File,
}

fn classify(result: &Result<Fetched, Error>) -> FetchOutcome {
    match result {
        Ok(_) => FetchOutcome::Credential,
        Err(Error::NotConfigured { .. }) => FetchOutcome::NotConfigured,
        Err(Error::Service { .. }) => FetchOutcome::Service,
        Err(Error::InvalidResponse { .. }) => FetchOutcome::InvalidResponse,
        Err(Error::Transport { .. }) => FetchOutcome::Transport,
        Err(Error::Config(_)) => FetchOutcome::Config,
        Err(Error::File { .. }) => FetchOutcome::File,
        Err(other) => panic!("a source fetch ended with an unexpected error kind: {other:?}"),
    }
}

/// Splits an input into parts at every [`PART_SEPARATOR`].
pub fn split_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(PART_SEPARATOR.len()).position(|w| w == PART_SEPARATOR) {
        parts.push(&rest[..i]);
        rest = &rest[i + PART_SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}

/// `key=value` words of an options line (a word without `=` has an empty value).
fn options(part: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(part)
        .split_whitespace()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (w.to_owned(), String::new()),
        })
        .collect()
}

fn option<'a>(opts: &'a [(String, String)], key: &str) -> Option<&'a str> {
    opts.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A scripted answer to an HTTP request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A response.
    Http {
        /// The status.
        status: u16,
        /// The `Date` header.
        date: Option<http::HeaderValue>,
        /// The body.
        body: Vec<u8>,
    },
    /// A failure below HTTP (`!connect`, `!timeout`, `!tls`, `!proxy`, `!toolarge`, `!io`,
    /// `!invalid`).
    Transport(TransportErrorKind),
    /// A valid-looking answer under another effect's id (`!stale`): it must be ignored.
    Stale,
    /// No answer (`!none`, any other `!` word, or no parts left): the request times out.
    Silent,
}

/// A part as an HTTP answer: `!word`, or `status\ndate\nbody` as [`split_sts_input`] reads it.
pub fn parse_answer(part: &[u8]) -> Answer {
    let first = part.split(|&b| b == b'\n').next().unwrap_or(b"");
    if let Some(word) = first.strip_prefix(b"!") {
        let word = String::from_utf8_lossy(word);
        return match word.trim() {
            "connect" => Answer::Transport(TransportErrorKind::Connect),
            "timeout" => Answer::Transport(TransportErrorKind::Timeout),
            "tls" => Answer::Transport(TransportErrorKind::Tls),
            "proxy" => Answer::Transport(TransportErrorKind::Proxy),
            "toolarge" => Answer::Transport(TransportErrorKind::BodyTooLarge),
            "io" => Answer::Transport(TransportErrorKind::Io),
            "invalid" => Answer::Transport(TransportErrorKind::InvalidRequest),
            "stale" => Answer::Stale,
            _ => Answer::Silent,
        };
    }
    let (status, date, body) = split_sts_input(part);
    Answer::Http { status, date, body: body.to_vec() }
}

/// A scripted answer to a file read.
#[derive(Clone, Debug)]
pub enum FileAnswer {
    /// The file's bytes (the whole part).
    Bytes(Vec<u8>),
    /// `!notfound`, `!denied`, `!toolarge`, `!other`.
    Error(FileError),
    /// `!none`: never answered; the read times out.
    Silent,
}

/// A part as a file answer: a `!word` line, else the part's bytes are the file.
pub fn parse_file_answer(part: &[u8]) -> FileAnswer {
    let first = part.split(|&b| b == b'\n').next().unwrap_or(b"");
    if let Some(word) = first.strip_prefix(b"!") {
        match String::from_utf8_lossy(word).trim() {
            "notfound" => return FileAnswer::Error(FileError::NotFound),
            "denied" => return FileAnswer::Error(FileError::PermissionDenied),
            "toolarge" => return FileAnswer::Error(FileError::TooLarge),
            "other" => return FileAnswer::Error(FileError::Other("fuzz: input/output error".to_owned())),
            "none" => return FileAnswer::Silent,
            _ => {}
        }
    }
    FileAnswer::Bytes(part.to_vec())
}

fn response(status: u16, date: Option<http::HeaderValue>, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(status);
    if let Some(d) = date {
        b = b.header(http::header::DATE, d);
    }
    b.body(body).expect("status and header were validated")
}

/// A top-level session answer (metadata service, credentials URI) expiring an hour after
/// `now`, with these key id, secret and token.
fn session_json(now: Now, id: &str, secret: &str, token: &str) -> String {
    format!(
        r#"{{"AccessKeyId":"{id}","AccessKeySecret":"{secret}","Expiration":"{}","SecurityToken":"{token}","LastUpdated":"{}","Code":"Success"}}"#,
        format_rfc3339(now.wall + Duration::from_secs(3600)),
        format_rfc3339(now.wall)
    )
}

/// What a world makes of a request.
enum Reply {
    /// Feed this result under the request's id.
    Answer(Result<http::Response<Vec<u8>>, TransportError>),
    /// Feed this result under another id (a late answer of an abandoned request).
    Stale(Result<http::Response<Vec<u8>>, TransportError>),
    /// Never answer.
    Silent,
}

/// The outside world of one scripted fetch: checks each effect and answers it.
trait World {
    fn http(&mut self, req: &HttpRequest, now: Now) -> Reply;
    fn file(&mut self, read: &FileRead) -> Option<Result<Vec<u8>, FileError>>;
}

/// The late answer `!stale` feeds: a valid credential that must never be taken.
fn stale_answer(now: Now) -> Reply {
    let body = session_json(now, "STS.StaleAnswerMustBeIgnored", "stale-secret", "stale-token");
    Reply::Stale(Ok(response(200, None, body.into_bytes())))
}

/// One fetch: `start`, then `poll` until `Done`, answering effects from `world` and moving the
/// clock to every `Wait` deadline. Panics if the fetch takes more than `max_steps` polls, goes
/// idle before `Done`, waits for an instant already past, is not idle right after `Done`, or
/// shows a planted secret in the source's, an effect's, the error's or the credential's
/// rendering.
fn fetch_scripted(
    source: &mut dyn Source,
    world: &mut dyn World,
    now: &mut Now,
    ctx: &mut Ctx,
    max_steps: usize,
    input: &str,
) -> Result<Fetched, Error> {
    source.start(*now);
    // The source's state changes with every poll, so its `Debug` is checked after each; but a
    // deeply nested source (a long `source_profile` chain) renders in time quadratic in its
    // depth, so a large rendering is only checked once more, at the end.
    let mut render = true;
    for _ in 0..max_steps {
        let polled = source.poll(*now, ctx);
        if render {
            let shown = format!("{source:?}");
            forbid_all(&shown, input, "source Debug");
            render = shown.len() < 16 * 1024;
        }
        match polled {
            SourcePoll::Done(result) => {
                match &result {
                    Ok(f) => {
                        check_fetched(f, input, "fetched credential");
                        if let Some(t) = f.expires_at {
                            assert!(
                                t >= now.mono && t <= now.mono + MAX_LIFETIME,
                                "deadline outside [now, now + 12 h]"
                            );
                        }
                    }
                    Err(e) => {
                        forbid_all(&render_error(e), input, "fetch error");
                        let _ = e.is_retryable();
                    }
                }
                assert!(matches!(source.poll(*now, ctx), SourcePoll::Idle), "a source is not idle after Done");
                forbid_all(&render_debug_bounded(&*source), input, "source Debug");
                return result;
            }
            SourcePoll::Effect(Effect::Http(req)) => {
                forbid_all(&render_debug(&req), input, "HttpRequest Debug");
                let id = req.id;
                match world.http(&req, *now) {
                    Reply::Answer(result) => source.handle(Input::Http { id, result }, *now),
                    Reply::Stale(result) => source.handle(Input::Http { id: EffectId(id.0 + 1_000_000), result }, *now),
                    Reply::Silent => {}
                }
            }
            SourcePoll::Effect(Effect::ReadFile(read)) => {
                forbid_all(&render_debug(&read), input, "FileRead Debug");
                if let Some(result) = world.file(&read) {
                    source.handle(Input::File { id: read.id, result }, *now);
                }
            }
            SourcePoll::Wait(t) => {
                assert!(t > now.mono, "Wait for an instant already past: a driver would spin");
                *now = now.after(t - now.mono);
            }
            SourcePoll::Idle => panic!("the source went idle in the middle of a fetch"),
        }
    }
    panic!("the fetch did not finish within {max_steps} polls");
}

/// A code or id the sources may repeat in an error (mirrors the core's rule).
fn plain(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c))
}

/// Replaces the non-empty string `AccessKeySecret`/`SecurityToken` of a JSON object body
/// (`nested`: under `Credentials`, as STS has them) with planted values. Returns the new body,
/// or `None` when there was nothing to plant.
fn plant_session(body: &[u8], nested: bool, secret: &str, token: &str) -> Option<Vec<u8>> {
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&String::from_utf8_lossy(body)) else {
        return None;
    };
    let target = if nested {
        match map.get_mut("Credentials") {
            Some(Value::Object(c)) => c,
            _ => return None,
        }
    } else {
        &mut map
    };
    let mut changed = false;
    for (key, value) in [("AccessKeySecret", secret), ("SecurityToken", token)] {
        if let Some(v @ Value::String(_)) = target.get_mut(key) {
            if v.as_str().is_some_and(|s| !s.is_empty()) {
                *v = Value::String(value.to_owned());
                changed = true;
            }
        }
    }
    changed.then(|| serde_json::to_vec(&Value::Object(map)).expect("a JSON map serialises"))
}

/// Asserts a credential carries exactly the fields of the (lossily read) JSON object `fields`.
fn assert_session_fields(c: &Credential, fields: &Value, what: &str) {
    let field = |name: &str| fields[name].as_str().map(str::to_owned);
    assert_eq!(field("AccessKeyId").as_deref(), Some(c.access_key_id()), "{what}: AccessKeyId");
    assert_eq!(field("AccessKeySecret").as_deref(), Some(c.access_key_secret()), "{what}: AccessKeySecret");
    assert_eq!(field("SecurityToken").as_deref(), c.security_token(), "{what}: SecurityToken");
    assert_eq!(field("Expiration").and_then(|e| parse_expiration(&e)), c.expiration(), "{what}: Expiration");
}

fn lossy_json(body: &[u8]) -> Value {
    serde_json::from_str(&String::from_utf8_lossy(body)).expect("an accepted body is JSON")
}

/// What the source was last handed, for checking the fetch's result against it.
#[derive(Clone, Debug)]
enum Last {
    Http { kind: &'static str, status: u16, body: Vec<u8> },
    Transport,
    Silent,
}

/// The error rules shared by the metadata and URI sources: a `Service` error's code is plain
/// (never a quote of the body), as is its request id.
fn check_service_error(e: &Error) {
    if let Error::Service { source, .. } = e {
        assert!(plain(&source.code, 64), "a service error code that is not plain: {:?}", source.code);
        if let Some(r) = &source.request_id {
            assert!(plain(r, 128), "a request id that is not plain: {r:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// imds_answers
// ---------------------------------------------------------------------------------------------

/// The metadata endpoint the `imds_answers` source calls.
const IMDS_HOST: &str = "100.100.100.200";
const IMDS_TOKEN_PATH: &str = "/latest/api/token";
const IMDS_ROLES_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const IMDS_TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
const IMDS_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
/// Five requests per fetch (the source's budget), each tried at most twice.
const IMDS_MAX_REQUESTS: usize = 10;

/// A RAM role name as RAM allows them (mirrors the source's check).
fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        && name != "."
        && name != ".."
}

/// The token an IMDS token answer carries, as the source reads it.
fn imds_token_of(body: &[u8]) -> Option<String> {
    let token = std::str::from_utf8(body).ok()?.trim();
    (!token.is_empty() && http::HeaderValue::from_str(token).is_ok()).then(|| token.to_owned())
}

struct ImdsWorld<'a> {
    parts: std::collections::VecDeque<&'a [u8]>,
    planted: bool,
    /// The configured role, if valid.
    role: Option<String>,
    disable_v1: bool,
    /// Every token the service issued (as the source reads them).
    issued_tokens: Vec<String>,
    /// Every role the service listed first.
    listed_roles: Vec<String>,
    last: Last,
    requests: usize,
    planted_tokens: usize,
    /// The service has answered (any status) at some point.
    answered: bool,
    /// ... before the current fetch.
    answered_before_fetch: bool,
    /// The first request of the current fetch could not connect, timed out or got no answer.
    first_unreachable: bool,
}

impl World for ImdsWorld<'_> {
    fn http(&mut self, req: &HttpRequest, now: Now) -> Reply {
        let r = &req.request;
        assert_eq!(req.proxy, ProxyPolicy::Never, "a metadata request may go through a proxy");
        assert_eq!(r.uri().scheme_str(), Some("http"), "metadata scheme");
        assert_eq!(r.uri().authority().map(|a| a.as_str()), Some(IMDS_HOST), "metadata host");
        assert!(r.uri().query().is_none(), "a metadata request with a query");
        assert!(r.body().is_empty(), "a metadata request with a body");
        self.requests += 1;
        assert!(self.requests <= IMDS_MAX_REQUESTS, "more than {IMDS_MAX_REQUESTS} metadata requests in one fetch");
        let path = r.uri().path();
        let token_header = r.headers().get(IMDS_TOKEN_HEADER);
        let kind = if path == IMDS_TOKEN_PATH {
            assert_eq!(r.method(), http::Method::PUT, "the token request is a PUT");
            assert!(token_header.is_none(), "the token request carries a token");
            let ttl =
                r.headers().get(IMDS_TTL_HEADER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
            assert!(ttl.is_some_and(|t| (1..=21_600).contains(&t)), "token TTL header {ttl:?}");
            "token"
        } else {
            assert_eq!(r.method(), http::Method::GET, "metadata reads are GETs");
            match token_header {
                Some(v) => {
                    assert!(v.is_sensitive(), "the metadata token header is not marked sensitive");
                    assert!(
                        self.issued_tokens.iter().any(|t| t.as_bytes() == v.as_bytes()),
                        "a metadata token the service never issued was sent"
                    );
                }
                None => assert!(!self.disable_v1, "an IMDSv1 request (no token) although disable_imds_v1 is set"),
            }
            if path == IMDS_ROLES_PATH {
                assert!(self.role.is_none(), "role discovery although a role is configured");
                "roles"
            } else {
                let role = path.strip_prefix(IMDS_ROLES_PATH).unwrap_or_else(|| panic!("unexpected metadata path"));
                assert!(valid_role_name(role), "a request path with an invalid role name");
                match &self.role {
                    Some(configured) => assert_eq!(role, configured, "not the configured role"),
                    None => assert!(
                        self.listed_roles.iter().any(|l| l == role),
                        "credentials of a role the service never listed"
                    ),
                }
                "credentials"
            }
        };
        let answer = self.parts.pop_front().map_or(Answer::Silent, parse_answer);
        if self.requests == 1 {
            self.first_unreachable = matches!(
                answer,
                Answer::Transport(TransportErrorKind::Connect | TransportErrorKind::Timeout)
                    | Answer::Silent
                    | Answer::Stale
            );
        }
        match answer {
            Answer::Http { status, date, mut body } => {
                self.answered = true;
                if self.planted {
                    if kind == "token" && status == 200 && imds_token_of(&body).is_some() {
                        self.planted_tokens += 1;
                        body = format!("{PLANT}-imds-token-{}", self.planted_tokens).into_bytes();
                    } else if let Some(b) = plant_session(
                        &body,
                        false,
                        &format!("{PLANT}-imds-ak-secret"),
                        &format!("{PLANT}-imds-sts-token"),
                    ) {
                        body = b;
                    }
                }
                if status == 200 {
                    match kind {
                        "token" => self.issued_tokens.extend(imds_token_of(&body)),
                        "roles" => {
                            if let Ok(text) = std::str::from_utf8(&body) {
                                let first = text.trim().lines().next().map(str::trim).unwrap_or("");
                                if !first.is_empty() {
                                    self.listed_roles.push(first.to_owned());
                                }
                            }
                        }
                        _ => {}
                    }
                }
                self.last = Last::Http { kind, status, body: body.clone() };
                Reply::Answer(Ok(response(status, date, body)))
            }
            Answer::Transport(kind) => {
                self.last = Last::Transport;
                Reply::Answer(Err(TransportError::new(kind, "fuzz: scripted failure")))
            }
            Answer::Stale => {
                self.last = Last::Silent;
                stale_answer(now)
            }
            Answer::Silent => {
                self.last = Last::Silent;
                Reply::Silent
            }
        }
    }

    fn file(&mut self, _read: &FileRead) -> Option<Result<Vec<u8>, FileError>> {
        panic!("the metadata source read a file");
    }
}

/// `EcsRamRoleSource` answered from the input: an options line (`role=<name>` configures the
/// role, else it is discovered; `v1=off` sets `disable_imds_v1`; `ttl=<s>` the token TTL;
/// `gap=<s>` the time between fetches, 60 by default; `fetches=<n>` runs exactly n fetches,
/// else fetches run while answers are left, at most 3), then one part per HTTP answer, in
/// request order (see [`parse_answer`]).
///
/// Invariants: no panic; every fetch ends within 64 polls, never idles before `Done` and never
/// waits for a past instant; requests go to the metadata host unproxied, the token request is a
/// PUT with a TTL in 1..=21600, GETs only read the role list or the credentials of the
/// configured or a listed, valid role name, carry only a token the service issued, and always
/// carry one with `disable_imds_v1`; at most 10 requests per fetch; a credential only comes from
/// a 200 credentials answer and carries exactly its fields; service errors quote only plain
/// codes; planted tokens and secrets (the token answer, `AccessKeySecret`, `SecurityToken`)
/// never appear in an error or a `Debug` rendering, and a credential then carries the planted
/// values.
pub fn check_imds_answers(data: &[u8]) -> Vec<FetchOutcome> {
    let input = String::from_utf8_lossy(data);
    let outcome = imds_once(data, &input, false);
    if !input.contains(PLANT) {
        imds_once(data, &input, true);
    }
    outcome
}

fn imds_once(data: &[u8], input: &str, planted: bool) -> Vec<FetchOutcome> {
    let parts = split_parts(data);
    let opts = options(parts[0]);
    let configured = option(&opts, "role").map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    let disable_v1 = option(&opts, "v1") == Some("off");
    let ttl = option(&opts, "ttl").and_then(|t| t.parse::<u64>().ok()).unwrap_or(21_600);
    let gap = option(&opts, "gap").and_then(|t| t.parse::<u64>().ok()).unwrap_or(60).min(86_400);
    let fetches = option(&opts, "fetches").and_then(|t| t.parse::<usize>().ok()).map(|n| n.clamp(1, 4));
    let mut source = EcsRamRoleSource::new(EcsRamRoleParams {
        role_name: option(&opts, "role").map(str::to_owned),
        disable_imds_v1: disable_v1,
        token_ttl: Duration::from_secs(ttl),
        endpoint: EcsRamRoleParams::default_endpoint(),
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_secs(1),
    });
    let _ = source.max_fetch_time();
    let mut world = ImdsWorld {
        parts: parts[1..].iter().copied().collect(),
        planted,
        role: configured.clone().filter(|r| valid_role_name(r)),
        disable_v1,
        issued_tokens: Vec::new(),
        listed_roles: Vec::new(),
        last: Last::Silent,
        requests: 0,
        planted_tokens: 0,
        answered: false,
        answered_before_fetch: false,
        first_unreachable: false,
    };
    let mut now = fixed_now();
    let mut ctx = Ctx::new(0x5eed);
    let mut outcomes = Vec::new();
    for i in 0..fetches.unwrap_or(3) {
        if i > 0 {
            now = now.after(Duration::from_secs(gap));
        }
        world.requests = 0;
        world.last = Last::Silent;
        world.answered_before_fetch = world.answered;
        let result = fetch_scripted(&mut source, &mut world, &mut now, &mut ctx, MAX_FETCH_STEPS, input);
        if let Err(Error::NotConfigured { .. }) = &result {
            // Absent: no role attached, or a service that never answered this source.
            let no_role = matches!(world.last, Last::Http { kind: "roles", status: 404, .. });
            let unreachable = !world.answered_before_fetch && world.requests == 1 && world.first_unreachable;
            assert!(no_role || unreachable, "NotConfigured although the service answered (last: {:?})", world.last);
        }
        if configured.as_ref().is_some_and(|r| !valid_role_name(r)) {
            assert!(matches!(result, Err(Error::Config(_))), "an invalid configured role did not fail the fetch");
            assert_eq!(world.requests, 0, "a request although the configured role is invalid");
        }
        match &result {
            Ok(f) => {
                let Last::Http { kind: "credentials", status: 200, body } = &world.last else {
                    panic!("a credential without a 200 credentials answer (last: {:?})", world.last);
                };
                assert_eq!(f.credential.provider_name(), "ecs_ram_role");
                assert_session_fields(&f.credential, &lossy_json(body), "metadata credential");
                if planted {
                    assert_eq!(f.credential.access_key_secret(), format!("{PLANT}-imds-ak-secret"));
                }
            }
            Err(e) => check_service_error(e),
        }
        outcomes.push(classify(&result));
        if fetches.is_none() && world.parts.is_empty() {
            break;
        }
    }
    outcomes
}

// ---------------------------------------------------------------------------------------------
// uri_answers
// ---------------------------------------------------------------------------------------------

/// The URI the `uri_answers` source GETs. Its query must never be shown.
pub const CREDENTIALS_URI: &str = "http://127.0.0.1:8080/v1/credentials?role=fuzz&sig=Qz7PLANTED-uri-query";

struct UriWorld<'a> {
    parts: std::collections::VecDeque<&'a [u8]>,
    planted: bool,
    attempts: usize,
    last: Last,
    requests: usize,
}

impl World for UriWorld<'_> {
    fn http(&mut self, req: &HttpRequest, now: Now) -> Reply {
        let r = &req.request;
        assert_eq!(r.method(), http::Method::GET, "the credentials URI is read with a GET");
        assert_eq!(r.uri().to_string(), CREDENTIALS_URI, "not exactly the configured URI");
        assert_eq!(r.headers().get(http::header::ACCEPT).map(|v| v.as_bytes()), Some(&b"application/json"[..]));
        assert_eq!(req.proxy, ProxyPolicy::FromEnv, "not the configured proxy policy");
        self.requests += 1;
        assert!(self.requests <= self.attempts, "more than {} attempts in one fetch", self.attempts);
        let Some(part) = self.parts.pop_front() else {
            self.last = Last::Silent;
            return Reply::Silent;
        };
        match parse_answer(part) {
            Answer::Http { status, date, mut body } => {
                if self.planted {
                    if let Some(b) = plant_session(
                        &body,
                        false,
                        &format!("{PLANT}-uri-ak-secret"),
                        &format!("{PLANT}-uri-sts-token"),
                    ) {
                        body = b;
                    }
                }
                self.last = Last::Http { kind: "credentials", status, body: body.clone() };
                Reply::Answer(Ok(response(status, date, body)))
            }
            Answer::Transport(kind) => {
                self.last = Last::Transport;
                Reply::Answer(Err(TransportError::new(kind, "fuzz: scripted failure")))
            }
            Answer::Stale => {
                self.last = Last::Silent;
                stale_answer(now)
            }
            Answer::Silent => {
                self.last = Last::Silent;
                Reply::Silent
            }
        }
    }

    fn file(&mut self, _read: &FileRead) -> Option<Result<Vec<u8>, FileError>> {
        panic!("the credentials URI source read a file");
    }
}

/// `CredentialsUriSource` (GET [`CREDENTIALS_URI`]) answered from the input: an options line
/// (`attempts=<n>`, 1 to 5, default 3; `gap=<s>`; `fetches=<n>`, as for `imds_answers`), then
/// one part per HTTP answer.
///
/// Invariants: no panic; fetches end within 64 polls as for `imds_answers`; every request is a
/// GET of exactly the configured URI, with `Accept: application/json`, at most `attempts` per
/// fetch; a credential only comes from a 200 answer with `Code: Success` and carries exactly
/// its fields; a non-200 answer is a `Service` error with that status and a plain code, a 200
/// one that fails is `InvalidResponse` or (a plain `Code` other than `Success`) `Service`, a
/// transport failure or silence is `Transport`; the URI's query and planted
/// `AccessKeySecret`/`SecurityToken` never appear in an error or a `Debug` rendering.
pub fn check_uri_answers(data: &[u8]) -> Vec<FetchOutcome> {
    let input = String::from_utf8_lossy(data);
    let outcome = uri_once(data, &input, false);
    if !input.contains(PLANT) {
        uri_once(data, &input, true);
    }
    outcome
}

fn uri_once(data: &[u8], input: &str, planted: bool) -> Vec<FetchOutcome> {
    let parts = split_parts(data);
    let opts = options(parts[0]);
    let attempts = option(&opts, "attempts").and_then(|t| t.parse::<u32>().ok()).unwrap_or(3).clamp(1, 5);
    let gap = option(&opts, "gap").and_then(|t| t.parse::<u64>().ok()).unwrap_or(60).min(86_400);
    let fetches = option(&opts, "fetches").and_then(|t| t.parse::<usize>().ok()).map(|n| n.clamp(1, 4));
    let settings = CallSettings::new(Duration::from_secs(5), Duration::from_secs(10), ProxyPolicy::FromEnv)
        .with_attempts(attempts);
    let uri: http::Uri = CREDENTIALS_URI.parse().expect("a valid URI");
    let mut source = CredentialsUriSource::new(uri, settings);
    let _ = source.max_fetch_time();
    let mut world = UriWorld {
        parts: parts[1..].iter().copied().collect(),
        planted,
        attempts: attempts as usize,
        last: Last::Silent,
        requests: 0,
    };
    let mut now = fixed_now();
    let mut ctx = Ctx::new(0x5eed);
    let mut outcomes = Vec::new();
    for i in 0..fetches.unwrap_or(3) {
        if i > 0 {
            now = now.after(Duration::from_secs(gap));
        }
        world.requests = 0;
        world.last = Last::Silent;
        let result = fetch_scripted(&mut source, &mut world, &mut now, &mut ctx, MAX_FETCH_STEPS, input);
        match (&result, &world.last) {
            (Ok(f), Last::Http { status: 200, body, .. }) => {
                assert_eq!(
                    lossy_json(body)["Code"],
                    "Success",
                    "a credential from an answer whose Code is not Success"
                );
                assert_eq!(f.credential.provider_name(), "credential_uri");
                assert_session_fields(&f.credential, &lossy_json(body), "credentials URI credential");
                if planted {
                    assert_eq!(f.credential.access_key_secret(), format!("{PLANT}-uri-ak-secret"));
                }
            }
            (Ok(_), last) => panic!("a credential without a 200 answer (last: {last:?})"),
            (Err(e @ Error::Service { source, .. }), Last::Http { status, .. }) => {
                check_service_error(e);
                assert_eq!(source.http_status, *status, "the service error's status");
            }
            (Err(Error::InvalidResponse { http_status, .. }), Last::Http { status, .. }) => {
                assert_eq!(*status, 200, "InvalidResponse for HTTP {status}");
                assert_eq!(*http_status, 200);
            }
            (Err(Error::Transport { .. }), Last::Transport | Last::Silent) => {}
            (Err(e), last) => panic!("error {e:?} does not fit the last answer {last:?}"),
        }
        outcomes.push(classify(&result));
        if fetches.is_none() && world.parts.is_empty() {
            break;
        }
    }
    outcomes
}

// ---------------------------------------------------------------------------------------------
// oidc_token
// ---------------------------------------------------------------------------------------------

/// The token file the `oidc_token` source reads.
const OIDC_TOKEN_FILE: &str = "/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token";
/// Placeholders in an STS answer body that stand for the token read (raw and percent-encoded):
/// an STS that echoes the token.
const TOKEN_PLACEHOLDER: &str = "{{token}}";
const TOKEN_PLACEHOLDER_ENCODED: &str = "{{token%}}";
/// The longest token STS accepts, in characters (mirrors the source).
const OIDC_MAX_TOKEN_CHARS: usize = 20_000;

/// A planted OIDC token the size of a real ACK RRSA token (about 1 KiB): a public JWT header,
/// then a payload and a signature that both start with [`PLANT`].
pub fn planted_oidc_token() -> String {
    let filler = |tag: &str, len: usize| {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut s = format!("{PLANT}{tag}");
        let mut i = 0;
        while s.len() < len {
            s.push(alphabet[(i * 7 + 3) % alphabet.len()] as char);
            i += 1;
        }
        s
    };
    format!("eyJhbGciOiJSUzI1NiIsImtpZCI6ImZ1enoifQ.{}.{}", filler("oidcPayload", 700), filler("oidcSignature", 342))
}

/// The token the source makes of a file (mirrors its rules), if it accepts it.
fn oidc_token_of(bytes: &[u8], max_len: usize) -> Option<String> {
    if bytes.len() > max_len {
        return None;
    }
    let token = std::str::from_utf8(bytes).ok()?.trim();
    (!token.is_empty() && token.chars().count() <= OIDC_MAX_TOKEN_CHARS).then(|| token.to_owned())
}

struct OidcWorld<'a> {
    parts: std::collections::VecDeque<&'a [u8]>,
    planted: bool,
    /// The token read in this fetch, if the source accepts it.
    token: Option<String>,
    reads: usize,
    last: Last,
    requests: usize,
}

impl World for OidcWorld<'_> {
    fn http(&mut self, req: &HttpRequest, now: Now) -> Reply {
        let token = self.token.clone().expect("an STS request without a valid token read first");
        let r = &req.request;
        assert_eq!(r.method(), http::Method::POST, "AssumeRoleWithOIDC is a POST");
        assert_eq!(r.uri().scheme_str(), Some("https"));
        assert_eq!(r.uri().authority().map(|a| a.as_str()), Some("sts.aliyuncs.com"));
        let query = r.uri().query().unwrap_or("");
        assert!(query.contains("Action=AssumeRoleWithOIDC"), "not an AssumeRoleWithOIDC request");
        assert!(!query.contains("OIDCToken") && !query.contains("Signature="), "token or signature in the URL");
        let encoded = alibabacloud_credentials_core::sign::percent_encode(&token);
        if token.len() >= 16 {
            assert!(!query.contains(&token) && !query.contains(&encoded), "the OIDC token is in the URL");
        }
        let body = String::from_utf8_lossy(r.body()).into_owned();
        assert!(body.split('&').any(|p| p == format!("OIDCToken={encoded}")), "the form body lacks the token read");
        self.requests += 1;
        assert!(self.requests <= 3, "more than 3 AssumeRoleWithOIDC attempts in one fetch");
        let Some(part) = self.parts.pop_front() else {
            self.last = Last::Silent;
            return Reply::Silent;
        };
        match parse_answer(part) {
            Answer::Http { status, date, body } => {
                // An STS that echoes the token, then planted credentials.
                let mut body = body;
                if body.windows(2).any(|w| w == b"{{") {
                    let text = String::from_utf8_lossy(&body)
                        .replace(TOKEN_PLACEHOLDER_ENCODED, &encoded)
                        .replace(TOKEN_PLACEHOLDER, &token);
                    body = text.into_bytes();
                }
                if self.planted {
                    if let Some(b) = plant_session(
                        &body,
                        true,
                        &format!("{PLANT}-oidc-ak-secret"),
                        &format!("{PLANT}-oidc-sts-token"),
                    ) {
                        body = b;
                    }
                }
                self.last = Last::Http { kind: "sts", status, body: body.clone() };
                Reply::Answer(Ok(response(status, date, body)))
            }
            Answer::Transport(kind) => {
                self.last = Last::Transport;
                Reply::Answer(Err(TransportError::new(kind, "fuzz: scripted failure")))
            }
            Answer::Stale => {
                self.last = Last::Silent;
                stale_answer(now)
            }
            Answer::Silent => {
                self.last = Last::Silent;
                Reply::Silent
            }
        }
    }

    fn file(&mut self, read: &FileRead) -> Option<Result<Vec<u8>, FileError>> {
        assert_eq!(read.path, std::path::Path::new(OIDC_TOKEN_FILE), "not the configured token file");
        assert!(read.max_len > OIDC_MAX_TOKEN_CHARS, "a token file limit below the longest token");
        assert_eq!(self.requests, 0, "the token file is read after an STS request");
        self.reads += 1;
        assert_eq!(self.reads, 1, "the token file is read twice in one fetch");
        let answer = match self.parts.pop_front() {
            Some(part) => parse_file_answer(part),
            None => FileAnswer::Error(FileError::NotFound),
        };
        match answer {
            FileAnswer::Bytes(mut bytes) => {
                if self.planted && oidc_token_of(&bytes, read.max_len).is_some() {
                    bytes = format!("{}\n", planted_oidc_token()).into_bytes();
                }
                self.token = oidc_token_of(&bytes, read.max_len);
                Some(read.accept(bytes))
            }
            FileAnswer::Error(e) => Some(Err(e)),
            FileAnswer::Silent => None,
        }
    }
}

/// `OidcRoleArnSource` (`AssumeRoleWithOIDC` at `https://sts.aliyuncs.com`, 3 attempts)
/// answered from the input: per fetch, one part for the token file read ([`parse_file_answer`]),
/// then one part per STS answer; fetches run while parts are left, at most 3. In STS answer
/// bodies, `{{token}}` and `{{token%}}` stand for the token read (an STS that echoes it).
///
/// Invariants: no panic; fetches end within 64 polls as for `imds_answers`; the file is read
/// first and once per fetch; a file the source must refuse (not UTF-8, blank, too long, a read
/// error or no answer) is an `Error::File` without any request, and an accepted one never is;
/// the request is an unsigned POST whose URL carries neither the token nor a signature and
/// whose form body carries exactly the token read; a credential only comes from a 2xx answer
/// and carries exactly its `Credentials`; with a realistic planted token (and planted
/// `Credentials` secrets), no error, `Debug` rendering or URL ever contains any of it, even
/// when STS echoes the token.
pub fn check_oidc_token(data: &[u8]) -> Vec<FetchOutcome> {
    let input = String::from_utf8_lossy(data);
    let outcome = oidc_once(data, &input, false);
    if !input.contains(PLANT) {
        oidc_once(data, &input, true);
    }
    outcome
}

fn oidc_once(data: &[u8], input: &str, planted: bool) -> Vec<FetchOutcome> {
    let params = OidcParams {
        role_arn: "acs:ram::1234567890123456:role/rrsa-fuzz".to_owned(),
        oidc_provider_arn: "acs:ram::1234567890123456:oidc-provider/ack-rrsa-fuzz".to_owned(),
        token_file: OIDC_TOKEN_FILE.into(),
        role_session_name: Some("fuzz-session".to_owned()),
        duration_seconds: 3600,
        policy: None,
    };
    let endpoint = Endpoint::parse("sts.aliyuncs.com", http::uri::Scheme::HTTPS, "sts_endpoint").expect("valid");
    let settings =
        CallSettings::new(Duration::from_secs(5), Duration::from_secs(10), ProxyPolicy::FromEnv).with_attempts(3);
    let mut source = OidcRoleArnSource::new(params, endpoint, settings);
    let _ = source.max_fetch_time();
    let mut world = OidcWorld {
        parts: split_parts(data).into_iter().collect(),
        planted,
        token: None,
        reads: 0,
        last: Last::Silent,
        requests: 0,
    };
    let mut now = fixed_now();
    let mut ctx = Ctx::new(0x5eed);
    let mut outcomes = Vec::new();
    for i in 0..3 {
        if i > 0 {
            now = now.after(Duration::from_secs(60));
        }
        world.token = None;
        world.reads = 0;
        world.requests = 0;
        world.last = Last::Silent;
        let result = fetch_scripted(&mut source, &mut world, &mut now, &mut ctx, MAX_FETCH_STEPS, input);
        assert_eq!(world.reads, 1, "a fetch did not read the token file");
        match (&result, &world.last) {
            (Err(Error::File { path, .. }), _) => {
                assert!(world.token.is_none(), "a valid token file gave a file error");
                assert_eq!(world.requests, 0);
                assert_eq!(path, std::path::Path::new(OIDC_TOKEN_FILE));
            }
            _ if world.token.is_none() => panic!("a token file the source must refuse gave {result:?}"),
            (Ok(f), Last::Http { status, body, .. }) => {
                assert!((200..300).contains(status), "a credential from HTTP {status}");
                assert_eq!(f.credential.provider_name(), "oidc_role_arn");
                assert_session_fields(&f.credential, &lossy_json(body)["Credentials"], "AssumeRoleWithOIDC credential");
                if planted {
                    assert_eq!(f.credential.access_key_secret(), format!("{PLANT}-oidc-ak-secret"));
                }
            }
            (Ok(_), last) => panic!("a credential without an STS answer (last: {last:?})"),
            (Err(Error::Service { source, .. }), Last::Http { status, .. }) => {
                assert!(!(200..300).contains(status), "a service error for HTTP {status}");
                assert_eq!(source.http_status, *status);
                assert!(!source.code.is_empty(), "empty error code");
            }
            (Err(Error::InvalidResponse { http_status, .. }), Last::Http { status, .. }) => {
                assert!((200..300).contains(status), "InvalidResponse for HTTP {status}");
                assert_eq!(http_status, status);
            }
            (Err(Error::Transport { .. }), Last::Transport | Last::Silent) => {}
            (Err(e), last) => panic!("error {e:?} does not fit the last answer {last:?}"),
        }
        outcomes.push(classify(&result));
        if world.parts.is_empty() {
            break;
        }
    }
    outcomes
}

// ---------------------------------------------------------------------------------------------
// cli_config and ini: the profile files
// ---------------------------------------------------------------------------------------------

/// What a profile file gave with its own selection (empty environment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileOutcome {
    /// A source, whose fetch against the canned world gave a credential.
    Fetched,
    /// A source, whose fetch against the canned world failed.
    Built,
    /// `Error::NotConfigured` (nothing selected, or a disabled section).
    NotConfigured,
    /// `Error::InvalidProfile` about the file as a whole (syntax, shape; no profile named).
    InvalidFile,
    /// `Error::InvalidProfile` about the selected profile.
    InvalidProfile,
}

/// A profile name no seed uses: selecting it explicitly must be an error.
const MISSING_PROFILE: &str = "Qz7-no-such-profile";
/// At most this many profile names of a file are each selected through `ALIBABA_CLOUD_PROFILE`.
const MAX_SELECTED: usize = 3;

fn profile_env(name: &str) -> Env {
    Env::from_vars([("ALIBABA_CLOUD_PROFILE", name), ("HOME", "/home/fuzz")])
}

/// Answers every request as the service it is meant for would, with success: metadata token,
/// role list and credentials, STS, a credentials URI; a file read gets an OIDC token.
struct CannedWorld<'a> {
    /// Planted values (or prefixes of them) no request may carry.
    never_sent: &'a [String],
}

impl World for CannedWorld<'_> {
    fn http(&mut self, req: &HttpRequest, now: Now) -> Reply {
        let r = &req.request;
        let mut sent = format!("{} {}\n", r.method(), r.uri());
        for (name, value) in r.headers() {
            sent.push_str(&format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())));
        }
        sent.push_str(&String::from_utf8_lossy(r.body()));
        for secret in self.never_sent {
            assert!(!sent.contains(secret.as_str()), "the HTTP request carries the secret `{secret}`:\n{sent}");
        }
        let path = r.uri().path();
        let query = r.uri().query().unwrap_or("");
        let body = if path == IMDS_TOKEN_PATH {
            "canned-imds-token".to_owned()
        } else if path == IMDS_ROLES_PATH {
            "CannedRole".to_owned()
        } else if query.contains("Action=AssumeRole") {
            return Reply::Answer(Ok(canned_sts_success()));
        } else {
            session_json(now, "STS.FuzzCannedSession01", "canned-session-secret", "canned-session-token")
        };
        Reply::Answer(Ok(response(200, None, body.into_bytes())))
    }

    fn file(&mut self, _read: &FileRead) -> Option<Result<Vec<u8>, FileError>> {
        Some(Ok(b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5uZWQifQ.Y2FubmVkLXNpZ25hdHVyZQ\n".to_vec()))
    }
}

/// What a profile parser gave, and the credential its source fetched (if any).
fn profile_result(
    result: Result<Box<dyn Source>, Error>,
    provider: &str,
    path: &std::path::Path,
    never_sent: &[String],
    max_steps: usize,
    input: &str,
) -> (ProfileOutcome, Option<Fetched>) {
    match result {
        Err(e) => {
            forbid_all(&render_error(&e), input, "profile error");
            match e {
                Error::InvalidProfile { provider: p, path: at, profile, .. } => {
                    assert_eq!(p, provider, "InvalidProfile provider");
                    assert_eq!(at, path, "InvalidProfile path");
                    match profile {
                        None => (ProfileOutcome::InvalidFile, None),
                        Some(_) => (ProfileOutcome::InvalidProfile, None),
                    }
                }
                Error::NotConfigured { provider: p, .. } => {
                    assert_eq!(p, provider, "NotConfigured provider");
                    (ProfileOutcome::NotConfigured, None)
                }
                other => panic!("a profile parser gave an unexpected error kind: {other:?}"),
            }
        }
        Ok(mut source) => {
            forbid_all(&render_debug_bounded(&source), input, "profile source Debug");
            let _ = source.max_fetch_time();
            let _ = source.provider_name();
            let mut world = CannedWorld { never_sent };
            let mut now = fixed_now();
            let mut ctx = Ctx::new(0x5eed);
            match fetch_scripted(&mut *source, &mut world, &mut now, &mut ctx, max_steps, input) {
                Ok(f) => (ProfileOutcome::Fetched, Some(f)),
                Err(_) => (ProfileOutcome::Built, None),
            }
        }
    }
}

/// Profile selections to try: the file's own (empty environment), then each of the first
/// [`MAX_SELECTED`] distinct `names` through `ALIBABA_CLOUD_PROFILE`.
fn selections(names: &[String]) -> Vec<(Option<String>, Env)> {
    let mut out = vec![(None, Env::empty())];
    let mut seen: Vec<&String> = Vec::new();
    for n in names.iter().filter(|n| !n.is_empty()) {
        if seen.len() == MAX_SELECTED {
            break;
        }
        if !seen.contains(&n) {
            seen.push(n);
            out.push((Some(n.clone()), profile_env(n)));
        }
    }
    out
}

const CLI_PATH: &str = "/home/fuzz/.aliyun/config.json";

/// `profiles[].name` of a config file that parses.
fn cli_names(bytes: &[u8]) -> (Vec<String>, usize) {
    let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(bytes) else {
        return (Vec::new(), 0);
    };
    let Some(Value::Array(profiles)) = top.get("profiles") else {
        return (Vec::new(), 0);
    };
    let names = profiles.iter().filter_map(|p| p.get("name")?.as_str().map(str::to_owned)).collect();
    (names, profiles.len())
}

/// `cli_profile_source` on the input as `~/.aliyun/config.json`: with the file's `current`
/// profile (empty environment), with each of its first profile names selected through
/// `ALIBABA_CLOUD_PROFILE`, and with a name no profile has; every source built is driven
/// through one fetch against a canned world that answers everything with success.
///
/// Invariants: no panic, no stack overflow, and the fetch ends (a `source_profile` cycle is an
/// error); errors are `InvalidProfile` (naming the file) or, only without
/// `ALIBABA_CLOUD_PROFILE`, `NotConfigured`; an explicitly selected profile that does not exist
/// is `InvalidProfile`; with `access_key_secret`/`sts_token` planted into every profile, no
/// error, source `Debug`, or credential rendering shows them, no request carries an AccessKey
/// secret, and an `AK`/`StsToken` profile fetches exactly the planted values of the profile
/// selected (the first of that name).
pub fn check_cli_config(data: &[u8]) -> ProfileOutcome {
    let input = String::from_utf8_lossy(data);
    let (names, count) = cli_names(data);
    let steps = MAX_FETCH_STEPS + 4 * count;
    let path = std::path::Path::new(CLI_PATH);
    let mut outcome = None;
    for (selected, env) in selections(&names) {
        let result = cli_profile_source(data, path, &env);
        let (o, _) = profile_result(result, "cli_profile", path, &[], steps, &input);
        if selected.is_some() {
            assert_ne!(o, ProfileOutcome::NotConfigured, "an explicitly selected profile is NotConfigured");
        }
        outcome.get_or_insert(o);
    }
    if !input.contains(MISSING_PROFILE) {
        let env = profile_env(MISSING_PROFILE);
        let (o, _) = profile_result(cli_profile_source(data, path, &env), "cli_profile", path, &[], steps, &input);
        assert!(
            matches!(o, ProfileOutcome::InvalidFile | ProfileOutcome::InvalidProfile),
            "selecting a profile that does not exist gave {o:?}"
        );
    }
    if !input.contains(PLANT) {
        plant_cli(data, &names, steps, &input);
    }
    outcome.expect("the file's own selection ran")
}

/// Plants `access_key_secret` and `sts_token` into every profile object and checks where they
/// go (see [`check_cli_config`]).
fn plant_cli(data: &[u8], names: &[String], steps: usize, input: &str) {
    let Ok(Value::Object(mut top)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Some(Value::Array(profiles)) = top.get_mut("profiles") else {
        return;
    };
    let mut planted = false;
    for (i, p) in profiles.iter_mut().enumerate() {
        if let Value::Object(p) = p {
            p.insert("access_key_secret".into(), Value::String(format!("{PLANT}-ak-secret-p{i}")));
            p.insert("sts_token".into(), Value::String(format!("{PLANT}-sts-token-p{i}")));
            planted = true;
        }
    }
    if !planted {
        return;
    }
    let never_sent = [format!("{PLANT}-ak-secret-")];
    let bytes = serde_json::to_vec(&Value::Object(top.clone())).expect("a JSON map serialises");
    let path = std::path::Path::new(CLI_PATH);
    let profiles = match top.get("profiles") {
        Some(Value::Array(p)) => p.as_slice(),
        _ => &[],
    };
    for (selected, env) in selections(names) {
        let result = cli_profile_source(&bytes, path, &env);
        let (_, fetched) = profile_result(result, "cli_profile", path, &never_sent, steps, input);
        let Some(f) = fetched else { continue };
        let name = selected.or_else(|| top.get("current").and_then(Value::as_str).map(str::to_owned));
        let Some((i, p)) = profiles
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, p.as_object()?)))
            .find(|(_, p)| p.get("name").and_then(Value::as_str) == name.as_deref())
        else {
            panic!("a credential although no profile has the selected name");
        };
        let mode = p.get("mode").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        let c = &f.credential;
        match mode.as_str() {
            "ak" => {
                assert_eq!(c.access_key_secret(), format!("{PLANT}-ak-secret-p{i}"), "AK: not the selected profile");
                assert_eq!(c.security_token(), None, "AK: a security token");
            }
            "ststoken" => {
                assert_eq!(
                    c.access_key_secret(),
                    format!("{PLANT}-ak-secret-p{i}"),
                    "StsToken: not the selected profile"
                );
                assert_eq!(c.security_token(), Some(format!("{PLANT}-sts-token-p{i}").as_str()), "StsToken: token");
            }
            _ => {}
        }
    }
}

const INI_PATH: &str = "/home/fuzz/.alibabacloud/credentials";

/// Section names, roughly as the parser finds them (only used to pick selections).
fn ini_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix('[')?;
            let name = rest.split('#').next()?.trim_end().strip_suffix(']')?.trim();
            Some(name.to_owned())
        })
        .collect()
}

/// `ini_profile_source` on the input as the ini credentials file: with the `default` section
/// (empty environment), with each of its first section names selected through
/// `ALIBABA_CLOUD_PROFILE`, and with a name no section has; every source built is driven
/// through one fetch against the canned world.
///
/// Invariants: no panic and the fetch ends; errors are `InvalidProfile` (naming the file) or
/// `NotConfigured`; an explicitly selected section that does not exist is `InvalidProfile`; with
/// every `access_key_secret` line planted, no error, source `Debug`, or credential rendering
/// shows a planted value, no request carries one, and an `access_key` section fetches a planted
/// value.
pub fn check_ini(data: &[u8]) -> ProfileOutcome {
    let input = String::from_utf8_lossy(data);
    let names = ini_names(&input);
    let path = std::path::Path::new(INI_PATH);
    let mut outcome = None;
    for (_, env) in selections(&names) {
        let (o, _) =
            profile_result(ini_profile_source(data, path, &env), "profile", path, &[], MAX_FETCH_STEPS, &input);
        outcome.get_or_insert(o);
    }
    if !input.contains(MISSING_PROFILE) {
        let env = profile_env(MISSING_PROFILE);
        let (o, _) =
            profile_result(ini_profile_source(data, path, &env), "profile", path, &[], MAX_FETCH_STEPS, &input);
        assert!(
            matches!(o, ProfileOutcome::InvalidFile | ProfileOutcome::InvalidProfile),
            "selecting a section that does not exist gave {o:?}"
        );
    }
    if !input.contains(PLANT) {
        plant_ini(&input, &names);
    }
    outcome.expect("the default selection ran")
}

/// Rewrites every `access_key_secret = ...` line to a planted value and checks where they go
/// (see [`check_ini`]).
fn plant_ini(text: &str, names: &[String]) {
    let mut planted_lines = 0;
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(n, line)| match line.split_once('=') {
            Some((key, _)) if key.trim() == "access_key_secret" && !line.trim_start().starts_with(['#', ';', '[']) => {
                planted_lines += 1;
                format!("{key}= {PLANT}-ak-secret-l{n}")
            }
            _ => line.to_owned(),
        })
        .collect();
    if planted_lines == 0 {
        return;
    }
    let never_sent = [format!("{PLANT}-ak-secret-")];
    let planted = lines.join("\n");
    let path = std::path::Path::new(INI_PATH);
    for (_, env) in selections(names) {
        let result = ini_profile_source(planted.as_bytes(), path, &env);
        let (_, fetched) = profile_result(result, "profile", path, &never_sent, MAX_FETCH_STEPS, text);
        if let Some(f) = fetched {
            if f.credential.provider_name() == "static_ak" {
                assert!(
                    f.credential.access_key_secret().starts_with(&never_sent[0]),
                    "an access_key section fetched a secret that is not from its file"
                );
            }
        }
    }
}
