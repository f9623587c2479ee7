//! The IDX parser on arbitrary bytes (see `idx_case` in ../cases.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../cases.rs");

fuzz_target!(|data: &[u8]| idx_case(data));
