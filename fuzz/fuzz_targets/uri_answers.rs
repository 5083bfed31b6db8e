//! `source::CredentialsUriSource` driven through its fetches, every GET answered from the
//! input; see `checks::check_uri_answers`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = alibabacloud_credentials_fuzz::checks::check_uri_answers(data);
});
