#!/usr/bin/env bash
# The simulator's throughput: one simulated day at USERS users (default 100,000 then 1,000,000), 30% active, 50
# impressions a visit, Base vs DualRec, after a warm-up of WARMUP days (default 8, the least the activity model trains on) and the platforms' training.
# Usage: bench/simulation/run.sh [users...]   (env WARMUP, DAYS)
set -euo pipefail
cd "$(dirname "$0")/../.."
warmup="${WARMUP:-8}"
days="${DAYS:-2}"
[ $# -gt 0 ] || set -- 100000 1000000
dotnet build bench/Twofold.Bench -c Release -v quiet -nologo >/dev/null
for users in "$@"; do
  /usr/bin/time -v dotnet bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll simulate-bench "$users" "$warmup" "$days" 50 \
    2> >(grep -E "Elapsed \(wall|Maximum resident|User time|System time" >&2)
done
