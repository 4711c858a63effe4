#!/usr/bin/env bash
# Benchmark alertctl on generated estates of three sizes, against promtool.
#
# Usage: scripts/bench.sh [S] [M] [L] [growth] [corpus]   (default: S M L)
#
#   growth   templates growth (issue 11): estates of `gen_estate --size S --templates N`
#            for N in $BENCH_GROWTH (default "10000 100000"; 400 targets, ~3 rules per
#            template): cold validate, cold render and promtool check rules on the same
#            rendered files, warm no-op diff and warm effective TARGET, each also as
#            user and system CPU (growth is read from CPU time: wall time on a shared
#            machine is noisy; GNU time counts it in 10 ms steps, so the warm questions'
#            figures are coarse), peak RSS, ratios to promtool, growth from N to N and
#            that growth divided by the rules' growth (1.00 = linear); runs: 3 up to
#            20k templates, 1 above (BENCH_RUNS_GROWTH sets them)
#   corpus   the real corpus (/work/shared/corpus or $BENCH_CORPUS, 954 community rules):
#            `alertctl import --params` into an estate, then the same figures
#            Both print their own table after the S/M/L one (into $BENCH_DIR/results-extra.md).
#
# What it does, in one run on this machine:
#   1. cargo build --release (alertctl and the gen_estate example);
#   2. scripts/install-tools.sh if .tools/bin/promtool is missing; installs hyperfine
#      and GNU time with apt-get if they are missing (root only; BENCH_NO_APT=1 stops it);
#   3. per size: generates the estate into $BENCH_DIR/<size>/estate (examples/gen_estate.rs),
#      checks it (validate exits 0, render + no-op diff, promtool accepts the output),
#      then measures the median of N runs (hyperfine, or a bash loop without it):
#        validate, cold        rm -rf DIR/.alertctl; alertctl -C DIR validate --promtool off
#        render, cold          aside.sh DIR/.alertctl OUT; alertctl -C DIR render --out OUT
#        render, warm cache, empty out   aside.sh OUT; alertctl -C DIR render --out OUT
#        render, warm          alertctl -C DIR render --out OUT (cache and OUT up to date)
#        diff, warm no-op      alertctl -C DIR diff --out OUT --exit-code (exit 0)
#        effective, warm       alertctl -C DIR effective TARGET --format json
#        questions, warm       trace TARGET, trace TARGET ALERT, effective --group G,
#                              effective --namespace N, list rules --group G (G, N: the
#                              target's; ALERT: one it overrides), each checked to be
#                              answered from the cache index, with its peak RSS
#        serve, effective      GET /api/v1/targets/TARGET/alert-rules/effective of one
#                              `alertctl serve` (curl's time_total, median of 100), and the
#                              same for .../alert-rules/trace (all alerts of TARGET)
#        validate + promtool, warm   alertctl -C DIR validate --promtool required
#        one-file edit + validate + promtool, and one-file edit + diff: on a copy of the
#                              estate, before each run one group rule's threshold is set
#                              to a value not used before (warm cache and verdicts)
#        diff again, render after diff   the same edit and its diff before each run,
#                              then `diff` or `render` (into an output directory of
#                              their own)
#        promtool check rules  promtool check rules OUT/*.yml (all files in one call)
#        impact, one alert changed   alertctl -C COPY impact --out OUT --prometheus URL
#                              --since 24h --step 1m --format json: COPY is the estate with
#                              one group's GoGoroutineCountHigh threshold changed; URL a real
#                              Prometheus (.tools/bin/prometheus) serving 24 h of per-minute
#                              go_goroutines history for that group's targets, built with
#                              promtool tsdb create-blocks-from openmetrics (BENCH_NO_IMPACT=1
#                              skips it)
#      and the peak RSS (GNU time %M, median of 3) of cold validate, warm render and
#      promtool check rules;
#   4. prints a markdown table (figures, alertctl/promtool ratios, growth S->M->L) and
#      writes it to $BENCH_DIR/results.md. Raw hyperfine CSVs are in $BENCH_DIR/<size>/.
#
# "cold" means no alertctl cache (.alertctl/ deleted), not a cold OS page cache: every
# measurement has a warm-up run (--warmup 1) that pulls the files into the page cache.
# Before a cold render the old cache and output are moved aside ($BENCH_DIR/aside.sh),
# not deleted: on an ext4 without a journal (these machines), every file created in the
# minutes after thousands were deleted scans past their inodes in the kernel
# (find_inode_bit -> recently_deleted: 18 % of a cold render's samples on L when its
# 2,041 files had just been deleted). That is a cost of the benchmark's deletion, not of
# rendering. So are an earlier run's estate and output (a reused BENCH_DIR). The
# set-aside copies (on L ~0.3 GB per cold render) are deleted when the script ends.
#
# Environment:
#   BENCH_DIR        work directory (default: target/bench under the repository)
#   BENCH_RUNS_S     runs per measurement for S (default 10); also _M (5) and _L (3)
#   BENCH_WARMUP     warm-up runs (default 1)
#   BENCH_SEED       generator seed (default 42)
#   BENCH_NO_APT=1   never apt-get install hyperfine or time
#   BENCH_REV=REV    benchmark commit REV (e.g. HEAD) instead of the working tree: builds
#                    a copy of its tree in $BENCH_DIR/src (target dir $BENCH_DIR/target)
#   BENCH_NO_BUILD=1 skip cargo build; benchmark the binaries already in target/release
#   BENCH_ONLY=impact  only the impact case (after the estate's generation and checks)
#   BENCH_ONLY=serve   only the serve case (effective and trace routes), likewise;
#                    BENCH_ONLY=queries,serve runs both
#   BENCH_ONLY=queries only the warm questions (trace TARGET [ALERT], effective --group /
#                    --namespace, list rules --group; wall time and peak RSS), likewise
#   BENCH_ONLY=edit    only the edit loop: warm no-op diff, one-file edit + diff (and the
#                    diff again, the render after it), one-file edit + validate with
#                    promtool, and promtool check rules, likewise
#   BENCH_NO_HYPERFINE=1  time with the bash loop even if hyperfine is installed
#   PROMTOOL         promtool binary (default: .tools/bin/promtool)
#   PROMETHEUS       prometheus binary for the impact case (default: .tools/bin/prometheus)
#
# Runtime on the 2-core project machine: about 6 min for S, M and L, build included (L takes
# most of it; S and M alone about 1 min).
set -euo pipefail

