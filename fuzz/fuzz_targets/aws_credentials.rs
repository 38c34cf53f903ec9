#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lifeboat_fuzz::aws_credentials(data));
