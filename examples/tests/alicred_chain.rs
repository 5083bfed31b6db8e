//! `alicred get` with no `--config`: the default chain, for every way it can be configured,
//! against the emulator. The child's environment is cleared, and the metadata service is either
//! disabled or pointed at the emulator, so nothing but loopback is ever contacted.

use std::path::{Path, PathBuf};
use std::process::Command;

use alibabacloud_credentials_testkit::{Emulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ROLE_ARN};
use serde_json::{json, Value};

struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("alicred-chain-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home { dir }
    }

    fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `alicred get` with exactly this environment (plus HOME), and parses its JSON.
fn get(home: &Path, env: &[(&str, &str)]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_alicred"))
        .arg("get")
        .env_clear()
        .env("HOME", home)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "env {env:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

const NO_ECS: (&str, &str) = ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");

#[test]
fn environment_access_key_and_sts_token() {
    let home = Home::new("env");
    let v = get(
        &home.dir,
        &[("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tAlicredEnvKey1"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"), NO_ECS],
    );
    assert_eq!(v["provider_name"], "default/env");
    assert_eq!(v["type"], "default");
    assert_eq!(v["access_key_id"], "LTAI5tAlicredEnvKey1");
    assert!(v["security_token"].is_null());
    let v = get(
        &home.dir,
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.AlicredEnvKey01"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "t"),
            NO_ECS,
        ],
    );
    assert_eq!(v["provider_name"], "default/env");
    assert_eq!(v["security_token"], "t");
}

#[test]
fn oidc_from_the_environment() {
    let emu = Emulator::start().unwrap();
    emu.sts().add_oidc_token("alicred-oidc-token-value");
    let home = Home::new("oidc");
    let token = home.write("token", "alicred-oidc-token-value\n");
    let v = get(
        &home.dir,
        &[
            ("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890123456:oidc-provider/alicred"),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.to_str().unwrap()),
            ("ALIBABA_CLOUD_STS_ENDPOINT", &emu.url()),
            NO_ECS,
        ],
    );
    assert_eq!(v["provider_name"], "default/oidc_role_arn");
    assert_eq!(emu.sts().count("AssumeRoleWithOIDC"), 1);
}

#[test]
fn every_config_json_mode() {
    let emu = Emulator::start().unwrap();
    emu.sts().add_oidc_token("alicred-cli-oidc-token");
    let home = Home::new("cli");
    let token = home.write("oidc-token", "alicred-cli-oidc-token");
    let profiles = json!([
        {"name": "ak", "mode": "AK", "access_key_id": DEMO_ACCESS_KEY_ID, "access_key_secret": DEMO_ACCESS_KEY_SECRET},
        {"name": "sts", "mode": "StsToken", "access_key_id": "STS.AlicredCli00001", "access_key_secret": "s", "sts_token": "t"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": DEMO_ACCESS_KEY_ID,
         "access_key_secret": DEMO_ACCESS_KEY_SECRET, "ram_role_arn": DEMO_ROLE_ARN, "ram_session_name": "alicred"},
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EmulatorEcsRole"},
        {"name": "oidc", "mode": "OIDC", "ram_role_arn": DEMO_ROLE_ARN,
         "oidc_provider_arn": "acs:ram::1234567890123456:oidc-provider/alicred", "oidc_token_file": token.to_str().unwrap()},
        {"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "role", "ram_role_arn": DEMO_ROLE_ARN},
        {"name": "uri", "mode": "CredentialsURI", "credentials_uri": emu.credentials_uri()},
    ]);
    home.write(".aliyun/config.json", &json!({"current": "ak", "profiles": profiles}).to_string());
    let url = emu.url();
    for (profile, provider) in [
        ("ak", "default/cli_profile/static_ak"),
        ("sts", "default/cli_profile/static_sts"),
        ("role", "default/cli_profile/ram_role_arn/static_ak"),
        ("ecs", "default/cli_profile/ecs_ram_role"),
        ("oidc", "default/cli_profile/oidc_role_arn"),
        ("chain", "default/cli_profile/ram_role_arn/ram_role_arn/static_ak"),
        ("uri", "default/cli_profile/credential_uri"),
    ] {
        let v = get(
            &home.dir,
            &[
                ("ALIBABA_CLOUD_PROFILE", profile),
                ("ALIBABA_CLOUD_STS_ENDPOINT", &url),
                ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", &url),
            ],
        );
        assert_eq!(v["provider_name"], provider, "{profile}");
    }
    // `current` when no profile is named.
    let v = get(&home.dir, &[NO_ECS]);
    assert_eq!(v["provider_name"], "default/cli_profile/static_ak");
}

#[test]
fn ini_file() {
    let home = Home::new("ini");
    home.write(
        ".alibabacloud/credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAI5tAlicredIniKey1\naccess_key_secret = s\n",
    );
    let v = get(&home.dir, &[NO_ECS]);
    assert_eq!(v["provider_name"], "default/profile/static_ak");
    assert_eq!(v["access_key_id"], "LTAI5tAlicredIniKey1");
}

#[test]
fn ecs_metadata_through_the_endpoint_override() {
    let emu = Emulator::start().unwrap();
    let home = Home::new("ecs");
    let v = get(&home.dir, &[("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", &emu.url())]);
    assert_eq!(v["provider_name"], "default/ecs_ram_role");
    assert!(v["expiration"].is_string());
}

#[test]
fn credentials_uri() {
    let emu = Emulator::start().unwrap();
    let home = Home::new("uri");
    let v = get(&home.dir, &[("ALIBABA_CLOUD_CREDENTIALS_URI", &emu.credentials_uri()), NO_ECS]);
    assert_eq!(v["provider_name"], "default/credential_uri");
}

#[test]
fn nothing_configured_lists_every_source() {
    let home = Home::new("none");
    let out = Command::new(env!("CARGO_BIN_EXE_alicred"))
        .arg("get")
        .env_clear()
        .env("HOME", &home.dir)
        .env(NO_ECS.0, NO_ECS.1)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    for source in ["env", "oidc_role_arn", "cli_profile", "profile", "ecs_ram_role", "credential_uri"] {
        assert!(err.contains(&format!("{source} (")), "{err}");
    }
}
