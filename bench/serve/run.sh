#!/usr/bin/env bash
# Load benchmark of `twofold serve` with wrk on loopback: feeds (GET /users/{id}/feed?k=20) and uploads (POST /items,
# each dispatched by the creator side) at the same time, each offered at a fixed rate whatever the latency (open loop,
# bench/serve/pacing.lua), then the peer: GET /health (the same HTTP stack with no recommendation work; it probes the
# store and SQLite) at the feed's rate. Each stream reports the rate offered, the rate achieved, and its latencies
# timed from each request's scheduled slot (so a request that waited for a free connection counts that wait) as
# well as wrk's own, timed from the send; a stream whose achieved rate is below 95% of the offered one is flagged.
# Beside each measured run, the disk's peer (Twofold.Bench fsync-probe: a 4 KB write and fsync every 10 ms in the state
# directory; its own cost is a process start and a hundred small writes a second) and, after it, the service's slow
# dispatch batches from its log, to tell the disk's stalls from the service's.
# The world and bundle are built once per size under the work dir and reused by later runs.
usage="Usage: bench/serve/run.sh [users=1000000] [creators=users/10] [days=8] [seconds=30] [work dir=\$TMPDIR/twofold-bench-serve]
  env: FEED_RATE=1000 UPLOAD_RATE=100 (requests a second offered), FEED_CONNECTIONS=64 UPLOAD_CONNECTIONS=16, PORT=5099,
       ROUNDS=1: measured runs against the same service, one after the other (the day goes on: more items, fewer users available),
       PERF_RECORD=<file>: a CPU profile of the service over the (last) measured run (Linux perf, with the JIT's symbols),
       RELOAD_SECONDS=<n>: after the peer, one more run of n seconds of uploads with POST /admin/reload (the same
         bundle) sent 5 s into it: how long the reload took and what the uploads saw meanwhile,
       COST_PEER=1: beside each measured run of the service, one of the cost peer (Twofold.Bench cost-peer on PORT+1: the
         service's structure with no recommender, each feed and upload costing the CPU the service spent on it beyond
         the peer's own floor, measured first on both from 10 s of each load alone); 0: no cost peer,
       REALTIME=<priority 1-99>: once the service is ready, its threads run under the real-time round-robin policy
         (chrt -r) at that priority, and so do the load generators, the peer and the disk's probe (needs root or
         CAP_SYS_NICE; 0, the default: the normal policy)"
set -euo pipefail
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then echo "$usage"; exit 0; fi
fail() { echo "bench/serve/run.sh: $1" >&2; echo "$usage" >&2; exit 2; }
# Checks that $2 (named $1) is a whole number of at least $3.
whole() { [[ "$2" =~ ^[0-9]+$ ]] && (( 10#$2 >= $3 )) || fail "$1 must be a whole number >= $3, got '$2'"; }
[ $# -le 5 ] || fail "at most 5 arguments, got $#"
users=${1:-1000000}
whole "users (argument 1)" "$users" 1
creators=${2:-$((users / 10))}
whole "creators (argument 2)" "$creators" 1
days=${3:-8}
whole "days (argument 3)" "$days" 1
seconds=${4:-30}
whole "seconds (argument 4)" "$seconds" 1
work=${5:-${TMPDIR:-/tmp}/twofold-bench-serve}
port=${PORT:-5099}
whole "PORT" "$port" 1
feed_rate=${FEED_RATE:-1000}
whole "FEED_RATE" "$feed_rate" 1
upload_rate=${UPLOAD_RATE:-100}
whole "UPLOAD_RATE" "$upload_rate" 1
rounds=${ROUNDS:-1}
whole "ROUNDS" "$rounds" 1
reload_seconds=${RELOAD_SECONDS:-0}
whole "RELOAD_SECONDS" "$reload_seconds" 0
(( reload_seconds == 0 || reload_seconds > 5 )) || fail "RELOAD_SECONDS must be 0 (no reload run) or more than 5, got '$reload_seconds'"
cost_peer=${COST_PEER:-1}
[[ "$cost_peer" == 0 || "$cost_peer" == 1 ]] || fail "COST_PEER must be 0 or 1, got '$cost_peer'"
peer_port=$((port + 1))
realtime=${REALTIME:-0}
whole "REALTIME" "$realtime" 0
(( realtime <= 99 )) || fail "REALTIME must be a real-time priority from 1 to 99, or 0 for the normal policy, got '$realtime'"
feed_threads=2 upload_threads=1
feed_connections=${FEED_CONNECTIONS:-64}
whole "FEED_CONNECTIONS" "$feed_connections" $feed_threads
upload_connections=${UPLOAD_CONNECTIONS:-16}
whole "UPLOAD_CONNECTIONS" "$upload_connections" $upload_threads
(( feed_connections % feed_threads == 0 )) || fail "FEED_CONNECTIONS must be a multiple of $feed_threads (wrk's threads for the feeds), got '$feed_connections'"
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
dotnet build bench/Twofold.Bench -c Release -v quiet -nologo > /dev/null
twofold="dotnet $root/src/Twofold.Cli/bin/Release/net10.0/Twofold.Cli.dll"
bench="dotnet $root/bench/Twofold.Bench/bin/Release/net10.0/Twofold.Bench.dll"
world=$work/world-$users
bundle=$work/bundle-$users
mkdir -p "$work"
if [ ! -f "$world/dataset.json" ]; then
  $twofold world generate --users "$users" --creators "$creators" --days "$days" --seed 1 --out "$world" --overwrite | tail -1
fi
if [ ! -f "$bundle/manifest.json" ]; then
  # Above 100,000 users the two-tower's held-out recall (every held-out user against every item) would outlast the
  # training itself: the large config holds no day out.
  config=bench/serve/bundle.json
  (( users <= 100000 )) || config=bench/serve/bundle-large.json
  /usr/bin/time -f "train: %e s wall, %M KB peak" $twofold train "$world" --out "$bundle" --config "$config" --overwrite | tail -3
fi

profile=${PERF_RECORD:-}
if [ -n "$profile" ]; then
  command -v perf > /dev/null || fail "PERF_RECORD needs Linux perf (Debian: linux-perf)"
  # The JIT writes /tmp/perf-<pid>.map, so perf can name managed frames; without W^X its code is not in a memfd mapping.
  export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
fi
data=$(mktemp -d "$work/state-XXXXXX")
admin_key=bench-$RANDOM$RANDOM
Twofold__AdminKey=$admin_key $twofold serve --bundle "$bundle" --data "$data" --urls "http://127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
peer=""
trap 'kill $server $peer 2>/dev/null || true; wait $server $peer 2>/dev/null || true; rm -rf "$data"' EXIT
started=$(date +%s)
until curl -sf "http://127.0.0.1:$port/health" > /dev/null; do
  kill -0 $server 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.5
done
echo "service ready in $(( $(date +%s) - started )) s (bundle load, catalogue, activity prediction, day opened)"
# Under a real-time policy the service's threads run before any thread of the normal policy: the kernel's own threads
# (on this machine DAMON's kdamond, bench/README.md "Real-time scheduling") no longer take a core from it mid-request.
# The clients get the same policy, or the service would starve them and their late sends would count as its latency.
# Threads the service starts later inherit the policy from the thread that starts them.
on_policy() { if (( realtime > 0 )); then chrt -r "$realtime" "$@"; else "$@"; fi; }
if (( realtime > 0 )); then
  chrt -a -r -p "$realtime" $server > /dev/null || fail "REALTIME=$realtime: could not give the service's threads the real-time policy (chrt needs root or CAP_SYS_NICE)"
  echo "scheduling: the service, the load generators, the peer and the disk's probe under SCHED_RR at priority $realtime"
fi
dim=32 # the content embedding length of generated worlds (tastes.content_dimension)

# Each thread spreads its slots over its connections (wrk gives a thread connections/threads of them); a stream holds
# its rate while its latency stays under connections/rate, and past that its requests wait for a connection, which
# the latency from the slot counts.
echo "offered: feeds $feed_rate /s over $feed_connections connections (rate held up to $((feed_connections * 1000 / feed_rate)) ms of latency), uploads $upload_rate /s over $upload_connections connections (up to $((upload_connections * 1000 / upload_rate)) ms)"
# The loads go to the service, or to the cost peer while target is its port.
target=$port
feeds() { USERS=$users RATE=$feed_rate THREADS=$feed_threads on_policy wrk -t$feed_threads -c"$feed_connections" -d"$1" --latency -s bench/serve/feed.lua "http://127.0.0.1:$target"; }
uploads() { RUN=$1 CREATORS=$creators DIM=$dim GENRES=10 RATE=$upload_rate THREADS=$upload_threads on_policy wrk -t$upload_threads -c"$upload_connections" -d"$2" --latency -s bench/serve/upload.lua "http://127.0.0.1:$target"; }
show() { grep -E "^$1:|Non-2xx|Socket errors" "$2" || true; }

# Warm-up (JIT, caches) of both paths at their offered rates, not measured: feeds, then uploads (their own run id, so
# the measured uploads are new items); then a pause for the requests still open to drain.
feeds 5s > /dev/null
uploads warm-$RANDOM 5s > /dev/null 2>&1
sleep 2

# The cost peer: a server of the service's structure (Kestrel, the feed batch workers, one dispatcher, the answers
# through the thread pool, the same bodies) that spends a fixed CPU per request on random reads of a table as large as
# the service's resident memory, and does nothing else (bench/Twofold.Bench/Serving/CostPeer.cs). Its costs: what the
# service spent per feed and per upload, each alone for 10 s at its offered rate, minus what the peer itself spends at
# no cost under the same loads (the HTTP stack and the hand-offs, which both have). Measured beside each of the
# service's runs, it tells the latency this machine gives any server of that structure and CPU at that moment: when
# it misses the targets too, the machine is the limit; when it meets them and the service does not, the service is.
# CPU of process $1 so far (utime + stime, in clock ticks), and the machine's (/proc/stat's first line: user nice system
# idle iowait irq softirq steal), to tell a saturated machine from a slow service.
process_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
machine_ticks() { head -1 /proc/stat; }
# Task switches of process $1's threads so far, summed by thread name: "name<TAB>blocked<TAB>preempted<TAB>threads" per
# name (the kernel's voluntary and nonvoluntary context switches). A compute thread preempted mid-batch holds its batch
# back for as long as the thread that took its core runs.
thread_switches() {
  for status in /proc/"$1"/task/*/status; do
    awk -F'\t' '/^Name:/ { name = $2 } /^voluntary_ctxt_switches:/ { v = $2 } /^nonvoluntary_ctxt_switches:/ { n = $2 }
      END { if (name != "") print name "\t" v "\t" n }' "$status" 2> /dev/null || true # a thread may end meanwhile
  done | awk -F'\t' '{ v[$1] += $2; n[$1] += $3; c[$1]++ } END { for (k in v) print k "\t" v[k] "\t" n[k] "\t" c[k] }'
}
# One line of task switches a second by thread name over a run, from thread_switches $1 to $2 over wall times $3 to $4;
# names with fewer than 10 a second are left out (threads that ended during the run are not counted).
switches_line() {
  awk -F'\t' -v t0="$3" -v t1="$4" 'NR == FNR { v[$1] = $2; n[$1] = $3; next }
    { dv = ($2 - v[$1]) / (t1 - t0); dn = ($3 - n[$1]) / (t1 - t0)
      if (dv + dn >= 10) line = line sprintf("%s%s (%d): %.0f / %.0f", line == "" ? "" : "; ", $1, $4, dv, dn) }
    END { print "task switches a second by thread (threads), blocked / preempted: " line }' <(echo "$1") <(echo "$2" | sort)
}
# One line of CPU over a run: "$1" (the process's name) from ticks $2 to $3 over wall times $4 to $5, the machine from $6 to $7.
cpu_line() {
  awk -v name="$1" -v hz="$(getconf CLK_TCK)" -v cores="$(getconf _NPROCESSORS_ONLN)" -v s0="$2" -v s1="$3" -v t0="$4" -v t1="$5" \
      -v m0="$6" -v m1="$7" 'BEGIN {
    split(m0, a, " "); split(m1, b, " "); total = 0
    for (k = 2; k <= 9; k++) { d[k] = b[k] - a[k]; total += d[k] }
    printf "CPU during the run: %s %.2f of %d cores; machine busy %.0f%% (idle %.0f%%, iowait %.0f%%, steal %.0f%%)\n",
      name, (s1 - s0) / hz / (t1 - t0), cores, 100 * (total - d[5] - d[6]) / total, 100 * d[5] / total, 100 * d[6] / total, 100 * d[9] / total }'
}
# Milliseconds of CPU per answer in $work/alone.txt (wrk's output through pacing.lua) from CPU ticks $1 to $2.
per_answer() {
  local answers
  answers=$(sed -n 's/.*achieved .*(\([0-9]*\) answers.*/\1/p' "$work/alone.txt")
  [ -n "$answers" ] && (( answers > 0 )) || fail "cost peer: no answers in $work/alone.txt"
  awk -v t0="$1" -v t1="$2" -v hz="$(getconf CLK_TCK)" -v n="$answers" 'BEGIN { printf "%.3f", (t1 - t0) / hz * 1000 / n }'
}
# CPU per request (ms) of process $1 over 10 s of feeds alone, then 10 s of uploads alone: "feed upload".
alone_costs() {
  local pid=$1 before feed_ms upload_ms
  before=$(process_ticks "$pid")
  feeds 10s > "$work/alone.txt"
  feed_ms=$(per_answer "$before" "$(process_ticks "$pid")")
  sleep 1
  before=$(process_ticks "$pid")
  uploads "alone-$RANDOM" 10s > "$work/alone.txt" 2> /dev/null
  upload_ms=$(per_answer "$before" "$(process_ticks "$pid")")
  sleep 1
  echo "$feed_ms $upload_ms"
}
if (( cost_peer )); then
  table_mb=$(( $(awk '/^VmRSS:/ { print $2 }' "/proc/$server/status") / 1024 ))
  DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 $bench cost-peer "$peer_port" 0 0 "$table_mb" > "$work/cost-peer.log" 2>&1 &
  peer=$!
  until curl -sf "http://127.0.0.1:$peer_port/health" > /dev/null; do
    kill -0 $peer 2>/dev/null || { cat "$work/cost-peer.log"; exit 1; }
    sleep 0.5
  done
  (( realtime == 0 )) || chrt -a -r -p "$realtime" $peer > /dev/null || fail "REALTIME=$realtime: could not give the cost peer's threads the real-time policy"
  read -r service_feed_ms service_upload_ms <<< "$(alone_costs $server)"
  target=$peer_port
  feeds 5s > /dev/null; uploads "warm-$RANDOM" 5s > /dev/null 2>&1; sleep 1 # the peer's JIT
  read -r floor_feed_ms floor_upload_ms <<< "$(alone_costs $peer)"
  target=$port
  peer_feed_us=$(awk -v s="$service_feed_ms" -v f="$floor_feed_ms" 'BEGIN { d = (s - f) * 1000; printf "%d", (d > 0 ? d : 0) }')
  peer_upload_us=$(awk -v s="$service_upload_ms" -v f="$floor_upload_ms" 'BEGIN { d = (s - f) * 1000; printf "%d", (d > 0 ? d : 0) }')
  curl -sf -X POST "http://127.0.0.1:$peer_port/costs?feed_us=$peer_feed_us&upload_us=$peer_upload_us" > /dev/null || fail "cost peer: POST /costs?feed_us=$peer_feed_us&upload_us=$peer_upload_us failed (its log: $work/cost-peer.log)"
  echo "cost peer: the service spent $service_feed_ms ms of CPU per feed and $service_upload_ms ms per upload (each load alone, 10 s); the peer at no cost $floor_feed_ms and $floor_upload_ms ms; so the peer spends $peer_feed_us µs per feed and $peer_upload_us µs per upload, reading a $table_mb MB table (the service's resident size)"
fi

# The runtime's GC counters (System.Runtime meter) as "name{generation} value" lines; subtracted around the measured run.
# With the upload path's histograms (a catalogue growth, a dispatch: each upload's share of its batch; an upload's wait
# for the dispatcher, its batch's recording in service.db, and its whole time from queued to answered), to tell where
# an upload's stall was; and the feed's (a request's wait for a feed worker, its batch's time, the hand-back of its
# answer through the thread pool, the batches' sizes, and the whole request as Kestrel times it, answered feeds only).
gc_counters() { curl -s "http://127.0.0.1:$port/metrics" | sed -n -e 's/^dotnet_gc_collections_total{.*gc_heap_generation="\(gen[0-9]\)".*} \(.*\)/collections \1 \2/p' -e 's/^dotnet_gc_pause_time_seconds_total{.*} \(.*\)/pause seconds \1/p' -e 's/^twofold_gc_pause_duration_seconds_bucket{.*le="\([0-9.+Inf]*\)".*} \(.*\)/pauses_up_to_seconds \1 \2/p' \
  -e 's/^twofold_catalogue_growth_duration_seconds_bucket{.*le="\([0-9.+Inf]*\)".*} \(.*\)/growths_up_to_seconds \1 \2/p' -e 's/^twofold_dispatch_duration_seconds_bucket{.*le="\([0-9.+Inf]*\)".*} \(.*\)/dispatches_up_to_seconds \1 \2/p' \
  -e 's/^twofold_upload_stage_duration_seconds_bucket{.*stage="\([a-z]*\)".*le="\([0-9.+Inf]*\)".*} \(.*\)/upload_\1_up_to_seconds \2 \3/p' \
  -e 's/^twofold_feed_stage_duration_seconds_bucket{.*stage="\([a-z]*\)".*le="\([0-9.+Inf]*\)".*} \(.*\)/feed_\1_up_to_seconds \2 \3/p' \
  -e 's/^twofold_feed_batch_size_bucket{.*le="\([0-9.+Inf]*\)".*} \(.*\)/feed_batches_up_to_requests \1 \2/p' \
  -e 's|^http_server_request_duration_seconds_bucket{.*http_response_status_code="200".*http_route="/users/{id}/feed".*le="\([0-9.+Inf]*\)".*} \(.*\)|feed_http_up_to_seconds \1 \2|p'; }
# CPU of the kernel's memory monitor (DAMON's kdamond threads), when the machine runs one: on a machine whose DAMON
# sampled every 0.5 s, each of its bursts (up to 70 ms of CPU) came with a feed of 24-94 ms (bench/README.md, "The
# kernel's memory monitor beside the service"), so every run says how much of it there was.
kdamond_ns() {
  local total=0 pid
  for pid in $(pgrep '^kdamond' || true); do total=$((total + $(cut -d' ' -f1 "/proc/$pid/schedstat" 2>/dev/null || echo 0))); done
  echo "$total"
}
# Sectors written to the block device holding the state directory (its whole disk when it is a partition).
device=$(basename "$(df --output=source "$data" | tail -1)")
[ -e "/sys/class/block/$device/partition" ] && device=$(basename "$(readlink -f "/sys/class/block/$device/..")")
disk_sectors() { awk -v d="$device" '$3 == d { print $10 }' /proc/diskstats; }
measure() {
  # The disk's peer: its own fsync latency beside the service's commits, in the state directory. It starts a second
  # before the load and ends about a second after it, so the start of its own process leaves no part of the run unwatched.
  on_policy $bench fsync-probe "$data/fsync-probe" "$((seconds + 2))" > "$work/fsync.txt" 2>&1 &
  probe=$!
  sleep 1
  gc_before=$(gc_counters)
  echo "=== measured run $1 of $rounds"
  echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  log_before=$(wc -l < "$work/serve.log")
  switches_before=$(thread_switches $server)
  service_before=$(process_ticks $server) machine_before=$(machine_ticks) disk_before=$(disk_sectors) kdamond_before=$(kdamond_ns) run_started=$(date +%s.%N)
  feeds "${seconds}s" > "$work/feed.txt" &
  feed=$!
  uploads "r$1-$RANDOM" "${seconds}s" > "$work/upload.txt" 2> "$work/upload.err" &
  upload=$!
  recording=""
  if [ -n "$profile" ] && [ "$1" -eq "$rounds" ]; then
    perf record -F 199 -g -p $server -o "$profile" -- sleep "$seconds" > /dev/null 2>&1 &
    recording=$!
  fi
  wait $feed $upload $recording
  service_after=$(process_ticks $server) machine_after=$(machine_ticks) disk_after=$(disk_sectors) kdamond_after=$(kdamond_ns) run_ended=$(date +%s.%N)
  switches_after=$(thread_switches $server)
  wait $probe
  echo "== load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
  cpu_line service "$service_before" "$service_after" "$run_started" "$run_ended" "$machine_before" "$machine_after"
  switches_line "$switches_before" "$switches_after" "$run_started" "$run_ended"
  awk -v w0="$disk_before" -v w1="$disk_after" -v t0="$run_started" -v t1="$run_ended" -v device="$device" 'BEGIN {
    printf "disk writes during the run: %.1f MB/s to %s (the device of the state directory)\n", (w1 - w0) * 512 / 1e6 / (t1 - t0), device }'
  if pgrep '^kdamond' > /dev/null; then
    awk -v k0="$kdamond_before" -v k1="$kdamond_after" -v t0="$run_started" -v t1="$run_ended" 'BEGIN {
      printf "the kernel'"'"'s memory monitor (kdamond) during the run: %.0f ms of CPU, %.1f%% of a core\n", (k1 - k0) / 1e6, 100 * (k1 - k0) / 1e9 / (t1 - t0) }'
  else
    echo "the kernel's memory monitor (kdamond): not running"
  fi
  echo "--- feed (concurrent with uploads)"; show feed "$work/feed.txt"
  echo "--- upload + dispatch (concurrent with feeds)"; show upload "$work/upload.txt"
  head -3 "$work/upload.err" || true
  echo "--- the disk's own fsync latency over the run (peer), and the service's slow dispatch batches (its log)"
  cat "$work/fsync.txt"
  tail -n +"$((log_before + 1))" "$work/serve.log" | grep -A1 "warn:" | grep -v -- "^--" | paste -d' ' - - | sed 's/ warn: [^ ]* */ /' || true
  curl -s "http://127.0.0.1:$port/metrics" | grep -E "^twofold_dispatch_duration_seconds_(sum|count)|^twofold_catalogue_growth_duration_seconds_(sum|count)|^twofold_reservations_total" || true
  echo "garbage collection and the upload path during the measured run (metrics, after − before; *_up_to_seconds: how many took no longer than that):"
  awk 'NR == FNR { before[$1 " " $2] = $3; next } { printf "  %s %s %s\n", $1, $2, $3 - before[$1 " " $2] }' \
    <(echo "$gc_before") <(gc_counters)
}
# The cost peer's run, right after the service's: its CPU, the machine's, and both streams' latencies.
measure_peer() {
  local before machine_before started
  target=$peer_port
  echo "=== cost peer, run $1 of $rounds"
  before=$(process_ticks $peer) machine_before=$(machine_ticks) started=$(date +%s.%N)
  feeds "${seconds}s" > "$work/peer-feed.txt" &
  local feed=$!
  uploads "peer$1-$RANDOM" "${seconds}s" > "$work/peer-upload.txt" 2> /dev/null &
  wait $feed $!
  cpu_line "cost peer" "$before" "$(process_ticks $peer)" "$started" "$(date +%s.%N)" "$machine_before" "$(machine_ticks)"
  show feed "$work/peer-feed.txt"
  show upload "$work/peer-upload.txt"
  target=$port
}
for round in $(seq 1 "$rounds"); do
  measure "$round"
  sleep 2 # the requests still open drain
  if (( cost_peer )); then
    measure_peer "$round"
    sleep 2
  fi
done

# The peer: the same HTTP stack without recommendation work, at the feed's rate.
sleep 2
RATE=$feed_rate THREADS=$feed_threads on_policy wrk -t$feed_threads -c"$feed_connections" -d"${seconds}s" --latency -s bench/serve/health.lua "http://127.0.0.1:$port" > "$work/health.txt"
echo "--- peer: GET /health alone"; show health "$work/health.txt"

if (( reload_seconds > 0 )); then
  # The reload builds a whole generation (minutes at 1,000,000 users) on the same two cores as the requests: with the
  # feeds' load as well it would take several times as long, so this run offers the uploads alone.
  sleep 2
  echo "=== reload run: ${reload_seconds} s of uploads, POST /admin/reload 5 s in"
  uploads "reload-$RANDOM" "${reload_seconds}s" > "$work/upload-reload.txt" 2> "$work/upload-reload.err" &
  upload=$!
  sleep 5
  curl -s -o "$work/reload.json" -w "reload: HTTP %{http_code} after %{time_total} s\n" -X POST -H "X-Api-Key: $admin_key" "http://127.0.0.1:$port/admin/reload"
  wait $upload
  echo "--- upload + dispatch (during the reload run)"; show upload "$work/upload-reload.txt"
  head -3 "$work/upload-reload.err" || true
fi
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(wrk's full output: $work/feed.txt, upload.txt, health.txt)"
