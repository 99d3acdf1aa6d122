#!/usr/bin/env bash
# Starts / stops a real OpenSearch 3.6.0 node (the official integ-test zip from Maven Central) with the
# plugin installed, bound to 127.0.0.1. OpenSearch refuses to run as root, so the node runs as an
# unprivileged user (created if missing).
#
#   scripts/node.sh start  [--port P] [--plugin ZIP] [--dir DIR] [--heap 1g]
#   scripts/node.sh stop   [--dir DIR]
#   scripts/node.sh status [--dir DIR]
set -euo pipefail

OS_VERSION=3.6.0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/env.sh"
NODE_USER=${RF_NODE_USER:-rfnode}
DIR=$ROOT/target/node
PORT=""
PLUGIN=""
HEAP=1g

cmd=${1:-}
shift || true
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2; shift 2 ;;
    --plugin) PLUGIN=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --heap) HEAP=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
HOME_DIR=$DIR/opensearch-$OS_VERSION
PID_FILE=$DIR/opensearch.pid

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

distribution_zip() {
  local zip=$HOME/.m2/repository/org/opensearch/distribution/integ-test-zip/opensearch/$OS_VERSION/opensearch-$OS_VERSION.zip
  if [ ! -f "$zip" ]; then
    JAVA_HOME=$JAVA_HOME mvn -B -q dependency:get \
      -Dartifact=org.opensearch.distribution.integ-test-zip:opensearch:$OS_VERSION:zip >&2
  fi
  echo "$zip"
}

start() {
  if pid=$(running_pid); then
    echo "node already running (pid $pid, port $(cat "$DIR/port"))"
    return 0
  fi
  [ -n "$PLUGIN" ] || PLUGIN=$(ls "$ROOT"/target/relevance-feedback-*.zip 2>/dev/null | head -n 1)
  [ -f "$PLUGIN" ] || { echo "plugin zip not found; run 'mvn package' first" >&2; exit 1; }
  [ -n "$PORT" ] || PORT=$(free_port)
  id -u "$NODE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$NODE_USER"

  rm -rf "$DIR"
  mkdir -p "$DIR"
  unzip -q "$(distribution_zip)" -d "$DIR"
  OPENSEARCH_JAVA_HOME=$JAVA_HOME "$HOME_DIR/bin/opensearch-plugin" install --batch "file://$(readlink -f "$PLUGIN")" >"$DIR/plugin-install.log" 2>&1 \
    || { cat "$DIR/plugin-install.log" >&2; exit 1; }
  cat >>"$HOME_DIR/config/opensearch.yml" <<YML
cluster.name: rf-it
node.name: rf-node-1
network.host: 127.0.0.1
http.port: $PORT
transport.port: $((PORT + 1))-$((PORT + 100))
discovery.type: single-node
path.data: $DIR/data
path.logs: $DIR/logs
cluster.routing.allocation.disk.threshold_enabled: false
YML
  chown -R "$NODE_USER" "$DIR"
  runuser -u "$NODE_USER" -- env OPENSEARCH_JAVA_HOME="$JAVA_HOME" OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" \
    "$HOME_DIR/bin/opensearch" -d -p "$PID_FILE" >"$DIR/stdout.log" 2>&1
  echo "$PORT" >"$DIR/port"

  for _ in $(seq 1 180); do
    if curl -fsS "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=green&timeout=1s" >/dev/null 2>&1; then
      echo "node up: http://127.0.0.1:$PORT (pid $(cat "$PID_FILE"))"
      return 0
    fi
    if [ -f "$PID_FILE" ] && ! running_pid >/dev/null; then break; fi
    sleep 1
  done
  echo "node did not become green; last log lines:" >&2
  tail -n 40 "$DIR"/logs/*.log "$DIR/stdout.log" >&2 2>/dev/null || true
  stop
  exit 1
}

stop() {
  if pid=$(running_pid); then
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "node stopped (pid $pid)"
  else
    echo "node not running"
  fi
  rm -f "$PID_FILE"
}

status() {
  if pid=$(running_pid); then
    echo "running: pid $pid, http://127.0.0.1:$(cat "$DIR/port")"
  else
    echo "not running"
    return 1
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [--port P] [--plugin ZIP] [--dir DIR] [--heap 1g]" >&2; exit 2 ;;
esac
