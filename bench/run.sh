#!/usr/bin/env bash
# One command for the gateway benchmark: bench/run.sh [--quick]
# Builds the router, the bench tools and the .NET floor (bench/Floor) in Release, installs Portkey's gateway from npm,
# then bench/run.py starts a loopback upstream fake, the floor, Portkey and the router, configures the router through
# its admin API, drives the same load (wrk + bench/Driver) at the fake directly and through each of the three, prints a
# table and writes bench/results/latest.json. Everything it starts is stopped when it ends.
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
dotnet publish bench/Floor/AgentRouter.Bench.Floor.csproj -c Release -o "$build/floor" --nologo -v quiet >>"$build/publish.log" 2>&1 \
  || { cat "$build/publish.log"; exit 1; }

# The peer in the same run: Portkey's open-source gateway, pinned, from npm (install scripts are not needed to serve).
portkey=1.15.2
if [ "$(node -p "require('./$build/portkey/node_modules/@portkey-ai/gateway/package.json').version" 2>/dev/null)" != "$portkey" ]; then
  command -v npm >/dev/null || { apt-get install -y nodejs npm >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y nodejs npm >/dev/null; }; }
  echo "Installing @portkey-ai/gateway@$portkey (npm)…"
  mkdir -p "$build/portkey"
  (cd "$build/portkey" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error "@portkey-ai/gateway@$portkey" >"../portkey-install.log" 2>&1) \
    || { cat "$build/portkey-install.log"; exit 1; }
fi

# 1,000 client streams plus 1,000 upstream connections need more descriptors than some shells allow.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
exec python3 bench/run.py "$@"
