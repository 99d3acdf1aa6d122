#!/usr/bin/env bash
# The main job, on one machine: builds the plugin, starts a real OpenSearch node with it on 127.0.0.1 (or reuses the
# running one), loads the emoji image gallery (all google images: the 3,445 known and 341 unseen concepts) through
# the rf_encode pipeline with the AFS token blocks and a thumbnail (or keeps the index when it is already loaded),
# runs one example query and prints the web UI's address.
# Stop the node with: scripts/node.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

mvn -B -q package -DskipTests
[ -f data/manifest.jsonl ] || bash scripts/fetch_corpus.sh
if ! bash scripts/node.sh status >/dev/null 2>&1; then
  port=9200
  if curl -s -o /dev/null "http://127.0.0.1:$port"; then port=""; fi
  bash scripts/node.sh start ${port:+--port $port}
fi
url="http://127.0.0.1:$(cat target/node/port)"

/usr/bin/python3 -m tools.data.load_emoji --url "$url" --split test,test_unseen --index emoji

body='{"size": 5, "_source": ["label"], "query": {"relevance_feedback": {"field": "image", "text": "red heart", "k": 5,
  "feedback": {"strategy": "grf", "caption_field": "caption", "top_k": 5}}}}'
echo
echo "Example query (text -> image kNN, then generative relevance feedback from the top-5 captions):"
echo "  curl -s $url/emoji/_plugins/relevance_feedback/_search -H 'Content-Type: application/json' -d '$body'"
curl -s "$url/emoji/_plugins/relevance_feedback/_search" -H 'Content-Type: application/json' -d "$body" |
  /usr/bin/python3 -c 'import json, sys
for i, h in enumerate(json.load(sys.stdin)["hits"]["hits"], 1):
    print("  %d. %-32s score %.4f  (%s)" % (i, h["_source"]["label"], h["_score"], h["_id"]))'
echo
echo "Web UI: $url/_plugins/relevance_feedback/ui/?index=emoji&q=red%20heart&strategy=grf"
echo "Stop the node with: scripts/node.sh stop"
