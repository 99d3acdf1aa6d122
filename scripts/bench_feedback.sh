#!/usr/bin/env bash
# Feedback latency on a real node (tools/bench_feedback.py): builds the plugin, starts a node with a 4 GB heap
# in target/bench-node, runs the benchmark, stops the node by PID.
#   scripts/bench_feedback.sh [--docs 100000] [--dims 512] [--queries 300]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mvn -B -q package -DskipTests
trap 'bash scripts/node.sh stop --dir target/bench-node' EXIT
bash scripts/node.sh start --dir target/bench-node --heap 4g
/usr/bin/python3 tools/bench_feedback.py --url "http://127.0.0.1:$(cat target/bench-node/port)" "$@"
