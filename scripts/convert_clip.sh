#!/usr/bin/env bash
# Converts a Hugging Face CLIP checkpoint directory (config.json, model.safetensors or pytorch_model.bin,
# tokenizer.json, preprocessor_config.json) into the plugin's model folder DIR/NAME (tools/model/convert_clip.py: ONNX
# export, onnx.checker, PyTorch fixtures), then runs both ONNX files in ONNX Runtime against the PyTorch outputs.
#   Usage: scripts/convert_clip.sh CHECKPOINT_DIR NAME [--out DIR]     (DIR defaults to target/models)
# See docs/convert_clip.md for where the folder goes on a node.
set -euo pipefail
if [ $# -ne 2 ] && { [ $# -ne 4 ] || [ "$3" != "--out" ]; }; then
  echo "usage: $0 CHECKPOINT_DIR NAME [--out DIR]" >&2
  exit 2
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
checkpoint=$(realpath "$1")
out=$(realpath -m "${4:-$repo/target/models}")/$2  # a relative --out is taken from where the script is called
cd "$repo"
. scripts/python_deps.sh
/usr/bin/python3 -m tools.model.convert_clip "$checkpoint" "$out"
if [ ! -d data/cache/onnx-check/node_modules/onnxruntime-node ]; then
  mkdir -p data/cache/onnx-check
  (cd data/cache/onnx-check && npm install --silent --ignore-scripts --no-audit --no-fund onnxruntime-node@1.20.1)
fi
node tools/model/check_onnx.mjs "$out"
