#!/usr/bin/env bash
# BenchmarkDotNet micro-benchmarks of the hot-path pieces (allocations reported). Extra arguments go to BenchmarkDotNet,
# e.g. bench/micro.sh --filter '*KeyLookup*'. Reports land in bench/results/micro/.
set -euo pipefail
cd "$(dirname "$0")/.."
filter=("--filter" "*")
[ "$#" -gt 0 ] && filter=("$@")
dotnet run -c Release --project bench/Micro -- "${filter[@]}" --artifacts bench/results/micro
