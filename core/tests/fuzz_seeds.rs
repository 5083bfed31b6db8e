//! Runs the fuzz seeds (`fuzz/seeds/<target>/`) through the fuzz targets' own checks on the
//! stable toolchain, with deterministic mutations (every truncation, byte flips) and a
//! proptest, so plain `cargo test` exercises what `cargo +nightly fuzz run` does.
//!
//! Each seed's file name says what it must do (see `fuzz/README.md`):
//! - `config_json`: `ok-` parses and resolves without environment (and its source fetches a
//!   credential); `env-` parses, fails with an empty environment and resolves and fetches with
//!   the `ALIBABA_CLOUD_*` one; `reject-` parses and fails to resolve in both; `parse-` only
//!   parses; `bad-` does not parse.
//! - `sts_response`: `ok-` gives a credential; `err-` a service error; `bad-` an invalid
//!   response.
//! - `time_parsers`: `exp-` parses as an expiration; `date-` as an HTTP date; `none-` as neither.
//! - `imds_answers`, `uri_answers`, `oidc_token` (the last fetch of the script): `ok-` gives a
//!   credential; `err-` a service error; `bad-` an invalid response; `transport-` a transport
//!   error; `absent-` not configured; `config-` a configuration error; `file-` a file error.
//! - `cli_config`, `ini` (the file's own selection): `ok-` builds a source that fetches a
//!   credential from the canned world; `built-` builds one whose fetch fails; `absent-` is not
//!   configured; `reject-` is an invalid profile; `bad-` an invalid file.
//!
//! Inputs of bugs the fuzzers found stay in `seeds/` as regression seeds, with the prefix of
//! their correct outcome.

#[allow(dead_code)]
#[path = "../../fuzz/src/checks.rs"]
mod checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use checks::{ConfigOutcome, FetchOutcome, ProfileOutcome, StsOutcome};
use proptest::prelude::*;

/// Every seed of a target, sorted by name.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds").join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("readable directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("readable seed"))
        })
        .collect();
    out.sort();
    assert!(out.len() >= 5, "too few seeds in {}", dir.display());
    out
}

/// Runs `check` on `input`; on a panic, fails naming the seed, the mutation and the input.
fn run<T>(check: fn(&[u8]) -> T, seed: &str, mutation: &str, input: &[u8]) -> T {
    match catch_unwind(AssertUnwindSafe(|| check(input))) {
        Ok(v) => v,
        Err(_) => panic!("check failed on seed {seed} ({mutation}); input: {:?}", String::from_utf8_lossy(input)),
    }
}

/// At most this many flip positions per seed: every byte of a short seed, evenly spread ones
/// in a long one (debug builds of serde are slow, and the whole file must stay well under 2 s;
/// the fuzzer does the exhaustive work).
const POSITIONS: usize = 128;

fn positions(len: usize) -> impl Iterator<Item = usize> {
    let n = len.min(POSITIONS);
    (0..n).map(move |k| k * len / n)
}

/// Every truncation, and at each chosen byte a bit flip plus (every third one) replacements
/// that break or bend JSON, dates and UTF-8.
fn mutate<T>(check: fn(&[u8]) -> T, seed: &str, data: &[u8]) {
    for len in 0..data.len() {
        run(check, seed, &format!("truncated to {len} bytes"), &data[..len]);
    }
    let mut buf = data.to_vec();
    for (k, i) in positions(data.len()).enumerate() {
        let original = buf[i];
        let replacements: &[u8] = if k % 3 == 0 { &[b'"', b'\\', b'}', b'0', 0xff] } else { &[] };
        for &b in std::iter::once(&(original ^ 0x01)).chain(replacements) {
            buf[i] = b;
            run(check, seed, &format!("byte {i} set to {b:#04x}"), &buf);
        }
        buf[i] = original;
    }
}

#[test]
fn config_json_seeds() {
    for (name, data) in seeds("config_json") {
        let o = run(checks::check_config_json, &name, "as is", &data);
        let expect = |parsed, empty, env| ConfigOutcome {
            parsed,
            resolved_empty_env: empty,
            resolved_with_env: env,
            fetched_with_env: env,
        };
        match name.split('-').next().unwrap() {
            "ok" => assert_eq!(o, expect(true, true, true), "{name}"),
            "env" => assert_eq!(o, expect(true, false, true), "{name}"),
            "reject" => assert_eq!(o, expect(true, false, false), "{name}"),
            "parse" => assert!(o.parsed, "{name}: {o:?}"),
            "bad" => assert!(!o.parsed, "{name}: {o:?}"),
            other => panic!("{name}: unknown seed prefix `{other}`"),
        }
        mutate(checks::check_config_json, &name, &data);
    }
}

