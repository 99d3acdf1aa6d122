#!/usr/bin/env bash
# Loads the emoji corpus (default: the test split) through the rf_encode pipeline into a running node
# (scripts/node.sh start, or the demo's node). Fetches the corpus from npm first if it is not there.
#   scripts/load_emoji.sh [--split test|train|val|test_unseen|all] [--index emoji] [--url http://127.0.0.1:PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f data/manifest.jsonl ] || bash scripts/fetch_corpus.sh
url=""
for arg in "$@"; do [ "${prev:-}" = "--url" ] && url=$arg; prev=$arg; done
[ -n "$url" ] || set -- --url "http://127.0.0.1:$(cat target/node/port)" "$@"
exec /usr/bin/python3 -m tools.data.load_emoji "$@"
