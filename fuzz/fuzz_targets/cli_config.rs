//! `config::cli_profile_source` on arbitrary bytes as the aliyun CLI's `config.json`, with
//! several profile selections, each built source driven through one fetch; see
//! `checks::check_cli_config`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = alibabacloud_credentials_fuzz::checks::check_cli_config(data);
});
