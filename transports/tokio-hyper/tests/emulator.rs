//! The tokio client against the loopback STS emulator, over real sockets.

use std::time::Duration;

use alibabacloud_credentials_testkit::{Emulator, Fault, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ROLE_ARN};
use alibabacloud_credentials_tokio::{Client, Config, CredentialType, Env, Error, TransportErrorKind};

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

#[tokio::test]
async fn fetches_once_then_serves_from_cache() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, None);
    assert!(c.try_get().is_none());
    let first = c.get().await.unwrap();
    assert_eq!(first.provider_name(), "ram_role_arn/static_ak");
    assert!(first.access_key_id().starts_with("STS."));
    let second = c.clone().get().await.unwrap();
    assert!(first.ptr_eq(&second));
    assert!(c.try_get().unwrap().ptr_eq(&first));
    assert_eq!(emu.sts().count("AssumeRole"), 1);
}

#[tokio::test]
async fn sts_error_codes_are_typed() {
    let emu = Emulator::start().unwrap();
    emu.sts().push_fault(Fault::error(403, "NoPermission", "You are not authorized to do this action."));
    let err = client(&emu, None).get().await.unwrap_err();
    match &err {
        Error::Service { source, .. } => {
            assert_eq!(source.code, "NoPermission");
            assert_eq!(source.http_status, 403);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.sts().count("AssumeRole"), 1, "non-retryable errors are not retried");
}

#[tokio::test]
async fn read_timeouts_are_reported_after_bounded_retries() {
    let emu = Emulator::start().unwrap();
    for _ in 0..3 {
        emu.sts().push_fault(Fault::Delay(Duration::from_secs(3)));
    }
    let err = client(&emu, Some(300)).get().await.unwrap_err();
    match &err {
        Error::Transport { source, .. } => {
            assert_eq!(source.kind, TransportErrorKind::Timeout, "{err}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.sts().count("AssumeRole"), 3);
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let emu = Emulator::start().unwrap();
    emu.sts().push_fault(Fault::Drop);
    emu.sts().push_fault(Fault::Html503);
    let c = client(&emu, None);
    let cred = c.get().await.unwrap();
    assert_eq!(cred.provider_name(), "ram_role_arn/static_ak");
    assert_eq!(emu.sts().count("AssumeRole"), 3);
}

#[tokio::test]
async fn try_get_never_waits_and_starts_a_fetch() {
    let emu = Emulator::start().unwrap();
    emu.sts().set_latency(Duration::from_millis(300));
    let c = client(&emu, None);
    assert!(c.try_get().is_none());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let cred = loop {
        if let Some(c) = c.try_get() {
            break c;
        }
        assert!(tokio::time::Instant::now() < deadline, "the background fetch never completed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(cred.provider_name(), "ram_role_arn/static_ak");
    assert_eq!(emu.sts().count("AssumeRole"), 1);
}

#[tokio::test]
async fn with_credential_borrows_the_cached_credential() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, None);
    let id = c.with_credential(|cred| cred.access_key_id().to_owned()).await.unwrap();
    assert_eq!(id, c.get().await.unwrap().access_key_id());
    assert_eq!(c.with_credential(|cred| cred.provider_name().to_owned()).await.unwrap(), "ram_role_arn/static_ak");
    assert_eq!(emu.sts().count("AssumeRole"), 1);
}

#[test]
fn a_client_outlives_the_runtime_its_driver_ran_on() {
    let emu = Emulator::start().unwrap();
    let first_rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let c = client(&emu, None);
    let cred = first_rt.block_on(c.get()).unwrap();
    // A refresh in flight when the runtime goes away is abandoned, not lost.
    emu.sts().set_latency(Duration::from_millis(500));
    c.invalidate(&cred);
    first_rt.block_on(async {
        assert!(c.try_get().is_none());
        tokio::time::sleep(Duration::from_millis(50)).await;
    });
    drop(first_rt);
    let second_rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let started = std::time::Instant::now();
    let fresh = second_rt.block_on(c.get()).unwrap();
    assert!(!fresh.ptr_eq(&cred));
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    // The new driver lives on the second runtime and keeps serving.
    assert!(second_rt.block_on(c.get()).unwrap().ptr_eq(&fresh));
}
