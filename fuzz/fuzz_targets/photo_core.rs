#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mm_core::fuzzing::photo_core(data));
