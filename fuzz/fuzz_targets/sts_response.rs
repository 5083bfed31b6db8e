//! `sts::parse_response` on a response built from `status\ndate\nbody`; see
//! `checks::check_sts_response`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = alibabacloud_credentials_fuzz::checks::check_sts_response(data);
});
