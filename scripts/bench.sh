#!/usr/bin/env bash
# In-process kNN benchmarks on Lucene segments built here (no node):
#   scripts/bench.sh [sizes...]                    the plugin's shard query vs raw Lucene KnnFloatVectorQuery
#                                                  (KnnQueryBench; default sizes 10000 100000)
#   scripts/bench.sh seeded [vectors] [segments]   a PRF round's second pass, unseeded vs seeded with the first
#                                                  pass's candidates (SeededPassBench; default 200000 4)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
bench=KnnQueryBench
if [ "${1:-}" = seeded ]; then
  bench=SeededPassBench
  shift
fi
exec "$JAVA_HOME/bin/java" -Xmx8g --add-modules jdk.incubator.vector \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  "org.opensearch.relevancefeedback.query.$bench" "$@"