PROG=bench
SCRIPT_DIR=$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(CDPATH='' cd -- "$SCRIPT_DIR/.." && pwd -P)
BENCH_DIR=${BENCH_DIR:-$REPO/target/bench}
WARMUP=${BENCH_WARMUP:-1}
SEED=${BENCH_SEED:-42}
ALERTCTL=$REPO/target/release/alertctl
GEN=$REPO/target/release/examples/gen_estate
PROMTOOL=${PROMTOOL:-$REPO/.tools/bin/promtool}
PROMETHEUS=${PROMETHEUS:-$REPO/.tools/bin/prometheus}
PROM_PID=""
cleanup() {
  rm -rf "$BENCH_DIR/aside"
  [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
  true
}
trap cleanup EXIT

log() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

SIZES=()
EXTRAS=()
for a in "$@"; do
  case "$a" in
    S|s|M|m|L|l) SIZES+=("$(echo "$a" | tr '[:lower:]' '[:upper:]')") ;;
    growth|corpus) EXTRAS+=("$a") ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $a (sizes are S, M, L; see --help)" ;;
  esac
done
[ ${#SIZES[@]} -gt 0 ] || [ ${#EXTRAS[@]} -gt 0 ] || SIZES=(S M L)
# Keep S M L order, drop repeats.
ordered=()
for s in S M L; do
  for t in "${SIZES[@]}"; do [ "$s" = "$t" ] && { ordered+=("$s"); break; }; done
done
SIZES=("${ordered[@]}")

runs_for() {
  case "$1" in
    S) echo "${BENCH_RUNS_S:-10}" ;;
    M) echo "${BENCH_RUNS_M:-5}" ;;
    L) echo "${BENCH_RUNS_L:-3}" ;;
  esac
}

# hyperfine -N splits command lines on whitespace.
case "$BENCH_DIR$REPO$PROMTOOL" in
  *[[:space:]]*) die "BENCH_DIR, the repository path and PROMTOOL must not contain whitespace" ;;
esac

T_START=$(date +%s)

# ------------------------------------------------------------------ tools
APT_UPDATED=0
apt_install() { # package
  [ "${BENCH_NO_APT:-0}" = 1 ] && return 1
  [ "$(id -u)" = 0 ] || return 1
  command -v apt-get >/dev/null 2>&1 || return 1
  log "installing $1 with apt-get"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1; then
    [ "$APT_UPDATED" = 1 ] && return 1
    APT_UPDATED=1
    apt-get update -q >/dev/null 2>&1 || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1 || return 1
  fi
}

SRC_DESC=""
if [ -n "${BENCH_REV:-}" ]; then
  # Build a committed revision in a copy of its tree: the working tree (which may be
  # mid-edit) is not used, and target/release is left alone.
  rev=$(git -C "$REPO" rev-parse --verify "${BENCH_REV}^{commit}") || die "BENCH_REV=$BENCH_REV is not a commit"
  src=$BENCH_DIR/src
  log "building $BENCH_REV (${rev:0:12}) from a copy of its tree in $src"
  rm -rf "$src" && mkdir -p "$src/examples"
  git -C "$REPO" archive "$rev" | tar -x -C "$src" || die "git archive $rev failed"
  # The generator comes from the working tree (it need not be committed yet).
  cp "$REPO/examples/gen_estate.rs" "$src/examples/gen_estate.rs"
  (cd "$src" && cargo build --release --quiet --target-dir "$BENCH_DIR/target" --bin alertctl --example gen_estate) ||
    die "cargo build of $BENCH_REV failed"
  ALERTCTL=$BENCH_DIR/target/release/alertctl
  GEN=$BENCH_DIR/target/release/examples/gen_estate
  SRC_DESC="commit ${rev:0:12} ($BENCH_REV, built from a clean copy)"