#[test]
fn sts_response_seeds() {
    for (name, data) in seeds("sts_response") {
        let o = run(checks::check_sts_response, &name, "as is", &data);
        let expected = match name.split('-').next().unwrap() {
            "ok" => StsOutcome::Credential,
            "err" => StsOutcome::Service,
            "bad" => StsOutcome::InvalidResponse,
            other => panic!("{name}: unknown seed prefix `{other}`"),
        };
        assert_eq!(o, expected, "{name}");
        mutate(checks::check_sts_response, &name, &data);
    }
}

#[test]
fn time_parsers_seeds() {
    for (name, data) in seeds("time_parsers") {
        let o = run(checks::check_time, &name, "as is", &data);
        match name.split('-').next().unwrap() {
            "exp" => assert!(o.expiration.is_some(), "{name}: {o:?}"),
            "date" => assert!(o.http_date.is_some(), "{name}: {o:?}"),
            "none" => assert!(o.expiration.is_none() && o.http_date.is_none(), "{name}: {o:?}"),
            other => panic!("{name}: unknown seed prefix `{other}`"),
        }
        mutate(checks::check_time, &name, &data);
    }
}

/// A lighter [`mutate`] for the targets that drive whole fetches (each run costs more): at most
/// `n` truncations and `n` flip positions, evenly spread.
fn mutate_light<T>(check: fn(&[u8]) -> T, seed: &str, data: &[u8], n: usize) {
    let spread = |len: usize| {
        let k = len.min(n);
        (0..k).map(move |i| i * len / k)
    };
    for len in spread(data.len()) {
        run(check, seed, &format!("truncated to {len} bytes"), &data[..len]);
    }
    let mut buf = data.to_vec();
    for (k, i) in spread(data.len()).enumerate() {
        let original = buf[i];
        let replacements: &[u8] = if k % 3 == 0 { &[b'"', b'}', b'\n', 0xff] } else { &[] };
        for &b in std::iter::once(&(original ^ 0x01)).chain(replacements) {
            buf[i] = b;
            run(check, seed, &format!("byte {i} set to {b:#04x}"), &buf);
        }
        buf[i] = original;
    }
}

/// The outcome a source target's seed name promises for its last fetch.
fn fetch_prefix(name: &str) -> FetchOutcome {
    match name.split('-').next().unwrap() {
        "ok" => FetchOutcome::Credential,
        "err" => FetchOutcome::Service,
        "bad" => FetchOutcome::InvalidResponse,
        "transport" => FetchOutcome::Transport,
        "absent" => FetchOutcome::NotConfigured,
        "config" => FetchOutcome::Config,
        "file" => FetchOutcome::File,
        other => panic!("{name}: unknown seed prefix `{other}`"),
    }
}

fn source_seeds(target: &str, check: fn(&[u8]) -> Vec<FetchOutcome>) {
    for (name, data) in seeds(target) {
        let o = run(check, &name, "as is", &data);
        assert_eq!(o.last().copied(), Some(fetch_prefix(&name)), "{name}: {o:?}");
        mutate_light(check, &name, &data, 8);
    }
}

#[test]
fn imds_answers_seeds() {
    source_seeds("imds_answers", checks::check_imds_answers);
}

#[test]
fn uri_answers_seeds() {
    source_seeds("uri_answers", checks::check_uri_answers);
}

#[test]
fn oidc_token_seeds() {
    source_seeds("oidc_token", checks::check_oidc_token);
}

/// The outcome a profile target's seed name promises.
fn profile_prefix(name: &str) -> ProfileOutcome {
    match name.split('-').next().unwrap() {
        "ok" => ProfileOutcome::Fetched,
        "built" => ProfileOutcome::Built,
        "absent" => ProfileOutcome::NotConfigured,
        "reject" => ProfileOutcome::InvalidProfile,
        "bad" => ProfileOutcome::InvalidFile,
        other => panic!("{name}: unknown seed prefix `{other}`"),
    }
}

fn profile_seeds(target: &str, check: fn(&[u8]) -> ProfileOutcome) {
    for (name, data) in seeds(target) {
        let o = run(check, &name, "as is", &data);
        assert_eq!(o, profile_prefix(&name), "{name}");
        mutate_light(check, &name, &data, 8);
    }
}

#[test]
fn cli_config_seeds() {
    profile_seeds("cli_config", checks::check_cli_config);
}

