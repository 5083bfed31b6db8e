//! A conformance suite every transport runs: each network source against the [`Emulator`] over
//! real sockets, so both drivers are held to the same behaviour by the same code.
//!
//! A transport provides `get`: build a client from the config and environment, and return its
//! first credential.

use std::path::PathBuf;

use alibabacloud_credentials_core::{Config, Credential, CredentialType, Env, Error};

use crate::emulator::{Emulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ECS_ROLE, DEMO_ROLE_ARN};
use crate::imds::ImdsRequestKind;

/// Builds a client for `config` with `env` and returns its first credential.
pub type GetFn<'a> = &'a dyn Fn(Config, Env) -> Result<Credential, Error>;

fn env(pairs: &[(&str, String)]) -> Env {
    Env::from_vars(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())))
}

fn ecs(emu: &Emulator, disable_v1: bool) -> Config {
    Config::builder()
        .credential_type(CredentialType::EcsRamRole)
        .metadata_endpoint(emu.url())
        .disable_imds_v1(disable_v1)
        .build()
}

/// `ram_role_arn` signed with an AccessKey.
pub fn ram_role_arn(get: GetFn<'_>) {
    let emu = Emulator::start().unwrap();
    let config = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(DEMO_ACCESS_KEY_ID)
        .access_key_secret(DEMO_ACCESS_KEY_SECRET)
        .role_arn(DEMO_ROLE_ARN)
        .sts_endpoint(emu.url())
        .build();
    let c = get(config, Env::empty()).unwrap();
    assert_eq!(c.provider_name(), "ram_role_arn/static_ak");
    assert_eq!(emu.sts().count("AssumeRole"), 1);
}

/// `ecs_ram_role` with IMDSv2: a token, role discovery, the credential.
pub fn ecs_ram_role_v2(get: GetFn<'_>) {
    let emu = Emulator::start().unwrap();
    emu.imds().set_v2_required(true);
    let c = get(ecs(&emu, false), Env::empty()).unwrap();
    assert_eq!(c.provider_name(), "ecs_ram_role");
    assert!(c.security_token().is_some());
    let imds = emu.imds();
    assert_eq!(imds.count(ImdsRequestKind::Token), 1);
    assert_eq!(imds.count(ImdsRequestKind::RoleList), 1);
    assert_eq!(imds.count(ImdsRequestKind::Credentials), 1);
    assert!(imds.requests().iter().filter(|r| r.kind != ImdsRequestKind::Token).all(|r| r.token().is_some()));
}

/// IMDSv1 fallback when the token request fails, and its refusal when v1 is disabled.
pub fn ecs_ram_role_v1_fallback_after_token_failure(get: GetFn<'_>) {
    let emu = Emulator::start().unwrap();
    emu.imds().set_v1_only(Some(403));
    let c = get(ecs(&emu, false), Env::empty()).unwrap();
    assert_eq!(c.provider_name(), "ecs_ram_role");
    assert!(emu.imds().requests().iter().any(|r| r.kind == ImdsRequestKind::Credentials && r.token().is_none()));

    let refused = get(ecs(&emu, true), Env::empty()).unwrap_err();
    assert!(!refused.to_string().is_empty());
    let by_env = get(
        Config::builder().credential_type(CredentialType::EcsRamRole).metadata_endpoint(emu.url()).build(),
        env(&[("ALIBABA_CLOUD_IMDSV1_DISABLED", "true".into())]),
    )
    .unwrap_err();
    assert_eq!(refused.to_string(), by_env.to_string());
}

/// IMDSv1 fallback when a GET with a token fails, and its refusal when v1 is disabled.
pub fn ecs_ram_role_v1_fallback_after_get_failure(get: GetFn<'_>) {
    let emu = Emulator::start().unwrap();
    emu.imds().set_token_gets_fail(Some(400));
    let c = get(ecs(&emu, false), Env::empty()).unwrap();
    assert_eq!(c.provider_name(), "ecs_ram_role");
    let retried_without_token =
        emu.imds().requests().iter().any(|r| r.kind == ImdsRequestKind::Credentials && r.token().is_none());
    assert!(retried_without_token);
    assert!(get(ecs(&emu, true), Env::empty()).is_err());
}

