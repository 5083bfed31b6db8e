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

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use alibabacloud_credentials_core::time::{
    expiry_deadline, format_http_date, format_rfc3339, parse_expiration, parse_http_date,
};
use alibabacloud_credentials_core::{
    source_from_config, sts, Config, ConfigError, Ctx, Effect, Env, Error, Fetched, FileError, Input, Now, Source,
    SourcePoll,
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
    let outcome = config_once(&text);

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
            plant_config(&map, !has_secret);
        }
    }
    outcome
}

/// Parses and resolves one text; returns what happened.
fn config_once(text: &str) -> ConfigOutcome {
    let first = Config::from_json(text);
    let again = Config::from_json(text);
    assert_eq!(first, again, "Config::from_json is not deterministic");
    let mut outcome = ConfigOutcome::default();
    match &first {
        Err(e) => forbid_all(&render_error(e), text, "ConfigError from from_json"),
        Ok(config) => {
            outcome.parsed = true;
            forbid_all(&render_debug(config), text, "Config Debug");
            outcome.resolved_empty_env = resolve_and_drive(config, &Env::empty(), text).is_some();
            static ENV: OnceLock<Env> = OnceLock::new();
            let with_env = resolve_and_drive(config, ENV.get_or_init(secret_env), text);
            outcome.resolved_with_env = with_env.is_some();
            outcome.fetched_with_env = with_env == Some(true);
        }
    }
    outcome
}

/// Rewrites the secret fields of a JSON object to planted values (`insert`: also adds the
/// missing ones), re-serialises it, and runs it through [`config_once`], checking the planted
/// values arrive where they belong.
fn plant_config(map: &Map<String, Value>, insert: bool) {
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
    config_once(&text);
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
