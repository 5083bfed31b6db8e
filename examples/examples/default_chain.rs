//! Way 1 of the guide: the default credential chain (environment, OIDC environment, aliyun CLI
//! profile, ini profile, ECS instance RAM role, credentials URI).
//!
//! ```sh
//! cargo run -p alibabacloud-credentials-examples --example default_chain
//! ```

use alibabacloud_credentials_blocking::Client;

fn main() {
    let client = match Client::default_chain() {
        Ok(c) => c,
        Err(e) => return eprintln!("{e}"),
    };
    match client.get() {
        // `default/<source>` says which link of the chain answered.
        Ok(credential) => println!("{credential}"),
        // With nothing configured, the error lists every source tried and why it was skipped.
        Err(e) => eprintln!("{e}"),
    }
}
