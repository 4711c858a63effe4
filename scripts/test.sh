#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the real Prometheus tools
# (promtool, prometheus, alertmanager, amtool, vmalert) into .tools/ when missing,
# then runs every test against them. Tests needing a tool fail (never skip) without it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-tools.sh
# The TLS test makes its certificates with openssl.
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl; }
# The serve end-to-end test drives Debian's headless Chromium through chromedriver.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
# The pre-commit test runs the real pre-commit from PyPI, in a venv of its own.
if [ ! -x .tools/venv/bin/pre-commit ]; then
  python3 -m venv .tools/venv 2>/dev/null ||
    { apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv .tools/venv; }
  .tools/venv/bin/pip install -q 'pre-commit>=3.2,<5'
fi
# shellcheck source=scripts/lib-tools.sh
. scripts/lib-tools.sh
export ALERTCTL_PROMTOOL="$ALERTCTL_TOOLS_BIN/promtool"
export ALERTCTL_REQUIRE_TOOLS=1

cargo test --all-targets --locked "$@"
