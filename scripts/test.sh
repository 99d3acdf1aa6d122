#!/usr/bin/env bash
# The whole test suite:
#  1. Python reference tools (tokenizer, feedback math, metrics, Karpathy loader, the CLIP converter): unittest;
#  2. the emoji corpus from npm (cached in data/cache; the real-cluster ingest test reads its PNGs);
#  3. unit + OpenSearch test-framework tests (surefire), then a real 2-node OpenSearch cluster with the plugin
#     installed and the REST/YAML integration tests against it (failsafe), the web UI's browser test among them
#     (Debian chromium + chromium-driver, screenshots in target/ui-screenshots); the nodes are stopped by PID;
#     The IT nodes also load named models from target/it-models (scripts/it_models.sh: random Hugging Face CLIP
#     checkpoints, tiny and ViT-B/32 shape, through scripts/convert_clip.sh, and a folder that cannot load);
#  4. the plugin's encoder checked on those converted folders against the converter's PyTorch outputs;
#  5. the build for OpenSearch 3.5.0 (-Pos-3.5, target/os-3.5.0): unit tests, then a real 3.5.0 node with the official
#     k-NN plugin 3.5.0.0 beside ours (KnnPluginSideBySideIT).
set -euo pipefail
cd "$(dirname "$0")/.."
RF_BROWSER=1 . scripts/setup.sh
. scripts/python_deps.sh  # torch for the converter's tests and step 4
/usr/bin/python3 -m unittest discover -s tools/tests -t .
bash scripts/fetch_corpus.sh
bash scripts/it_models.sh
mvn -B verify "$@"
for model in tiny-random clip-b32; do
  mvn -B test -Dtest=ClipEncoderTests -Drf.model.dir=target/it-models/$model
done
# the same plugin built and unit-tested for OpenSearch 3.5.0, then on a real 3.5.0 node beside the k-NN plugin 3.5.0.0
mvn -B -Pos-3.5 verify "$@"
