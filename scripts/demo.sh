#!/usr/bin/env bash
# Builds the plugin, starts a real OpenSearch node with it on 127.0.0.1 and loads a small demo index:
# the 148 CSS named colours (npm package css-color-names, fetched and integrity-checked) as 3-d RGB vectors.
# Stop the node with: scripts/node.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

PKG=css-color-names@1.0.1
INTEGRITY=sha512-/loXYOch1qU1biStIFsHH8SxTmOseh1IJqFvy8IujXOm1h+QjUdDhkzOrR5HG8K8mlxREj0yfi8ewCHx0eMxzA==

mvn -B -q package -DskipTests
port=9200
if ! bash scripts/node.sh status >/dev/null 2>&1; then
  if curl -s -o /dev/null "http://127.0.0.1:$port"; then port=""; fi
  bash scripts/node.sh start ${port:+--port $port}
fi
port=$(cat target/node/port)

. scripts/npm_fetch.sh
tarball=$(npm_fetch "$PKG" "$INTEGRITY" data/cache)

/usr/bin/python3 scripts/load_colors.py "$tarball" "http://127.0.0.1:$port"
