#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mm_server::fuzzing::tax_csv(data));
