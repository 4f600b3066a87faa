#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mm_protocol::fuzzing::ics(data));
