#!/usr/bin/python3
"""Peers for `Twofold.Bench item-search`: the same user queries against the same item embeddings (items.npy,
queries.npy written with ITEM_SEARCH_EXPORT=DIR), one thread each: exact top-k by faiss IndexFlatIP (the ground
truth), and hnswlib's inner-product HNSW (M 16, efConstruction 100, as ours) at several ef, with recall@k against it."""
import argparse, os, time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import faiss  # noqa: E402
import hnswlib  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--k", type=int, default=200)
    ap.add_argument("--efs", default="200,400,800")
    args = ap.parse_args()
    items = np.load(os.path.join(args.dir, "items.npy")).astype(np.float32)
    queries = np.load(os.path.join(args.dir, "queries.npy")).astype(np.float32)
    k = args.k
    faiss.omp_set_num_threads(1)
    flat = faiss.IndexFlatIP(items.shape[1])
    flat.add(items)
    start = time.perf_counter()
    _, truth = flat.search(queries, k)
    exact_ms = (time.perf_counter() - start) * 1000 / len(queries)
    print(f"faiss IndexFlatIP (exact, batched): {exact_ms:.3f} ms/query")
    start = time.perf_counter()
    for q in queries:
        flat.search(q[None, :], k)
    print(f"faiss IndexFlatIP one query at a time: {(time.perf_counter() - start) * 1000 / len(queries):.3f} ms/query")

    index = hnswlib.Index(space="ip", dim=items.shape[1])
    index.init_index(max_elements=len(items), M=16, ef_construction=100, random_seed=1)
    index.set_num_threads(2)
    start = time.perf_counter()
    index.add_items(items, np.arange(len(items)))
    print(f"hnswlib built in {time.perf_counter() - start:.1f} s (2 threads)")
    index.set_num_threads(1)
    truth_sets = [set(row) for row in truth]
    for ef in (int(e) for e in args.efs.split(",")):
        index.set_ef(max(ef, k))
        start = time.perf_counter()
        found = [index.knn_query(q[None, :], k=k)[0][0] for q in queries]
        ms = (time.perf_counter() - start) * 1000 / len(queries)
        recall = sum(len(truth_sets[i] & set(f)) for i, f in enumerate(found)) / (len(queries) * k)
        print(f"hnswlib ef {ef:4d}: recall@{k} {recall:.4f}, {ms:.3f} ms/query")
    # The same graph's recall for item queries (the index's own points), as our calibration measures it.
    sample = items[np.random.default_rng(1).choice(len(items), 48, replace=False)]
    _, item_truth = flat.search(sample, k)
    index.set_ef(400)
    found = [index.knn_query(q[None, :], k=k)[0][0] for q in sample]
    recall = sum(len(set(item_truth[i]) & set(f)) for i, f in enumerate(found)) / (len(sample) * k)
    print(f"hnswlib ef  400 with 48 item points as queries: recall@{k} {recall:.4f}")


if __name__ == "__main__":
    main()
