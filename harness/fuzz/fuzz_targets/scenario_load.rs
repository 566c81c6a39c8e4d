//! Fuzz the scenario loader: any text is either refused with located diagnostics or becomes a
//! scenario every router of which has a daemon-neutral spec. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match vrlab::scenario::parse(Path::new("fuzz.toml"), text) {
        Ok(scn) => {
            for r in scn.routers() {
                let _ = vrlab::run::router_spec(&scn, &r.name);
            }
        }
        Err(e) => {
            assert!(!e.diagnostics.is_empty(), "a refusal says why");
            let _ = e.to_string();
        }
    }
});
