#!/usr/bin/env bash
# Import throughput: `twofold import kuairand` against pandas.read_csv on the same generated KuaiRand log,
# both measured in this run with /usr/bin/time -v (wall time and peak memory).
# Usage: bench/import/run.sh [rows=5000000] [work dir=/tmp/twofold-import-bench]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-5000000}
WORK=${2:-/tmp/twofold-import-bench}
PY=/usr/bin/python3

if ! $PY -c "import pandas" 2>/dev/null; then
  echo "installing python3-pandas" >&2
  apt-get install -y python3-pandas >/dev/null
fi

dotnet build bench/Twofold.Bench -c Release -v quiet -nologo >/dev/null
dotnet build src/Twofold.Cli -c Release -v quiet -nologo >/dev/null

INPUT="$WORK/kuairand"
LOG="$INPUT/log_standard_bench.csv"
mkdir -p "$INPUT"
if [[ ! -f "$LOG" || "$(cat "$INPUT/rows" 2>/dev/null)" != "$ROWS" ]]; then
  echo "generating $ROWS rows into $LOG" >&2
  dotnet run --project bench/Twofold.Bench -c Release --no-build -- gen-kuairand "$LOG" "$ROWS"
  echo "$ROWS" > "$INPUT/rows"
fi
SIZE=$(stat -c %s "$LOG")

# Warm the page cache so both readers start from the same state.
cat "$LOG" > /dev/null

measure() { # name, command...: prints "seconds peak_kb"
  local name=$1; shift
  /usr/bin/time -v "$@" > "$WORK/$name.out" 2> "$WORK/$name.time"
  local wall peak
  wall=$(grep "Elapsed (wall clock)" "$WORK/$name.time" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  peak=$(grep "Maximum resident set size" "$WORK/$name.time" | awk '{print $NF}')
  echo "$wall $peak"
}

read -r T_WALL T_PEAK < <(measure twofold dotnet src/Twofold.Cli/bin/Release/net10.0/Twofold.Cli.dll import kuairand "$INPUT" --out "$WORK/dataset" --overwrite)
read -r P_WALL P_PEAK < <(measure pandas $PY -c "import sys, pandas as pd; df = pd.read_csv(sys.argv[1]); print(len(df))" "$LOG")

awk -v rows="$ROWS" -v size="$SIZE" -v tw="$T_WALL" -v tp="$T_PEAK" -v pw="$P_WALL" -v pp="$P_PEAK" -v pv="$($PY -c 'import pandas; print(pandas.__version__)')" 'BEGIN {
  printf "input: %d rows, %.0f MB\n", rows, size / 1e6
  printf "%-36s %8s %14s %12s\n", "", "wall s", "rows/s", "peak MB"
  printf "%-36s %8.2f %14.0f %12.0f\n", "twofold import kuairand (to Parquet)", tw, rows / tw, tp / 1024
  printf "%-36s %8.2f %14.0f %12.0f\n", "pandas " pv " read_csv", pw, rows / pw, pp / 1024
  printf "ratio (twofold rows/s / pandas rows/s): %.2fx\n", (rows / tw) / (rows / pw)
}'
