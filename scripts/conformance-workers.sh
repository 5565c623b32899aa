#!/usr/bin/env bash
# Runs the conformance suite with its legs on three workers: starts a PostgreSQL of its own (in a
# temporary folder, on a free port of 127.0.0.1), three `stax worker`s with their own homes, and
# then scripts/conformance.sh with STAX_DATABASE_URL set, so each `stax run` coordinates its run
# and the workers run the legs. Needs Debian's postgresql package (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || { echo "conformance-workers: PostgreSQL is not installed (apt-get install postgresql)"; exit 2; }
dir=$(mktemp -d)
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as_pg=(runuser -u postgres --); fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -A trust -U stax --no-sync >/dev/null
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" start >/dev/null
export STAX_DATABASE_URL="postgres://stax@127.0.0.1:$port/postgres"
STAX_SECRETS_KEY=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')
export STAX_SECRETS_KEY
for n in 1 2 3; do
  STAX_HOME="$dir/worker-$n" bin/stax worker --name "w$n" --concurrency 2 >"$dir/worker-$n.log" 2>&1 &
  pids+=($!)
done
for n in 1 2 3; do
  for _ in $(seq 100); do grep -q ready "$dir/worker-$n.log" && break; sleep 0.1; done
  grep -q ready "$dir/worker-$n.log" || { cat "$dir/worker-$n.log"; exit 2; }
done
echo "conformance-workers: PostgreSQL on port $port, workers w1 w2 w3 (2 slots each)"
STAX_HOME="$dir/cli" scripts/conformance.sh "$@"
