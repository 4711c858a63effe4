#!/usr/bin/env bash
# Install Prometheus-ecosystem binaries (prometheus, promtool, alertmanager,
# amtool, vmalert) into the project-local, git-ignored folder .tools/ at the
# repository root. Used by alertctl's integration tests and local dev.
#
# How: the Debian packages are *downloaded* with `apt-get download` and
# unpacked with `dpkg -x` into .tools/root. They are never `apt-get install`ed,
# so no maintainer script runs and no system service is started.
#
# Layout afterwards:
#   .tools/root/usr/bin/...   extracted binaries
#   .tools/bin/               what you put on PATH (see scripts/lib-tools.sh):
#                             prometheus promtool amtool vmalert -> symlinks
#                             alertmanager                        -> wrapper (see below)
#   .tools/stamp              "package version" lines of what is unpacked
#
# Re-running is cheap (~seconds): if .tools/stamp matches the apt candidates
# nothing is downloaded; if apt knows no candidate (e.g. offline, no lists)
# but a complete install exists, it is kept.
#
# Usage: scripts/install-tools.sh [--force] [--check] [-q]
#   --force   download and unpack again even if the stamp matches
#   --check   also run the alertmanager smoke test (always done after a fresh unpack)
#   -q        only print errors and the final version lines
set -euo pipefail

PROG=install-tools
SCRIPT_DIR=$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(CDPATH='' cd -- "$SCRIPT_DIR/.." && pwd -P)
TOOLS="$REPO_ROOT/.tools"
ROOT="$TOOLS/root"
BIN="$TOOLS/bin"
STAMP="$TOOLS/stamp"

PKGS=(prometheus prometheus-alertmanager victoria-metrics)
# binary (in $ROOT/usr/bin) -> name in $BIN
TOOL_NAMES=(prometheus promtool alertmanager amtool vmalert)
BIN_SOURCES=(prometheus promtool prometheus-alertmanager amtool vmalert)

FORCE=0
CHECK=0
QUIET=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --check) CHECK=1 ;;
    -q|--quiet) QUIET=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "$PROG: error: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

log() { [ "$QUIET" = 1 ] || echo "$PROG: $*" >&2; }
warn() { echo "$PROG: warning: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }

# Which tools come from which package (for error messages).
pkg_tools() {
  case "$1" in
    prometheus) echo "prometheus/promtool" ;;
    prometheus-alertmanager) echo "alertmanager/amtool" ;;
    victoria-metrics) echo "vmalert" ;;
    *) echo "$1" ;;
  esac
}

tools_complete() {
  local i
  for i in "${!TOOL_NAMES[@]}"; do
    [ -x "$BIN/${TOOL_NAMES[$i]}" ] || return 1
  done
}

root_complete() {
  local b
  for b in "${BIN_SOURCES[@]}"; do
    [ -x "$ROOT/usr/bin/$b" ] || return 1
  done
  [ -f "$ROOT/usr/share/prometheus/alertmanager/default.tmpl" ] || return 1
}

# First token after the word "version" in `tool --version` output.
tool_version() {
  "$@" 2>&1 | head -n 1 | awk '{for (i = 1; i < NF; i++) if ($i == "version") { print $(i + 1); exit }}' || true
}

stamp_version() { # pkg
  [ -f "$STAMP" ] && awk -v p="$1" '$1 == p { print $2; exit }' "$STAMP" || true
}

print_versions() {
  local v
  v=$(tool_version "$BIN/prometheus" --version);   echo "prometheus ${v:-unknown}"
  v=$(tool_version "$BIN/promtool" --version);     echo "promtool ${v:-unknown}"
  # --version exits before the template lookup, so the plain binary is fine here.
  v=$(tool_version "$ROOT/usr/bin/prometheus-alertmanager" --version 2>/dev/null)
  [ -n "$v" ] || v=$(tool_version "$BIN/alertmanager" --version)
  echo "alertmanager ${v:-unknown}"
  v=$(tool_version "$BIN/amtool" --version);       echo "amtool ${v:-unknown}"
  # vmalert -version prints nothing in the Debian build: use the .deb version.
  v=$(stamp_version victoria-metrics);             echo "vmalert ${v:-unknown}"
}

