#!/usr/bin/env bash
# Two-tower training throughput, Twofold (TorchSharp) vs PyTorch, same architecture and step, one and two threads.
# usage: bench/twotower/run.sh [users] [items] [positives] [epochs]
# Needs Debian's PyTorch for the system python: apt-get install -y python3-torch libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-100000}
items=${2:-100000}
positives=${3:-102400}
epochs=${4:-3}
python=/usr/bin/python3

"$python" -c 'import torch' 2>/dev/null || { echo "error: $python has no torch; apt-get install -y python3-torch libopenblas0-pthread" >&2; exit 1; }
dotnet build bench/Twofold.Bench -c Release -v:q -nologo >/dev/null
bench="dotnet bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll"

echo "machine: $(nproc) cores; $(uptime)"
declare -A rate
for threads in 1 2; do
  echo "--- threads=$threads: twofold"
  out=$($bench twotower "$users" "$items" "$positives" "$epochs" "$threads" 64)
  echo "$out"
  rate[twofold$threads]=$(sed -n 's/.*examples_per_s=\([0-9]*\).*/\1/p' <<<"$out")
  echo "--- threads=$threads: pytorch"
  out=$("$python" bench/twotower/peer.py "$users" "$items" "$positives" "$epochs" "$threads" 64)
  echo "$out"
  rate[pytorch$threads]=$(sed -n 's/.*examples_per_s=\([0-9]*\).*/\1/p' <<<"$out")
done
echo "machine after: $(uptime)"
echo
echo "| threads | Twofold examples/s | PyTorch examples/s | ratio |"
echo "|---:|---:|---:|---:|"
for threads in 1 2; do
  t=${rate[twofold$threads]}; p=${rate[pytorch$threads]}
  echo "| $threads | $t | $p | $(awk -v t="$t" -v p="$p" 'BEGIN { printf "%.2f", t / p }') |"
done
