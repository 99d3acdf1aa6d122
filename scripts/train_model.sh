#!/usr/bin/env bash
# Trains the emoji CLIP-style dual encoder (CPU, seeded, ~55 min on 2 cores: 1,000 image steps
# with the Iconify styles, keyword captions and augmentation; see tools/model/train_clip.py), exports it to ONNX under the
# HF CLIP contract in models/emoji-clip/ with fixtures, and checks the ONNX files in ONNX Runtime against PyTorch.
# Needs the data: scripts/fetch_data.sh. Checkpoints go to data/train (last.pt every epoch; re-running resumes).
#   Usage: scripts/train_model.sh [train_clip.py options, e.g. --steps 1000 --no-styles]
# The shipped model (5,610 steps) is scripts/train_model.sh (1,000 steps, ~60 min), then five times
#   scripts/train_model.sh --init models/emoji-clip/pytorch_model.pt --steps 600 --lr 5e-4   (600 more, ~55-75 min)
# (the third of those resumed with --steps 450), once the same with --lr 3e-4 (45 min), then without the words:
# --steps 300 --lr 3e-4 --no-words (16 min) and --steps 900 --lr 5e-4 --no-words (58 min); see the model card
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