elif [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
  if [ ! -x "$ALERTCTL" ] || [ ! -x "$GEN" ]; then
    die "BENCH_NO_BUILD=1 but $ALERTCTL or $GEN is missing"
  fi
  log "BENCH_NO_BUILD=1: using the existing $ALERTCTL (built $(date -r "$ALERTCTL" '+%F %T'))"
  SRC_DESC="existing target/release binary built $(date -r "$ALERTCTL" '+%F %T') (BENCH_NO_BUILD=1)"
else
  log "building (cargo build --release --bin alertctl --example gen_estate)"
  (cd "$REPO" && cargo build --release --quiet --bin alertctl --example gen_estate) ||
    die "cargo build failed (BENCH_REV=HEAD builds the last commit instead; BENCH_NO_BUILD=1 uses target/release as it is)"
fi

if [ ! -x "$PROMTOOL" ]; then
  log "promtool not found at $PROMTOOL: running scripts/install-tools.sh"
  "$REPO/scripts/install-tools.sh" -q >&2 || die "scripts/install-tools.sh failed"
  [ -x "$PROMTOOL" ] || die "no promtool at $PROMTOOL after install-tools.sh"
fi

HAVE_HYPERFINE=0
if [ "${BENCH_NO_HYPERFINE:-0}" = 1 ]; then
  :
elif command -v hyperfine >/dev/null 2>&1 || apt_install hyperfine; then
  command -v hyperfine >/dev/null 2>&1 && HAVE_HYPERFINE=1
fi
[ "$HAVE_HYPERFINE" = 1 ] || log "hyperfine not available: timing with a bash loop (date +%s%N)"

GNU_TIME=/usr/bin/time
if ! "$GNU_TIME" -f %M true >/dev/null 2>&1; then
  apt_install time || true
  "$GNU_TIME" -f %M true >/dev/null 2>&1 || { GNU_TIME=""; log "GNU time not available: no peak RSS figures"; }
fi

# ------------------------------------------------------------------ measuring
declare -A MED=()   # "SIZE:key" -> median seconds (or KB for rss_*)
declare -A INFO=()  # "SIZE:key" -> estate facts
CMDS=()             # one line per measured command, for results.md

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print a[(NR + 1) / 2]; else printf "%.9g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# measure SIZE KEY RUNS PREPARE(or "") CMD...   (CMD is run without a shell)
measure() {
  local size=$1 key=$2 runs=$3 prep=$4
  shift 4
  local sdir=$BENCH_DIR/$size
  local cmdline="$*"
  CMDS+=("$size $key: ${prep:+$prep; }${SHOW:-$cmdline}")
  log "$size $key ($runs runs): ${SHOW:-$cmdline}"
  if [ "$HAVE_HYPERFINE" = 1 ]; then
    local args=(-N --style basic --runs "$runs" --warmup "$WARMUP" --export-csv "$sdir/$key.csv" -n "$key")
    [ -n "$prep" ] && args+=(--prepare "$prep")
    hyperfine "${args[@]}" -- "$cmdline" >>"$sdir/hyperfine.log" 2>&1 ||
      die "$size $key failed (see $sdir/hyperfine.log): $cmdline"
    MED[$size:$key]=$(awk -F, 'NR == 2 { print $4 }' "$sdir/$key.csv")
    # hyperfine's user and system CPU are means (its CSV has no median of them).
    MED[$size:$key:user]=$(awk -F, 'NR == 2 { print $5 }' "$sdir/$key.csv")
    MED[$size:$key:sys]=$(awk -F, 'NR == 2 { print $6 }' "$sdir/$key.csv")
  else
    local i t0 t1 times=() users=() syss=() run=("$@")
    # GNU time (when installed) gives the user and system CPU of the same runs.
    [ -n "$GNU_TIME" ] && run=("$GNU_TIME" -f "%U %S" -o "$sdir/$key.user1" "$@")
    for ((i = 0; i < WARMUP + runs; i++)); do
      [ -n "$prep" ] && $prep
      t0=$(date +%s%N)
      "${run[@]}" >/dev/null 2>&1 || die "$size $key failed: $cmdline"
      t1=$(date +%s%N)
      [ "$i" -ge "$WARMUP" ] || continue
      times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')")
      if [ -n "$GNU_TIME" ]; then
        users+=("$(tail -n 1 "$sdir/$key.user1" | awk '{ print $1 }')")
        syss+=("$(tail -n 1 "$sdir/$key.user1" | awk '{ print $2 }')")
      fi
    done
    MED[$size:$key]=$(printf '%s\n' "${times[@]}" | median)
    printf '%s\n' "${times[@]}" >"$sdir/$key.times"
    if [ ${#users[@]} -gt 0 ]; then
      MED[$size:$key:user]=$(printf '%s\n' "${users[@]}" | median)
      MED[$size:$key:sys]=$(printf '%s\n' "${syss[@]}" | median)
      printf '%s\n' "${users[@]}" >"$sdir/$key.user"
      printf '%s\n' "${syss[@]}" >"$sdir/$key.sys"
    fi
    rm -f "$sdir/$key.user1"
  fi
}

# rss SIZE KEY PREPARE(or "") CMD...: median of 3 peak RSS (KB)
rss() {
  local size=$1 key=$2 prep=$3
  shift 3
  [ -n "$GNU_TIME" ] || return 0
  local i kb=() f=$BENCH_DIR/$size/$key.rss
  CMDS+=("$size $key: ${prep:+$prep; }$GNU_TIME -f %M ${SHOW:-$*}")
  for i in 1 2 3; do
    [ -n "$prep" ] && $prep
    "$GNU_TIME" -f %M -o "$f" "$@" >/dev/null 2>&1 || die "$size $key failed: $*"
    kb+=("$(tail -n 1 "$f")")
  done
  MED[$size:$key]=$(printf '%s\n' "${kb[@]}" | median)
}

json_int() { # key (from stdin): first "key": N
  grep -o "\"$1\": *[0-9]*" | awk 'NR == 1' | grep -o '[0-9]*$'
}

# group_rule ESTATE: "FILE GROUP" of the first group rule of GoGoroutineCountHigh in a
# namespace that does not switch it off.
group_rule() {
  python3 - "$1/rules" <<'PY'
import os, sys
root = sys.argv[1]
def blocks(path):
    """Each `- template: GoGoroutineCountHigh` item of a rules file, as its lines."""
    lines = open(path).read().split("\n")
    for i, l in enumerate(lines):
        if l.strip() == "- template: GoGoroutineCountHigh":
            j = i + 1
            while j < len(lines) and lines[j].startswith("  "):
                j += 1
            yield [x.strip() for x in lines[i + 1:j]]
for d, _, files in sorted(os.walk(os.path.join(root, "groups"))):
    ns = os.path.basename(d)
    nsfile = os.path.join(root, "namespaces", ns + ".yaml")
    if os.path.exists(nsfile) and any("enabled: false" in b for b in blocks(nsfile)):
        continue
    for f in sorted(files):
        for b in blocks(os.path.join(d, f)):
            if b and b[0].startswith("scope: group/") and "enabled: false" not in b:
                print(os.path.join(d, f), b[0][len("scope: group/"):])
                sys.exit(0)
PY
}

# set_threshold FILE GROUP VALUE: that rule's threshold param, set to VALUE.
set_threshold() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, group, value = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path).read().split("\n")
for i, l in enumerate(lines):
    if l.strip() == "- template: GoGoroutineCountHigh" and lines[i + 1].strip() == f"scope: group/{group}":
        j = i + 2
        while j < len(lines) and lines[j].startswith("  ") and not lines[j].strip().startswith("params:"):
            j += 1
        if j < len(lines) and lines[j].strip().startswith("params:"):
            lines[j] = "  params: { threshold: %s }" % value
        else:
            lines.insert(i + 2, "  params: { threshold: %s }" % value)
        break
else:
    sys.exit(1)
open(path, "w").write("\n".join(lines))
PY
}

bench_size() {
  local size=$1 runs
  runs=$(runs_for "$size")
  local sdir=$BENCH_DIR/$size
  local est=$sdir/estate out=$sdir/out
  mkdir -p "$sdir"
  rm -f "$sdir"/*.csv "$sdir"/*.times "$sdir"/*.user "$sdir"/*.sys "$sdir"/*.rss "$sdir/hyperfine.log"

  log "$size: generating estate into $est"
  "$ASIDE" "$out" "$est"
  "$GEN" --size "$size" --seed "$SEED" --out "$est" --force >"$sdir/gen.log" ||
    die "gen_estate failed for $size"
  cat "$sdir/gen.log" >&2

  # Sanity checks (also fill cache and OUT, so that the warm figures start warm).
  local vjson rc=0
  vjson=$("$ALERTCTL" -C "$est" --no-cache validate --promtool off --format json) || rc=$?
  [ "$rc" = 0 ] || { printf "%s\n" "$vjson" | sed -n 1,40p >&2; die "$size: validate exited $rc"; }
  INFO[$size:files]=$(echo "$vjson" | json_int files)
  INFO[$size:templates]=$(echo "$vjson" | json_int templates)
  INFO[$size:rules]=$(echo "$vjson" | json_int rules)
  INFO[$size:rendered_files]=$(echo "$vjson" | json_int rendered_files)
  INFO[$size:rendered_rules]=$(echo "$vjson" | json_int rendered_rules)
  INFO[$size:groups]=$(json_int groups <"$est/estate.json")
  INFO[$size:targets]=$(json_int targets <"$est/estate.json")
  INFO[$size:namespaces]=$(json_int namespaces <"$est/estate.json")
  "$ALERTCTL" -C "$est" render --out "$out" >/dev/null 2>&1 || die "$size: render failed"
  "$ALERTCTL" -C "$est" diff --out "$out" --exit-code >/dev/null 2>&1 ||
    die "$size: diff after render is not a no-op (exit $?)"
  INFO[$size:in_mb]=$(du -sk --exclude=.alertctl "$est" | awk '{ printf "%.1f", $1 / 1024 }')
  INFO[$size:out_mb]=$(du -sk "$out" | awk '{ printf "%.1f", $1 / 1024 }')
  local files=("$out"/*.yml)
  "$PROMTOOL" check rules "${files[@]}" >"$sdir/promtool.log" 2>&1 ||
    die "$size: promtool check rules rejected the rendered output (see $sdir/promtool.log)"
  local target
  target=$(grep -rhoE 'scope: target/[^ ]+' "$est/rules" | sed 's/^scope: target\///' | LC_ALL=C sort | awk 'NR == 1')
  [ -n "$target" ] || target=$(grep -rhoE '^ +- [^ ]+:9100' "$est/inventory" | sed 's/^ *- //' | LC_ALL=C sort | awk 'NR == 1')
  INFO[$size:target]=$target

  local A=("$ALERTCTL" -C "$est")
  if [ "${BENCH_ONLY:-}" = impact ]; then
    bench_impact "$size" "$runs" "$est" "$out"
    return 0
  fi
  # BENCH_ONLY=queries, =serve, =edit, or several (queries,serve).
  if [ -n "${BENCH_ONLY:-}" ]; then
    case ",$BENCH_ONLY," in *,queries,*) bench_queries "$size" "$runs" "$est" "$target" ;; esac
    case ",$BENCH_ONLY," in *,serve,*) bench_serve "$size" "$est" "$target" ;; esac
    case ",$BENCH_ONLY," in *,edit,*)
      measure "$size" diff_warm "$runs" "" "${A[@]}" diff --out "$out" --exit-code
      bench_edit "$size" "$runs" "$est" "$out"
      SHOW="$PROMTOOL check rules $out/*.yml" \
        measure "$size" promtool "$runs" "" "$PROMTOOL" check rules "${files[@]}"
      ;;
    esac
    return 0
  fi
  measure "$size" validate_cold "$runs" "rm -rf $est/.alertctl" "${A[@]}" validate --promtool off
  measure "$size" render_cold "$runs" "$ASIDE $est/.alertctl $out" "${A[@]}" render --out "$out"
  measure "$size" render_emptyout "$runs" "$ASIDE $out" "${A[@]}" render --out "$out"
  measure "$size" render_warm "$runs" "" "${A[@]}" render --out "$out"
  measure "$size" diff_warm "$runs" "" "${A[@]}" diff --out "$out" --exit-code
  measure "$size" effective_warm "$runs" "" "${A[@]}" effective "$target" --format json
  measure "$size" validate_promtool_warm "$runs" "" env "ALERTCTL_PROMTOOL=$PROMTOOL" "${A[@]}" validate --promtool required
  bench_edit "$size" "$runs" "$est" "$out"
  SHOW="$PROMTOOL check rules $out/*.yml" \
    measure "$size" promtool "$runs" "" "$PROMTOOL" check rules "${files[@]}"

  bench_serve "$size" "$est" "$target"

  rss "$size" rss_validate_cold "rm -rf $est/.alertctl" "${A[@]}" validate --promtool off
  rss "$size" rss_render_warm "" "${A[@]}" render --out "$out"
  SHOW="$PROMTOOL check rules $out/*.yml" \
    rss "$size" rss_promtool "" "$PROMTOOL" check rules "${files[@]}"

  bench_queries "$size" "$runs" "$est" "$target"
  [ "${BENCH_NO_IMPACT:-0}" = 1 ] || bench_impact "$size" "$runs" "$est" "$out"
}

# The edit loop on a copy of the estate (warm cache, promtool's verdicts known): before
# each run, edit.sh sets one group rule's threshold to a value not used before, so one
# rendered file changes and promtool has not seen it.
bench_edit() {
  local size=$1 runs=$2 est=$3 out=$4 sdir=$BENCH_DIR/$1
  local copy=$sdir/estate-edit rule group
  read -r rule group < <(group_rule "$est") || true
  [ -n "${rule:-}" ] || { log "$size: no group rule of GoGoroutineCountHigh: edit loop not measured"; return 0; }
  rm -rf "$copy" && cp -a "$est" "$copy"
  local file=$copy/${rule#"$est"/}
  cat >"$sdir/edit.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
n=\$(( \$(cat "$sdir/edit.count" 2>/dev/null || echo 2000) + 1 ))
echo "\$n" >"$sdir/edit.count"
$(declare -f set_threshold)
set_threshold "$file" "$group" "\$n"
SH
  chmod +x "$sdir/edit.sh"
  rm -f "$sdir/edit.count"
  local E=(env "ALERTCTL_PROMTOOL=$PROMTOOL" "$ALERTCTL" -C "$copy")
  "${E[@]}" validate --promtool required >/dev/null 2>&1 || die "$size: validate of the edit copy failed"
  "$sdir/edit.sh"
  local vjson
  vjson=$("${E[@]}" validate --promtool required --format json) || die "$size: validate after one edit failed"
  INFO[$size:edit_checked]="$(echo "$vjson" | json_int checked) of $(echo "$vjson" | json_int rendered_files)"
  INFO[$size:edit_what]="group/$group GoGoroutineCountHigh threshold"
  measure "$size" validate_promtool_edit "$runs" "$sdir/edit.sh" "${E[@]}" validate --promtool required
  measure "$size" diff_edit "$runs" "$sdir/edit.sh" "${E[@]}" diff --out "$out"
  # The common worst case: a threshold of a global rule, whose alert has rules in
  # `global.yml` (built again, and in it every alert's global rules) and in every file
  # that overrides it.
  local gfile gline
  read -r gfile gline < <(global_rule "$copy") || true
  [ -n "${gfile:-}" ] || { log "$size: no global rule with a threshold: global edit not measured"; return 0; }
  cat >"$sdir/edit-global.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
n=\$(( \$(cat "$sdir/edit.count" 2>/dev/null || echo 2000) + 1 ))
echo "\$n" >"$sdir/edit.count"
sed -i "${gline}s/threshold: [^ }]*/threshold: \$n/" "$gfile"
SH
  chmod +x "$sdir/edit-global.sh"
  INFO[$size:edit_global_what]="${gfile#"$copy"/}:$gline threshold"
  "${E[@]}" diff --out "$out" >/dev/null 2>&1 || true
  measure "$size" diff_edit_global "$runs" "$sdir/edit-global.sh" "${E[@]}" diff --out "$out"
  # What follows an edit's diff: the diff again (nothing changed since), or the render
  # that writes it. Into an output directory of their own: the render writes.
  local loop=$sdir/out-loop
  rm -rf "$loop" && cp -a "$out" "$loop"
  # As the edit copy renders it (with the global edits above): each run's diff is the
  # one-file edit's.
  "${E[@]}" render --out "$loop" >/dev/null 2>&1 || die "$size: render into $loop failed"
  cat >"$sdir/edit-diff.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
"$sdir/edit.sh"
$(printf '%q ' "${E[@]}") diff --out "$loop" >/dev/null 2>&1
SH
  chmod +x "$sdir/edit-diff.sh"
  measure "$size" diff_again "$runs" "$sdir/edit-diff.sh" "${E[@]}" diff --out "$loop"
  measure "$size" render_after_diff "$runs" "$sdir/edit-diff.sh" "${E[@]}" render --out "$loop"
}

# The first global rule that sets a threshold: its file and line.
global_rule() {
  grep -rn --include='*.yaml' -m1 '^  params: { threshold: ' "$1/rules/global" | LC_ALL=C sort | awk -F: 'NR == 1 { print $1, $2 }'
}

# The questions of issue 17, warm (answered from the cache index a full run left): trace
# of a target (all alerts, and one it overrides), effective of its group and namespace,
# list rules of its group. Each must really take the fast path (`-v` says so).
bench_queries() {
  local size=$1 runs=$2 est=$3 target=$4 alert group ns
  local A=("$ALERTCTL" -C "$est")
  read -r alert group ns < <("${A[@]}" effective "$target" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
target = [a for a in d["alerts"] if any(r["scope"].startswith("target/") for r in a["rules"])]
print((target or d["alerts"])[0]["alert"], d["group"], d["namespace"])')
  INFO[$size:query_alert]=$alert
  INFO[$size:query_group]=$group
  INFO[$size:query_namespace]=$ns
  local q key
  local -a Q
  for q in "trace_target:trace $target" "trace_alert:trace $target $alert" \
    "effective_group:effective --group $group" "effective_namespace:effective --namespace $ns" \
    "list_rules_group:list rules --group $group"; do
    key=${q%%:*}
    read -r -a Q <<<"${q#*:}"
    "${A[@]}" -v "${Q[@]}" 2>&1 >/dev/null | grep -q "answered from the cache index" ||
      die "$size $key: not answered from the cache index: ${A[*]} ${Q[*]}"
    measure "$size" "$key" "$runs" "" "${A[@]}" "${Q[@]}"
    rss "$size" "rss_$key" "" "${A[@]}" "${Q[@]}"
  done
}

# impact on a copy of the estate where one group's GoGoroutineCountHigh threshold
# changed, against a Prometheus holding 24 h of that group's go_goroutines history.
bench_impact() {
  local size=$1 runs=$2 est=$3 out=$4 sdir=$BENCH_DIR/$1
  local copy=$sdir/estate-impact rule ns group
  read -r rule group < <(group_rule "$est") || true
  [ -n "${rule:-}" ] || { log "$size: no group rule of GoGoroutineCountHigh: impact not measured"; return 0; }
  ns=$(basename "$(dirname "$rule")")
  rm -rf "$copy" && cp -a "$est" "$copy"
  set_threshold "$copy/rules/groups/$ns/$(basename "$rule")" "$group" 1100 || die "$size: could not change the rule"
  # History: one go_goroutines series per target of the group, per minute over 24 h,
  # at 900 with bursts to 1050-1400 (some cross 1100, some the old threshold too).
  python3 - "$est/inventory/$ns.yaml" "$ns" "$group" "$sdir/history.om" <<'PY' || die "$size: history generation failed"
import sys, time
inv, ns, group, path = sys.argv[1:5]
targets, inside = [], False
for line in open(inv):
    s = line.strip()
    if line.startswith("    ") and not line.startswith("      ") and s.endswith(":"):
        inside = s[:-1] == group
    elif inside and s.startswith("- "):
        targets.append(s[2:])
end = int(time.time()) // 60 * 60
start = end - 25 * 3600
with open(path, "w") as f:
    f.write("# HELP go_goroutines Goroutines.\n# TYPE go_goroutines gauge\n")
    for k, t in enumerate(targets):
        for i in range(0, 25 * 60 + 1):
            v = 900
            if (i + 37 * k) % 240 < 20 + k % 30:
                v = 1050 + 50 * (k % 8)
            f.write(f'go_goroutines{{group="{group}",instance="{t}",namespace="{ns}"}} {v} {start + i * 60}\n')
    f.write("# EOF\n")
print(len(targets))
PY
  INFO[$size:impact_series]=$(grep -c '^go_goroutines{' "$sdir/history.om" | awk -v m=$((25 * 60 + 1)) '{ print $1 / m }')
  rm -rf "$sdir/tsdb"
  "$PROMTOOL" tsdb create-blocks-from openmetrics -q "$sdir/history.om" "$sdir/tsdb" >/dev/null || die "$size: promtool tsdb failed"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  printf 'global: {evaluation_interval: 1m}\n' >"$sdir/prom.yml"
  "$PROMETHEUS" --config.file="$sdir/prom.yml" --storage.tsdb.path="$sdir/tsdb" --storage.tsdb.retention.time=30d \
    --web.listen-address="127.0.0.1:$port" >"$sdir/prometheus.log" 2>&1 &
  PROM_PID=$!
  local i
  for i in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$port/-/ready" >/dev/null || die "$size: Prometheus did not start (see $sdir/prometheus.log)"
  INFO[$size:impact_change]="group/$group GoGoroutineCountHigh threshold -> 1100"
  local I=("$ALERTCTL" -C "$copy" impact --out "$out" --prometheus "http://127.0.0.1:$port" --since 24h --step 1m --format json)
  "${I[@]}" >"$sdir/impact.json" 2>"$sdir/impact.log" || die "$size: impact failed (see $sdir/impact.log)"
  grep -q '"alert": "GoGoroutineCountHigh"' "$sdir/impact.json" || die "$size: impact did not report the changed alert"
  measure "$size" impact_warm "$runs" "" "${I[@]}"
  kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null || true
  PROM_PID=""
}

# serve_route SIZE PID KEY ROUTE CLI...: ROUTE's answer checked byte for byte against the
# CLI's, then the median of BENCH_SERVE_REQUESTS (default 100) GETs as curl's own clock
# measures them (connection included, no process start).
serve_route() {
  local size=$1 pid=$2 key=$3 route=$4 n=${BENCH_SERVE_REQUESTS:-100} i
  shift 4
  CMDS+=("$size $key: $n x curl -s -o /dev/null -w %{time_total} $route")
  log "$size $key ($n requests): $route"
  cmp -s <(curl -s "$route") <("$@") ||
    { kill "$pid"; die "$size: serve's answer differs from the CLI's: $route"; }
  for ((i = 0; i < n; i++)); do
    curl -s -o /dev/null -w '%{time_total}\n' "$route"
  done >"$BENCH_DIR/$size/$key.times"
  MED[$size:$key]=$(median <"$BENCH_DIR/$size/$key.times")
}

# bench_serve SIZE ESTATE TARGET: `alertctl serve` on the estate, started once; its start
# time (load, render, index: until it prints its URL), then the median of
# BENCH_SERVE_REQUESTS (default 100) GET .../targets/TARGET/alert-rules/effective as
# curl's own clock measures them (connection included, no process start), its answer
# checked byte for byte against `alertctl effective TARGET --format json`, and the
# server's peak RSS (VmHWM) afterwards.
bench_serve() {
  local size=$1 est=$2 target=$3
  local log=$BENCH_DIR/$size/serve.log url="" i
  local t0 t1
  t0=$(date +%s%N)
  "$ALERTCTL" -C "$est" serve --read-only --listen 127.0.0.1:0 >"$log" 2>&1 &
  local pid=$!
  # shellcheck disable=SC2064 # the pid is meant to be expanded now
  trap "kill $pid 2>/dev/null || true" EXIT
  for ((i = 0; i < 1200; i++)); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$log" | awk 'NR == 1' || true)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  t1=$(date +%s%N)
  [ -n "$url" ] || { kill "$pid" 2>/dev/null; die "$size: serve did not start (see $log)"; }
  MED[$size:serve_start]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')
  serve_route "$size" "$pid" serve_effective "${url}api/v1/targets/$target/alert-rules/effective" \
    "$ALERTCTL" -C "$est" effective "$target" --format json
  serve_route "$size" "$pid" serve_trace "${url}api/v1/targets/$target/alert-rules/trace" \
    "$ALERTCTL" -C "$est" trace "$target" --format json
  MED[$size:rss_serve]=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  trap cleanup EXIT
}

mkdir -p "$BENCH_DIR"
# aside.sh PATH...: moves each PATH that exists into $BENCH_DIR/aside (see "cold" above).
cat >"$BENCH_DIR/aside.sh" <<EOS
#!/usr/bin/env bash
set -eu
mkdir -p "$BENCH_DIR/aside"
for p in "\$@"; do
  [ -e "\$p" ] || continue
  mv "\$p" "\$(mktemp -d "$BENCH_DIR/aside/XXXXXX")/"
done
EOS
chmod +x "$BENCH_DIR/aside.sh"
ASIDE=$BENCH_DIR/aside.sh
for s in "${SIZES[@]}"; do bench_size "$s"; done

# ------------------------------------------------------------------ report
fmt_time() { # seconds
  awk -v s="$1" 'BEGIN { if (s == "") { print "n/a"; exit } if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'
}
fmt_mb() { awk -v k="$1" 'BEGIN { if (k == "") { print "n/a"; exit } printf "%.0f MB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
growth() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == 0) print "n/a"; else printf "×%.1f", b / a }'; }
# rel_growth A B RA RB: growth A -> B divided by the growth RA -> RB (1.00 = in proportion).
rel_growth() {
  awk -v a="$1" -v b="$2" -v ra="$3" -v rb="$4" \
    'BEGIN { if (a == "" || b == "" || ra == "" || rb == "" || a == 0 || ra == 0 || rb == 0) print "n/a"; else printf "%.2f", (b / a) / (rb / ra) }'
}
# REL=KEY (an INFO key, e.g. rules): each growth column is followed by that growth divided
# by KEY's growth over the same pair, for time and RSS rows (linear growth reads 1.00).
REL=""

# Adjacent pairs among the sizes that ran, for growth columns.
PAIRS=()
for ((i = 1; i < ${#SIZES[@]}; i++)); do PAIRS+=("${SIZES[i-1]}:${SIZES[i]}"); done

header() {
  local h="| |" sep="|---|"
  for s in "${SIZES[@]}"; do h+=" $s |"; sep+="---:|"; done
  for p in "${PAIRS[@]}"; do
    h+=" ${p%:*}→${p#*:} |"
    sep+="---:|"
    if [ -n "$REL" ]; then h+=" ${p%:*}→${p#*:} ÷ $REL |"; sep+="---:|"; fi
  done
  echo "$h"
  echo "$sep"
}

# row LABEL KIND KEY : KIND is info|time|rss
row() {
  local label=$1 kind=$2 key=$3 line v
  line="| $label |"
  for s in "${SIZES[@]}"; do
    case "$kind" in
      info) v=${INFO[$s:$key]:-}; line+=" $v |" ;;
      time) v=${MED[$s:$key]:-}; line+=" $(fmt_time "$v") |" ;;
      rss) v=${MED[$s:$key]:-}; line+=" $(fmt_mb "$v") |" ;;
    esac
  done
  for p in "${PAIRS[@]}"; do
    local a b
    if [ "$kind" = info ]; then a=${INFO[${p%:*}:$key]:-}; b=${INFO[${p#*:}:$key]:-}
    else a=${MED[${p%:*}:$key]:-}; b=${MED[${p#*:}:$key]:-}; fi
    if [[ "$a" =~ ^[0-9.]+$ && "$b" =~ ^[0-9.]+$ ]]; then line+=" $(growth "$a" "$b") |"; else line+=" |"; fi
    [ -n "$REL" ] || continue
    if [ "$kind" != info ] && [[ "$a" =~ ^[0-9.]+$ && "$b" =~ ^[0-9.]+$ ]]; then
      # CPU times (KEY:user, KEY:sys) come in GNU time's 10 ms steps: under 100 ms, coarse.
      local mark=""
      [[ "$key" == *:* ]] && awk -v a="$a" 'BEGIN { exit !(a < 0.1) }' && mark="*"
      line+=" $(rel_growth "$a" "$b" "${INFO[${p%:*}:$REL]:-}" "${INFO[${p#*:}:$REL]:-}")$mark |"
    else
      line+=" |"
    fi
  done
  echo "$line"
}

ratio_row() { # label key_a key_b
  local line="| $1 |"
  for s in "${SIZES[@]}"; do line+=" $(ratio "${MED[$s:$2]:-}" "${MED[$s:$3]:-}") |"; done
  for p in "${PAIRS[@]}"; do
    line+=" |"
    if [ -n "$REL" ]; then line+=" |"; fi
  done
  echo "$line"
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
if [ -z "$SRC_DESC" ]; then
  SRC_DESC="working tree at $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  (cd "$REPO" && git status --porcelain --untracked-files=no 2>/dev/null | grep -q .) && SRC_DESC+=" + uncommitted changes"
fi
ptv=$("$PROMTOOL" --version 2>&1 | awk 'NR == 1')
timer=$([ "$HAVE_HYPERFINE" = 1 ] && hyperfine --version || echo "bash loop (date +%s%N)")
runs_line=""
for s in "${SIZES[@]}"; do runs_line+="$s $(runs_for "$s"), "; done

# The exact commands run (CMDS), folded away under the table.
commands_details() {
  echo "<details><summary>Exact commands</summary>"
  echo
  echo '```'
  printf '%s\n' "${CMDS[@]}" | sed "s#$REPO/##g"
  echo '```'
  echo
  echo "</details>"
  echo
}

# growth and corpus alone: no S/M/L table.
if [ ${#SIZES[@]} -gt 0 ]; then
RESULTS=$BENCH_DIR/results.md
{
  echo "# alertctl benchmark"
  echo
  echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), ${cpu:-unknown CPU}, $(nproc) cores, ${mem:-? memory}"
  echo "- alertctl $("$ALERTCTL" --version | awk '{ print $2 }'): $SRC_DESC; $ptv; timer: $timer"
  echo "- load while measuring (uptime): $(uptime | sed 's/^ *//')"
  echo "- medians of ${runs_line%, } runs after $WARMUP warm-up run(s); peak RSS: median of 3 (GNU time %M)"
  echo "- estates: \`cargo run --release --example gen_estate -- --size SIZE --seed $SEED\`; \"cold\" = no .alertctl/ cache (OS page cache warm)"
  echo
  header
  row "namespaces" info namespaces
  row "groups" info groups
  row "targets" info targets
  row "source files (templates + rules + inventory)" info files
  row "templates" info templates
  row "rules" info rules
  row "rendered rules" info rendered_rules
  row "rendered files" info rendered_files
  row "rules directory (MB)" info in_mb
  row "rendered output (MB)" info out_mb
  row "**validate, cold** (\`--promtool off\`)" time validate_cold
  row "**render, cold** (no cache, empty out dir)" time render_cold
  row "user CPU: validate, cold" time validate_cold:user
  row "user CPU: render, cold" time render_cold:user
  row "render, warm cache, empty out dir" time render_emptyout
  row "**render, warm** (nothing to write)" time render_warm
  row "**diff, warm no-op** (\`--exit-code\`, exit 0)" time diff_warm
  row "**effective TARGET, warm** (\`--format json\`)" time effective_warm
  row "**serve: GET .../targets/TARGET/alert-rules/effective**" time serve_effective
  row "serve: GET .../targets/TARGET/alert-rules/trace" time serve_trace
  row "serve: start (load, render, index)" time serve_start
  row "validate with promtool, warm (promtool passed every file before)" time validate_promtool_warm
  row "**one-file edit + validate with promtool** (\`--promtool required\`)" time validate_promtool_edit
  row "rendered files promtool checked after that edit" info edit_checked
  row "**one-file edit + diff** (warm cache)" time diff_edit
  row "one global rule's edit + diff (warm cache)" time diff_edit_global
  row "one-file edit + diff, then **diff again**" time diff_again
  row "one-file edit + diff, then **render**" time render_after_diff
  row "**trace TARGET, warm** (every alert)" time trace_target
  row "**trace TARGET ALERT, warm**" time trace_alert
  row "**effective --group G, warm**" time effective_group
  row "**effective --namespace N, warm**" time effective_namespace
  row "**list rules --group G, warm**" time list_rules_group
  row "peak RSS: trace TARGET" rss rss_trace_target
  row "peak RSS: trace TARGET ALERT" rss rss_trace_alert
  row "peak RSS: effective --group G" rss rss_effective_group
  row "peak RSS: effective --namespace N" rss rss_effective_namespace
  row "peak RSS: list rules --group G" rss rss_list_rules_group
  row "**promtool check rules** (all files, one call)" time promtool
  row "**impact, one alert changed** (24 h at 1 m, warm cache)" time impact_warm
  row "series in that alert's 24 h history" info impact_series
  row "peak RSS: validate, cold" rss rss_validate_cold
  row "peak RSS: render, warm" rss rss_render_warm
  row "peak RSS: promtool check rules" rss rss_promtool
  row "peak RSS: serve, started and answering" rss rss_serve
  ratio_row "ratio validate cold / promtool" validate_cold promtool
  ratio_row "ratio render cold / promtool" render_cold promtool
  ratio_row "ratio render warm / promtool" render_warm promtool
  ratio_row "ratio serve effective / CLI effective warm" serve_effective effective_warm
  ratio_row "ratio validate with promtool, warm / promtool" validate_promtool_warm promtool
  ratio_row "ratio one-file edit + validate with promtool / promtool" validate_promtool_edit promtool
  ratio_row "ratio one-file edit + diff / warm no-op diff" diff_edit diff_warm
  ratio_row "ratio global rule's edit + diff / warm no-op diff" diff_edit_global diff_warm
  ratio_row "ratio global rule's edit + diff / promtool" diff_edit_global promtool
  ratio_row "ratio diff again after an edit's diff / warm no-op diff" diff_again diff_warm
  ratio_row "ratio render after an edit's diff / warm no-op diff" render_after_diff diff_warm
  echo
  # shellcheck disable=SC2016 # the backquotes are markdown
  echo "Targets used for \`effective\`: $(for s in "${SIZES[@]}"; do printf '%s `%s`; ' "$s" "${INFO[$s:target]}"; done | sed 's/; $//')."
  for s in "${SIZES[@]}"; do
    [ -n "${INFO[$s:query_alert]:-}" ] || continue
    echo "$s questions: target \`${INFO[$s:target]}\`, ALERT \`${INFO[$s:query_alert]}\`, G \`${INFO[$s:query_group]}\`, N \`${INFO[$s:query_namespace]}\`."
  done
  for s in "${SIZES[@]}"; do
    [ -n "${INFO[$s:edit_what]:-}" ] || continue
    echo "$s edits: one-file edit \`${INFO[$s:edit_what]}\`; global edit \`${INFO[$s:edit_global_what]:-not measured}\`."
  done
  echo "Growth columns divide the figure of the larger size by that of the smaller one."
  echo
  commands_details
  echo "Total benchmark time: $(( $(date +%s) - T_START )) s."
} >"$RESULTS"
cat "$RESULTS"
log "written $RESULTS"
fi

# ------------------------------------------------------------------ growth and corpus
# extra_case NAME ESTATE RUNS: checks the estate (validate exits 0, promtool accepts the
# rendered files), then cold validate, cold render and promtool on the same files, and
# the peak RSS of cold validate and of promtool.
extra_case() {
  local name=$1 est=$2 runs=$3 sdir=$BENCH_DIR/$1
  local out=$sdir/out vjson rc=0
  mkdir -p "$sdir"
  rm -f "$sdir"/*.csv "$sdir"/*.times "$sdir"/*.user "$sdir"/*.sys "$sdir"/*.rss "$sdir/hyperfine.log"
  vjson=$("$ALERTCTL" -C "$est" --no-cache validate --promtool off --format json) || rc=$?
  [ "$rc" = 0 ] || { printf "%s\n" "$vjson" | sed -n 1,40p >&2; die "$name: validate exited $rc"; }
  INFO[$name:templates]=$(echo "$vjson" | json_int templates)
  INFO[$name:rules]=$(echo "$vjson" | json_int rules)
  INFO[$name:rendered_rules]=$(echo "$vjson" | json_int rendered_rules)
  INFO[$name:rendered_files]=$(echo "$vjson" | json_int rendered_files)
  INFO[$name:in_mb]=$(du -sk --exclude=.alertctl "$est" | awk '{ printf "%.1f", $1 / 1024 }')
  "$ASIDE" "$out"
  "$ALERTCTL" -C "$est" render --out "$out" >/dev/null 2>&1 || die "$name: render failed"
  local files=("$out"/*.yml)
  "$PROMTOOL" check rules "${files[@]}" >"$sdir/promtool.log" 2>&1 ||
    die "$name: promtool check rules rejected the rendered output (see $sdir/promtool.log)"
  local A=("$ALERTCTL" -C "$est")
  local target
  target=$( { grep -rhoE '^ +- [^ ]+:9100' "$est/inventory" 2>/dev/null || true; } | sed 's/^ *- //' | LC_ALL=C sort | awk 'NR == 1')
  measure "$name" validate_cold "$runs" "rm -rf $est/.alertctl" "${A[@]}" validate --promtool off
  measure "$name" render_cold "$runs" "$ASIDE $est/.alertctl $out" "${A[@]}" render --out "$out"
  measure "$name" diff_warm "$runs" "" "${A[@]}" diff --out "$out" --exit-code
  if [ -n "$target" ]; then
    measure "$name" effective_warm "$runs" "" "${A[@]}" effective "$target" --format json
  fi
  SHOW="$PROMTOOL check rules $out/*.yml" \
    measure "$name" promtool "$runs" "" "$PROMTOOL" check rules "${files[@]}"
  rss "$name" rss_validate_cold "rm -rf $est/.alertctl" "${A[@]}" validate --promtool off
  SHOW="$PROMTOOL check rules $out/*.yml" \
    rss "$name" rss_promtool "" "$PROMTOOL" check rules "${files[@]}"
}

if [ ${#EXTRAS[@]} -gt 0 ]; then
  # The report helpers (header, row, ratio_row) walk SIZES and PAIRS: here, the cases.
  SIZES=()
  CMDS=()
  T_START=$(date +%s)
  for x in "${EXTRAS[@]}"; do
    case "$x" in
      growth)
        for n in ${BENCH_GROWTH:-10000 100000}; do
          est=$BENCH_DIR/T$n/estate
          mkdir -p "$BENCH_DIR/T$n"
          log "T$n: generating estate (--size S --templates $n) into $est"
          "$GEN" --size S --templates "$n" --seed "$SEED" --out "$est" --force >"$BENCH_DIR/T$n/gen.log" ||
            die "gen_estate failed for $n templates"
          if [ "$n" -le 20000 ]; then runs=3; else runs=1; fi
          extra_case "T$n" "$est" "${BENCH_RUNS_GROWTH:-$runs}"
          SIZES+=("T$n")
        done
        ;;
      corpus)
        corpus=${BENCH_CORPUS:-/work/shared/corpus}
        [ -d "$corpus" ] || die "no corpus at $corpus (set BENCH_CORPUS)"
        est=$BENCH_DIR/corpus/estate
        "$ASIDE" "$est" && mkdir -p "$BENCH_DIR/corpus"
        "$ALERTCTL" import "$corpus" --into "$est" --params >"$BENCH_DIR/corpus/import.log" 2>&1 ||
          die "import of $corpus failed (see $BENCH_DIR/corpus/import.log)"
        CMDS+=("corpus: $ALERTCTL import $corpus --into $est --params")
        extra_case corpus "$est" "${BENCH_RUNS_CORPUS:-10}"
        SIZES+=(corpus)
        ;;
    esac
  done
  PAIRS=()
  for ((i = 1; i < ${#SIZES[@]}; i++)); do
    [[ ${SIZES[i-1]} == T* && ${SIZES[i]} == T* ]] && PAIRS+=("${SIZES[i-1]}:${SIZES[i]}")
  done
  EXTRA=$BENCH_DIR/results-extra.md
  REL=rules
  {
    echo "# alertctl benchmark: templates growth and the real corpus"
    echo
    echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), ${cpu:-unknown CPU}, $(nproc) cores, ${mem:-? memory}"
    echo "- alertctl $("$ALERTCTL" --version | awk '{ print $2 }'): $SRC_DESC; $ptv; timer: $timer"
    echo "- load while measuring (uptime): $(uptime | sed 's/^ *//')"
    echo "- T<N>: \`gen_estate --size S --templates N --seed $SEED\`; corpus: the corpus imported with \`--params\`; medians (runs in the commands below); peak RSS: median of 3"
    echo
    header
    row "templates" info templates
    row "rules" info rules
    row "rendered rules" info rendered_rules
    row "rendered files" info rendered_files
    row "rules directory (MB)" info in_mb
    row "**validate, cold** (\`--promtool off\`)" time validate_cold
    row "**render, cold**" time render_cold
    row "**promtool check rules** (the same rendered files)" time promtool
    row "diff, warm no-op (\`--exit-code\`)" time diff_warm
    row "effective TARGET, warm (first :9100 target)" time effective_warm
    row "user CPU: validate, cold" time validate_cold:user
    row "user CPU: render, cold" time render_cold:user
    row "user CPU: promtool check rules" time promtool:user
    row "user CPU: diff, warm no-op" time diff_warm:user
    row "user CPU: effective TARGET, warm" time effective_warm:user
    row "system CPU: validate, cold" time validate_cold:sys
    row "system CPU: render, cold" time render_cold:sys
    row "system CPU: promtool check rules" time promtool:sys
    row "system CPU: diff, warm no-op" time diff_warm:sys
    row "system CPU: effective TARGET, warm" time effective_warm:sys
    row "peak RSS: validate, cold" rss rss_validate_cold
    row "peak RSS: promtool check rules" rss rss_promtool
    ratio_row "ratio validate cold / promtool" validate_cold promtool
    ratio_row "ratio render cold / promtool" render_cold promtool
    ratio_row "ratio peak RSS validate cold / promtool" rss_validate_cold rss_promtool
    echo
    if [ ${#PAIRS[@]} -gt 0 ]; then
      echo "Growth columns divide the figure of the larger estate by that of the smaller one;"
      echo "\"÷ rules\" divides that growth by the rules' own (1.00 = linear, 1.20 = 20 % more than"
      echo "linear). Read growth from CPU time (wall time on a shared machine is noisy); * marks a"
      echo "CPU figure under 100 ms on the smaller estate, i.e. a few of GNU time's 10 ms steps:"
      echo "too coarse for a growth (\`perf stat -r 10\` task-clock gives one)."
      echo
    fi
    commands_details
    echo "Time for these cases: $(( $(date +%s) - T_START )) s."
  } >"$EXTRA"
  cat "$EXTRA"
  log "written $EXTRA"
fi
