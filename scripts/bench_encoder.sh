#!/usr/bin/env bash
# Encoder benchmark: the plugin's ClipEncoder vs a bare ONNX Runtime loop, same JVM, same model (EncoderBench).
#   scripts/bench_encoder.sh [intra-op threads [model folder]]   default 1, models/emoji-clip (e.g. a folder from
#   scripts/convert_clip.sh for ViT-B/32-size figures); needs scripts/fetch_corpus.sh for the data
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec "$JAVA_HOME/bin/java" -Xmx2g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  org.opensearch.relevancefeedback.inference.EncoderBench "$@"
