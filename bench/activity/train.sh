#!/usr/bin/env bash
# Activity training benchmark: ML.NET LightGBM (the activity predictor's trainer settings) against xgboost hist on the
# same synthetic matrix (TRAIN rows for training, default 1,000,000, plus 200,000 held out; 32 float32 features),
# 50 trees of depth <= 8, 2 threads; RUNS alternating runs of each side (default 2). Timing excludes data loading.
set -euo pipefail
cd "$(dirname "$0")/../.."
train="${1:-1000000}"
threads="${2:-2}"
trees="${3:-50}"
runs="${4:-2}"
data="${ACTIVITY_TRAIN_DATA:-/tmp/twofold-activity-train}"
mkdir -p "$data"
if [[ ! -f "$data/labels.u8" ]]; then
  /usr/bin/python3 bench/activity/train_peer.py gen "$data" $((train + 200000))
fi
dotnet build bench/Twofold.Bench -c Release -v quiet -nologo >/dev/null
echo "load average at start: $(uptime)"
for run in $(seq 1 "$runs"); do
  echo "run $run"
  dotnet bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll activity-train "$data" "$train" "$threads" "$trees"
  /usr/bin/python3 bench/activity/train_peer.py train "$data" "$train" "$threads" "$trees"
done
echo "load average at end: $(uptime)"
