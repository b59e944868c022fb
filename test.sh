#!/usr/bin/env bash
# Runs the whole test suite and prints a one-line summary ("N passed, N failed, N skipped").
set -euo pipefail
cd "$(dirname "$0")"

# Browser tests drive Debian's Chromium (Playwright never downloads its own browser).
if [ -z "${AGENTROUTER_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

# The Prometheus test validates a real /metrics scrape with promtool (Debian's prometheus package).
if [ -z "${AGENTROUTER_PROMTOOL:-}" ] && ! command -v promtool >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  fi
fi

results="TestResults"
rm -rf "$results"
status=0
dotnet test AgentRouter.sln --configuration Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" || status=$?

summary=$(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
)
echo "$summary"
if [ "$status" -eq 0 ] && [[ "$summary" == 0\ passed* ]]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
