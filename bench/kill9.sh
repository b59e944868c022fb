#!/usr/bin/env bash
# SIGKILL under load: publishes the router in Release, then bench/kill9.py counts answered requests without a usage record.
set -euo pipefail
cd "$(dirname "$0")/.."
build=bench/results/build
mkdir -p "$build"
dotnet publish AgentRouter.Web/AgentRouter.Web.csproj -c Release -o "$build/router" --nologo -v quiet >"$build/publish-kill9.log" 2>&1 \
  || { cat "$build/publish-kill9.log"; exit 1; }
exec python3 bench/kill9.py "$@"
