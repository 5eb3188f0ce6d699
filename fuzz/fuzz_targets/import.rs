//! Arbitrary bytes into the notice importer: it must answer, never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = motesskylt_core::kallelse::read_bytes(data);
});