# ---------------------------------------------------------------- prerequisites
missing_cmd=""
for c in apt-get apt-cache dpkg-deb; do
  command -v "$c" >/dev/null 2>&1 || { missing_cmd=$c; break; }
done
if [ -n "$missing_cmd" ]; then
  if tools_complete; then
    warn "$missing_cmd not found; using the tools already present in $BIN"
    print_versions
    exit 0
  fi
  {
    echo "$PROG: error: cannot install promtool: $missing_cmd not found; install Prometheus 2.x tools and put them in .tools/bin"
    echo "$PROG: error: cannot install alertmanager/amtool: $missing_cmd not found; install Alertmanager 0.25+ and put alertmanager and amtool in .tools/bin"
    echo "$PROG: error: cannot install vmalert: $missing_cmd not found; install vmalert (VictoriaMetrics) and put it in .tools/bin"
  } >&2
  exit 1
fi

mkdir -p "$TOOLS" || die "cannot create $TOOLS"
# Keep .tools out of git even if the top-level .gitignore entry is missing.
[ -f "$TOOLS/.gitignore" ] || printf '*\n' >"$TOOLS/.gitignore"

# Serialise concurrent runs (e.g. parallel test jobs).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.lock"
  flock 9 || die "cannot lock $TOOLS/.lock"
fi
# Leftovers of an interrupted run.
rm -rf "$TOOLS"/.download.* "$TOOLS"/.root.* "$TOOLS/stamp.new"

# ---------------------------------------------------------------- candidates
declare -A CAND=()
read_candidates() {
  local p v
  for p in "${PKGS[@]}"; do
    v=$(LC_ALL=C apt-cache policy "$p" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }' || true)
    [ "$v" = "(none)" ] && v=""
    CAND[$p]=$v
  done
}
candidates_complete() {
  local p
  for p in "${PKGS[@]}"; do [ -n "${CAND[$p]}" ] || return 1; done
}
stamp_matches() {
  local p
  [ -f "$STAMP" ] || return 1
  for p in "${PKGS[@]}"; do
    [ "$(stamp_version "$p")" = "${CAND[$p]}" ] || return 1
  done
}

APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" = 0 ] || return 1
  APT_UPDATED=1
  log "running apt-get update"
  if [ "$QUIET" = 1 ]; then
    apt-get -o APT::Sandbox::User=root update -qq >/dev/null 2>&1 || { warn "apt-get update failed"; return 1; }
  else
    apt-get -o APT::Sandbox::User=root update -q >&2 || { warn "apt-get update failed"; return 1; }
  fi
}

read_candidates
installed=0
if root_complete && [ -f "$STAMP" ]; then installed=1; fi

need_download=1
if [ "$FORCE" = 0 ] && [ "$installed" = 1 ]; then
  if candidates_complete && stamp_matches; then
    need_download=0
    log "up to date ($(tr '\n' ' ' <"$STAMP" | sed 's/ $//'))"
  elif ! candidates_complete; then
    need_download=0
    warn "apt has no candidate for some packages (offline or no package lists?); keeping the existing install in $TOOLS"
  fi
fi

if [ "$need_download" = 1 ] && ! candidates_complete; then
  apt_update_once || true
  read_candidates
  if ! candidates_complete; then
    for p in "${PKGS[@]}"; do
      [ -n "${CAND[$p]}" ] ||
        echo "$PROG: error: cannot install $(pkg_tools "$p"): apt has no candidate for Debian package '$p' (even after apt-get update); install it manually and put the binaries in .tools/bin" >&2
    done
    exit 1
  fi
fi

