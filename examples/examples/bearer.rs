//! Way 8 of the guide: a bearer token (only Cloud Call Center accepts them).
//!
//! ```sh
//! BEARER_TOKEN=... cargo run -p alibabacloud-credentials-examples --example bearer
//! ```

use alibabacloud_credentials_blocking::{Client, Config, CredentialType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("BEARER_TOKEN").unwrap_or_default();
    let client = Client::new(Config::builder().credential_type(CredentialType::Bearer).bearer_token(token).build())?;
    let credential = client.get()?;
    println!("{} (bearer token: {} bytes)", credential.provider_name(), credential.bearer_token().map_or(0, str::len));
    Ok(())
}
