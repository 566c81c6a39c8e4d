#!/usr/bin/env bash
# The main job: the scenario suite against one daemon (default keepalived), leaving one run
# directory per scenario under runs/. Usage: ci/suite.sh [DAEMON]
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
cargo build --release -p vrlab --quiet
./target/release/vrlab run scenarios/*.toml scenarios/field/*.toml --daemon "${1:-keepalived}" --out runs
