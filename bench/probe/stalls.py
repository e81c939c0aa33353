#!/usr/bin/python3
"""Stalls of the machine as a bystander sees them: a process that sleeps a millisecond at a time and reports every
wake-up later than a threshold (UTC time, gap), with the CPU time the kernel's memory monitor (kdamond) used in
that gap. Run beside a benchmark to tell stalls of the whole machine from stalls of the benchmark's own threads.

Usage: /usr/bin/python3 bench/probe/stalls.py <seconds> [threshold ms = 5]
"""
import datetime
import glob
import sys
import time


def kdamond_schedstats():
    """The schedstat files of the kdamond threads running now (none when the monitor is off)."""
    files = []
    for comm in glob.glob("/proc/[0-9]*/comm"):
        try:
            with open(comm) as f:
                if f.read().startswith("kdamond"):
                    files.append(comm[: -len("comm")] + "schedstat")
        except OSError:
            continue  # the process ended between the listing and the read
    return files


def runtime_ns(schedstats):
    """Summed on-CPU time of those threads: the first field of each schedstat."""
    total = 0
    for path in schedstats:
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip())
    try:
        seconds = float(sys.argv[1])
        threshold_ms = float(sys.argv[2]) if len(sys.argv) == 3 else 5.0
    except ValueError:
        sys.exit(f"stalls.py: seconds and threshold must be numbers, got {sys.argv[1:]}")
    if seconds <= 0 or threshold_ms <= 0:
        sys.exit(f"stalls.py: seconds and threshold must be positive, got {sys.argv[1:]}")
    monitor = kdamond_schedstats()
    end = time.monotonic() + seconds
    last, last_monitor = time.monotonic(), runtime_ns(monitor)
    late = 0
    while last < end:
        time.sleep(0.001)
        now, now_monitor = time.monotonic(), runtime_ns(monitor)
        gap_ms = (now - last) * 1000
        if gap_ms > threshold_ms:
            late += 1
            at = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
            print(f"{at} UTC: woke {gap_ms:.1f} ms after the last wake-up; kdamond ran {(now_monitor - last_monitor) / 1e6:.1f} ms meanwhile",
                  flush=True)
        last, last_monitor = now, now_monitor
    print(f"{late} wake-ups over {threshold_ms:g} ms in {seconds:g} s (kdamond threads watched: {len(monitor)})", flush=True)


if __name__ == "__main__":
    main()
