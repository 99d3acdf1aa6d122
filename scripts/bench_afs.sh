#!/usr/bin/env bash
# AFS on a real node: builds the plugin, starts a node, loads the emoji test split with token blocks through rf_encode,
# runs the measurement, stops the node by PID.
#   scripts/bench_afs.sh [--queries 300] [--shards 3] [--api endpoint|search]
#                                                          latency of none / GRF / AFS / AFS-PRF (tools/bench/bench_afs.py, 2 GB heap)
#   scripts/bench_afs.sh stress [--clients 16] [--seconds 120]
#                                                          AFS at its allowed maximum under concurrent clients on a
#                                                          1 GB heap (tools/bench/stress_afs.py): statuses, latency, heap, breaker
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
tool=tools.bench.bench_afs
heap=2g
if [ "${1:-}" = stress ]; then
  tool=tools.bench.stress_afs
  heap=1g
  shift
fi
[ -f data/manifest.jsonl ] || bash scripts/fetch_corpus.sh
mvn -B -q package -DskipTests
trap 'bash scripts/node.sh stop --dir target/bench-afs-node' EXIT
bash scripts/node.sh start --dir target/bench-afs-node --heap "$heap"
url="http://127.0.0.1:$(cat target/bench-afs-node/port)"
shards=3
args=()
while [ $# -gt 0 ]; do  # --shards N is the index's, the rest the tool's
  if [ "$1" = --shards ]; then shards=$2; shift 2; else args+=("$1"); shift; fi
done
/usr/bin/python3 -m tools.data.load_emoji --url "$url" --split test --shards "$shards"
/usr/bin/python3 -m "$tool" --url "$url" "${args[@]}"
