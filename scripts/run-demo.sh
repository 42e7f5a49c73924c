#!/usr/bin/env bash
# Set up and start the demo desk: migrate, seed, serve, and post simulated DMs to it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST="${DMDESK_HOST:-127.0.0.1}"
PORT="${DMDESK_PORT:-8000}"
URL="http://${HOST}:${PORT}"

"$BIN/dmdesk" db upgrade
"$BIN/dmdesk" demo --json > /dev/null
"$BIN/dmdesk" serve --host "$HOST" --port "$PORT" &
SERVER=$!
trap 'kill $SERVER $TRAFFIC 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fs "$URL/healthz" > /dev/null 2>&1 && break
  sleep 0.2
done
"$BIN/dmdesk" demo-traffic --url "$URL" > /dev/null 2>&1 &
TRAFFIC=$!
cat <<MSG

  dmdesk is running at $URL
  log in as admin@demo.dmdesk.local / demo-password
  simulated DMs arrive every few seconds; press Ctrl+C to stop.

MSG
wait $SERVER
