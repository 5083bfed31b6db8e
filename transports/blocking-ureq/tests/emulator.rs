//! The blocking client against the loopback STS emulator, over real sockets.

use std::time::Duration;

use alibabacloud_credentials_blocking::{Client, Config, CredentialType, Env, Error, TransportErrorKind};
use alibabacloud_credentials_testkit::{Emulator, Fault, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ROLE_ARN};

fn client(emu: &Emulator, timeout_ms: Option<u64>) -> Client {
    let mut b = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(DEMO_ACCESS_KEY_ID)
        .access_key_secret(DEMO_ACCESS_KEY_SECRET)
        .role_arn(DEMO_ROLE_ARN)
        .sts_endpoint(emu.url());
    if let Some(t) = timeout_ms {
        b = b.timeout(t);
    }
    Client::builder().env(Env::empty()).seed(1).build(b.build()).unwrap()
}

#[test]
fn fetches_once_then_serves_from_cache() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, None);
    let first = c.get().unwrap();
    assert_eq!(first.provider_name(), "ram_role_arn/static_ak");
    assert_eq!(first.credential_type(), "ram_role_arn");
    assert!(first.access_key_id().starts_with("STS."));
    assert!(first.security_token().is_some() && first.expiration().is_some());
    let second = c.clone().get().unwrap();
    assert!(first.ptr_eq(&second));
    assert_eq!(emu.sts().count("AssumeRole"), 1);
}

#[test]
fn sts_error_codes_are_typed() {
    let emu = Emulator::start().unwrap();
    emu.sts().push_fault(Fault::error(403, "NoPermission", "You are not authorized to do this action."));
    let err = client(&emu, None).get().unwrap_err();
    match &err {
        Error::Service { source, .. } => {
            assert_eq!(source.code, "NoPermission");
            assert_eq!(source.http_status, 403);
            assert!(source.request_id.as_deref().is_some_and(|r| r.starts_with("EMU-")));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.sts().count("AssumeRole"), 1, "non-retryable errors are not retried");
}

#[test]
fn read_timeouts_are_reported_after_bounded_retries() {
    let emu = Emulator::start().unwrap();
    for _ in 0..3 {
        emu.sts().push_fault(Fault::Delay(Duration::from_secs(3)));
    }
    let err = client(&emu, Some(300)).get().unwrap_err();
    match &err {
        Error::Transport { source, .. } => {
            assert_eq!(source.kind, TransportErrorKind::Timeout, "{err}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.sts().count("AssumeRole"), 3);
}

#[test]
fn connection_refused_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(DEMO_ACCESS_KEY_ID)
        .access_key_secret(DEMO_ACCESS_KEY_SECRET)
        .role_arn(DEMO_ROLE_ARN)
        .sts_endpoint(format!("http://127.0.0.1:{port}"))
        .build();
    let err = Client::builder().env(Env::empty()).build(config).unwrap().get().unwrap_err();
    match &err {
        Error::Transport { source, .. } => {
            assert_eq!(source.kind, TransportErrorKind::Connect, "{err}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn try_get_never_blocks_and_starts_a_fetch() {
    let emu = Emulator::start().unwrap();
    emu.sts().set_latency(Duration::from_millis(300));
    let c = client(&emu, None);
    let start = std::time::Instant::now();
    assert!(c.try_get().is_none());
    assert!(start.elapsed() < Duration::from_millis(200), "try_get waited");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let cred = loop {
        if let Some(c) = c.try_get() {
            break c;
        }
        assert!(std::time::Instant::now() < deadline, "the background fetch never completed");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(cred.provider_name(), "ram_role_arn/static_ak");
    assert_eq!(emu.sts().count("AssumeRole"), 1);
}

#[test]
fn with_credential_borrows_the_cached_credential() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, None);
    let id = c.with_credential(|cred| cred.access_key_id().to_owned()).unwrap();
    assert_eq!(id, c.get().unwrap().access_key_id());
    assert_eq!(c.with_credential(|cred| cred.provider_name().to_owned()).unwrap(), "ram_role_arn/static_ak");
    assert_eq!(emu.sts().count("AssumeRole"), 1);
}
