#!/usr/bin/env bash
# Budgets on Redis vs the single-process ledger, same run: bench/redis.sh (≈ 1 min after the build).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi
build=bench/results/build
mkdir -p "$build"
echo "Building (Release)…"
dotnet publish AgentRouter.Web/AgentRouter.Web.csproj -c Release -o "$build/router" --nologo -v quiet >"$build/publish.log" 2>&1 \
  || { cat "$build/publish.log"; exit 1; }
dotnet publish bench/Upstream/AgentRouter.Bench.Upstream.csproj -c Release -o "$build/upstream" --nologo -v quiet >>"$build/publish.log" 2>&1 \
  || { cat "$build/publish.log"; exit 1; }
exec python3 bench/redis_budgets.py "$@"
