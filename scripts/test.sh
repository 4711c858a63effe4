#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the real Prometheus tools
# (promtool, prometheus, alertmanager, amtool, vmalert) into .tools/ when missing,
# then runs every test against them. Tests needing a tool fail (never skip) without it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-tools.sh
# The TLS test makes its certificates with openssl.
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl; }
# shellcheck source=scripts/lib-tools.sh
. scripts/lib-tools.sh
export ALERTCTL_PROMTOOL="$ALERTCTL_TOOLS_BIN/promtool"
export ALERTCTL_REQUIRE_TOOLS=1

cargo test --all-targets --locked "$@"
