//! The RPC signature against the published test vectors (core/tests/data/signature-vectors.json).

use alibabacloud_credentials_core::sign;
use serde_json::Value;

struct Case {
    name: String,
    method: String,
    params: Vec<(String, String)>,
    secret: String,
    canonical: String,
    string_to_sign: String,
    signature: String,
}

struct Vectors {
    python_sdk_differs: Vec<String>,
    cases: Vec<Case>,
}

fn load() -> Vectors {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/signature-vectors.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let root: Value = serde_json::from_str(&text).expect("vectors are JSON");
    let s = |v: &Value, k: &str| -> String {
        v[k].as_str().unwrap_or_else(|| panic!("field {k} is not a string in {v}")).to_owned()
    };
    let python_sdk_differs = root["python_sdk_differs"]
        .as_array()
        .expect("python_sdk_differs is an array")
        .iter()
        .map(|v| v.as_str().expect("names are strings").to_owned())
        .collect();
    let cases = root["cases"]
        .as_array()
        .expect("cases is an array")
        .iter()
        .map(|c| Case {
            name: s(c, "name"),
            method: s(c, "method"),
            params: c["params"]
                .as_object()
                .expect("params is an object")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("values are strings").to_owned()))
                .collect(),
            secret: s(c, "access_key_secret"),
            canonical: s(c, "canonicalized_query_string"),
            string_to_sign: s(c, "string_to_sign"),
            signature: s(c, "signature"),
        })
        .collect();
    Vectors { python_sdk_differs, cases }
}

fn pairs(c: &Case) -> impl DoubleEndedIterator<Item = (&str, &str)> {
    c.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

#[test]
fn there_are_39_cases_with_unique_names() {
    let v = load();
    assert_eq!(v.cases.len(), 39);
    let mut names: Vec<&str> = v.cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 39, "case names repeat");
    for n in &v.python_sdk_differs {
        assert!(names.contains(&n.as_str()), "python_sdk_differs names unknown case {n}");
    }
}

#[test]
fn every_case_reproduces_canonical_query_string_to_sign_and_signature() {
    let v = load();
    let mut failures = Vec::new();
    for c in &v.cases {
        let canonical = sign::canonical_query(pairs(c));
        if canonical != c.canonical {
            failures.push(format!("{}: canonical query\n  got:  {canonical}\n  want: {}", c.name, c.canonical));
        }
        // Each step is checked on the expected input too, so one mistake cannot hide another.
        let sts = sign::string_to_sign(&c.method, &c.canonical);
        if sts != c.string_to_sign {
            failures.push(format!("{}: string to sign\n  got:  {sts}\n  want: {}", c.name, c.string_to_sign));
        }
        let sig = sign::signature(&c.secret, &c.string_to_sign);
        if sig != c.signature {
            failures.push(format!("{}: signature\n  got:  {sig}\n  want: {}", c.name, c.signature));
        }
        let end_to_end = sign::sign_params(&c.method, pairs(c), &c.secret);
        if end_to_end != c.signature {
            failures.push(format!("{}: sign_params\n  got:  {end_to_end}\n  want: {}", c.name, c.signature));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn parameter_order_does_not_matter() {
    for c in &load().cases {
        let reversed: Vec<(&str, &str)> = pairs(c).rev().collect();
        assert_eq!(
            sign::canonical_query(reversed),
            sign::canonical_query(pairs(c)),
            "{}: input order changed the canonical query",
            c.name
        );
    }
}

#[test]
fn the_published_documentation_example_is_present_and_matches() {
    let v = load();
    let c = v
        .cases
        .iter()
        .find(|c| c.name == "published_doc_example_describe_regions")
        .expect("the documentation example is in the vectors");
    assert_eq!(sign::sign_params(&c.method, pairs(c), &c.secret), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
}

/// `urllib.parse.quote_plus(s, safe='')` of Python 3.7+: like RFC 3986 except a space is `+`.
fn python_quote_plus(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The official Python SDK 1.0.12's string to sign: parameters sorted by raw name, then
/// quote_plus for both encoding rounds.
fn python_string_to_sign(c: &Case) -> String {
    let mut raw: Vec<&(String, String)> = c.params.iter().collect();
    raw.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let encoded: Vec<(String, String)> =
        raw.iter().map(|(k, v)| (python_quote_plus(k), python_quote_plus(v))).collect();
    let canonical = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    format!("{}&%2F&{}", c.method, python_quote_plus(&canonical))
}

#[test]
fn python_sdk_differs_exactly_on_the_cases_with_a_space() {
    let v = load();
    assert_eq!(v.python_sdk_differs.len(), 7);
    for c in &v.cases {
        let listed = v.python_sdk_differs.contains(&c.name);
        let has_space = c.params.iter().any(|(k, val)| k.contains(' ') || val.contains(' '));
        assert_eq!(
            listed, has_space,
            "{}: listed in python_sdk_differs = {listed}, but has a space = {has_space}",
            c.name
        );
        let ours = sign::canonical_query(pairs(c));
        assert!(!ours.contains('+'), "{}: canonical query has a raw `+`: {ours}", c.name);
        if listed {
            assert!(ours.contains("%20"), "{}: a space must be encoded %20: {ours}", c.name);
            assert!(
                c.string_to_sign.contains("%2520"),
                "{}: the expected string to sign double-encodes the space",
                c.name
            );
        }
        // Python's rule agrees with ours everywhere except on spaces.
        let python = python_string_to_sign(c);
        assert_eq!(
            python != c.string_to_sign,
            listed,
            "{}: Python's quote_plus would {} the published rule",
            c.name,
            if listed { "agree with" } else { "disagree with" }
        );
        if listed {
            assert!(python.contains("%2B") && !python.contains("%2520"), "{}: {python}", c.name);
            assert_ne!(
                sign::signature(&c.secret, &python),
                c.signature,
                "{}: Python's signature would be accepted",
                c.name
            );
        }
    }
}

#[test]
fn percent_encoding_is_strict_rfc3986() {
    assert_eq!(sign::percent_encode(" "), "%20");
    assert_eq!(sign::percent_encode("+"), "%2B");
    assert_eq!(sign::percent_encode("*"), "%2A");
    assert_eq!(sign::percent_encode("~"), "~");
    assert_eq!(sign::percent_encode("AZaz09-_.~"), "AZaz09-_.~");
    assert_eq!(sign::percent_encode("é"), "%C3%A9");
    assert_eq!(sign::encode_pairs([("a b", "c d"), ("x", "+")]), "a%20b=c%20d&x=%2B");
}

/// The published rule (spec §3.3 step 1, and the vectors' description) sorts parameters by their
/// raw name in byte order and encodes afterwards; sorting the encoded names would differ whenever
/// a name holds a character that must be encoded: `%` (0x25) sorts before every unreserved
/// character, so `é` (`%C3%A9`) would land before `z`, and `a:` (`a%3A`) before `a0`.
#[test]
fn canonical_query_sorts_by_raw_name_not_encoded_name() {
    let v = load();
    let c = v.cases.iter().find(|c| c.name == "key_unicode").unwrap();
    assert_eq!(sign::canonical_query(pairs(c)), c.canonical);
    assert_eq!(sign::sign_params(&c.method, pairs(c), &c.secret), c.signature);
    // With ASCII names: raw order puts `0` (0x30) before `:` (0x3A).
    assert_eq!(sign::canonical_query([("a:", "1"), ("a0", "2")]), "a0=2&a%3A=1");
}
