//! Fuzz `vrlab check FILE`: any bytes, as a capture file, are judged or refused with a
//! reason; the reader, the decoder and every check run on whatever decodes. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static FILE: OnceLock<std::path::PathBuf> = OnceLock::new();
    let path = FILE.get_or_init(|| {
        std::env::temp_dir().join(format!("vrlab-fuzz-{}.pcapng", std::process::id()))
    });
    std::fs::write(path, data).expect("writing the input");
    let _ = vrlab::checks::judge_capture(path, &vrlab::checks::CaptureHints::default());
});
