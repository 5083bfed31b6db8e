//! `alicred get` end to end: the binary, a config file, and the strict STS emulator.

use std::process::Command;

use alibabacloud_credentials_testkit::{Emulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ROLE_ARN};

fn alicred(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_alicred"))
        .args(args)
        // The process environment must not leak into the tests' expectations.
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .env_remove("ALIBABA_CLOUD_STS_ENDPOINT")
        .output()
        .expect("alicred runs")
}

fn write_config(dir: &std::path::Path, name: &str, json: serde_json::Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, json.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("alicred-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn get_assumes_a_role_with_a_policy_containing_spaces() {
    let emu = Emulator::start().unwrap();
    let dir = temp_dir("policy");
    let config = write_config(
        &dir,
        "role.json",
        serde_json::json!({
            "type": "ram_role_arn",
            "access_key_id": DEMO_ACCESS_KEY_ID,
            "access_key_secret": DEMO_ACCESS_KEY_SECRET,
            "role_arn": DEMO_ROLE_ARN,
            "policy": "{\"Statement\": [{\"Action\": [\"*\"],\"Effect\": \"Allow\",\"Resource\": [\"*\"]}],\"Version\":\"1\"}",
            "sts_endpoint": emu.url(),
        }),
    );
    let out = alicred(&["get", "--config", &config]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["type"], "ram_role_arn");
    assert_eq!(json["provider_name"], "ram_role_arn/static_ak");
    assert!(json["access_key_id"].as_str().unwrap().starts_with("STS."));
    assert!(json["security_token"].is_string());
    assert!(json["bearer_token"].is_null());
    let expiration = json["expiration"].as_str().unwrap();
    assert!(expiration.ends_with('Z') && expiration.len() == 20, "{expiration}");
    let sts = emu.sts();
    let req = &sts.requests()[0];
    assert_eq!(req.error_code, None, "the strict STS accepted the signature");
    assert!(req.param("Policy").unwrap().contains(' '));
}

#[test]
fn get_signs_with_an_sts_source_credential_and_prints_env_lines() {
    let emu = Emulator::start().unwrap();
    emu.sts().add_sts_key("STS.SourceKeyForAlicred01", "source-secret", "source-token");
    let dir = temp_dir("sts");
    let config = write_config(
        &dir,
        "role.json",
        serde_json::json!({
            "type": "ram_role_arn",
            "access_key_id": "STS.SourceKeyForAlicred01",
            "access_key_secret": "source-secret",
            "security_token": "source-token",
            "role_arn": DEMO_ROLE_ARN,
            "sts_endpoint": emu.url(),
        }),
    );
    let out = alicred(&["get", "--config", &config, "--format", "env"]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("export ALIBABA_CLOUD_ACCESS_KEY_ID='STS."));
    assert!(lines[1].starts_with("export ALIBABA_CLOUD_ACCESS_KEY_SECRET='"));
    assert!(lines[2].starts_with("export ALIBABA_CLOUD_SECURITY_TOKEN='"));
    assert_eq!(emu.sts().requests()[0].param("SecurityToken"), Some("source-token"));
}

#[test]
fn failures_print_one_line_without_secrets_and_exit_1() {
    let emu = Emulator::start().unwrap();
    let dir = temp_dir("fail");
    let config = write_config(
        &dir,
        "wrong.json",
        serde_json::json!({
            "type": "ram_role_arn",
            "access_key_id": DEMO_ACCESS_KEY_ID,
            "access_key_secret": "WrOnG-SeCrEt",
            "role_arn": DEMO_ROLE_ARN,
            "sts_endpoint": emu.url(),
        }),
    );
    let out = alicred(&["get", "--config", &config]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("SignatureDoesNotMatch") && err.contains("secret is wrong"), "{err}");
    assert!(!err.contains("WrOnG-SeCrEt") && !err.contains("string to sign is:"), "{err}");
    assert!(out.stdout.is_empty());

    let bad =
        write_config(&dir, "bad.json", serde_json::json!({"type": "ram_role_arn", "access_key_secret": "SeCrEt"}));
    let out = alicred(&["get", "--config", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("access_key_id") && !err.contains("SeCrEt"), "{err}");

    let out = alicred(&["get", "--config", "/nonexistent/alicred.json"]);
    assert_eq!(out.status.code(), Some(1));
}
