#!/usr/bin/env bash
# Reservation throughput of the three availability stores; starts a private redis-server on a free loopback port.
# Usage: bench/stores/run.sh [users] [items] [candidates] [limit]
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-1000000}; items=${2:-5000}; candidates=${3:-400}; limit=${4:-200}
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
redis=$!
trap 'kill $redis 2>/dev/null || true' EXIT
sleep 0.5
dotnet build bench/Twofold.Bench -c Release -v quiet >/dev/null
dotnet bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll stores "$users" "$items" "$candidates" "$limit" "127.0.0.1:$port,syncTimeout=60000"
