#!/usr/bin/env bash
# Trains the emoji CLIP-style dual encoder (CPU, seeded, ~55 min on 2 cores: 1,000 image steps
# with the Iconify styles, keyword captions and augmentation; see tools/model/train_clip.py), exports it to ONNX under the
# HF CLIP contract in models/emoji-clip/ with fixtures, and checks the ONNX files in ONNX Runtime against PyTorch.
# Needs the data: scripts/fetch_data.sh. Checkpoints go to data/train (last.pt every epoch; re-running resumes).
#   Usage: scripts/train_model.sh [train_clip.py options, e.g. --steps 1000 --no-styles]
# The shipped model is one 7,000-step run from scratch on a lent GPU (7.4 min on an H200; ~7 h on 2 CPU cores, resuming
# across sessions from last.pt): scripts/train_model.sh --device cuda --steps 7000 --text-weight 0.05 (model card)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python_deps.sh
"${TRAIN_ENV[@]}" /usr/bin/python3 -m tools.model.train_clip --out data/train "$@"
/usr/bin/python3 -m tools.model.export_onnx --checkpoint data/train/best.pt --out models/emoji-clip
cp data/train/train_log.json models/emoji-clip/train_log.json
cp data/train/best.pt models/emoji-clip/pytorch_model.pt  # the reference evaluation runs the PyTorch model
if [ ! -d data/cache/onnx-check/node_modules/onnxruntime-node ]; then
  mkdir -p data/cache/onnx-check
  (cd data/cache/onnx-check && npm install --silent --ignore-scripts --no-audit --no-fund onnxruntime-node@1.20.1)
fi
node tools/model/check_onnx.mjs models/emoji-clip
