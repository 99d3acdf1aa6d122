#!/usr/bin/env bash
# In-process kNN benchmark: the plugin's shard query vs raw Lucene KnnFloatVectorQuery on the same segment.
#   scripts/bench.sh [sizes...]        default: 10000 100000
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec "$JAVA_HOME/bin/java" -Xmx4g --add-modules jdk.incubator.vector \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  org.opensearch.relevancefeedback.query.KnnQueryBench "$@"
