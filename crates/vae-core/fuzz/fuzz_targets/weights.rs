//! The weights loader on arbitrary bytes (see `weights_case` in ../cases.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../cases.rs");

fuzz_target!(|data: &[u8]| {
    weights_case(data);
});
