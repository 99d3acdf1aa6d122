#!/usr/bin/env bash
# Trains the emoji CLIP-style dual encoder (seeded; see tools/model/train_clip.py), exports it to ONNX under the HF CLIP
# contract in models/emoji-clip/ with fixtures, and checks the ONNX files in ONNX Runtime against PyTorch.
# Needs the data: scripts/fetch_data.sh. Checkpoints go to data/train (last.pt every epoch; re-running resumes).
#   Usage: scripts/train_model.sh [train_clip.py options, e.g. --steps 1000 --no-styles]
# Without options it runs the CPU recipe: the shipped encoder's recipe (Iconify styles, keyword captions, WordNet pairs
# at weight 0.05, augmentation) cut to 6,000 image steps, with bfloat16 matrix products and half of each image's
# patches masked: 79.5 min with the export and check on 2 CPU cores with native bf16, for a model a little below the
# shipped one (model card, run 13).
# Options replace that whole list. The shipped encoder's GPU run: --device cuda --steps 7000 --text-weight 0.05
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python_deps.sh
recipe=("$@")
[ $# -gt 0 ] || recipe=(--steps 6000 --text-weight 0.05 --bf16 --mask-ratio 0.5)
# ATen's AVX-512 kernels for the element-wise ops (~4% a step), only where the CPU has them: torch does not check
cpu=()
grep -qw avx512f /proc/cpuinfo && cpu=(env ATEN_CPU_CAPABILITY=avx512)
"${cpu[@]}" "${TRAIN_ENV[@]}" /usr/bin/python3 -m tools.model.train_clip --out data/train "${recipe[@]}"
/usr/bin/python3 -m tools.model.export_onnx --checkpoint data/train/best.pt --out models/emoji-clip
cp data/train/train_log.json models/emoji-clip/train_log.json
cp data/train/best.pt models/emoji-clip/pytorch_model.pt  # the reference evaluation runs the PyTorch model
if [ ! -d data/cache/onnx-check/node_modules/onnxruntime-node ]; then
  mkdir -p data/cache/onnx-check
  (cd data/cache/onnx-check && npm install --silent --ignore-scripts --no-audit --no-fund onnxruntime-node@1.20.1)
fi
node tools/model/check_onnx.mjs models/emoji-clip
