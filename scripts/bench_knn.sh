#!/usr/bin/env bash
# The plugin side by side with the official k-NN plugin (tools/bench/bench_knn.py): builds the plugin for OpenSearch 3.5.0
# (-Pos-3.5), starts one 3.5.0 node with both plugins and a 4 GB heap in target/bench-knn-node, loads the same
# vectors into a k-NN index and one of ours, times plain kNN and PRF both ways, writes target/bench/bench_knn.{md,json},
# stops the node by PID. ~10 min on 2 cores at 100,000 documents.
#   scripts/bench_knn.sh [--docs 100000] [--queries 500] [--warmup 200]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
/usr/bin/python3 -c "import numpy" 2>/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-numpy; }
mvn -B -q -Pos-3.5 package -DskipTests
trap 'bash scripts/node.sh stop --dir target/bench-knn-node' EXIT
bash scripts/node.sh start --dir target/bench-knn-node --heap 4g --version 3.5.0 --with-knn --plugin target/os-3.5.0/relevance-feedback-0.1.0.zip
/usr/bin/python3 -m tools.bench.bench_knn --url "http://127.0.0.1:$(cat target/bench-knn-node/port)" "$@"
