#!/usr/bin/env bash
# Everything the model scripts train and evaluate on, from the npm registry (pinned, sha512-checked, cached in
# data/cache, never committed): the emoji corpus and its manifest, the Iconify artwork styles, the word knowledge.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fetch_corpus.sh
bash scripts/fetch_styles.sh
bash scripts/fetch_words.sh
