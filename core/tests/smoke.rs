use alibabacloud_credentials_core::{source_from_config, Config, CredentialType, Env, Lookup, Refresher};
use alibabacloud_credentials_testkit::{drive, FakeClock, StsServer};

#[test]
fn ram_role_arn_end_to_end_on_the_fake_clock() {
    let clock = FakeClock::new();
    let mut sts = StsServer::new();
    sts.add_key("LTAI5tTestKey000001", "test-secret");
    let config = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id("LTAI5tTestKey000001")
        .access_key_secret("test-secret")
        .role_arn("acs:ram::123:role/test")
        .policy(r#"{"Statement": [{"Action": ["*"], "Effect": "Allow", "Resource": ["*"]}], "Version": "1"}"#)
        .build();
    let source = source_from_config(&config, &Env::empty()).unwrap();
    let mut r = Refresher::new(source, 42);
    let cache = r.cache().clone();
    assert!(matches!(cache.lookup(|| clock.now().mono), Lookup::Wait { generation: 0 }));
    cache.request_refresh();
    let report = drive(&mut r, &clock, &mut sts);
    assert_eq!(report.requests, 1, "{:?}", sts.requests());
    match cache.lookup(|| clock.now().mono) {
        Lookup::Ready(c) => assert_eq!(c.provider_name(), "ram_role_arn/static_ak"),
        other => panic!("{other:?}"),
    }
}
