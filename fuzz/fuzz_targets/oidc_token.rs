//! `source::OidcRoleArnSource` driven through its fetches, the token file read and every STS
//! request answered from the input; see `checks::check_oidc_token`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = alibabacloud_credentials_fuzz::checks::check_oidc_token(data);
});
