#!/usr/bin/env bash
# The console at scale: bench/console.sh [records]  (default 10,000,000; not part of ./test.sh)
# 1. builds bench/Console and writes bench/results/console/agentrouter.db with that many usage records over the
#    last 30 days and their roll-ups (skipped when the store already holds that many; delete it to regenerate);
# 2. times the queries behind Overview, Finance, a team's view and the request log (median of 5, CPU time beside);
# 3. publishes the router, starts it on that store on a free loopback port, and times Overview, Finance, a team's page
#    and the request log to interactive in Debian's Chromium (installed with apt-get when missing; Playwright never
#    downloads a browser). Everything it starts is stopped when it ends.
# Run it under `nice -n 19` on a shared machine. BENCH_RUNS (default 5) sets the timed runs per case.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-10000000}"
runs="${BENCH_RUNS:-5}"
dir=bench/results/console
db="$dir/agentrouter.db"
mkdir -p "$dir"
echo "Building (Release)…"
dotnet build bench/Console -c Release --nologo -v quiet >"$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
bench="dotnet bench/Console/bin/Release/net10.0/AgentRouter.Bench.Console.dll"

have=0
[ -f "$db" ] && have=$(sqlite3 "$db" "SELECT COUNT(*) FROM Usage" 2>/dev/null || echo 0)
if [ "$have" != "$records" ]; then
  echo "Generating $records usage records and their roll-ups…"
  $bench generate "$db" "$records"
fi

echo "Server time of the console's queries:"
$bench measure "$db" "$runs"

echo "Publishing the router…"
dotnet publish AgentRouter.Web/AgentRouter.Web.csproj -c Release -o "$dir/app" --nologo -v quiet >"$dir/publish.log" 2>&1 \
  || { cat "$dir/publish.log"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export AGENTROUTER_ADMIN_TOKEN="bench-console-admin-token-0123456789"
data=$(cd "$dir" && pwd)
( cd "$dir/app" && Data__Directory="$data" Jobs__Server=false ASPNETCORE_URLS="http://127.0.0.1:$port" \
    exec dotnet AgentRouter.Web.dll >"$data/router.log" 2>&1 ) &
router=$!
trap 'kill $router 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  curl -fs -o /dev/null "http://127.0.0.1:$port/account/login" 2>/dev/null && break
  sleep 1
done
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq chromium >/dev/null; else sudo apt-get install -y -qq chromium >/dev/null; fi
fi
echo "Time to interactive in Chromium (1440×900, median of $runs after one warm-up):"
$bench browser "$db" "http://127.0.0.1:$port" "$runs"
