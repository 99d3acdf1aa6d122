#!/usr/bin/env bash
# Quality table through the plugin on a real node: builds the plugin, starts a node (target/eval-node), loads the
# emoji split through rf_encode, runs tools/eval/eval_rest.py, writes target/eval/results.{md,csv,json} (+ plots),
# stops the node by PID.
#   scripts/eval.sh [--split test] [--every 1] [--strategies none,prf,...,afs,afs_prf,explicit,temperature] [--out DIR]
#   scripts/eval.sh --queries freetext [--part test|selection] ...   the hand-written free-text set (data/freetext_queries.tsv)
#   scripts/eval.sh --queries image|like|composed|sessions [--part test|selection]   query by image, more like this,
#     composed image + text, simulated multi-round sessions (tools/eval/eval_inputs.py)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
[ -f data/manifest.jsonl ] || bash scripts/fetch_corpus.sh
mvn -B -q package -DskipTests
trap 'bash scripts/node.sh stop --dir target/eval-node' EXIT
bash scripts/node.sh start --dir target/eval-node --heap 2g
url="http://127.0.0.1:$(cat target/eval-node/port)"
split=test
for arg in "$@"; do
  [ "${prev:-}" = "--split" ] && split=$arg
  [ "${prev:-}" = "--queries" ] && { [ "$arg" = freetext ] || [ "$arg" = sessions ]; } && split=test,test_unseen  # the whole google gallery
  prev=$arg
done
/usr/bin/python3 -m tools.data.load_emoji --url "$url" --split "$split"
/usr/bin/python3 -m tools.eval.eval_rest --url "$url" --out target/eval "$@"
