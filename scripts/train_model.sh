#!/usr/bin/env bash
# Trains the emoji CLIP-style dual encoder (CPU, ~27 min on 2 cores, seeded), exports it to ONNX under the HF
# CLIP contract in models/emoji-clip/ with fixtures, and checks the ONNX files in ONNX Runtime against PyTorch.
# Needs the corpus: scripts/fetch_corpus.sh.   Usage: scripts/train_model.sh [--minutes 27]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python_deps.sh
/usr/bin/python3 tools/train_clip.py --out data/train "$@"
/usr/bin/python3 tools/export_onnx.py --checkpoint data/train/best.pt --out models/emoji-clip
cp data/train/train_log.json models/emoji-clip/train_log.json
cp data/train/best.pt models/emoji-clip/pytorch_model.pt  # the reference evaluation runs the PyTorch model
if [ ! -d data/cache/onnx-check/node_modules/onnxruntime-node ]; then
  mkdir -p data/cache/onnx-check
  (cd data/cache/onnx-check && npm install --silent --ignore-scripts --no-audit --no-fund onnxruntime-node@1.20.1)
fi
node tools/check_onnx.mjs models/emoji-clip
