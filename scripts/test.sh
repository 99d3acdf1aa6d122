#!/usr/bin/env bash
# The whole test suite:
#  1. Python reference tools (tokenizer, feedback math, metrics, Karpathy loader): unittest, NumPy only;
#  2. unit + OpenSearch test-framework tests (surefire), then a real OpenSearch node with the plugin installed
#     and the REST/YAML integration tests against it (failsafe); the node is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
/usr/bin/python3 -m unittest discover -s tools -p 'test_*.py'
mvn -B verify "$@"
