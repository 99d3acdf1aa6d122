#!/usr/bin/env bash
# Trains the Attentive Feedback Summarizer on top of models/emoji-clip (CPU, seeded; ~2 min of data preparation, then
# ~3 min per epoch on 2 cores), exports models/emoji-clip/afs_model.onnx + parity fixtures, and runs the reference
# evaluation (afs / afs_prf, rounds 1..5) into models/emoji-clip/afs_eval.{md,json}. Needs the data:
# scripts/fetch_data.sh. Options: tools/afs/train_afs.py (the shipped model: see the model card).
#   Usage: scripts/train_afs.sh [--epochs 8] [--minutes 60] [--width 128]   (the shipped summarizer: --epochs 4,
#   ~13 min, then ~8 min of export and reference evaluation)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python_deps.sh
"${TRAIN_ENV[@]}" /usr/bin/python3 -m tools.afs.train_afs --out data/afs "$@"
/usr/bin/python3 -m tools.afs.export_afs --checkpoint data/afs/best.pt --out models/emoji-clip
cp data/afs/train_log.json models/emoji-clip/afs_train_log.json
cp data/afs/best.pt models/emoji-clip/afs_model.pt  # the reference evaluation and the fixtures come from it
/usr/bin/python3 -m tools.afs.evaluate_afs --checkpoint models/emoji-clip/afs_model.pt --out models/emoji-clip
