#!/usr/bin/env bash
# Starts PostgreSQL and Redis for the test suite (sourced by test.sh): installs Debian's packages when missing, runs
# each server on a free loopback port with a throw-away data folder, exports the connection settings, and stops both
# (and removes their folders) when the calling shell exits.

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_test_services() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi

  TEST_SERVICES_DIR=$(mktemp -d /tmp/agentrouter-services.XXXXXX)
  chmod 755 "$TEST_SERVICES_DIR"
  trap stop_test_services EXIT

  # PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres account the package created.
  local pgbin run_pg=()
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  if [ "$(id -u)" -eq 0 ]; then run_pg=(runuser -u postgres --); fi
  mkdir -p "$TEST_SERVICES_DIR/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$TEST_SERVICES_DIR/pg"
  local pg_port redis_port
  pg_port=$(free_port)
  "${run_pg[@]}" "$pgbin/initdb" -D "$TEST_SERVICES_DIR/pg/data" -U postgres -A trust --no-sync >/dev/null
  "${run_pg[@]}" "$pgbin/pg_ctl" -D "$TEST_SERVICES_DIR/pg/data" -l "$TEST_SERVICES_DIR/pg/log" -w -s \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $TEST_SERVICES_DIR/pg -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start
  export AGENTROUTER_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"

  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$TEST_SERVICES_DIR" \
    --daemonize yes --pidfile "$TEST_SERVICES_DIR/redis.pid" --logfile "$TEST_SERVICES_DIR/redis.log"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export AGENTROUTER_TEST_REDIS="127.0.0.1:$redis_port"
  export AGENTROUTER_TEST_REDIS_SERVER
  AGENTROUTER_TEST_REDIS_SERVER=$(command -v redis-server)
}

stop_test_services() {
  [ -n "${TEST_SERVICES_DIR:-}" ] || return 0
  if [ -f "$TEST_SERVICES_DIR/pg/data/postmaster.pid" ]; then
    local run_pg=()
    if [ "$(id -u)" -eq 0 ]; then run_pg=(runuser -u postgres --); fi
    "${run_pg[@]}" "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D "$TEST_SERVICES_DIR/pg/data" -m fast -w -s stop || true
  fi
  [ -f "$TEST_SERVICES_DIR/redis.pid" ] && kill "$(cat "$TEST_SERVICES_DIR/redis.pid")" 2>/dev/null || true
  rm -rf "$TEST_SERVICES_DIR"
}
