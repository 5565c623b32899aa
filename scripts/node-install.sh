#!/usr/bin/env bash
# Installs Node MAJOR (default 24) from the npm registry's `node-linux-<arch>` package into PREFIX
# (default: a folder under the user's cache) and prints the folder holding its `node`, for PATH:
#   export PATH="$(scripts/node-install.sh 24)":$PATH
# Machines that come with an older Node (CI's have 20) get a supported one this way; npm itself
# is a JavaScript program and runs on whichever `node` comes first on the PATH.
set -euo pipefail
major=${1:-24}
prefix=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/stax/node-$major}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-install: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac
bin="$prefix/node_modules/node-linux-$arch/bin"
# Installed already: reused (the registry is asked again only when it is missing).
if ! [ -x "$bin/node" ] || [ "$("$bin/node" -p 'process.versions.node.split(".")[0]')" != "$major" ]; then
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "node-linux-$arch@$major" >&2
fi
echo "$bin"
