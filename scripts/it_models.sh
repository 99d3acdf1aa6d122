#!/usr/bin/env bash
# The model folders the real-node tests load beside the shipped model (scripts/node.sh --models target/it-models):
# two random-weight Hugging Face CLIP checkpoints converted by scripts/convert_clip.sh, one tiny (64 px, 32-d) and one
# at ViT-B/32 shape (224 px, 512-d, 151M parameters, ~600 MB of ONNX), and "broken", a folder that cannot load.
# clip-b32 also gets a random-weight summarizer at its widths (tools/afs/make_random_afs.py). A folder already converted
# is kept (its fixtures are written last).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python_deps.sh
out=target/it-models
mkdir -p "$out"
convert() {  # NAME [make_random_clip.py options]
  local name=$1
  shift
  if [ ! -f "$out/$name/fixtures/reference_outputs.json" ]; then
    /usr/bin/python3 -m tools.model.make_random_clip "target/checkpoint-$name" "$@"
    bash scripts/convert_clip.sh "target/checkpoint-$name" "$name" --out "$out"
    rm -rf "target/checkpoint-$name"
  fi
}
convert tiny-random --tiny
convert clip-b32
# a random-weight summarizer at B/32 widths (text 512, vision 768), for timing and the AFS path on a real node
[ -f "$out/clip-b32/afs_model.onnx" ] || /usr/bin/python3 -m tools.afs.make_random_afs "$out/clip-b32"
mkdir -p "$out/broken"
echo '{"note": "no ONNX files: this model must fail to load without stopping the others"}' >"$out/broken/config.json"
