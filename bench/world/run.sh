#!/usr/bin/env bash
# World generation rate and peak memory. Usage: bench/world/run.sh [users] [creators] [days] [out]
set -euo pipefail
users=${1:-1000000}
creators=${2:-100000}
days=${3:-7}
out=${4:-${TMPDIR:-/tmp}/twofold-bench-world}
cd "$(dirname "$0")/../.."
dotnet build src/Twofold.Cli -c Release -v quiet -nologo > /dev/null
/usr/bin/time -v dotnet src/Twofold.Cli/bin/Release/net10.0/Twofold.Cli.dll world generate \
  --users "$users" --creators "$creators" --days "$days" --seed 1 --out "$out" --overwrite 2>&1 \
  | grep -E "wrote|Maximum resident|Elapsed \(wall|User time|System time|day [0-9]+/"
for d in "$out" "$out/events" "$out/world"; do du -sh "$d"; done
rm -rf "$out"