/// `oidc_role_arn` with a token file.
pub fn oidc_role_arn(get: GetFn<'_>) {
    let emu = Emulator::start().unwrap();
    let token = "eyJhbGciOiJSUzI1NiJ9.conformance-oidc.sig";
    emu.sts().add_oidc_token(token);
    let file = temp_file("oidc-token", token);
    let config = Config::builder()
        .credential_type(CredentialType::OidcRoleArn)
        .role_arn(DEMO_ROLE_ARN)
        .oidc_provider_arn("acs:ram::1234567890123456:oidc-provider/conformance")
        .oidc_token_file_path(file.to_string_lossy().into_owned())
        .sts_endpoint(emu.url())
        .build();
    let c = get(config, Env::empty()).unwrap();
    assert_eq!(c.provider_name(), "oidc_role_arn");
    assert_eq!(emu.sts().count("AssumeRoleWithOIDC"), 1);
    let _ = std::fs::remove_file(file);
}

/// `credentials_uri`.
pub fn credentials_uri(get: GetFn<'_>) {
    let emu = Emulator::start().unwrap();
    let config = Config::builder()
        .credential_type(CredentialType::CredentialsUri)
        .credentials_uri(emu.credentials_uri())
        .build();
    let c = get(config, Env::empty()).unwrap();
    assert_eq!(c.provider_name(), "credential_uri");
    assert_eq!(emu.uri().requests().len(), 1);
}

/// The default chain reaching the metadata service through the endpoint override.
pub fn default_chain_ecs(get: GetFn<'_>) {
    let emu = Emulator::start().unwrap();
    let env = env(&[
        ("HOME", "/nonexistent-home-for-conformance".into()),
        ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", emu.url()),
    ]);
    let c = get(Config::default(), env).unwrap();
    assert_eq!(c.provider_name(), "default/ecs_ram_role");
    assert_eq!(c.credential_type(), "default");
    let _ = DEMO_ECS_ROLE;
}

/// The default chain with nothing configured lists every source.
pub fn default_chain_nothing(get: GetFn<'_>) {
    let env = env(&[
        ("HOME", "/nonexistent-home-for-conformance".into()),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true".into()),
    ]);
    let e = get(Config::default(), env).unwrap_err();
    assert!(matches!(e, Error::NoCredentials { ref tried } if tried.len() == 6), "{e}");
}

/// `ram_role_arn` and `credentials_uri` through an explicit `proxy`.
pub fn through_an_explicit_proxy(get: GetFn<'_>) {
    let emu = Emulator::start().unwrap();
    let proxy = crate::proxy::Proxy::start().unwrap();
    let config = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(DEMO_ACCESS_KEY_ID)
        .access_key_secret(DEMO_ACCESS_KEY_SECRET)
        .role_arn(DEMO_ROLE_ARN)
        .sts_endpoint(emu.url())
        .proxy(proxy.url())
        .build();
    let c = get(config, Env::empty()).unwrap();
    assert_eq!(c.provider_name(), "ram_role_arn/static_ak");
    assert_eq!(emu.sts().count("AssumeRole"), 1);
    let after_sts = proxy.connections();
    assert!(after_sts >= 1, "the STS request did not go through the proxy");
    let config = Config::builder()
        .credential_type(CredentialType::CredentialsUri)
        .credentials_uri(emu.credentials_uri())
        .proxy(proxy.url())
        .build();
    get(config, Env::empty()).unwrap();
    assert!(proxy.connections() > after_sts, "the credentials URI request did not go through the proxy");
}

/// Every case above.
pub fn all(get: GetFn<'_>) {
    ram_role_arn(get);
    ecs_ram_role_v2(get);
    ecs_ram_role_v1_fallback_after_token_failure(get);
    ecs_ram_role_v1_fallback_after_get_failure(get);
    oidc_role_arn(get);
    credentials_uri(get);
    default_chain_ecs(get);
    default_chain_nothing(get);
    through_an_explicit_proxy(get);
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("alibabacloud-credentials-{name}-{}-{}", std::process::id(), unique()));
    std::fs::write(&path, contents).unwrap();
    path
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
