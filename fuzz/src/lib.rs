//! Fuzz targets for `alibabacloud-credentials-core`: see `README.md`. The invariants live in
//! [`checks`], which `core/tests/fuzz_seeds.rs` also compiles so the seeds run on stable.

pub mod checks;
