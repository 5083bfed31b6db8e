//! `Config::from_json` on arbitrary text, then `source_from_config` with an empty and a
//! populated environment, then one fetch; see `checks::check_config_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = alibabacloud_credentials_fuzz::checks::check_config_json(data);
});
