#!/usr/bin/env bash
# Side-by-side benchmark of Twofold.Vectors against faiss 1.7.3, hnswlib 0.6.2 and numpy/OpenBLAS (Debian packages),
# one thread each, on the same bytes. Usage: bench/vectors/run.sh [--normalised] [--n 1000000] [--queries 1024]
# Writes bench/vectors/data[-normalised][-N]/{base,queries,filter_*,gt_*}.npy, peers.json, ours.json and prints tables.
set -euo pipefail
cd "$(dirname "$0")/../.."

n=200000; queries=1024; normalised=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --normalised) normalised="--normalised"; shift ;;
    --n) n="$2"; shift 2 ;;
    --queries) queries="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
dir="bench/vectors/data${normalised:+-normalised}"
[[ "$n" != 200000 ]] && dir="$dir-$n"

packages="python3-faiss python3-hnswlib python3-numpy libopenblas0-pthread"
missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [[ -n "$missing" ]]; then
  echo "installing$missing"
  apt-get install -y $missing || { apt-get update && apt-get install -y $missing; }
fi

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "# $(date -u +%FT%TZ) $(uname -m), $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"

dotnet build bench/Twofold.Bench -c Release -v quiet -nologo >/dev/null
bench() { dotnet run --project bench/Twofold.Bench -c Release --no-build -- vectors "$@"; }

if [[ ! -f "$dir/gt_0.01.npy" ]]; then
  bench generate --out "$dir" --n "$n" --queries "$queries" $normalised
fi
/usr/bin/python3 bench/vectors/peers.py --data "$dir" --out "$dir/peers.json"
bench run --data "$dir" --peers "$dir/peers.json" --out "$dir/ours.json"
