//! The SVG timeline as a person sees it: a recorded run (captures/runs) judged with
//! `vrlab check RUN_DIR --svg FILE`, drawn by a real headless browser (Debian's chromium),
//! and the screenshot read back: the masters' tenures and the failed checks are on it.
//!
//! Needs chromium (ci/install-deps.sh installs it); ignored without it, a failure under
//! CI=true (support/need.rs).

use std::path::Path;
use std::process::Command;

#[path = "support/need.rs"]
mod need;

const CHROMIUM: need::Need = need::Need::Program {
    name: "chromium",
    package: "chromium",
};

fn main() -> std::process::ExitCode {
    need::run(vec![
        need::trial(
            "a_browser_draws_the_timeline_of_a_recorded_run",
            &[CHROMIUM],
            a_browser_draws_the_timeline_of_a_recorded_run,
        ),
        need::trial(
            "a_browser_shows_the_html_report_offline",
            &[CHROMIUM],
            a_browser_shows_the_html_report_offline,
        ),
    ])
}

/// Headless chromium's screenshot of `url` at `width`×`height`, in `dir`.
fn screenshot(dir: &Path, url: &str, width: u32, height: u32) -> std::path::PathBuf {
    let shot = dir.join("shot.png");
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            // Nothing may come from the network: a proxy nobody listens on.
            "--proxy-server=http://127.0.0.1:9",
        ])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url)
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "chromium made no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    shot
}

/// `report.html` of a recorded run, opened from disk with the network unusable to the
/// browser (a proxy that does not exist): the timeline is drawn and the failed checks' cells
/// are marked — nothing it shows came from elsewhere.
fn a_browser_shows_the_html_report_offline() {
    let run =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/runs/keepalived-crash-and-return");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("check")
        .arg(&run)
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert!(page.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let shot = screenshot(
        dir.path(),
        &format!("file://{}", page.display()),
        1280,
        1400,
    );
    // The timeline's r1 tenures (#2b6cb0) and the FAIL cells (#fed7d7).
    let (r1, fail_cells) = (
        pixels_of(&shot, [0x2b, 0x6c, 0xb0]),
        pixels_of(&shot, [0xfe, 0xd7, 0xd7]),
    );
    assert!(r1 > 500, "the timeline's r1 tenures: {r1} pixels");
    assert!(fail_cells > 500, "FAIL cells: {fail_cells} pixels");
}

/// How many pixels of the screenshot have this colour (RGB, exactly).
fn pixels_of(png_path: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::fs::File::open(png_path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    buf[..info.buffer_size()]
        .chunks(step)
        .filter(|p| p[..3] == rgb)
        .count()
}

fn a_browser_draws_the_timeline_of_a_recorded_run() {
    let run =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/runs/keepalived-crash-and-return");
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("timeline.svg");
    let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("check")
        .arg(&run)
        .arg("--svg")
        .arg(&svg)
        .output()
        .unwrap();
    assert!(svg.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("class=\"tenure\""), "{text}");
    let shot = screenshot(dir.path(), &format!("file://{}", svg.display()), 1170, 400);
    // r1's tenures are drawn in the first colour of the palette (#2b6cb0), r2's in the
    // second (#2f855a); keepalived's known findings of this run are failures here (no
    // --expect): #c53030.
    let (r1, r2, failed) = (
        pixels_of(&shot, [0x2b, 0x6c, 0xb0]),
        pixels_of(&shot, [0x2f, 0x85, 0x5a]),
        pixels_of(&shot, [0xc5, 0x30, 0x30]),
    );
    assert!(r1 > 500, "r1's tenures: {r1} pixels");
    assert!(r2 > 200, "r2's tenures: {r2} pixels");
    assert!(failed > 20, "failed checks: {failed} pixels");
}
