#!/usr/bin/env bash
# AFS latency on a real node (tools/bench_afs.py): builds the plugin, starts a node (target/bench-afs-node), loads the
# emoji test split with token blocks through rf_encode, times none / GRF / AFS / AFS-PRF, stops the node by PID.
#   scripts/bench_afs.sh [--queries 300]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
[ -f data/manifest.jsonl ] || bash scripts/fetch_corpus.sh
mvn -B -q package -DskipTests
trap 'bash scripts/node.sh stop --dir target/bench-afs-node' EXIT
bash scripts/node.sh start --dir target/bench-afs-node --heap 2g
url="http://127.0.0.1:$(cat target/bench-afs-node/port)"
/usr/bin/python3 tools/load_emoji.py --url "$url" --split test
/usr/bin/python3 tools/bench_afs.py --url "$url" "$@"
