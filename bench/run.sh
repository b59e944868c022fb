#!/usr/bin/env bash
# One command for the gateway benchmark: bench/run.sh [--quick]
# Builds the router and the bench tools in Release, then bench/run.py starts a loopback upstream fake and the
# router, configures them through the admin API, drives load (wrk + bench/Driver) direct vs through the router,
# prints a table and writes bench/results/latest.json. Everything it starts is stopped when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "Installing wrk (Debian package)…"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

build=bench/results/build
mkdir -p "$build"
echo "Building (Release)…"
dotnet publish AgentRouter.Web/AgentRouter.Web.csproj -c Release -o "$build/router" --nologo -v quiet >"$build/publish.log" 2>&1 \
  || { cat "$build/publish.log"; exit 1; }
dotnet publish bench/Upstream/AgentRouter.Bench.Upstream.csproj -c Release -o "$build/upstream" --nologo -v quiet >>"$build/publish.log" 2>&1 \
  || { cat "$build/publish.log"; exit 1; }
dotnet publish bench/Driver/AgentRouter.Bench.Driver.csproj -c Release -o "$build/driver" --nologo -v quiet >>"$build/publish.log" 2>&1 \
  || { cat "$build/publish.log"; exit 1; }

# 1,000 client streams plus 1,000 upstream connections need more descriptors than some shells allow.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
exec python3 bench/run.py "$@"
