//! Way 2 of the guide: a permanent AccessKey (prefer a RAM user's key with least privilege).
//!
//! ```sh
//! ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=... \
//!     cargo run -p alibabacloud-credentials-examples --example access_key
//! ```

use alibabacloud_credentials_blocking::{Client, Config, CredentialType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // With the id and secret unset in the config, the client reads ALIBABA_CLOUD_ACCESS_KEY_ID and
    // ALIBABA_CLOUD_ACCESS_KEY_SECRET, as the official SDKs do.
    let client = Client::new(Config::builder().credential_type(CredentialType::AccessKey).build())?;
    let credential = client.get()?;
    // Display never shows secrets; the key id is masked.
    println!("{credential}");
    Ok(())
}
