#!/usr/bin/env bash
# Runs a fast subset of the tests on other Node majors (default: 22 24 26; or the arguments).
# For each: that Node from the npm registry's `node-linux-<arch>` package (bin/node plus the
# headers in include/node, so node-gyp compiles better-sqlite3 without downloading anything),
# a copy of this checkout (tracked and untracked files, not ignored ones) in a temporary folder,
# `npm ci` run by that Node (scripts off, then better-sqlite3 and esbuild built for it), then the subset. Prints how long each major took.
# STAX_NODE_SUBSET overrides the test files (a glob list, relative to the project).
set -euo pipefail
cd "$(dirname "$0")/.."

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24 26)
# The subset: what touches Node's own behaviour (child processes, fs, http and SSE back-pressure,
# node:test, the native SQLite binding) in about 40 s; the whole engine, runner and CLI suites
# take about 5 minutes per Node here, too long for CI three times over.
subset=${STAX_NODE_SUBSET:-"test/engine/units.test.ts test/engine/expressions.test.ts test/engine/caches.test.ts test/engine/steps.test.ts test/engine/jobs.test.ts test/engine/docker.test.ts test/runner/store.test.ts test/runner/hub.test.ts test/runner/sse.test.ts test/cli/run.test.ts test/web/*.test.ts"}
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
  # Scripts off, then only better-sqlite3 compiled for this Node (node-gyp, two jobs): the bundles
  # in dist/ and web/dist/ do not depend on the Node that runs them, so a built checkout lends them.
  if ! (cd "$copy" && export PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" JOBS=2 &&
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && npm rebuild better-sqlite3 esbuild --loglevel=error) >"$work/npm-ci-$major.log" 2>&1; then
    cat "$work/npm-ci-$major.log" >&2
    failed+=("$major (npm ci)")
    continue
  fi
  if [ -d dist ] && [ -f web/dist/index.html ]; then
    cp -R dist "$copy/" && cp -R web/dist "$copy/web/"
  else
    (cd "$copy" && PATH="$nodedir/bin:$PATH" npm run build >/dev/null)
  fi
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
