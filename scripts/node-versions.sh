#!/usr/bin/env bash
# Runs a fast subset of the tests on other Node majors (default: 22 24 26; or the arguments).
# For each: that Node from the npm registry's `node-linux-<arch>` package (bin/node plus the
# headers in include/node, so node-gyp compiles better-sqlite3 without downloading anything),
# a copy of this checkout (tracked and untracked files, not ignored ones) in a temporary folder,
# `npm ci` run by that Node, then the subset. Prints how long each major took.
# STAX_NODE_SUBSET overrides the test files (a glob list, relative to the project).
set -euo pipefail
cd "$(dirname "$0")/.."

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24 26)
subset=${STAX_NODE_SUBSET:-"test/engine/*.test.ts test/runner/*.test.ts test/cli/*.test.ts"}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-versions: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/stax-node-versions-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=()
for major in "${majors[@]}"; do
  start=$SECONDS
  prefix="$work/node-$major"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "node-linux-$arch@$major" >/dev/null
  nodedir="$prefix/node_modules/node-linux-$arch"
  copy="$work/stax-$major"
  mkdir -p "$copy"
  git ls-files -z -c -o --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$copy"
  echo "node-versions: Node $("$nodedir/bin/node" --version): npm ci"
  (cd "$copy" && PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm ci --no-audit --no-fund --loglevel=error >"$work/npm-ci-$major.log" 2>&1) || {
    cat "$work/npm-ci-$major.log" >&2
    failed+=("$major (npm ci)")
    continue
  }
  installed=$((SECONDS - start))
  # shellcheck disable=SC2086 # the subset is a list of globs
  if (cd "$copy" && PATH="$nodedir/bin:$PATH" node --import tsx --test --test-concurrency=2 --test-timeout=600000 $subset); then
    echo "node-versions: Node $major passed (install ${installed} s, tests $((SECONDS - start - installed)) s)"
  else
    failed+=("$major")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "node-versions: failed on Node ${failed[*]}" >&2
  exit 1
fi
