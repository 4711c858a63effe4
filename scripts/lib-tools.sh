# shellcheck shell=bash
# Source this file (do not execute it) to use the project-local Prometheus
# tools installed by scripts/install-tools.sh:
#
#   . scripts/lib-tools.sh            # from bash or zsh, any cwd
#
# Sets and exports ALERTCTL_TOOLS_BIN=<repo>/.tools/bin (absolute) and
# prepends it to PATH (once). Does not install anything; if the directory is
# missing it prints a hint to run scripts/install-tools.sh on stderr (the
# variables are still set, and it still returns 0 so `set -e` callers survive).

# Locate this file: bash -> BASH_SOURCE, zsh -> %x prompt expansion.
if [ -n "${BASH_SOURCE:-}" ]; then
  _alertctl_lib_src=${BASH_SOURCE[0]}
elif [ -n "${ZSH_VERSION:-}" ]; then
  eval '_alertctl_lib_src=${(%):-%x}'
else
  _alertctl_lib_src=${ALERTCTL_REPO_ROOT:+$ALERTCTL_REPO_ROOT/scripts/lib-tools.sh}
fi

if [ -z "${_alertctl_lib_src:-}" ]; then
  echo "lib-tools.sh: cannot locate myself in this shell; use bash/zsh or set ALERTCTL_REPO_ROOT" >&2
  unset _alertctl_lib_src
  return 1 2>/dev/null || exit 1
fi

ALERTCTL_TOOLS_BIN=$(CDPATH='' cd -- "$(dirname -- "$_alertctl_lib_src")/.." && pwd -P)/.tools/bin
export ALERTCTL_TOOLS_BIN
unset _alertctl_lib_src

case ":${PATH:-}:" in
  *":$ALERTCTL_TOOLS_BIN:"*) ;;
  *) PATH="$ALERTCTL_TOOLS_BIN${PATH:+:$PATH}"; export PATH ;;
esac

if [ ! -d "$ALERTCTL_TOOLS_BIN" ]; then
  echo "lib-tools.sh: $ALERTCTL_TOOLS_BIN does not exist; run scripts/install-tools.sh" >&2
fi
return 0 2>/dev/null || true
