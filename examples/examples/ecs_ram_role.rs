//! Way 5 of the guide: the ECS instance RAM role, from instance metadata (IMDSv2 first).
//!
//! ```sh
//! # On an ECS instance with a RAM role:
//! cargo run -p alibabacloud-credentials-examples --example ecs_ram_role
//! # Anywhere, against the embedded metadata emulator:
//! cargo run -p alibabacloud-credentials-examples --example ecs_ram_role -- --emulator
//! ```

use alibabacloud_credentials_blocking::{Client, Config, CredentialType};
use alibabacloud_credentials_testkit::Emulator;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = if std::env::args().any(|a| a == "--emulator") { Some(Emulator::start()?) } else { None };
    let mut config = Config::builder()
        .credential_type(CredentialType::EcsRamRole)
        // Optional: the role name saves one metadata request (else ALIBABA_CLOUD_ECS_METADATA, else discovered).
        // .role_name("MyEcsRole")
        // Only IMDSv2 (hardened mode); the default falls back to IMDSv1 when v2 fails.
        .disable_imds_v1(false);
    if let Some(emu) = &emulator {
        config = config.metadata_endpoint(emu.url());
    }
    let client = Client::new(config.build())?;
    println!("{}", client.get()?);
    Ok(())
}
