#!/usr/bin/env bash
# The benchmark command (tools/bench/bench_feedback.py): builds the plugin, starts a node with a 4 GB heap in
# target/bench-node, runs ingest / size / recall / latency / concurrency per collection size, writes
# target/bench/bench.{md,json} + plots, stops the node by PID. ~3 min on 2 cores for the default sizes.
#   scripts/bench_feedback.sh [--sizes 10000,100000] [--queries 300] [--concurrency 1,4,16]
#   scripts/bench_feedback.sh --sizes 1000000        (1M: ~25 min on 2 cores, 21 of them ingest)
#   scripts/bench_feedback.sh --sizes 1000000 --force-merge --concurrency 1   (one segment, as a read-only index)
#   scripts/bench_feedback.sh --sizes 100000 --model clip-b32 --out target/bench-b32   (a ViT-B/32-shape model)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
[ -f data/manifest.jsonl ] || bash scripts/fetch_corpus.sh
mvn -B -q package -DskipTests
trap 'bash scripts/node.sh stop --dir target/bench-node' EXIT
models=()  # --model NAME: the node also loads the folders of scripts/it_models.sh (e.g. the B/32-shape clip-b32)
case " $* " in *" --model "*) bash scripts/it_models.sh; models=(--models target/it-models) ;; esac
bash scripts/node.sh start --dir target/bench-node --heap 4g "${models[@]}"
/usr/bin/python3 -m tools.bench.bench_feedback --url "http://127.0.0.1:$(cat target/bench-node/port)" "$@"
