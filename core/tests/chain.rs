//! Whole-chain fixtures (tests/fixtures/chain.json): each case is an environment, a file tree
//! and scripted servers; the default chain must yield the expected credential or error.

use std::collections::BTreeMap;

use alibabacloud_credentials_core::{default_chain, Env, Error, Lookup, Refresher};
use alibabacloud_credentials_testkit::{drive, ChainWorld, FakeClock, FileWorld, ImdsServer, UriServer, IMDS_HOST};

type World = FileWorld<ChainWorld>;
use serde_json::Value;

const SECRETS: &[&str] = &["chain-fixture-secret", "env-secret", "fixture-oidc-token", "ini-secret"];

fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::Config(_) => "Config",
        Error::Service { .. } => "Service",
        Error::Transport { .. } => "Transport",
        Error::InvalidResponse { .. } => "InvalidResponse",
        Error::InvalidProfile { .. } => "InvalidProfile",
        Error::NotConfigured { .. } => "NotConfigured",
        Error::NoCredentials { .. } => "NoCredentials",
        Error::File { .. } => "File",
        _ => "other",
    }
}

fn world_for(case: &Value) -> World {
    let mut w = FileWorld::new(ChainWorld::new());
    for key in case["sts"]["keys"].as_array().unwrap() {
        w.inner.sts.add_key(key[0].as_str().unwrap(), key[1].as_str().unwrap());
    }
    for token in case["sts"]["oidc_tokens"].as_array().unwrap() {
        w.inner.sts.add_oidc_token(token.as_str().unwrap());
    }
    for (path, contents) in case["files"].as_object().unwrap() {
        let bytes = match contents {
            Value::String(s) => s.clone().into_bytes(),
            other => serde_json::to_vec_pretty(other).unwrap(),
        };
        w.write(path, bytes);
    }
    if let Some(role) = case["imds"]["role"].as_str() {
        w.inner.imds = Some(Box::new(ImdsServer::with_role(role)));
    }
    if case["uri"].as_bool() == Some(true) {
        w.inner.uri = Some(UriServer::new());
    }
    w
}

/// Checks `got` against `expect`; returns what differs.
fn check(name: &str, expect: &Value, got: &Result<alibabacloud_credentials_core::Credential, Error>) -> Vec<String> {
    let mut bad = Vec::new();
    match (expect.get("error").and_then(Value::as_str), got) {
        (None, Ok(c)) => {
            if c.provider_name() != expect["provider_name"].as_str().unwrap() {
                bad.push(format!("{name}: provider {} != {}", c.provider_name(), expect["provider_name"]));
            }
            if c.credential_type() != "default" {
                bad.push(format!("{name}: type {}", c.credential_type()));
            }
            if let Some(id) = expect.get("access_key_id").and_then(Value::as_str) {
                if c.access_key_id() != id {
                    bad.push(format!("{name}: key {} != {id}", c.access_key_id()));
                }
            }
            if let Some(p) = expect.get("access_key_id_prefix").and_then(Value::as_str) {
                if !c.access_key_id().starts_with(p) {
                    bad.push(format!("{name}: key {} lacks prefix {p}", c.access_key_id()));
                }
            }
            if let Some(t) = expect.get("security_token").and_then(Value::as_bool) {
                if c.security_token().is_some() != t {
                    bad.push(format!("{name}: security token present = {}", !t));
                }
            }
        }
        (Some(kind), Err(e)) => {
            let text = e.to_string();
            if kind != "any" && error_kind(e) != kind {
                bad.push(format!("{name}: error kind {} != {kind}: {text}", error_kind(e)));
            }
            for needle in expect["contains"].as_array().unwrap() {
                if !text.contains(needle.as_str().unwrap()) {
                    bad.push(format!("{name}: error lacks {needle}: {text}"));
                }
            }
            let debug = format!("{e:?}");
            for s in SECRETS {
                if text.contains(s) || debug.contains(s) {
                    bad.push(format!("{name}: error shows a secret: {text}"));
                }
            }
        }
        (None, Err(e)) => bad.push(format!("{name}: expected a credential, got {e}")),
        (Some(_), Ok(c)) => bad.push(format!("{name}: expected an error, got {c:?}")),
    }
    bad
}

fn get(
    r: &mut Refresher,
    clock: &FakeClock,
    world: &mut World,
) -> Result<alibabacloud_credentials_core::Credential, Error> {
    for _ in 0..3 {
        match r.cache().lookup(|| clock.now().mono) {
            Lookup::Ready(c) => return Ok(c),
            Lookup::Failed(e) => return Err(e),
            Lookup::Wait { .. } => {
                r.cache().request_refresh();
                drive(r, clock, world);
            }
        }
    }
    panic!("no answer");
}

#[test]
fn every_fixture() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/chain.json")).unwrap();
    let fixtures: Value = serde_json::from_str(&text).unwrap();
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let env_vars: BTreeMap<String, String> = serde_json::from_value(case["env"].clone()).unwrap();
        let env = Env::from_vars(env_vars);
        let mut world = world_for(case);
        let clock = FakeClock::new();
        let mut r = Refresher::new(default_chain(&env), 7);
        r.set_credential_type("default");
        let got = get(&mut r, &clock, &mut world);
        failures.extend(check(name, &case["expect"], &got));
        if let Some(req) = case.get("requests").and_then(Value::as_object) {
            for (what, n) in req {
                let count = match what.as_str() {
                    "imds" => world.inner.requests_to(IMDS_HOST),
                    action => world.inner.sts.count(action),
                };
                if count as u64 != n.as_u64().unwrap() {
                    failures.push(format!("{name}: {count} {what} requests, expected {n}"));
                }
            }
        }
        if let Some(params) = case.get("sts_params").and_then(Value::as_object) {
            let last = world.inner.sts.requests().last().expect("an STS request");
            for (k, v) in params {
                if last.param(k) != v.as_str() {
                    failures.push(format!("{name}: STS parameter {k} = {:?}, expected {v}", last.param(k)));
                }
            }
        }
        if let Some(then) = case.get("then") {
            if then["imds_down"].as_bool() == Some(true) {
                world.inner.imds = None;
            }
            if let Ok(c) = &got {
                r.cache().request_invalidate(c);
            }
            drive(&mut r, &clock, &mut world);
            let again = get(&mut r, &clock, &mut world);
            failures.extend(check(&format!("{name} (then)"), &then["expect"], &again));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn profile_files_may_start_with_a_byte_order_mark() {
    let env = Env::from_vars([("HOME", "/home/user"), ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")]);
    for (path, text, provider) in [
        (
            "/home/user/.alibabacloud/credentials.ini",
            "\u{feff}[default]\ntype = access_key\naccess_key_id = LTAI5tBomKey0000001\naccess_key_secret = s\n",
            "default/profile/static_ak",
        ),
        (
            "/home/user/.aliyun/config.json",
            "\u{feff}{\"current\": \"a\", \"profiles\": [{\"name\": \"a\", \"mode\": \"AK\", \"access_key_id\": \"LTAI5tBomKey0000001\", \"access_key_secret\": \"s\"}]}",
            "default/cli_profile/static_ak",
        ),
    ] {
        let mut world = FileWorld::new(ChainWorld::new());
        world.write(path, text);
        let clock = FakeClock::new();
        let mut r = Refresher::new(default_chain(&env), 1);
        let c = get(&mut r, &clock, &mut world).unwrap();
        assert_eq!(c.provider_name(), provider);
    }
}
