#!/usr/bin/env bash
# The whole test suite: unit + OpenSearch test-framework tests (surefire), then a real OpenSearch node with the
# plugin installed and the REST/YAML integration tests against it (failsafe). The node is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
exec mvn -B verify "$@"
