#!/usr/bin/env bash
# Runs ../shared/conformance-docker/run (act's cases that need a real Docker engine: Docker actions,
# docker:// steps, job containers with env and options, a service with a health check) from the
# project root, as scripts/conformance.sh runs ../shared/conformance. The engine and the images the
# cases name must be there first (.ci/run starts them with ../shared/docker/). Every case must pass.
set -uo pipefail
suite=${SUITE:-../shared/conformance-docker}
[ -x "$suite/run" ] || { echo "conformance-docker: no suite at $suite"; exit 2; }
SUITE="$suite" "$suite/run" "$@"
