//! The cost of one `AssumeRole`: building and signing the request, the signature alone, and
//! parsing the answer.
//!
//! `cargo bench -p alibabacloud-credentials-core --bench sts`

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use alibabacloud_credentials_core::endpoint::Endpoint;
use alibabacloud_credentials_core::source::{AssumeRoleParams, CallSettings, RamRoleArnSource, StaticSource};
use alibabacloud_credentials_core::time::{format_http_date, format_rfc3339};
use alibabacloud_credentials_core::{
    sign, sts, Credential, Ctx, Effect, HttpRequest, Now, ProxyPolicy, Source, SourcePoll,
};
use criterion::{criterion_group, criterion_main, Criterion};

const AK_ID: &str = "LTAI5tRamRoleArnBench01";
const SECRET: &str = "SeCrEt-123-ak-0123456789abcdef";
const ROLE: &str = "acs:ram::1234567890123456:role/bench-role";
const POLICY: &str = r#"{"Statement": [{"Action": ["oss:GetObject"],"Effect": "Allow","Resource": ["acs:oss:*:*:bucket/*"]}],"Version":"1"}"#;

fn now() -> Now {
    Now::new(Instant::now(), SystemTime::now())
}

/// A `ram_role_arn` source over a static AccessKey, with a policy (as a role with a session
/// policy sends it).
fn source() -> RamRoleArnSource {
    let inner = Credential::builder()
        .access_key_id(AK_ID)
        .access_key_secret(SECRET)
        .provider_name("static_ak")
        .credential_type("access_key")
        .build();
    let params = AssumeRoleParams {
        role_arn: ROLE.to_owned(),
        role_session_name: Some("bench-session".to_owned()),
        duration_seconds: 3600,
        policy: Some(POLICY.to_owned()),
        external_id: None,
    };
    let endpoint = Endpoint::parse("sts.aliyuncs.com", http::uri::Scheme::HTTPS, "sts_endpoint").expect("endpoint");
    let settings = CallSettings::new(Duration::from_secs(5), Duration::from_secs(10), ProxyPolicy::Never);
    RamRoleArnSource::new(Box::new(StaticSource::new(inner)), params, endpoint, settings)
}

/// Starts a fetch and polls once: the source fetches its (static) signing credential and asks
/// for the signed request.
fn signed_request(source: &mut RamRoleArnSource, now: Now, ctx: &mut Ctx) -> HttpRequest {
    source.start(now);
    match source.poll(now, ctx) {
        SourcePoll::Effect(Effect::Http(req)) => req,
        SourcePoll::Effect(other) => panic!("unexpected effect {other:?}"),
        SourcePoll::Done(r) => panic!("finished without a request: {r:?}"),
        SourcePoll::Wait(_) | SourcePoll::Idle => panic!("no request"),
    }
}

/// An STS `AssumeRole` success answer as the service sends it (token of a realistic length).
fn sts_answer(now: Now) -> http::Response<Vec<u8>> {
    let token = format!("CAIS{}", "x7Yq/Bz+Kd2mN0pQ".repeat(40));
    let body = format!(
        r#"{{"RequestId":"6894B13B-6D71-4EF5-88FA-F32781734A7F","AssumedRoleUser":{{"AssumedRoleId":"344584339364951186:bench-session","Arn":"{ROLE}/bench-session"}},"Credentials":{{"SecurityToken":"{token}","AccessKeyId":"STS.NUgYrLnoC37mZZCNnAbez2EGU","AccessKeySecret":"CVwjCkNzTMupZ8NbTCxCBRq3K16jtcWFTJAyBEv2","Expiration":"{}"}}}}"#,
        format_rfc3339(now.wall + Duration::from_secs(3600))
    );
    http::Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/json;charset=utf-8")
        .header(http::header::DATE, format_http_date(now.wall))
        .body(body.into_bytes())
        .expect("response")
}

fn benches(c: &mut Criterion) {
    let now = now();

    let mut src = source();
    let mut ctx = Ctx::new(7);
    // The first fetch also fetches the inner (static) credential; later ones reuse it, as a
    // refresh does.
    let first = signed_request(&mut src, now, &mut ctx);
    assert!(first.request.uri().query().is_some_and(|q| q.contains("Signature=")), "the request is signed");
    c.bench_function("sts/assume_role_build_and_sign", |b| {
        b.iter(|| black_box(signed_request(&mut src, black_box(now), &mut ctx)))
    });

    // The signature alone over the same parameters.
    let timestamp = alibabacloud_credentials_core::time::format_timestamp(now.wall);
    let nonce = ctx.nonce();
    let params: Vec<(&str, &str)> = vec![
        ("Action", "AssumeRole"),
        ("Format", "JSON"),
        ("Version", sts::STS_VERSION),
        ("Timestamp", &timestamp),
        ("AccessKeyId", AK_ID),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", &nonce),
        ("RoleArn", ROLE),
        ("RoleSessionName", "bench-session"),
        ("DurationSeconds", "3600"),
        ("Policy", POLICY),
    ];
    c.bench_function("sts/sign_params", |b| {
        b.iter(|| black_box(sign::sign_params("POST", black_box(&params).iter().copied(), SECRET)))
    });
    // Its three steps, to see where the time goes.
    c.bench_function("sts/sign_step1_canonical_query", |b| {
        b.iter(|| black_box(sign::canonical_query(black_box(&params).iter().copied())))
    });
    let canonical = sign::canonical_query(params.iter().copied());
    c.bench_function("sts/sign_step2_string_to_sign", |b| {
        b.iter(|| black_box(sign::string_to_sign("POST", black_box(&canonical))))
    });
    let string_to_sign = sign::string_to_sign("POST", &canonical);
    c.bench_function("sts/sign_step3_hmac_sha1_base64", |b| {
        b.iter(|| black_box(sign::signature(SECRET, black_box(&string_to_sign))))
    });

    let answer = sts_answer(now);
    let parsed = sts::parse_response(&answer, "AssumeRole", "ram_role_arn/static_ak", "ram_role_arn", "sts", now);
    assert!(parsed.is_ok(), "the answer parses: {parsed:?}");
    c.bench_function("sts/parse_response", |b| {
        b.iter(|| {
            black_box(sts::parse_response(
                black_box(&answer),
                "AssumeRole",
                "ram_role_arn/static_ak",
                "ram_role_arn",
                "sts.aliyuncs.com",
                now,
            ))
        })
    });
}

criterion_group! {
    name = sts_benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(sts_benches);
