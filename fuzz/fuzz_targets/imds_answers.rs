//! `source::EcsRamRoleSource` driven through its fetches, every metadata request answered from
//! the input; see `checks::check_imds_answers`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = alibabacloud_credentials_fuzz::checks::check_imds_answers(data);
});
