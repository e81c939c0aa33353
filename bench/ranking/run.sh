#!/usr/bin/env bash
# The multi-task ranker (MMoE), Twofold (TorchSharp) vs PyTorch, same architecture, one thread:
# scoring latency of 1,000 candidates for one user, and training throughput at batch 1,024.
# usage: bench/ranking/run.sh [users] [items] [creators] [genres] [candidates] [calls] [batch] [steps] [rounds]
# Needs Debian's PyTorch for the system python: apt-get install -y python3-torch libopenblas0-pthread
# BASELINE=<git revision> also builds that revision's benchmark (git archive into a temporary directory) and runs it
# first, so a change to the ranker is measured before and after in the same run as the peer.
set -euo pipefail
cd "$(dirname "$0")/../.."
args=("${1:-10000}" "${2:-10000}" "${3:-1000}" "${4:-20}" "${5:-1000}" "${6:-2000}" "${7:-1024}" "${8:-100}" "${9:-5}")
python=/usr/bin/python3

"$python" -c 'import torch' 2>/dev/null || { echo "error: $python has no torch; apt-get install -y python3-torch libopenblas0-pthread" >&2; exit 1; }
dotnet build bench/Twofold.Bench -c Release -v:q -nologo >/dev/null
bench="dotnet bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll"

field() { sed -n "s/^$1:.* $2=\([0-9.]*\).*/\1/p" <<<"$3"; }
if [ -n "${BASELINE:-}" ]; then
  old=$(mktemp -d)
  trap 'rm -rf "$old"' EXIT
  git archive "$BASELINE" | tar -x -C "$old"
  dotnet build "$old/bench/Twofold.Bench" -c Release -v:q -nologo >/dev/null
  echo "machine: $(nproc) cores; $(uptime)"
  echo "--- twofold at $(git rev-parse --short "$BASELINE") (baseline)"
  dotnet "$old/bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll" ranking "${args[@]}"
fi
echo "machine: $(nproc) cores; $(uptime)"
echo "--- twofold"
ours=$($bench ranking "${args[@]}")
echo "$ours"
echo "machine: $(uptime)"
echo "--- pytorch"
peer=$("$python" bench/ranking/peer.py "${args[@]}")
echo "$peer"
echo "machine after: $(uptime)"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pm=$(field forward median_ms "$peer"); pp=$(field forward p99_ms "$peer")
echo "| measure | Twofold | PyTorch | Twofold / PyTorch |"
echo "|---|---:|---:|---:|"
for side in predict forward; do
  m=$(field $side median_ms "$ours"); p=$(field $side p99_ms "$ours")
  echo "| $side, ${args[4]} candidates: median ms | $m | $pm | $(ratio "$m" "$pm") |"
  echo "| $side, ${args[4]} candidates: p99 ms | $p | $pp | $(ratio "$p" "$pp") |"
done
t=$(field train samples_per_s "$ours"); tp=$(field train samples_per_s "$peer")
echo "| training, batch ${args[6]}: samples/s | $t | $tp | $(ratio "$t" "$tp") |"
