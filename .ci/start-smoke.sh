#!/usr/bin/env bash
# `npm start` on a fresh DATA_DIR: demo data loaded, service answering, demo key usable,
# CLI commands working while the service runs.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR="$(mktemp -d)"
# A port the system says is free now (a random one may be a live connection's local port).
PORT=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
LOG="$DATA_DIR/start.log"
export DATA_DIR PORT
unset DATABASE_URL
# Own process group, so that stopping it stops npm AND the service it started.
setsid npm start >"$LOG" 2>&1 &
PID=$!
stop() { kill -TERM -- "-$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA_DIR"; }
trap stop EXIT
for _ in $(seq 1 180); do
  grep -q "API Engagement écoute sur" "$LOG" && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; echo "npm start exited"; exit 1; }
  sleep 1
done
grep -q "API Engagement écoute sur" "$LOG" || { cat "$LOG"; echo "npm start did not come up"; exit 1; }
KEY=$(grep -m1 -oE 'ae_[A-Za-z0-9_-]{43}' "$LOG")
# /ready answers 503 until the search index is loaded: wait for it, as a load balancer would.
READY=""
for _ in $(seq 1 120); do
  READY=$(curl -sS "http://127.0.0.1:$PORT/ready" || true)
  echo "$READY" | grep -q '"ok":true' && break
  sleep 1
done
echo "$READY" | grep -q '"database":"up"' && echo "$READY" | grep -q '"ok":true' \
  || { cat "$LOG"; echo "/ready never became ready: $READY"; exit 1; }
TOTAL=$(curl -fsS -H "x-api-key: $KEY" "http://127.0.0.1:$PORT/v0/mymission?limit=1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).total))')
echo "demo annonceur has $TOTAL live missions"
[ "$TOTAL" -gt 0 ]
NEW=$(./bin/engagement publisher create --name "Partenaire CI" --annonceur)
NEWKEY=$(echo "$NEW" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).apiKey))')
curl -fsS -H "x-api-key: $NEWKEY" -H 'content-type: application/json' \
  -d '{"clientId":"ci-1","title":"Mission de test CI","description":"Une description","applicationUrl":"https://example.org"}' \
  "http://127.0.0.1:$PORT/v2/mission" | grep -q '"statusCode":"ACCEPTED"'
# The demo widget printed at start shows missions.
WIDGET=$(grep -m1 -oE '/w/[0-9a-f-]{36}' "$LOG")
curl -fsS "http://127.0.0.1:$PORT$WIDGET" | grep -qE '<p id="w-count"[^>]*>[0-9][^<]* missions' \
  || { cat "$LOG"; echo "the demo widget $WIDGET shows no mission"; exit 1; }
echo "start smoke test passed"
