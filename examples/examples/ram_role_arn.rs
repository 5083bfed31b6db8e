//! Way 4 of the guide: assume a RAM role with an AccessKey, refreshed automatically (async).
//!
//! ```sh
//! # Against Alibaba Cloud:
//! ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=... ALIBABA_CLOUD_ROLE_ARN=acs:ram::...:role/... \
//!     cargo run -p alibabacloud-credentials-examples --example ram_role_arn
//! # Against the embedded STS emulator, no account needed:
//! cargo run -p alibabacloud-credentials-examples --example ram_role_arn -- --emulator
//! ```

use alibabacloud_credentials_testkit::{Emulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ROLE_ARN};
use alibabacloud_credentials_tokio::{Client, Config, CredentialType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = if std::env::args().any(|a| a == "--emulator") { Some(Emulator::start()?) } else { None };
    let mut config = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .role_session_name("ram-role-arn-example")
        .role_session_expiration(3600u64)
        // Optional: a narrower inline policy; spaces are signed correctly.
        .policy(r#"{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}"#);
    if let Some(emu) = &emulator {
        config = config
            .access_key_id(DEMO_ACCESS_KEY_ID)
            .access_key_secret(DEMO_ACCESS_KEY_SECRET)
            .role_arn(DEMO_ROLE_ARN)
            .sts_endpoint(emu.url());
    }
    // Build once and share: clones use one cache, so STS sees one AssumeRole per credential.
    let client = Client::new(config.build())?;
    let credential = client.get().await?;
    println!("{credential}");
    let again = client.get().await?;
    println!("second get served from the cache: {}", again.ptr_eq(&credential));
    Ok(())
}
