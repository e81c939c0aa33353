#!/usr/bin/python3
"""Peer for `Twofold.Bench user-search`: the same item queries against the same available users (users.npy,
available.npy, queries.npy written with USER_SEARCH_EXPORT=DIR), one thread: exact top-k by faiss IndexFlatIP (the
ground truth) and faiss's inverted file with inner product (IndexIVFFlat, METRIC_INNER_PRODUCT: k-means trained on all
users, the available ones added, clusters probed by centroid inner product) at several nprobe, recall@k against the
ground truth. Needs python3-faiss and python3-numpy (Debian; bench/vectors/run.sh installs them)."""
import argparse, os, time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import faiss  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--k", type=int, default=400)
    ap.add_argument("--nlist", type=int, default=1000)
    ap.add_argument("--nprobes", default="16,32,64,128")
    args = ap.parse_args()
    users = np.load(os.path.join(args.dir, "users.npy")).astype(np.float32)
    available = np.load(os.path.join(args.dir, "available.npy")).reshape(-1).astype(np.int64)
    queries = np.load(os.path.join(args.dir, "queries.npy")).astype(np.float32)
    k, d = args.k, users.shape[1]
    faiss.omp_set_num_threads(1)
    print(f"{len(users):,} users ({len(available):,} available), {len(queries)} queries, k = {k}; load {os.getloadavg()[0]:.2f}")
    flat = faiss.IndexIDMap(faiss.IndexFlatIP(d))
    flat.add_with_ids(users[available], available)
    start = time.perf_counter()
    _, truth = flat.search(queries, k)
    print(f"faiss IndexFlatIP (exact, batched): {(time.perf_counter() - start) * 1000 / len(queries):.3f} ms/query")
    truth_sets = [set(row) for row in truth]

    quantizer = faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, args.nlist, faiss.METRIC_INNER_PRODUCT)
    faiss.omp_set_num_threads(2)
    start = time.perf_counter()
    ivf.train(users)
    print(f"faiss IVF: trained {args.nlist} clusters in {time.perf_counter() - start:.1f} s (2 threads, faiss's default sample of 256 per cluster)")
    ivf.add_with_ids(users[available], available)
    faiss.omp_set_num_threads(1)
    for nprobe in (int(p) for p in args.nprobes.split(",")):
        ivf.nprobe = nprobe
        start = time.perf_counter()
        found = [ivf.search(q[None, :], k)[1][0] for q in queries]
        alone = (time.perf_counter() - start) * 1000 / len(queries)
        start = time.perf_counter()
        ivf.search(queries, k)
        batched = (time.perf_counter() - start) * 1000 / len(queries)
        recalls = [len(truth_sets[i] & set(f)) / len(truth_sets[i]) for i, f in enumerate(found)]
        print(f"faiss IVF nprobe {nprobe:4}: recall@{k} {np.mean(recalls):.4f} (worst query {min(recalls):.3f}) | "
              f"{alone:.3f} ms/query alone, {batched:.3f} batched")


if __name__ == "__main__":
    main()
