#!/usr/bin/env bash
# Load benchmark of `twofold serve` with wrk on loopback: feeds (GET /users/{id}/feed?k=20) and uploads (POST /items,
# each dispatched by the creator side) at the same time, each rate-limited by a pause per connection, then the peer:
# GET /health (the same HTTP stack with no recommendation work; it probes the store and SQLite) at the feed's rate.
# Usage: bench/serve/run.sh [users] [creators] [days] [seconds] [work dir]
# The world and bundle are built once per size under the work dir and reused by later runs.
set -euo pipefail
users=${1:-1000000}
creators=${2:-$((users / 10))}
days=${3:-8}
seconds=${4:-30}
work=${5:-${TMPDIR:-/tmp}/twofold-bench-serve}
port=${PORT:-5099}
cd "$(dirname "$0")/../.."
root=$PWD

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian's wrk..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

dotnet build src/Twofold.Cli -c Release -v quiet -nologo > /dev/null
twofold="dotnet $root/src/Twofold.Cli/bin/Release/net10.0/Twofold.Cli.dll"
world=$work/world-$users
bundle=$work/bundle-$users
mkdir -p "$work"
if [ ! -f "$world/dataset.json" ]; then
  $twofold world generate --users "$users" --creators "$creators" --days "$days" --seed 1 --out "$world" --overwrite | tail -1
fi
if [ ! -f "$bundle/manifest.json" ]; then
  /usr/bin/time -f "train: %e s wall, %M KB peak" $twofold train "$world" --out "$bundle" --config bench/serve/bundle.json --overwrite | tail -3
fi

data=$(mktemp -d "$work/state-XXXXXX")
$twofold serve --bundle "$bundle" --data "$data" --urls "http://127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
started=$(date +%s)
until curl -sf "http://127.0.0.1:$port/health" > /dev/null; do
  kill -0 $server 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.5
done
echo "service ready in $(( $(date +%s) - started )) s (bundle load, catalogue, activity prediction, day opened)"
dim=32 # the content embedding length of generated worlds (tastes.content_dimension)

# Warm-up (JIT, caches) of both paths, not measured: feeds, then uploads (their own run id, so the measured uploads are new items).
USERS=$users DELAY_MS=0 wrk -t2 -c8 -d5s -s bench/serve/feed.lua "http://127.0.0.1:$port" > /dev/null
RUN=warm-$RANDOM CREATORS=$creators DIM=$dim GENRES=10 DELAY_MS=38 wrk -t1 -c4 -d5s -s bench/serve/upload.lua "http://127.0.0.1:$port" > /dev/null 2>&1

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Feeds: 26 connections pausing 24 ms (≤ 1,083 requests/s); uploads: 4 connections pausing 38 ms (≤ 105/s).
USERS=$users DELAY_MS=24 wrk -t2 -c26 -d"${seconds}s" --latency -s bench/serve/feed.lua "http://127.0.0.1:$port" > "$work/feed.txt" &
feed=$!
RUN=$RANDOM CREATORS=$creators DIM=$dim GENRES=10 DELAY_MS=38 wrk -t1 -c4 -d"${seconds}s" --latency -s bench/serve/upload.lua "http://127.0.0.1:$port" > "$work/upload.txt" 2> "$work/upload.err" &
upload=$!
wait $feed $upload
echo "== load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--- feed (concurrent with uploads)"; grep -E "Latency|50%|99%|Requests/sec|requests in|Non-2xx" "$work/feed.txt"
echo "--- upload + dispatch (concurrent with feeds)"; grep -E "Latency|50%|99%|Requests/sec|requests in|Non-2xx" "$work/upload.txt"
head -3 "$work/upload.err" || true
curl -s "http://127.0.0.1:$port/metrics" | grep -E "^twofold_dispatch_duration_seconds_(sum|count)|^twofold_catalogue_growth_duration_seconds_(sum|count)|^twofold_reservations_total" || true

# The peer: the same HTTP stack without recommendation work, at the feed's rate.
printf 'request = function() return wrk.format("GET", "/health") end\ndelay = function() return 24 end\n' > "$work/health.lua"
wrk -t2 -c26 -d"${seconds}s" --latency -s "$work/health.lua" "http://127.0.0.1:$port" > "$work/health.txt"
echo "--- peer: GET /health alone"; grep -E "Latency|50%|99%|Requests/sec" "$work/health.txt"
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
