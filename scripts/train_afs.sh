#!/usr/bin/env bash
# Trains the Attentive Feedback Summarizer on top of models/emoji-clip (CPU, <= 25 min of training on 2 cores,
# seeded), exports models/emoji-clip/afs_model.onnx + parity fixtures, and runs the reference evaluation
# (afs / afs_prf, rounds 1..5) into models/emoji-clip/afs_eval.{md,json}. Needs the corpus: scripts/fetch_corpus.sh.
#   Usage: scripts/train_afs.sh [--minutes 25]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python_deps.sh
/usr/bin/python3 tools/train_afs.py --out data/afs "$@"
/usr/bin/python3 tools/export_afs.py --checkpoint data/afs/best.pt --out models/emoji-clip
cp data/afs/train_log.json models/emoji-clip/afs_train_log.json
cp data/afs/best.pt models/emoji-clip/afs_model.pt  # the reference evaluation and the fixtures come from it
/usr/bin/python3 tools/evaluate_afs.py --checkpoint models/emoji-clip/afs_model.pt --out models/emoji-clip
