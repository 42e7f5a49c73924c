#!/usr/bin/env bash
# Set up and start the demo desk: migrate, seed, serve, and run the platform simulator, which
# plays Messenger, Instagram, WhatsApp, Telegram and X people writing to the desk and the
# platforms' send APIs that the desk's replies go to (see docs/CHANNELS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST="${DMDESK_HOST:-127.0.0.1}"
PORT="${DMDESK_PORT:-8000}"
SIM_PORT="${DMDESK_SIM_PORT:-9100}"
SIM_RATE="${DMDESK_SIM_RATE:-0.3}"
URL="http://${HOST}:${PORT}"
SERVER=""
SIM=""

"$BIN/dmdesk" db upgrade
"$BIN/dmdesk" demo --json > /dev/null
"$BIN/dmdesk" serve --host "$HOST" --port "$PORT" &
SERVER=$!
trap 'kill $SERVER $SIM 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 300); do
  curl -fs "$URL/healthz" > /dev/null 2>&1 && break
  sleep 0.2
done
"$BIN/dmdesk" simulate --host 127.0.0.1 --port "$SIM_PORT" --desk-url "$URL" \
  --rate "$SIM_RATE" > /dev/null 2>&1 &
SIM=$!
cat <<MSG

  dmdesk is running at $URL
  log in as admin@demo.dmdesk.local / demo-password
  DMs from Messenger, Instagram, WhatsApp, Telegram and X arrive every few seconds from the
  platform simulator (http://127.0.0.1:$SIM_PORT); replies go to it and come back as
  delivered / read. Press Ctrl+C to stop.

MSG
wait $SERVER
