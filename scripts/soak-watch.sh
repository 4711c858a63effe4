#!/usr/bin/env bash
# RSS soak of `alertctl watch`: a bounded loop of syncs of the bundled example
# (examples/node-estate, Alertmanager part included) against a real Prometheus, each a
# real deployment: the web group's HighCPU threshold flips between 90 and 91, so every
# sync validates with promtool and amtool, writes, reloads and verifies. The watch's
# RSS and open file descriptors are sampled every 50 syncs.
#
# Usage: scripts/soak-watch.sh [SYNCS]        (default 1000; about 15 minutes on 2 cores)
#
# Not part of scripts/test.sh (too long) and not a timed assertion: it fails only if a
# sync fails or does not come, or if the RSS after the last sync exceeds the RSS after
# the first 100 by more than SOAK_MAX_GROWTH_PCT percent (default 25), which a leak of
# a few KB per sync would. Results (a markdown table) go to $SOAK_DIR/results.md;
# docs/performance.md has the latest.
#
# Environment:
#   SOAK_DIR      work directory (default: target/soak; removed and re-created)
#   SOAK_PROFILE  debug (default) or release: which build of alertctl runs
#   SOAK_MAX_GROWTH_PCT   see above
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

syncs=${1:-1000}
profile=${SOAK_PROFILE:-debug}
work=${SOAK_DIR:-$repo/target/soak}
max_growth=${SOAK_MAX_GROWTH_PCT:-25}

scripts/install-tools.sh >/dev/null
# shellcheck source=scripts/lib-tools.sh
. scripts/lib-tools.sh
if [ "$profile" = release ]; then
  cargo build --locked -q --release --bin alertctl
else
  cargo build --locked -q --bin alertctl
fi
alertctl=$repo/target/$profile/alertctl

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rm -rf "$work"
mkdir -p "$work/rules"
prom_pid= watch_pid=
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
  [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  # The history database and Prometheus' TSDB are the only large files.
  rm -rf "$work/prometheus" "$work/rules/.alertctl"
}
trap cleanup EXIT

# The example's sources (not its cache or rendered files).
(cd examples/node-estate && tar cf - --exclude=.alertctl --exclude=rendered .) | (cd "$work/rules" && tar xf -)
prom_port=$(free_port)
watch_port=$(free_port)
mkdir -p "$work/rules/rendered" "$work/prometheus"
cat >"$work/prometheus/prometheus.yml" <<EOF
global: {scrape_interval: 15s, evaluation_interval: 15s}
rule_files: ['$work/rules/rendered/*.yml']
EOF
prometheus --config.file="$work/prometheus/prometheus.yml" \
  --storage.tsdb.path="$work/prometheus/data" \
  --web.listen-address="127.0.0.1:$prom_port" --web.enable-lifecycle \
  >"$work/prometheus.log" 2>&1 &
prom_pid=$!
cat >>"$work/rules/alertctl.toml" <<EOF

[apply]
verify_timeout = "30s"

[[prometheus]]
name = "soak"
url = "http://127.0.0.1:$prom_port"
EOF
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null && break; sleep 0.2; done

# The example's Alertmanager config takes two secrets from the environment.
PAGERDUTY_SRE_KEY=soak-key SLACK_WEB_URL=http://127.0.0.1:9/slack \
  "$alertctl" -C "$work/rules" watch --listen "127.0.0.1:$watch_port" \
  --every 1h --debounce 50ms --log-format json 2>"$work/watch.log" &
watch_pid=$!

metrics() { curl -sf "http://127.0.0.1:$watch_port/metrics"; }
# Syncs so far; fails the soak on any that did not succeed.
count_syncs() {
  local page
  page=$(metrics) || { echo 0; return; }
  if grep -E '^alertctl_watch_syncs_total\{result="(failed|invalid|rolled-back|rollback-unverified)"' <<<"$page" >&2; then
    echo "a sync failed; see $work/watch.log" >&2
    exit 1
  fi
  awk '/^alertctl_watch_syncs_total\{/ { n += $2 } END { print n + 0 }' <<<"$page"
}
wait_syncs() {
  local want=$1 start=$SECONDS
  while [ "$(count_syncs)" -lt "$want" ]; do
    if [ $((SECONDS - start)) -gt 120 ]; then
      echo "sync $want did not come within 120 s; see $work/watch.log" >&2
      exit 1
    fi
    sleep 0.02
  done
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$watch_pid/status"; }
fds() { ls "/proc/$watch_pid/fd" | wc -l; }

wait_syncs 1
web=$work/rules/rules/teams/web.yaml
results=$work/results.md
{
  echo "| syncs | RSS (MiB) | open fds | elapsed (s) |"
  echo "|---:|---:|---:|---:|"
} >"$results"
sample() { printf '| %d | %s | %d | %d |\n' "$1" "$(awk -v k="$(rss_kb)" 'BEGIN { printf "%.1f", k / 1024 }')" "$(fds)" "$((SECONDS - t0))" | tee -a "$results"; }

t0=$SECONDS
sample 1
rss_100=
for i in $(seq 1 "$syncs"); do
  if [ $((i % 2)) -eq 1 ]; then v=91; else v=90; fi
  sed -i "0,/threshold: [0-9]*/s//threshold: $v/" "$web"
  wait_syncs $((i + 1))
  if [ $((i % 50)) -eq 0 ]; then sample "$((i + 1))"; fi
  if [ "$i" -eq 100 ]; then rss_100=$(rss_kb); fi
done
rss_end=$(rss_kb)
applied=$(metrics | awk '/^alertctl_watch_syncs_total\{result="applied"/ { n += $2 } END { print n + 0 }')
reloads=$(grep -c 'Completed loading of configuration file' "$work/prometheus.log" || true)
{
  echo
  echo "- $((syncs + 1)) syncs ($applied applied), $reloads Prometheus config loads, in $((SECONDS - t0)) s; alertctl $profile build"
  if [ -n "$rss_100" ]; then
    echo "- RSS after sync 101: $((rss_100 / 1024)) MiB; after the last: $((rss_end / 1024)) MiB ($(( (rss_end - rss_100) * 100 / rss_100 ))%)"
  fi
} | tee -a "$results"
if [ -n "$rss_100" ] && [ $(( (rss_end - rss_100) * 100 )) -gt $(( rss_100 * max_growth )) ]; then
  echo "RSS grew by more than $max_growth% between sync 101 and the end" >&2
  exit 1
fi
echo "results: $results"
