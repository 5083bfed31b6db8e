//! Way 3 of the guide: a fixed STS token (never refreshed; it expires when STS said it would).
//!
//! ```sh
//! ALIBABA_CLOUD_ACCESS_KEY_ID=STS.... ALIBABA_CLOUD_ACCESS_KEY_SECRET=... ALIBABA_CLOUD_SECURITY_TOKEN=... \
//!     cargo run -p alibabacloud-credentials-examples --example sts_token
//! ```

use alibabacloud_credentials_blocking::{Client, Config, CredentialType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new(Config::builder().credential_type(CredentialType::Sts).build())?;
    let credential = client.get()?;
    println!("{credential} (security token: {} bytes)", credential.security_token().map_or(0, str::len));
    Ok(())
}
