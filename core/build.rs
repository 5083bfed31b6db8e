//! Captures what the User-Agent reports (rustc version, target OS and architecture) at build time,
//! so the sans-IO core never has to query its environment at run time.
use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_else(|_| "unknown".to_owned());
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=ALICRED_RUSTC_VERSION={version}");
    println!("cargo:rustc-env=ALICRED_TARGET_OS={os}");
    println!("cargo:rustc-env=ALICRED_TARGET_ARCH={arch}");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
