//! `Config::from_json` + `source_from_config`: every credential type's required fields, the
//! environment fallbacks, range checks, and fields that do not belong. Every error is also
//! checked for leaked secrets.

use alibabacloud_credentials_core::{
    source_from_config, Config, ConfigError, Credential, Ctx, Effect, Env, Error, HttpRequest, ProxyPolicy,
    RefreshPoll, Refresher, Source, SourcePoll,
};
use alibabacloud_credentials_testkit::{drive, FakeClock, RecordedRequest, StsServer};
use std::time::Duration;

const AK_ID: &str = "LTAI5tConfigTestKey01";
const SECRET: &str = "SeCrEt-123";
const TOKEN: &str = "ToKeN-SeCrEt-456";
const BEARER: &str = "BeArEr-SeCrEt-789";
const ENV_SECRET: &str = "EnV-SeCrEt-321";
const ENV_TOKEN: &str = "EnV-ToKeN-654";
const PROXY_PASSWORD: &str = "PrOxY-SeCrEt-999";
const ROLE: &str = "acs:ram::1234567890123456:role/config-test";

/// Every secret a test here ever puts in a config or the environment.
const SECRETS: &[&str] = &[SECRET, TOKEN, BEARER, ENV_SECRET, ENV_TOKEN, PROXY_PASSWORD];

const ID_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
const SECRET_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
const TOKEN_VAR: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
const ROLE_VAR: &str = "ALIBABA_CLOUD_ROLE_ARN";
const SESSION_VAR: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";

/// A config, its environment, and the error expected.
type MissingCase = (String, Vec<(&'static str, &'static str)>, ConfigError);

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_vars(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks a secret ({s}): {text}");
    }
}

fn assert_error_is_clean(e: &ConfigError) {
    assert_no_secret("ConfigError Display", &e.to_string());
    assert_no_secret("ConfigError Debug", &format!("{e:?}"));
    assert_no_secret("ConfigError Debug (alternate)", &format!("{e:#?}"));
    let wrapped = Error::from(e.clone());
    assert_no_secret("Error Display", &wrapped.to_string());
    assert_no_secret("Error Debug", &format!("{wrapped:?}"));
    assert!(!wrapped.is_retryable(), "configuration errors are final");
}

/// Parses and resolves; checks every error (and the resolved source's `Debug`) for secrets.
fn resolve(json: &str, vars: &[(&str, &str)]) -> Result<Box<dyn Source>, ConfigError> {
    let result = Config::from_json(json).and_then(|c| {
        assert_no_secret("Config Debug", &format!("{c:?}"));
        source_from_config(&c, &env(vars))
    });
    match &result {
        Err(e) => assert_error_is_clean(e),
        Ok(s) => assert_no_secret("Source Debug", &format!("{s:?}")),
    }
    result
}

fn expect_err(json: &str, vars: &[(&str, &str)]) -> ConfigError {
    match resolve(json, vars) {
        Ok(s) => panic!("{json} with {vars:?} was accepted: {s:?}"),
        Err(e) => e,
    }
}

fn expect_ok(json: &str, vars: &[(&str, &str)]) -> Box<dyn Source> {
    resolve(json, vars).unwrap_or_else(|e| panic!("{json} with {vars:?} was rejected: {e}"))
}

/// Fetches from a source that answers at once (access_key, sts, bearer).
fn fetch_static(mut source: Box<dyn Source>) -> Credential {
    let now = FakeClock::new().now();
    source.start(now);
    match source.poll(now, &mut Ctx::new(0)) {
        SourcePoll::Done(Ok(f)) => {
            assert!(f.expires_at.is_none(), "static credentials never expire");
            f.credential
        }
        other => panic!("a static source did not answer at once: {other:?}"),
    }
}

fn missing(field: &'static str, credential_type: &'static str, env: Option<&'static str>) -> ConfigError {
    ConfigError::Missing { field, credential_type, env }
}

fn invalid(field: &'static str, reason: &str) -> ConfigError {
    ConfigError::InvalidValue { field, reason: reason.to_owned() }
}

fn not_applicable(field: &'static str, credential_type: &'static str) -> ConfigError {
    ConfigError::NotApplicable { field, credential_type }
}

/// A strict STS that knows the test keys.
fn sts_server() -> StsServer {
    let mut sts = StsServer::new();
    sts.add_key(AK_ID, SECRET);
    sts.add_key("LTAI5tEnvironmentKey01", ENV_SECRET);
    sts.add_sts_key("STS.ConfigSourceToken01", SECRET, TOKEN);
    sts.add_sts_key("STS.EnvironmentToken01", ENV_SECRET, ENV_TOKEN);
    sts
}

