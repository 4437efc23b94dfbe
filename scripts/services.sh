#!/usr/bin/env bash
# Start PostgreSQL and Redis on loopback if they are down, and create the database the settings name.
# Used by `make demo`, `make test` and .ci/run, so a fresh machine needs nothing done by hand.
set -euo pipefail

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }

# The database named by DATABASE_URL (default fee_center); tests create test_<name> themselves.
db_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fee_center}"
db_name="${db_url##*/}"; db_name="${db_name%%\?*}"
if ! psql "${db_url%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='${db_name}'" | grep -q 1; then
  psql "${db_url%/*}/postgres" -qc "CREATE DATABASE \"${db_name}\""
fi
