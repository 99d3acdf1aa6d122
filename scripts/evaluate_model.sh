#!/usr/bin/env bash
# Reference evaluation of models/emoji-clip's PyTorch checkpoint on the held-out vendor and the unseen concepts:
# none / PRF / GRF / original Rocchio / explicit, rounds 1..5. Writes models/emoji-clip/eval.{md,json}, ranks.json,
# then the Java cross-check fixtures of this model (src/test/resources/emoji/*, feedback_crosscheck.json).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python_deps.sh
/usr/bin/python3 -m tools.eval.evaluate --checkpoint models/emoji-clip/pytorch_model.pt --out models/emoji-clip "$@"
/usr/bin/python3 -m tools.eval.export_feedback_fixtures