/// Runs one `AssumeRole` fetch against the strict STS; returns the credential (or error) and
/// the request the server received.
fn assume(source: Box<dyn Source>) -> (Result<Credential, Error>, RecordedRequest) {
    let clock = FakeClock::new();
    let mut sts = sts_server();
    let mut r = Refresher::new(source, 7);
    let cache = r.cache().clone();
    cache.request_refresh();
    drive(&mut r, &clock, &mut sts);
    assert_eq!(sts.requests().len(), 1, "{:?}", sts.requests());
    let snap = cache.snapshot();
    let result = match (&snap.credential, &snap.error) {
        (Some(c), None) => Ok(c.clone()),
        (None, Some(e)) => Err(e.clone()),
        other => panic!("unexpected snapshot {other:?}"),
    };
    (result, sts.requests()[0].clone())
}

/// The first HTTP request a ram_role_arn source emits (timeouts, proxy, URI).
fn first_request(source: Box<dyn Source>) -> HttpRequest {
    let clock = FakeClock::new();
    let mut r = Refresher::new(source, 7);
    r.cache().request_refresh();
    match r.poll(clock.now()) {
        RefreshPoll::Effect(Effect::Http(req)) => {
            assert_no_secret("HttpRequest Debug", &format!("{req:?}"));
            req
        }
        other => panic!("expected an HTTP request, got {other:?}"),
    }
}

fn ak_json(extra: &str) -> String {
    format!(
        r#"{{"type": "ram_role_arn", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "role_arn": "{ROLE}"{extra}}}"#
    )
}

// ---------------------------------------------------------------------------------------------
// access_key