# ---------------------------------------------------------------- download + unpack
if [ "$need_download" = 1 ]; then
  dl=$(mktemp -d "$TOOLS/.download.XXXXXX")
  new=$(mktemp -d "$TOOLS/.root.XXXXXX")
  trap 'rm -rf "$dl" "$new"' EXIT

  download() {
    (cd "$dl" && rm -f ./*.deb &&
      apt-get -o APT::Sandbox::User=root download -q "${PKGS[@]}") >"$dl/apt.log" 2>&1
  }
  log "downloading ${PKGS[*]} (${CAND[prometheus]}, ${CAND[prometheus-alertmanager]}, ${CAND[victoria-metrics]})"
  if ! download; then
    warn "apt-get download failed; retrying after apt-get update"
    if ! apt_update_once || ! download; then
      sed 's/^/  apt: /' "$dl/apt.log" >&2
      if [ "$installed" = 1 ]; then
        warn "'apt-get download ${PKGS[*]}' failed; keeping the existing install in $TOOLS ($(tr '\n' ' ' <"$STAMP" | sed 's/ $//'))"
        need_download=0
      else
        die "cannot install promtool/alertmanager/amtool/vmalert: 'apt-get download ${PKGS[*]}' failed; install the tools manually and put them in .tools/bin"
      fi
    fi
  fi
fi

if [ "$need_download" = 1 ]; then
  : >"$new/.stamp"
  for p in "${PKGS[@]}"; do
    deb=$(ls "$dl/${p}"_*.deb 2>/dev/null | head -n 1 || true)
    [ -n "$deb" ] || die "cannot install $(pkg_tools "$p"): apt-get download produced no .deb for '$p'"
    ver=$(dpkg-deb -f "$deb" Version) || die "cannot read version of $deb"
    dpkg -x "$deb" "$new" 2>/dev/null || dpkg-deb -x "$deb" "$new" || die "cannot unpack $deb"
    echo "$p $ver" >>"$new/.stamp"
  done

  for b in "${BIN_SOURCES[@]}"; do
    [ -x "$new/usr/bin/$b" ] || die "unpacked packages do not contain usr/bin/$b"
  done

  # Swap in atomically-ish: old root out, new root in, then the stamp.
  rm -f "$STAMP"
  rm -rf "$ROOT"
  mv "$new/.stamp" "$TOOLS/stamp.new"
  mv "$new" "$ROOT"
  chmod 755 "$ROOT"
  mv "$TOOLS/stamp.new" "$STAMP"
  rm -rf "$dl"
  trap - EXIT
  CHECK=1
elif [ -n "${dl:-}" ]; then
  rm -rf "$dl" "$new"
  trap - EXIT
fi

root_complete || die "incomplete install in $ROOT (run with --force)"

# ---------------------------------------------------------------- .tools/bin
mkdir -p "$BIN"
for i in "${!TOOL_NAMES[@]}"; do
  name=${TOOL_NAMES[$i]}
  [ "$name" = alertmanager ] && continue
  target="../root/usr/bin/${BIN_SOURCES[$i]}"
  if [ "$(readlink "$BIN/$name" 2>/dev/null || true)" != "$target" ]; then
    rm -f "$BIN/$name"
    ln -s "$target" "$BIN/$name"
  fi
done

# Alertmanager wrapper.
# Debian's alertmanager hard-codes /usr/share/prometheus/alertmanager/default.tmpl
# and exits if it is missing. The wrapper runs the binary in a private mount
# namespace where the extracted usr/share is overlaid (read-only) on top of
# /usr/share. The exec chain (unshare -> sh -> alertmanager) keeps the PID, so
# `kill $PID` from a test harness reaches alertmanager itself.
AM_SHARE="$ROOT/usr/share"
overlay_ok() { # extra unshare flags...
  case "$AM_SHARE" in *[:,]*) return 1 ;; esac # would break the overlay option string
  command -v unshare >/dev/null 2>&1 || return 1
  unshare "$@" -m --propagation private sh -c \
    'mount -t overlay overlay -o "lowerdir=$0:/usr/share" /usr/share && test -f /usr/share/prometheus/alertmanager/default.tmpl' \
    "$AM_SHARE" >/dev/null 2>&1
}

am_mode=""
if [ -f /usr/share/prometheus/alertmanager/default.tmpl ] &&
   [ ! -L /usr/share/prometheus/alertmanager ]; then
  am_mode=plain   # templates already present on the host (system alertmanager package)
elif overlay_ok; then
  am_mode=overlay
elif overlay_ok -r; then
  am_mode=overlay-userns   # non-root: user namespace + overlay (Linux >= 5.11)
elif [ -L /usr/share/prometheus/alertmanager ] &&
     [ "$(readlink /usr/share/prometheus/alertmanager)" = "$AM_SHARE/prometheus/alertmanager" ]; then
  am_mode=symlink
elif [ -f /usr/share/prometheus/alertmanager/default.tmpl ]; then
  am_mode=plain   # someone else's symlink/dir provides the templates
  warn "unshare/overlay not possible here; using the existing /usr/share/prometheus/alertmanager ($(readlink /usr/share/prometheus/alertmanager || echo directory))"
elif [ ! -e /usr/share/prometheus/alertmanager ] &&   # absent, or a dangling symlink
     mkdir -p /usr/share/prometheus 2>/dev/null &&
     ln -sfn "$AM_SHARE/prometheus/alertmanager" /usr/share/prometheus/alertmanager 2>/dev/null; then
  am_mode=symlink
  warn "unshare/overlay not possible here; created symlink /usr/share/prometheus/alertmanager -> $AM_SHARE/prometheus/alertmanager"
else
  die "cannot install alertmanager: it needs /usr/share/prometheus/alertmanager/default.tmpl, and neither a mount-namespace overlay (unshare) nor a symlink at /usr/share/prometheus/alertmanager is possible here"
fi

{
  echo '#!/bin/sh'
  echo "# Generated by scripts/install-tools.sh (mode: $am_mode). Do not edit."
  echo '# Runs the Debian alertmanager so that /usr/share/prometheus/alertmanager/default.tmpl exists.'
  echo 'TOOLS=$(CDPATH= cd -- "$(dirname -- "$(readlink -f -- "$0")")/.." && pwd -P) || exit 1'
  case "$am_mode" in
    overlay|overlay-userns)
      # root: plain mount namespace; others: user namespace (-r) + mount namespace.
      echo 'if [ "$(id -u)" = 0 ]; then U=; else U=-r; fi'
      echo "exec unshare \$U -m --propagation private sh -c 'mount -t overlay overlay -o \"lowerdir=\$0:/usr/share\" /usr/share && exec \"\$@\"' \"\$TOOLS/root/usr/share\" \"\$TOOLS/root/usr/bin/prometheus-alertmanager\" \"\$@\""
      ;;
    plain|symlink)
      echo 'exec "$TOOLS/root/usr/bin/prometheus-alertmanager" "$@"'
      ;;
  esac
} >"$BIN/alertmanager.new"
chmod 755 "$BIN/alertmanager.new"
mv -f "$BIN/alertmanager.new" "$BIN/alertmanager"

# ---------------------------------------------------------------- smoke test
free_port() {
  local port i
  for i in $(seq 1 50); do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}
http_status() { # url-path port
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$2$1" 2>/dev/null || true
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$2" &&
      printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3 &&
      head -n 1 <&3 | awk '{print $2}') 2>/dev/null || true
  fi
}

if [ "$CHECK" = 1 ]; then
  log "smoke test: starting alertmanager via $BIN/alertmanager"
  st=$(mktemp -d)
  cat >"$st/alertmanager.yml" <<'EOF'
route:
  receiver: null-webhook
receivers:
  - name: null-webhook
    webhook_configs:
      - url: http://127.0.0.1:1/
EOF
  port=$(free_port) || die "no free port for the alertmanager smoke test"
  mkdir -p "$st/data"
  "$BIN/alertmanager" --config.file="$st/alertmanager.yml" --storage.path="$st/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= >"$st/log" 2>&1 &
  am_pid=$!
  ok=0
  for _ in $(seq 1 100); do
    [ "$(http_status /-/ready "$port")" = 200 ] && { ok=1; break; }
    kill -0 "$am_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$am_pid" 2>/dev/null || true
  wait "$am_pid" 2>/dev/null || true
  if [ "$ok" != 1 ]; then
    sed 's/^/  alertmanager: /' "$st/log" | tail -n 20 >&2
    rm -rf "$st"
    die "alertmanager smoke test failed (wrapper mode $am_mode): /-/ready did not return 200"
  fi
  rm -rf "$st"
  log "smoke test ok (alertmanager /-/ready = 200, wrapper mode $am_mode)"
fi

print_versions
