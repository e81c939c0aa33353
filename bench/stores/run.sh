#!/usr/bin/env bash
# Reservation throughput of the three availability stores; starts a private redis-server on a free loopback port.
# Usage: bench/stores/run.sh [users] [items] [candidates] [limit] [baseline git revision]
# This tree is measured with one dispatcher thread and with eight (SQLite's group commit needs concurrent callers).
# With a baseline revision, that revision's benchmark is built from `git archive` in a temporary directory and run
# first against the same redis-server, so a change to a store is measured before and after in one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-1000000}; items=${2:-5000}; candidates=${3:-400}; limit=${4:-200}; baseline=${5:-}
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
redis=$!
old=""
trap 'kill $redis 2>/dev/null || true; [ -z "$old" ] || rm -rf "$old"' EXIT
sleep 0.5
if [ -n "$baseline" ]; then
  old=$(mktemp -d)
  git archive "$baseline" | tar -x -C "$old"
  dotnet build "$old/bench/Twofold.Bench" -c Release -v quiet >/dev/null
fi
dotnet build bench/Twofold.Bench -c Release -v quiet >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$baseline" ]; then
  echo "baseline $(git rev-parse --short "$baseline"):"
  dotnet "$old/bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll" stores "$users" "$items" "$candidates" "$limit" "127.0.0.1:$port,syncTimeout=60000"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "this tree ($(git rev-parse --short HEAD)):"
fi
for threads in 1 8; do
  dotnet bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll stores "$users" "$items" "$candidates" "$limit" "127.0.0.1:$port,syncTimeout=60000" "$threads"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
