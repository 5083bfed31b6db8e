//! `config::ini_profile_source` on arbitrary bytes as the ini credentials file, with several
//! section selections, each built source driven through one fetch; see `checks::check_ini`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = alibabacloud_credentials_fuzz::checks::check_ini(data);
});