#[test]
fn access_key_success() {
    let json = format!(r#"{{"type": "access_key", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}"}}"#);
    let source = expect_ok(&json, &[]);
    assert_eq!(source.provider_name(), "static_ak");
    let c = fetch_static(source);
    assert_eq!(c.access_key_id(), AK_ID);
    assert_eq!(c.access_key_secret(), SECRET);
    assert_eq!(c.security_token(), None);
    assert_eq!(c.provider_name(), "static_ak");
    assert_eq!(c.credential_type(), "access_key");
    assert_no_secret("Credential Debug", &format!("{c:?}"));
    assert_no_secret("Credential Display", &c.to_string());
}

#[test]
fn access_key_camel_case_keys_are_accepted() {
    let json = format!(r#"{{"type": "access_key", "accessKeyId": "{AK_ID}", "accessKeySecret": "{SECRET}"}}"#);
    let c = fetch_static(expect_ok(&json, &[]));
    assert_eq!((c.access_key_id(), c.access_key_secret()), (AK_ID, SECRET));
}

#[test]
fn access_key_missing_fields() {
    let id = Some(ID_VAR);
    let sec = Some(SECRET_VAR);
    let cases: Vec<MissingCase> = vec![
        (r#"{"type": "access_key"}"#.into(), vec![], missing("access_key_id", "access_key", id)),
        (
            format!(r#"{{"type": "access_key", "access_key_secret": "{SECRET}"}}"#),
            vec![],
            missing("access_key_id", "access_key", id),
        ),
        (
            format!(r#"{{"type": "access_key", "access_key_id": "{AK_ID}"}}"#),
            vec![],
            missing("access_key_secret", "access_key", sec),
        ),
        // Empty strings count as missing, in the config and in the environment.
        (
            format!(r#"{{"type": "access_key", "access_key_id": "", "access_key_secret": "{SECRET}"}}"#),
            vec![(ID_VAR, "")],
            missing("access_key_id", "access_key", id),
        ),
        (
            format!(r#"{{"type": "access_key", "access_key_id": "{AK_ID}", "access_key_secret": ""}}"#),
            vec![(SECRET_VAR, "")],
            missing("access_key_secret", "access_key", sec),
        ),
        // null is the same as absent.
        (
            format!(r#"{{"type": "access_key", "access_key_id": null, "access_key_secret": "{SECRET}"}}"#),
            vec![],
            missing("access_key_id", "access_key", id),
        ),
        // The environment supplies one field, not the other.
        (r#"{"type": "access_key"}"#.into(), vec![(ID_VAR, AK_ID)], missing("access_key_secret", "access_key", sec)),
    ];
    for (json, vars, want) in cases {
        assert_eq!(expect_err(&json, &vars), want, "{json} with {vars:?}");
    }
}

#[test]
fn access_key_env_fallbacks() {
    let vars = [(ID_VAR, "LTAI5tEnvironmentKey01"), (SECRET_VAR, ENV_SECRET)];
    let c = fetch_static(expect_ok(r#"{"type": "access_key"}"#, &vars));
    assert_eq!(c.access_key_id(), "LTAI5tEnvironmentKey01");
    assert_eq!(c.access_key_secret(), ENV_SECRET);

    // Config values win over the environment; empty config values fall back to it.
    let json = format!(r#"{{"type": "access_key", "access_key_id": "{AK_ID}", "access_key_secret": ""}}"#);
    let c = fetch_static(expect_ok(&json, &vars));
    assert_eq!(c.access_key_id(), AK_ID);
    assert_eq!(c.access_key_secret(), ENV_SECRET);

    // An access_key never picks up a security token from the environment.
    let mut with_token = vars.to_vec();
    with_token.push((TOKEN_VAR, ENV_TOKEN));
    let source = expect_ok(r#"{"type": "access_key"}"#, &with_token);
    assert_eq!(source.provider_name(), "static_ak");
    assert_eq!(fetch_static(source).security_token(), None);
}

// ---------------------------------------------------------------------------------------------
// sts

#[test]
fn sts_success() {
    let json = format!(
        r#"{{"type": "sts", "access_key_id": "STS.ConfigSourceToken01", "access_key_secret": "{SECRET}", "security_token": "{TOKEN}"}}"#
    );
    let source = expect_ok(&json, &[]);
    assert_eq!(source.provider_name(), "static_sts");
    let c = fetch_static(source);
    assert_eq!(c.access_key_id(), "STS.ConfigSourceToken01");
    assert_eq!(c.access_key_secret(), SECRET);
    assert_eq!(c.security_token(), Some(TOKEN));
    assert_eq!(c.credential_type(), "sts");
    assert_eq!(c.expiration(), None);
    assert_no_secret("Credential Debug", &format!("{c:?}"));
}

#[test]
fn sts_missing_fields() {
    let cases: Vec<MissingCase> = vec![
        (r#"{"type": "sts"}"#.into(), vec![], missing("access_key_id", "sts", Some(ID_VAR))),
        (
            format!(r#"{{"type": "sts", "access_key_id": "{AK_ID}", "security_token": "{TOKEN}"}}"#),
            vec![],
            missing("access_key_secret", "sts", Some(SECRET_VAR)),
        ),
        (
            format!(r#"{{"type": "sts", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}"}}"#),
            vec![],
            missing("security_token", "sts", Some(TOKEN_VAR)),
        ),
        (
            format!(
                r#"{{"type": "sts", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "security_token": ""}}"#
            ),
            vec![(TOKEN_VAR, "")],
            missing("security_token", "sts", Some(TOKEN_VAR)),
        ),
    ];
    for (json, vars, want) in cases {
        assert_eq!(expect_err(&json, &vars), want, "{json} with {vars:?}");
    }
}

#[test]
fn sts_env_fallbacks() {
    let vars = [(ID_VAR, "STS.EnvironmentToken01"), (SECRET_VAR, ENV_SECRET), (TOKEN_VAR, ENV_TOKEN)];
    let c = fetch_static(expect_ok(r#"{"type": "sts"}"#, &vars));
    assert_eq!(c.access_key_id(), "STS.EnvironmentToken01");
    assert_eq!(c.access_key_secret(), ENV_SECRET);
    assert_eq!(c.security_token(), Some(ENV_TOKEN));
    assert_eq!(c.provider_name(), "static_sts");

    // Only the token from the environment.
    let json = format!(
        r#"{{"type": "sts", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "security_token": ""}}"#
    );
    let c = fetch_static(expect_ok(&json, &[(TOKEN_VAR, ENV_TOKEN)]));
    assert_eq!(c.security_token(), Some(ENV_TOKEN));
    assert_eq!(c.access_key_secret(), SECRET);
}

// ---------------------------------------------------------------------------------------------
// bearer

#[test]
fn bearer_success_and_missing() {
    let json = format!(r#"{{"type": "bearer", "bearer_token": "{BEARER}"}}"#);
    let source = expect_ok(&json, &[]);
    assert_eq!(source.provider_name(), "bearer");
    let c = fetch_static(source);
    assert_eq!(c.bearer_token(), Some(BEARER));
    assert_eq!(c.access_key_id(), "");
    assert_eq!(c.access_key_secret(), "");
    assert_eq!(c.security_token(), None);
    assert_eq!(c.credential_type(), "bearer");
    assert_no_secret("Credential Debug", &format!("{c:?}"));

    // No environment variable supplies a bearer token.
    let all_env = [(ID_VAR, AK_ID), (SECRET_VAR, ENV_SECRET), (TOKEN_VAR, ENV_TOKEN)];
    for json in [
        r#"{"type": "bearer"}"#,
        r#"{"type": "bearer", "bearer_token": ""}"#,
        r#"{"type": "bearer", "bearerToken": null}"#,
    ] {
        assert_eq!(expect_err(json, &all_env), missing("bearer_token", "bearer", None), "{json}");
    }
}

// ---------------------------------------------------------------------------------------------
// ram_role_arn

#[test]
fn ram_role_arn_success() {
    let source = expect_ok(&ak_json(""), &[]);
    assert_eq!(source.provider_name(), "ram_role_arn/static_ak");
    let (result, req) = assume(source);
    let c = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.provider_name(), "ram_role_arn/static_ak");
    assert_eq!(c.credential_type(), "ram_role_arn");
    assert!(c.security_token().is_some() && c.expiration().is_some());
    assert_eq!(req.param("AccessKeyId"), Some(AK_ID));
    assert_eq!(req.param("RoleArn"), Some(ROLE));
    assert_eq!(req.param("DurationSeconds"), Some("3600"));
    assert_eq!(req.param("SecurityToken"), None);
    assert_eq!(req.param("Policy"), None);
    assert_eq!(req.param("ExternalId"), None);

    // With a security token the signer is an STS credential.
    let json = format!(
        r#"{{"type": "ram_role_arn", "access_key_id": "STS.ConfigSourceToken01", "access_key_secret": "{SECRET}", "security_token": "{TOKEN}", "role_arn": "{ROLE}", "role_session_name": "my-session", "policy": "{{}}", "external_id": "ext-1"}}"#
    );
    let source = expect_ok(&json, &[]);
    assert_eq!(source.provider_name(), "ram_role_arn/static_sts");
    let (result, req) = assume(source);
    result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.param("SecurityToken"), Some(TOKEN));
    assert_eq!(req.param("RoleSessionName"), Some("my-session"));
    assert_eq!(req.param("Policy"), Some("{}"));
    assert_eq!(req.param("ExternalId"), Some("ext-1"));
}

#[test]
fn ram_role_arn_missing_fields() {
    let t = "ram_role_arn";
    let cases: Vec<MissingCase> = vec![
        (r#"{"type": "ram_role_arn"}"#.into(), vec![], missing("access_key_id", t, Some(ID_VAR))),
        (
            format!(r#"{{"type": "ram_role_arn", "access_key_secret": "{SECRET}", "role_arn": "{ROLE}"}}"#),
            vec![],
            missing("access_key_id", t, Some(ID_VAR)),
        ),
        (
            format!(r#"{{"type": "ram_role_arn", "access_key_id": "{AK_ID}", "role_arn": "{ROLE}"}}"#),
            vec![],
            missing("access_key_secret", t, Some(SECRET_VAR)),
        ),
        (
            format!(r#"{{"type": "ram_role_arn", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}"}}"#),
            vec![],
            missing("role_arn", t, Some(ROLE_VAR)),
        ),
        (
            format!(
                r#"{{"type": "ram_role_arn", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "role_arn": ""}}"#
            ),
            vec![(ROLE_VAR, "")],
            missing("role_arn", t, Some(ROLE_VAR)),
        ),
        (
            format!(
                r#"{{"type": "ram_role_arn", "access_key_id": "", "access_key_secret": "", "role_arn": "{ROLE}"}}"#
            ),
            vec![(ID_VAR, ""), (SECRET_VAR, "")],
            missing("access_key_id", t, Some(ID_VAR)),
        ),
    ];
    for (json, vars, want) in cases {
        assert_eq!(expect_err(&json, &vars), want, "{json} with {vars:?}");
    }
}

#[test]
fn ram_role_arn_env_fallbacks() {
    // Everything from the environment; the token makes the signer an STS credential.
    let vars = [
        (ID_VAR, "STS.EnvironmentToken01"),
        (SECRET_VAR, ENV_SECRET),
        (TOKEN_VAR, ENV_TOKEN),
        (ROLE_VAR, "acs:ram::1234567890123456:role/from-env"),
        (SESSION_VAR, "env-session"),
    ];
    let source = expect_ok(r#"{"type": "ram_role_arn"}"#, &vars);
    assert_eq!(source.provider_name(), "ram_role_arn/static_sts");
    let (result, req) = assume(source);
    result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.param("AccessKeyId"), Some("STS.EnvironmentToken01"));
    assert_eq!(req.param("SecurityToken"), Some(ENV_TOKEN));
    assert_eq!(req.param("RoleArn"), Some("acs:ram::1234567890123456:role/from-env"));
    assert_eq!(req.param("RoleSessionName"), Some("env-session"));

    // Without the token: an AccessKey signer.
    let source = expect_ok(
        r#"{"type": "ram_role_arn"}"#,
        &[(ID_VAR, "LTAI5tEnvironmentKey01"), (SECRET_VAR, ENV_SECRET), (ROLE_VAR, ROLE)],
    );
    assert_eq!(source.provider_name(), "ram_role_arn/static_ak");
    let (result, req) = assume(source);
    result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.param("SecurityToken"), None);
    assert!(req.param("RoleSessionName").unwrap().starts_with("credentials-rust-"));

    // Empty config values fall back; set config values win over the environment.
    let json = format!(
        r#"{{"type": "ram_role_arn", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "role_arn": "", "role_session_name": ""}}"#
    );
    let (result, req) = assume(expect_ok(&json, &[(ROLE_VAR, ROLE), (SESSION_VAR, "env-session")]));
    result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.param("RoleArn"), Some(ROLE));
    assert_eq!(req.param("RoleSessionName"), Some("env-session"));
    let json = ak_json(r#", "role_session_name": "cfg-session""#);
    let (_, req) = assume(expect_ok(&json, &[(ROLE_VAR, "acs:ram::1:role/other"), (SESSION_VAR, "env-session")]));
    assert_eq!(req.param("RoleArn"), Some(ROLE));
    assert_eq!(req.param("RoleSessionName"), Some("cfg-session"));
}

/// Spec §1.5: the signer is built from the config's `access_key_id`/`access_key_secret`/
/// `security_token` ("STS provider if token non-empty, else AK provider"); the official SDKs
/// never take the token from `ALIBABA_CLOUD_SECURITY_TOKEN` for a `ram_role_arn` whose
/// AccessKey is configured explicitly. Function Compute and SAE set that variable for the
/// platform's own role, so a user who configures a permanent AccessKey there gets the
/// platform's token attached to their AccessKey, and STS rejects every call.
#[test]
fn ram_role_arn_does_not_attach_the_environment_token_to_a_configured_access_key() {
    let vars = [(ID_VAR, "STS.EnvironmentToken01"), (SECRET_VAR, ENV_SECRET), (TOKEN_VAR, ENV_TOKEN)];
    let source = expect_ok(&ak_json(""), &vars);
    assert_eq!(source.provider_name(), "ram_role_arn/static_ak");
    let (result, req) = assume(source);
    assert_eq!(req.param("SecurityToken"), None);
    result.unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn role_session_expiration_bounds() {
    let range = |field: &'static str, got: u64| {
        invalid(field, &format!("session duration must be between 900 and 43200 seconds, got {got}"))
    };
    for (extra, want) in [
        (r#", "role_session_expiration": 899"#, range("role_session_expiration", 899)),
        (r#", "role_session_expiration": 43201"#, range("role_session_expiration", 43201)),
        (r#", "role_session_expiration": 0"#, range("role_session_expiration", 0)),
        (r#", "duration_seconds": 899"#, range("duration_seconds", 899)),
        (r#", "durationSeconds": 43201"#, range("duration_seconds", 43201)),
        // A valid deprecated value does not rescue an invalid current one.
        (r#", "role_session_expiration": 899, "duration_seconds": 3600"#, range("role_session_expiration", 899)),
        (
            r#", "role_session_expiration": -1"#,
            invalid("role_session_expiration", "expected a non-negative whole number"),
        ),
        (
            r#", "role_session_expiration": 1800.5"#,
            invalid("role_session_expiration", "expected a non-negative whole number"),
        ),
        (
            r#", "role_session_expiration": "3600""#,
            invalid("role_session_expiration", "expected a non-negative whole number, found a string"),
        ),
    ] {
        assert_eq!(expect_err(&ak_json(extra), &[]), want, "{extra}");
    }
}

#[test]
fn session_duration_sent_and_duration_seconds_only_as_fallback() {
    for (extra, sent) in [
        ("", "3600"),
        (r#", "role_session_expiration": 900"#, "900"),
        (r#", "role_session_expiration": 43200"#, "43200"),
        (r#", "roleSessionExpiration": 7200"#, "7200"),
        (r#", "duration_seconds": 1800"#, "1800"),
        (r#", "duration_seconds": 900"#, "900"),
        (r#", "duration_seconds": 43200"#, "43200"),
        (r#", "role_session_expiration": 1200, "duration_seconds": 1800"#, "1200"),
        // The deprecated field is not even validated when the current one is set.
        (r#", "role_session_expiration": 1200, "duration_seconds": 5"#, "1200"),
        (r#", "role_session_expiration": null, "duration_seconds": 2000"#, "2000"),
    ] {
        let (result, req) = assume(expect_ok(&ak_json(extra), &[]));
        result.unwrap_or_else(|e| panic!("{extra}: {e}"));
        assert_eq!(req.param("DurationSeconds"), Some(sent), "{extra}");
    }
}

// ---------------------------------------------------------------------------------------------
// type, unknown fields, fields of other types

#[test]
fn unknown_or_unsupported_type() {
    assert_eq!(expect_err(r#"{"type": "magic"}"#, &[]), ConfigError::UnknownType { value: "magic".into() });
    assert_eq!(expect_err(r#"{"type": "AccessKey"}"#, &[]), ConfigError::UnknownType { value: "AccessKey".into() });
    assert_eq!(expect_err(r#"{"type": ""}"#, &[]), ConfigError::UnknownType { value: "".into() });
    assert_eq!(expect_err(r#"{"type": 5}"#, &[]), invalid("type", "expected a string, found a number"));
    assert!(matches!(expect_err(r#"{"type": "rsa_key_pair"}"#, &[]), ConfigError::Unsupported { .. }));
}

#[test]
fn network_types_need_their_values() {
    assert_eq!(
        expect_err(r#"{"type": "oidc_role_arn"}"#, &[]),
        ConfigError::Missing {
            field: "role_arn",
            credential_type: "oidc_role_arn",
            env: Some("ALIBABA_CLOUD_ROLE_ARN")
        }
    );
    assert_eq!(
        expect_err(r#"{"type": "oidc_role_arn", "role_arn": "acs:ram::1:role/r"}"#, &[]),
        ConfigError::Missing {
            field: "oidc_provider_arn",
            credential_type: "oidc_role_arn",
            env: Some("ALIBABA_CLOUD_OIDC_PROVIDER_ARN")
        }
    );
    assert_eq!(
        expect_err(r#"{"type": "credentials_uri"}"#, &[]),
        ConfigError::Missing {
            field: "credentials_uri",
            credential_type: "credentials_uri",
            env: Some("ALIBABA_CLOUD_CREDENTIALS_URI")
        }
    );
    assert!(matches!(
        expect_err(r#"{"type": "credentials_uri", "credentials_uri": "ftp://x/y"}"#, &[]),
        ConfigError::InvalidValue { field: "credentials_uri", .. }
    ));
    assert!(matches!(
        expect_err(r#"{"type": "ecs_ram_role", "proxy": "http://p:1"}"#, &[]),
        ConfigError::NotApplicable { field: "proxy", credential_type: "ecs_ram_role" }
    ));
    assert!(matches!(
        expect_err(r#"{"type": "ecs_ram_role", "enable_imds_v2": false}"#, &[]),
        ConfigError::InvalidValue { field: "enable_imds_v2", .. }
    ));
    assert!(matches!(
        expect_err(r#"{"type": "ecs_ram_role", "metadata_token_duration": 0}"#, &[]),
        ConfigError::InvalidValue { field: "metadata_token_duration", .. }
    ));
    assert!(matches!(
        expect_err(r#"{"type": "ecs_ram_role"}"#, &[("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")]),
        ConfigError::InvalidValue { field: "type", .. }
    ));
    // The role name is optional (discovered), so an empty config is complete.
    let _ = expect_ok(r#"{"type": "ecs_ram_role"}"#, &[]);
    let _ = expect_ok(r#"{"type": "credentials_uri"}"#, &[("ALIBABA_CLOUD_CREDENTIALS_URI", "127.0.0.1:9/creds")]);
}

#[test]
fn unknown_fields() {
    let cases = [
        (
            format!(r#"{{"type": "access_key", "acess_key_id": "{AK_ID}", "access_key_secret": "{SECRET}"}}"#),
            "acess_key_id",
            None,
        ),
        (format!(r#"{{"type": "access_key", "AccessKeyId": "{AK_ID}"}}"#), "AccessKeyId", Some("access_key_id")),
        (
            format!(r#"{{"type": "access_key", "access-key-secret": "{SECRET}"}}"#),
            "access-key-secret",
            Some("access_key_secret"),
        ),
        (format!(r#"{{"type": "sts", "secret": "{SECRET}"}}"#), "secret", None),
        (r#"{"type": "ram_role_arn", "region_id": "cn-hangzhou"}"#.to_owned(), "region_id", None),
    ];
    for (json, field, suggestion) in cases {
        assert_eq!(expect_err(&json, &[]), ConfigError::UnknownField { field: field.into(), suggestion }, "{json}");
    }
}

#[test]
fn fields_not_applicable_to_the_type() {
    let cases = [
        (
            format!(
                r#"{{"type": "access_key", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "role_arn": "{ROLE}"}}"#
            ),
            not_applicable("role_arn", "access_key"),
        ),
        // Checked before anything is found missing.
        (r#"{"type": "access_key", "role_arn": ""}"#.to_owned(), not_applicable("role_arn", "access_key")),
        (
            format!(
                r#"{{"type": "access_key", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "security_token": "{TOKEN}"}}"#
            ),
            not_applicable("security_token", "access_key"),
        ),
        (
            format!(
                r#"{{"type": "access_key", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "timeout": 1000}}"#
            ),
            not_applicable("timeout", "access_key"),
        ),
        (
            format!(
                r#"{{"type": "access_key", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "proxy": "http://p:8080"}}"#
            ),
            not_applicable("proxy", "access_key"),
        ),
        (
            format!(
                r#"{{"type": "sts", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "security_token": "{TOKEN}", "role_session_name": "x"}}"#
            ),
            not_applicable("role_session_name", "sts"),
        ),
        (
            format!(
                r#"{{"type": "sts", "access_key_id": "{AK_ID}", "access_key_secret": "{SECRET}", "security_token": "{TOKEN}", "bearer_token": "{BEARER}"}}"#
            ),
            not_applicable("bearer_token", "sts"),
        ),
        (
            format!(r#"{{"type": "bearer", "bearer_token": "{BEARER}", "access_key_id": "{AK_ID}"}}"#),
            not_applicable("access_key_id", "bearer"),
        ),
        (
            format!(r#"{{"type": "bearer", "bearer_token": "{BEARER}", "sts_endpoint": "sts.aliyuncs.com"}}"#),
            not_applicable("sts_endpoint", "bearer"),
        ),
        (ak_json(&format!(r#", "bearer_token": "{BEARER}""#)), not_applicable("bearer_token", "ram_role_arn")),
        (
            ak_json(r#", "oidc_provider_arn": "acs:ram::1:oidc-provider/x""#),
            not_applicable("oidc_provider_arn", "ram_role_arn"),
        ),
        (ak_json(r#", "role_name": "EcsRole""#), not_applicable("role_name", "ram_role_arn")),
        (
            ak_json(r#", "credentials_uri": "http://127.0.0.1/creds""#),
            not_applicable("credentials_uri", "ram_role_arn"),
        ),
        (ak_json(r#", "enable_imds_v2": true"#), not_applicable("enable_imds_v2", "ram_role_arn")),
    ];
    for (json, want) in cases {
        assert_eq!(expect_err(&json, &[]), want, "{json}");
    }
}

#[test]
fn fields_without_a_type() {
    let reason = "is set but `type` is not; set `type`, or leave every field unset for the default chain";
    for (json, field) in [
        (format!(r#"{{"access_key_id": "{AK_ID}"}}"#), "access_key_id"),
        (format!(r#"{{"access_key_secret": "{SECRET}"}}"#), "access_key_secret"),
        (format!(r#"{{"type": null, "security_token": "{TOKEN}"}}"#), "security_token"),
        (format!(r#"{{"role_arn": "{ROLE}", "timeout": 5}}"#), "role_arn"),
        (r#"{"timeout": 5}"#.to_owned(), "timeout"),
    ] {
        assert_eq!(expect_err(&json, &[]), invalid(field, reason), "{json}");
    }
    // Nothing at all means the default chain.
    let chain = expect_ok("{}", &[(ID_VAR, AK_ID), (SECRET_VAR, ENV_SECRET)]);
    assert_eq!(chain.provider_name(), "default");
}

#[test]
fn malformed_json_never_echoes_the_text() {
    for json in [
        format!(r#"{{"type": "access_key", "access_key_secret": "{SECRET}""#),
        format!(r#"{{"type": "access_key", "access_key_secret": "{SECRET}",}}"#),
        format!(r#"["{SECRET}"]"#),
        format!(r#""{SECRET}""#),
        format!(r#"{{"type": "access_key", "access_key_secret": ["{SECRET}"]}}"#),
        format!(r#"{{"type": "access_key", "access_key_secret": {{"v": "{SECRET}"}}}}"#),
        format!(r#"{{"type": "access_key", "access_key_secret": "{SECRET}", "accessKeySecret": "{SECRET}"}}"#),
    ] {
        let e = expect_err(&json, &[]);
        assert!(matches!(e, ConfigError::Json { .. } | ConfigError::InvalidValue { .. }), "{json}: {e:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// timeouts, proxy, endpoint

#[test]
fn timeouts() {
    let cases = [
        (r#", "timeout": 0"#, invalid("timeout", "must be at least 1 millisecond")),
        (r#", "connect_timeout": 0"#, invalid("connect_timeout", "must be at least 1 millisecond")),
        (r#", "connectTimeout": 0, "timeout": 1000"#, invalid("connect_timeout", "must be at least 1 millisecond")),
        (r#", "timeout": 600001"#, invalid("timeout", "must be at most 600000 milliseconds")),
        (r#", "timeout": -5"#, invalid("timeout", "expected a non-negative whole number")),
        (r#", "timeout": "10s""#, invalid("timeout", "expected a non-negative whole number, found a string")),
    ];
    for (extra, want) in cases {
        assert_eq!(expect_err(&ak_json(extra), &[]), want, "{extra}");
    }

    let req = first_request(expect_ok(&ak_json(""), &[]));
    assert_eq!(req.connect_timeout, Duration::from_millis(5000));
    assert_eq!(req.read_timeout, Duration::from_millis(10_000));
    let req = first_request(expect_ok(&ak_json(r#", "timeout": 1, "connect_timeout": 600000"#), &[]));
    assert_eq!(req.read_timeout, Duration::from_millis(1));
    assert_eq!(req.connect_timeout, Duration::from_millis(600_000));
}

#[test]
fn proxy() {
    let http_only = "must be an http:// URL";
    let cases = [
        ("socks5://proxy.example.com:1080", http_only),
        ("https://proxy.example.com:8443", http_only),
        ("proxy.example.com:8080", http_only),
        ("ftp://proxy.example.com", http_only),
        ("https://user:PrOxY-SeCrEt-999@proxy.example.com:8443", http_only),
        ("not a url", "is not a valid URL"),
        ("http://user:PrOxY-SeCrEt-999@proxy example.com", "is not a valid URL"),
    ];
    for (proxy, reason) in cases {
        let json = ak_json(&format!(r#", "proxy": "{proxy}""#));
        assert_eq!(expect_err(&json, &[]), invalid("proxy", reason), "{proxy}");
    }

    let req = first_request(expect_ok(&ak_json(""), &[]));
    assert_eq!(req.proxy, ProxyPolicy::FromEnv);
    let req = first_request(expect_ok(&ak_json(r#", "proxy": """#), &[]));
    assert_eq!(req.proxy, ProxyPolicy::FromEnv);
    let url = format!("http://user:{PROXY_PASSWORD}@proxy.example.com:3128");
    let req = first_request(expect_ok(&ak_json(&format!(r#", "proxy": "{url}""#)), &[]));
    assert_eq!(req.proxy, ProxyPolicy::Explicit(url));
}

#[test]
fn sts_endpoint_values() {
    let bad = [
        ("ftp://sts.example.com", "must use http or https"),
        ("http://sts.example.com/path", "must be a scheme and host only, without a path or query"),
        ("https://sts.example.com/?Action=AssumeRole", "must be a scheme and host only, without a path or query"),
        ("sts example.com", "is not a valid host or host:port"),
        ("user@sts.example.com", "is not a valid host or host:port"),
        ("sts.example.com/path", "is not a valid host or host:port"),
        ("https://user:UrL-PaSsWoRd-1@sts.example.com", "must not contain user information"),
        ("   ", "is empty"),
    ];
    for (endpoint, reason) in bad {
        let json = ak_json(&format!(r#", "sts_endpoint": "{endpoint}""#));
        let e = expect_err(&json, &[]);
        assert_eq!(e, invalid("sts_endpoint", reason), "{endpoint}");
        assert!(!format!("{e} {e:?}").contains("UrL-PaSsWoRd-1"), "{e:?}");
    }
    // The environment override is validated too, naming the variable.
    assert_eq!(
        expect_err(&ak_json(""), &[("ALIBABA_CLOUD_STS_ENDPOINT", "ftp://x")]),
        invalid("ALIBABA_CLOUD_STS_ENDPOINT", "must use http or https")
    );
    assert!(matches!(
        expect_err(&ak_json(r#", "sts_region_id": "cn hangzhou""#), &[]),
        ConfigError::InvalidValue { field: "sts_region_id", .. }
    ));

    let uri = |extra: &str, vars: &[(&str, &str)]| {
        let req = first_request(expect_ok(&ak_json(extra), vars));
        let u = req.request.uri();
        format!("{}://{}{}", u.scheme_str().unwrap(), u.authority().unwrap(), u.path())
    };
    assert_eq!(uri("", &[]), "https://sts.aliyuncs.com/");
    assert_eq!(uri(r#", "sts_endpoint": """#, &[]), "https://sts.aliyuncs.com/");
    assert_eq!(
        uri(r#", "sts_endpoint": "sts.cn-hangzhou.aliyuncs.com""#, &[]),
        "https://sts.cn-hangzhou.aliyuncs.com/"
    );
    assert_eq!(uri(r#", "stsEndpoint": "http://127.0.0.1:8080/""#, &[]), "http://127.0.0.1:8080/");
    assert_eq!(
        uri(r#", "sts_region_id": "cn-beijing", "enable_vpc": true"#, &[]),
        "https://sts-vpc.cn-beijing.aliyuncs.com/"
    );
    assert_eq!(uri("", &[("ALIBABA_CLOUD_STS_REGION", "cn-shanghai")]), "https://sts.cn-shanghai.aliyuncs.com/");
    assert_eq!(
        uri(r#", "sts_endpoint": "sts.example.com""#, &[("ALIBABA_CLOUD_STS_ENDPOINT", "ftp://ignored")]),
        "https://sts.example.com/"
    );
}

/// `http::uri::Authority` accepts any digits as a port, so an out-of-range port passes
/// validation; `Authority::port_u16()` then returns `None` and a connector falls back to the
/// scheme's default port (443), sending the signed request somewhere the user did not ask for
/// instead of failing with a config error.
#[test]
fn sts_endpoint_port_out_of_range_is_rejected() {
    for endpoint in ["sts.example.com:99999999", "http://127.0.0.1:65536"] {
        let json = ak_json(&format!(r#", "sts_endpoint": "{endpoint}""#));
        assert!(
            matches!(expect_err(&json, &[]), ConfigError::InvalidValue { field: "sts_endpoint", .. }),
            "{endpoint}"
        );
    }
}

/// `Config`'s `Debug` promises redaction (secrets redacted, key id masked, proxy hidden because
/// it may carry a password), but prints `sts_endpoint`, `credentials_uri` and
/// `metadata_endpoint` verbatim, user information included.
#[test]
fn config_debug_hides_passwords_in_url_fields() {
    for field in ["sts_endpoint", "credentials_uri", "metadata_endpoint"] {
        let c = Config::from_json(&format!(r#"{{"{field}": "https://user:{SECRET}@host.example.com"}}"#)).unwrap();
        assert_no_secret("Config Debug", &format!("{c:?}"));
    }
}
