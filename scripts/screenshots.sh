#!/usr/bin/env bash
# Refreshes the screenshots of `alertctl serve` in docs/screenshots/: runs the browser
# end-to-end test (tests/serve_e2e.rs, headless Chromium on a copy of the bundled
# example), which saves a PNG of each main page on its way when ALERTCTL_SCREENSHOTS
# is set. Needs Debian's chromium and chromium-driver (scripts/test.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
ALERTCTL_SCREENSHOTS="$PWD/docs/screenshots" cargo test --locked --test serve_e2e
ls -l docs/screenshots
