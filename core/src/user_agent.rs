//! The `User-Agent` header, in the official SDKs' format.

/// `AlibabaCloud (<os>; <arch>) Rust/<rustc version> Credentials/<crate version> TeaDSL/1`.
pub fn user_agent() -> &'static str {
    concat!(
        "AlibabaCloud (",
        env!("ALICRED_TARGET_OS"),
        "; ",
        env!("ALICRED_TARGET_ARCH"),
        ") Rust/",
        env!("ALICRED_RUSTC_VERSION"),
        " Credentials/",
        env!("CARGO_PKG_VERSION"),
        " TeaDSL/1"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn format() {
        let ua = super::user_agent();
        assert!(ua.starts_with("AlibabaCloud ("), "{ua}");
        assert!(ua.contains(") Rust/") && ua.contains(" Credentials/0.") && ua.ends_with(" TeaDSL/1"), "{ua}");
    }
}
