#!/usr/bin/env bash
# Runs a fast subset of the tests on other Node majors (default: 22 26; or the arguments).
# For each: that Node from the npm registry (scripts/node-install.sh), a copy of this checkout
# (tracked and untracked files, not ignored ones) in a temporary folder, a plain `npm ci` run by
# that Node (nothing is compiled: the store is Node's own node:sqlite), then the subset. Prints how
# long each major took. STAX_NODE_SUBSET overrides the test files (a glob list, relative to the project).
set -euo pipefail
cd "$(dirname "$0")/.."

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 26)
# The subset: what touches Node's own behaviour (child processes, fs, http and SSE back-pressure,
# the event streams read before the HTTP server, node:test, node:sqlite and its warning, npm pack
# and install of the package); the whole engine, runner and CLI suites take about 5 minutes per
# Node here, too long for CI three times over.
subset=${STAX_NODE_SUBSET:-"test/engine/units.test.ts test/engine/expressions.test.ts test/engine/caches.test.ts test/engine/steps.test.ts test/engine/jobs.test.ts test/engine/docker.test.ts test/store/sqlite.test.ts test/runner/sqlite-warning.test.ts test/runner/hub.test.ts test/runner/sse.test.ts test/runner/stream-front.test.ts test/cli/run.test.ts test/cli/pack.test.ts test/web/*.test.ts"}

work=$(mktemp -d "${TMPDIR:-/tmp}/stax-node-versions-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=()
for major in "${majors[@]}"; do
  start=$SECONDS
  nodebin=$(scripts/node-install.sh "$major" "$work/node-$major")
  copy="$work/stax-$major"
  mkdir -p "$copy"
  git ls-files -z -c -o --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$copy"
  echo "node-versions: Node $("$nodebin/node" --version): npm ci"
  if ! (cd "$copy" && PATH="$nodebin:$PATH" npm ci --no-audit --no-fund --loglevel=error) >"$work/npm-ci-$major.log" 2>&1; then
    cat "$work/npm-ci-$major.log" >&2
    failed+=("$major (npm ci)")
    continue
  fi
  # The bundles in dist/ and web/dist/ do not depend on the Node that runs them: a built checkout lends them.
  if [ -d dist ] && [ -f web/dist/index.html ]; then
    cp -R dist "$copy/" && cp -R web/dist "$copy/web/"
  else
    (cd "$copy" && PATH="$nodebin:$PATH" npm run build >/dev/null)
  fi
  installed=$((SECONDS - start))
  # shellcheck disable=SC2086 # the subset is a list of globs
  if (cd "$copy" && PATH="$nodebin:$PATH" node --import tsx --test --test-concurrency=2 --test-timeout=600000 $subset); then
    echo "node-versions: Node $major passed (install ${installed} s, tests $((SECONDS - start - installed)) s)"
  else
    failed+=("$major")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "node-versions: failed on Node ${failed[*]}" >&2
  exit 1
fi
