#!/usr/bin/env bash
# What the test suite needs on this machine: PostgreSQL running, Debian's Chromium installed.
set -euo pipefail
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-noto-color-emoji > /dev/null
fi
if ! redis-cli -h 127.0.0.1 ping > /dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 ping > /dev/null 2>&1 && break; sleep 0.2; done
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "installing axe-core from npm for the accessibility test"
  npm install --no-save --no-audit --no-fund --silent axe-core@4
fi
