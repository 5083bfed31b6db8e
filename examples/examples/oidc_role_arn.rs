//! Way 6 of the guide: `AssumeRoleWithOIDC` with a token file (ACK RRSA).
//!
//! ```sh
//! # In a pod with RRSA (ALIBABA_CLOUD_ROLE_ARN, _OIDC_PROVIDER_ARN, _OIDC_TOKEN_FILE set):
//! cargo run -p alibabacloud-credentials-examples --example oidc_role_arn
//! # Against the embedded STS emulator:
//! cargo run -p alibabacloud-credentials-examples --example oidc_role_arn -- --emulator
//! ```

use alibabacloud_credentials_testkit::{Emulator, DEMO_ROLE_ARN};
use alibabacloud_credentials_tokio::{Client, Config, CredentialType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = if std::env::args().any(|a| a == "--emulator") { Some(Emulator::start()?) } else { None };
    let mut config = Config::builder().credential_type(CredentialType::OidcRoleArn).role_session_name("oidc-example");
    if let Some(emu) = &emulator {
        let token = std::env::temp_dir().join(format!("oidc-example-token-{}", std::process::id()));
        std::fs::write(&token, "example-oidc-token")?;
        emu.sts().add_oidc_token("example-oidc-token");
        config = config
            .role_arn(DEMO_ROLE_ARN)
            .oidc_provider_arn("acs:ram::1234567890123456:oidc-provider/example")
            .oidc_token_file_path(token.to_string_lossy().into_owned())
            .sts_endpoint(emu.url());
    }
    // The token file is re-read on every refresh: the kubelet rotates it.
    let client = Client::new(config.build())?;
    println!("{}", client.get().await?);
    Ok(())
}
