#!/usr/bin/env bash
# Side-by-side benchmark of Twofold.Vectors against faiss 1.7.3, hnswlib 0.6.2 and numpy/OpenBLAS (Debian packages),
# one thread each, on the same bytes. Installs the peers' packages if missing, then runs the benchmark's `ann`
# command, which generates the data once, runs bench/vectors/peers.py and our side, and prints one table.
# Usage: bench/vectors/run.sh [--normalised] [--n 1000000] [--dim 64] [--queries 1024]
set -euo pipefail
cd "$(dirname "$0")/../.."

packages="python3-faiss python3-hnswlib python3-numpy libopenblas0-pthread"
missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [[ -n "$missing" ]]; then
  echo "installing$missing"
  apt-get install -y $missing || { apt-get update && apt-get install -y $missing; }
fi

echo "# $(date -u +%FT%TZ) $(uname -m), $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
dotnet run --project bench/Twofold.Bench -c Release -- ann "$@"
