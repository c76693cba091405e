#!/usr/bin/env bash
# Browser check of `thinktune ui`: serves a model's graphs (MODEL, default models/arith-tiny) and, with --log
# FILE, a training run's UI log, on a free loopback port, takes headless Chromium screenshots of the SameDiff
# page and checks that the graph views are legible (scripts/ui-graph-check.cjs: the expected labels are on the
# page's graph nodes at >= 10 px on screen, enough nodes in view, the sidebar lists the blocks); exits non-zero
# when they are not.
#
#   scripts/ui-screenshot.sh [--log FILE] [OUT_DIR]
#
# Builds nothing: run `mvn -q -DskipTests package` first. Needs Debian's chromium (apt-get install -y chromium)
# and playwright-core: (cd /tmp/pw && npm i playwright-core), PLAYWRIGHT_CORE=/tmp/pw/node_modules/playwright-core.
# Writes OUT_DIR (default target/ui-screenshots):
#   graph.png         the default view: the blocks of the student graph with the ThinkTuning loss (checked)
#   graph-layer.png   model.layers.1 opened to its ops (checked)
#   graph-loss.png    the loss block opened to its terms (checked)
#   graph-q_proj.png  every op, zoomed to model.layers.0.self_attn.q_proj.weight, shown in the sidebar
#   charts.png        (with --log) the Plots tab of FILE: the ThinkTuning metrics first, guided steps shaded
#                     (checked by scripts/ui-charts-check.cjs), then the other metrics and parameter histograms
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOG=""
if [ "${1:-}" = "--log" ]; then
  LOG="$(realpath "$2")"
  shift 2
fi
OUT="$(realpath -m "${1:-target/ui-screenshots}")"
MODEL="${MODEL:-$ROOT/models/arith-tiny}"
CHROMIUM="${CHROMIUM:-chromium}"
mkdir -p "$OUT"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"          # the command's shutdown hook stops the server; the JVM then exits
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT

# start_server ARGS...: runs `thinktune ui ARGS --port P` in the background and waits for it to answer
start_server() {
  PORT="$(free_port)"
  "$ROOT/bin/thinktune" ui "$@" --port "$PORT" > "$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    if curl -sf -o /dev/null "http://127.0.0.1:$PORT/thinktune/logs"; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "ui-screenshot: the server exited:" >&2
      cat "$OUT/server.log" >&2
      exit 1
    fi
    sleep 1
  done
  echo "ui-screenshot: no answer on port $PORT after 120 s" >&2
  exit 1
}

# shot FILE URL: a 1400x900 screenshot after up to 15 s of the page's (virtual) time
shot() {
  local profile
  profile="$(mktemp -d)"
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1400,900 --virtual-time-budget=15000 \
    --screenshot="$1" "$2" > "$OUT/chromium.log" 2>&1 || { cat "$OUT/chromium.log" >&2; rm -rf "$profile"; exit 1; }
  rm -rf "$profile"
  echo "$1  <-  $2"
}

# check URL FILE ARGS...: screenshot and legibility check of one graph view (see scripts/ui-graph-check.cjs)
check() {
  local url="$1" file="$2"
  shift 2
  node "$ROOT/scripts/ui-graph-check.cjs" "$url" "$file" "$@"
}

start_server --model "$MODEL"
BASE="http://127.0.0.1:$PORT/thinktune/samediff/student-thinktune-loss"
BLOCKS="inputs,model.embed_tokens,model.layers.0,model.layers.1,model.norm,lm_head,logprobs,loss"
check "$BASE" "$OUT/graph.png" model.embed_tokens model.layers.0 model.layers.1 lm_head loss \
  --blocks "$BLOCKS" --min-nodes 8
check "$BASE?block=model.layers.1" "$OUT/graph-layer.png" model.layers.1.input_layernorm/ \
  model.layers.1.self_attn/ --blocks "$BLOCKS" --min-nodes 8
check "$BASE?block=loss" "$OUT/graph-loss.png" loss_ratio loss_w --blocks "$BLOCKS" --min-nodes 5
shot "$OUT/graph-q_proj.png" "$BASE?view=ops&focus=model.layers.0.self_attn.q_proj.weight"
stop_server

if [ -n "$LOG" ]; then
  start_server --log "$LOG"
  NAME="$(curl -sf "http://127.0.0.1:$PORT/thinktune/logs" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["name"])')"
  node "$ROOT/scripts/ui-charts-check.cjs" "http://127.0.0.1:$PORT/thinktune/samediff/$NAME?page=plots" \
    "$OUT/charts.png"
  stop_server
fi
