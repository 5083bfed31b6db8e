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

#[allow(dead_code)]
#[path = "../../fuzz/src/checks.rs"]
mod checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use checks::{ConfigOutcome, StsOutcome};
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
