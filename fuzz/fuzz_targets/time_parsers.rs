//! `time::parse_expiration` and `time::parse_http_date` on arbitrary text, with round trips;
//! see `checks::check_time`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = alibabacloud_credentials_fuzz::checks::check_time(data);
});