#[test]
fn ini_seeds() {
    profile_seeds("ini", checks::check_ini);
}

/// `config.json` with a `ChainableRamRoleArn` chain `depth` profiles deep, ending in an `AK`
/// profile (or, with `cycle`, pointing back at its first profile).
fn cli_chain(depth: usize, cycle: bool) -> Vec<u8> {
    let next = |i: usize| if cycle && i + 1 == depth { 0 } else { i + 1 };
    let mut profiles: Vec<String> = (0..depth)
        .map(|i| {
            format!(
                r#"{{"name":"p{i}","mode":"ChainableRamRoleArn","source_profile":"p{}","ram_role_arn":"acs:ram::1234567890123456:role/r{i}"}}"#,
                next(i)
            )
        })
        .collect();
    if !cycle {
        profiles.push(format!(
            r#"{{"name":"p{depth}","mode":"AK","access_key_id":"LTAI5tFuzzChainKey01","access_key_secret":"FUZZSEEDSECRET-chain"}}"#
        ));
    }
    format!(r#"{{"current":"p0","profiles":[{}]}}"#, profiles.join(",")).into_bytes()
}

#[test]
fn cli_config_chains_and_cycles() {
    for depth in [1, 2, 8, 15] {
        assert_eq!(checks::check_cli_config(&cli_chain(depth, false)), ProfileOutcome::Fetched, "chain of {depth}");
        assert_eq!(
            checks::check_cli_config(&cli_chain(depth, true)),
            ProfileOutcome::InvalidProfile,
            "cycle of {depth}"
        );
    }
    // Chains are capped at 16 profiles.
    assert_eq!(checks::check_cli_config(&cli_chain(16, false)), ProfileOutcome::InvalidProfile, "chain of 16");
    assert_eq!(checks::check_cli_config(&cli_chain(32, true)), ProfileOutcome::InvalidProfile, "cycle of 32");
}

/// A 10 000-deep `source_profile` chain and cycle give an error, not a stack overflow.
#[test]
fn cli_config_deep_chain() {
    let outcome = checks::check_cli_config(&cli_chain(10_000, false));
    assert!(matches!(outcome, ProfileOutcome::Fetched | ProfileOutcome::InvalidProfile), "{outcome:?}");
    assert_eq!(checks::check_cli_config(&cli_chain(10_000, true)), ProfileOutcome::InvalidProfile);
}

/// A seed with a random splice: bytes overwritten or inserted at a random place.
fn spliced(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let all = seeds(target);
    (0..all.len(), any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 0..16), any::<bool>()).prop_map(
        move |(i, at, bytes, insert)| {
            let mut data = all[i].1.clone();
            let at = at.index(data.len() + 1);
            if insert {
                data.splice(at..at, bytes);
            } else {
                let end = (at + bytes.len()).min(data.len());
                data.splice(at..end, bytes);
            }
            data
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn config_json_never_panics(data in prop_oneof![spliced("config_json"), any::<Vec<u8>>()]) {
        checks::check_config_json(&data);
    }

    #[test]
    fn sts_response_never_panics(data in prop_oneof![spliced("sts_response"), any::<Vec<u8>>()]) {
        checks::check_sts_response(&data);
    }

    #[test]
    fn time_parsers_never_panic(data in prop_oneof![spliced("time_parsers"), "\\PC{0,40}".prop_map(String::into_bytes)]) {
        checks::check_time(&data);
    }
}

// The targets that drive whole fetches, with a fixed seed, so plain `cargo test` is
// reproducible; the fuzzer does the open-ended search.
proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        ..ProptestConfig::default()
    })]

    #[test]
    fn imds_answers_never_panic(data in prop_oneof![spliced("imds_answers"), any::<Vec<u8>>()]) {
        checks::check_imds_answers(&data);
    }

    #[test]
    fn uri_answers_never_panic(data in prop_oneof![spliced("uri_answers"), any::<Vec<u8>>()]) {
        checks::check_uri_answers(&data);
    }

    #[test]
    fn oidc_token_never_panics(data in prop_oneof![spliced("oidc_token"), any::<Vec<u8>>()]) {
        checks::check_oidc_token(&data);
    }

    #[test]
    fn cli_config_never_panics(data in prop_oneof![spliced("cli_config"), any::<Vec<u8>>()]) {
        checks::check_cli_config(&data);
    }

    #[test]
    fn ini_never_panics(data in prop_oneof![spliced("ini"), "\\PC{0,200}".prop_map(String::into_bytes)]) {
        checks::check_ini(&data);
    }
}
