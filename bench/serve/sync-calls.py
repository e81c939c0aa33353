"""fsync against fdatasync on this machine's disk: 4 KB written and synced N times in a file under DIR, appended
(the file grows, as a write-ahead log does until its checkpoint) or overwritten in place (as after one), 2 ms apart.
Prints p50 / p90 / p99 of each call's wait. The SQLite library the project ships calls fsync, Debian's calls
fdatasync; this tells whether the difference matters here (bench/README.md).

usage: /usr/bin/python3 bench/serve/sync-calls.py [DIR=$TMPDIR or /tmp] [N=400]"""
import os
import sys
import tempfile
import time


def measure(directory, call, overwrite, n):
    fd, path = tempfile.mkstemp(dir=directory, prefix="sync-calls-")
    try:
        if overwrite:
            os.pwrite(fd, b"\0" * (4096 * n), 0)
            os.fsync(fd)
        block = os.urandom(4096)
        waits = []
        for i in range(n):
            os.pwrite(fd, block, i * 4096)
            start = time.perf_counter()
            call(fd)
            waits.append((time.perf_counter() - start) * 1000)
            time.sleep(0.002)
    finally:
        os.close(fd)
        os.unlink(path)
    waits.sort()
    return waits[n // 2], waits[int(n * 0.9)], waits[int(n * 0.99)]


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TMPDIR", "/tmp")
    try:
        n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    except ValueError:
        sys.exit(f"sync-calls.py: N must be a whole number, got '{sys.argv[2]}'")
    if not os.path.isdir(directory):
        sys.exit(f"sync-calls.py: {directory} is not a directory")
    if n < 100:
        sys.exit(f"sync-calls.py: N must be at least 100 for a p99, got {n}")
    for overwrite in (False, True):
        for name, call in (("fsync", os.fsync), ("fdatasync", os.fdatasync)):
            p50, p90, p99 = measure(directory, call, overwrite, n)
            print(f"{name:9} {'overwrite' if overwrite else 'append':9} p50 {p50:.3f} ms, p90 {p90:.3f} ms, p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
