#!/usr/bin/env bash
# The conformance cases whose workflows use local actions (`uses: ./<case>/<action>`), run again
# with those actions served from the action cache as a remote action
# (`uses: nektos/act-fixtures/<case>/<action>@v1`, added with `stax actions add`), to show that a
# cached remote action behaves as the local one. Cases whose action folders the suite does not
# ship are left out (scripts/conformance.sh reports them as blocked).
set -euo pipefail
suite=${SUITE:-../shared/conformance}
stax="$PWD/bin/stax"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/suite"
cp -a "$suite/workspace" "$work/suite/workspace"
cases=()
while IFS= read -r c; do
  name=$(jq -r .case <<<"$c")
  uses=$(jq -r '.workflows[]' <<<"$c" | while read -r wf; do grep -oE "uses:[[:space:]]*\./$name/[A-Za-z0-9._/-]+" "$suite/workspace/$wf" || true; done)
  [ -n "$uses" ] && cases+=("$name")
done < <(jq -c '.[]' "$suite/cases.json")
[ ${#cases[@]} -gt 0 ] || { echo "conformance-cached: no case uses a local action of its own"; exit 0; }
# The repository as it would be published: the suite's workspace, its local references made remote.
find "$work/suite/workspace" -name '*.yml' -o -name '*.yaml' | while read -r f; do
  sed -i -E 's#uses:([[:space:]]*)\./([A-Za-z0-9_-]+/[A-Za-z0-9._/-]*[A-Za-z0-9._-])/?#uses:\1nektos/act-fixtures/\2@v1#' "$f"
done
cp "$suite/cases.json" "$work/suite/cases.json"
export STAX_ACTIONS_CACHE="$work/cache"
"$stax" actions add nektos/act-fixtures@v1 "$work/suite/workspace" >/dev/null
echo "conformance-cached: ${cases[*]} with their actions from the cache"
SUITE="$work/suite" "$suite/run" "${cases[@]}"
