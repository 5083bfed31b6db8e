//! Way 7 of the guide: credentials served by a URI (`{"Code": "Success", "AccessKeyId", ...}`).
//!
//! ```sh
//! ALIBABA_CLOUD_CREDENTIALS_URI=http://127.0.0.1:8080/credentials \
//!     cargo run -p alibabacloud-credentials-examples --example credentials_uri
//! cargo run -p alibabacloud-credentials-examples --example credentials_uri -- --emulator
//! ```

use alibabacloud_credentials_blocking::{Client, Config, CredentialType};
use alibabacloud_credentials_testkit::Emulator;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = if std::env::args().any(|a| a == "--emulator") { Some(Emulator::start()?) } else { None };
    let mut config = Config::builder().credential_type(CredentialType::CredentialsUri);
    if let Some(emu) = &emulator {
        config = config.credentials_uri(emu.credentials_uri());
    }
    let client = Client::new(config.build())?;
    println!("{}", client.get()?);
    Ok(())
}
