#!/usr/bin/env bash
# Activity scoring benchmark: a synthetic history of N users (default 1,000,000) over D days (default 31), a model
# trained on it, then every user scored for the day after it; ML.NET's PredictionEngine on the same rows as the peer.
set -euo pipefail
cd "$(dirname "$0")/../.."
users="${1:-1000000}"
days="${2:-31}"
dotnet build bench/Twofold.Bench -c Release -v quiet -nologo >/dev/null
/usr/bin/time -v dotnet bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll activity-score "$users" "$days" 2> >(grep -E "Elapsed|Maximum resident|User time|System time" >&2)
