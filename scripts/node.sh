#!/usr/bin/env bash
# Starts / stops a real OpenSearch cluster (the official integ-test zip from Maven Central, 3.6.0 unless
# --version says otherwise; the plugin zip must be built for the same version) of one or more nodes, each with
# the plugin installed (and with --with-knn the official k-NN plugin of that version beside it), bound to
# 127.0.0.1. OpenSearch refuses to run as root, so the nodes run as an unprivileged user (created if missing).
# --port is node 1's HTTP port (the one to talk to).
#
# --models DIR: each folder in DIR is copied into every node's config/relevance-feedback/models/ (named models).
# RF_NODE_JAVA_OPTS (environment): extra JVM options for the nodes, e.g. a flight recording when profiling.
#
#   scripts/node.sh start  [--port P] [--nodes N] [--plugin ZIP] [--dir DIR] [--heap 1g] [--version 3.5.0] [--with-knn]
#                          [--models DIR]
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
NODES=1
WITH_KNN=false
MODELS=""

cmd=${1:-}
shift || true
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2; shift 2 ;;
    --plugin) PLUGIN=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --heap) HEAP=$2; shift 2 ;;
    --nodes) NODES=$2; shift 2 ;;
    --version) OS_VERSION=$2; shift 2 ;;
    --with-knn) WITH_KNN=true; shift ;;
    --models) MODELS=$2; shift 2 ;;
    "") shift ;;  # an empty argument from the build (no --with-knn)
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# Absolute: the daemonized node resolves its PID file against its own working directory.
DIR=$(realpath -m "$DIR")
home_dir() { echo "$DIR/n$1/opensearch-$OS_VERSION"; }
pid_file() { echo "$DIR/n$1/opensearch.pid"; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The PIDs of the running nodes of this cluster directory (none: fails).
running_pids() {
  local f pid found=1
  for f in "$DIR"/n*/opensearch.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then echo "$pid"; found=0; fi
  done
  return $found
}

# A zip artifact from Maven Central (cached in ~/.m2): group path, artifact, version.
maven_zip() {
  local zip=$HOME/.m2/repository/$1/$2/$3/$2-$3.zip
  if [ ! -f "$zip" ]; then
    JAVA_HOME=$JAVA_HOME mvn -B -q dependency:get -Dartifact="$(echo "$1" | tr / .):$2:$3:zip" >&2
  fi
  echo "$zip"
}

start() {
  if pids=$(running_pids); then
    echo "cluster already running (pids $(echo $pids), port $(cat "$DIR/port"))"
    return 0
  fi
  [ -n "$PLUGIN" ] || PLUGIN=$(ls "$ROOT"/target/relevance-feedback-*.zip 2>/dev/null | head -n 1)
  [ -f "$PLUGIN" ] || { echo "plugin zip not found; run 'mvn package' first" >&2; exit 1; }
  [ -n "$PORT" ] || PORT=$(free_port)
  id -u "$NODE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$NODE_USER"

  rm -rf "$DIR"
  mkdir -p "$DIR"
  local zip i seeds="" names="" transport http
  zip=$(maven_zip org/opensearch/distribution/integ-test-zip opensearch "$OS_VERSION")
  declare -a transports https
  for i in $(seq 1 "$NODES"); do
    transports[$i]=$(free_port)
    https[$i]=$PORT
    [ "$i" = 1 ] || https[$i]=$(free_port)
    seeds+="${seeds:+, }\"127.0.0.1:${transports[$i]}\""
    names+="${names:+, }\"rf-node-$i\""
  done
  for i in $(seq 1 "$NODES"); do
    mkdir -p "$DIR/n$i"
    unzip -q "$zip" -d "$DIR/n$i"
    OPENSEARCH_JAVA_HOME=$JAVA_HOME "$(home_dir "$i")/bin/opensearch-plugin" install --batch "file://$(readlink -f "$PLUGIN")" >"$DIR/n$i/plugin-install.log" 2>&1 \
      || { cat "$DIR/n$i/plugin-install.log" >&2; exit 1; }
    if [ "$WITH_KNN" = true ]; then
      OPENSEARCH_JAVA_HOME=$JAVA_HOME "$(home_dir "$i")/bin/opensearch-plugin" install --batch \
        "file://$(maven_zip org/opensearch/plugin opensearch-knn "$OS_VERSION.0")" >>"$DIR/n$i/plugin-install.log" 2>&1 \
        || { cat "$DIR/n$i/plugin-install.log" >&2; exit 1; }
    fi
    {
      echo "cluster.name: rf-it"
      echo "node.name: rf-node-$i"
      echo "network.host: 127.0.0.1"
      echo "http.port: ${https[$i]}"
      echo "transport.port: ${transports[$i]}"
      if [ "$NODES" = 1 ]; then
        echo "discovery.type: single-node"
      else
        echo "discovery.seed_hosts: [$seeds]"
        echo "cluster.initial_cluster_manager_nodes: [$names]"
      fi
      echo "path.data: $DIR/n$i/data"
      echo "path.logs: $DIR/n$i/logs"
      echo "cluster.routing.allocation.disk.threshold_enabled: false"
    } >>"$(home_dir "$i")/config/opensearch.yml"
    if [ -n "$MODELS" ] && [ -d "$MODELS" ]; then
      mkdir -p "$(home_dir "$i")/config/relevance-feedback/models"
      # hard links where the file system allows (the B/32-shape model is ~600 MB per node)
      cp -rl "$MODELS"/. "$(home_dir "$i")/config/relevance-feedback/models/" 2>/dev/null \
        || cp -r "$MODELS"/. "$(home_dir "$i")/config/relevance-feedback/models/"
    fi
  done
  chown -R "$NODE_USER" "$DIR"
  for i in $(seq 1 "$NODES"); do
    runuser -u "$NODE_USER" -- env OPENSEARCH_JAVA_HOME="$JAVA_HOME" OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${RF_NODE_JAVA_OPTS:-}" \
      "$(home_dir "$i")/bin/opensearch" -d -p "$(pid_file "$i")" >"$DIR/n$i/stdout.log" 2>&1
  done
  echo "$PORT" >"$DIR/port"

  for _ in $(seq 1 180); do
    if curl -fsS "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=green&wait_for_nodes=$NODES&timeout=1s" >/dev/null 2>&1; then
      echo "cluster up: $NODES node(s), http://127.0.0.1:$PORT (pids $(running_pids | xargs))"
      return 0
    fi
    sleep 1
  done
  echo "cluster did not become green with $NODES node(s); last log lines:" >&2
  tail -n 40 "$DIR"/n*/logs/*.log "$DIR"/n*/stdout.log >&2 2>/dev/null || true
  stop
  exit 1
}

stop() {
  local pids pid
  if pids=$(running_pids); then
    for pid in $pids; do kill "$pid"; done
    for pid in $pids; do
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -9 "$pid" 2>/dev/null || true
    done
    echo "cluster stopped (pids $(echo $pids))"
  else
    echo "cluster not running"
  fi
  rm -f "$DIR"/n*/opensearch.pid
}

status() {
  if pids=$(running_pids); then
    echo "running: pids $(echo $pids), http://127.0.0.1:$(cat "$DIR/port")"
  else
    echo "not running"
    return 1
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [--port P] [--nodes N] [--plugin ZIP] [--dir DIR] [--heap 1g]" >&2; exit 2 ;;
esac
