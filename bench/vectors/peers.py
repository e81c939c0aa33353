#!/usr/bin/python3
"""Peers for the Twofold.Vectors benchmark: faiss 1.7.3, hnswlib 0.6.2 and numpy, one thread each, on the data
written by `Twofold.Bench vectors generate`. Writes a JSON list of rows in the schema the C# side prints."""
import argparse, json, math, os, sys, time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import faiss  # noqa: E402
import hnswlib  # noqa: E402

K = 200
FRACTIONS = [1.0, 0.5, 0.1, 0.01]


def fname(f):
    return ("%g" % f)


def blas_libraries():
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if any(s in path for s in ("blas", "lapack", "faiss", "mkl", "omp")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="bench/vectors/data")
    ap.add_argument("--out", default=None)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--only", default="exact,graph", help="comma-separated sections: exact (numpy, faiss flat), graph (faiss HNSW, hnswlib)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    faiss.omp_set_num_threads(1)
    base = np.load(os.path.join(args.data, "base.npy"))
    queries = np.load(os.path.join(args.data, "queries.npy"))
    n, d = base.shape
    nq = queries.shape[0]
    filters = {f: np.load(os.path.join(args.data, "filter_%s.npy" % fname(f))).reshape(-1) for f in FRACTIONS}
    truth = {f: np.load(os.path.join(args.data, "gt_%s.npy" % fname(f))) for f in FRACTIONS}
    rows = []
    load = lambda: " ".join(open("/proc/loadavg").read().split()[:3])
    print("# peers: numpy %s, faiss %s, hnswlib %s; N = %d, d = %d, %d queries; load %s" % (np.__version__, faiss.__version__, getattr(hnswlib, "__version__", "0.6.2"), n, d, nq, load()))

    def recall(f, j, ids):
        gt = truth[f][j]
        return len(set(int(i) for i in ids if i >= 0) & set(gt.tolist())) / float(len(gt))

    def record(method, scenario, f, setting, qps, rec, count, build=None, bpv=None):
        rows.append(dict(Side="peer", Method=method, Scenario=scenario, Fraction=f, Setting=setting, Qps=qps, Recall=rec,
                         Queries=count, BuildSeconds=build, BytesPerVector=bpv))
        print("  %-28s %-22s %6s %-12s %10.0f qps  recall %.4f" % (method, scenario, fname(f), setting, qps, rec), flush=True)

    def time_single(method, scenario, f, setting, count, search):
        for j in range(min(5, count)):
            search(j)
        out = [None] * count
        t = time.perf_counter()
        for j in range(count):
            out[j] = search(j)
        secs = time.perf_counter() - t
        record(method, scenario, f, setting, count / secs, sum(recall(f, j, out[j]) for j in range(count)) / count, count)

    def time_batch(method, scenario, f, batch, search):
        count = nq // batch * batch
        search(queries[:batch])
        out = []
        t = time.perf_counter()
        for b in range(0, count, batch):
            out.extend(search(queries[b:b + batch]))
        secs = time.perf_counter() - t
        record(method, scenario, f, "batch %d" % batch, count / secs, sum(recall(f, j, out[j]) for j in range(count)) / count, count)

    def topk(scores, k=K):
        k = min(k, scores.shape[0])
        idx = np.argpartition(-scores, k - 1)[:k]
        return idx[np.argsort(-scores[idx], kind="stable")]

    def topk_cols(scores, k=K):
        # scores: (rows, batch) -> per column top-k
        k = min(k, scores.shape[0])
        idx = np.argpartition(-scores, k - 1, axis=0)[:k]
        return [idx[:, c][np.argsort(-scores[idx[:, c], c], kind="stable")] for c in range(scores.shape[1])]

    single = min(nq, 400)
    if "exact" in only:
        print("## numpy (BLAS sgemv/sgemm)")
        time_single("numpy", "exact", 1.0, "single", single, lambda j: topk(base @ queries[j]))
        for batch in (32, 128):
            time_batch("numpy", "exact", 1.0, batch, lambda Q: topk_cols(base @ Q.T))
        for f in FRACTIONS[1:]:
            mask = np.zeros(n, dtype=bool)
            mask[filters[f]] = True
            neg = np.where(mask, 0.0, -np.inf).astype(np.float32)

            def masked(j):
                s = base @ queries[j]
                s += neg
                r = topk(s)
                return r[np.isfinite(s[r])]
            time_single("numpy mask", "exact filtered", f, "single", single, masked)
        for f in FRACTIONS:
            ids = filters[f]
            compact = np.ascontiguousarray(base[ids])
            time_single("numpy compacted", "compacted", f, "single", nq if f < 0.5 else single, lambda j: ids[topk(compact @ queries[j])])
            for batch in (32, 128):
                time_batch("numpy compacted", "compacted", f, batch, lambda Q: [ids[c] for c in topk_cols(compact @ Q.T)])

        print("## faiss IndexFlatIP")
        flat = faiss.IndexFlatIP(d)
        flat.add(base)
        time_single("faiss IndexFlatIP", "exact", 1.0, "single", single, lambda j: flat.search(queries[j:j + 1], K)[1][0])
        for batch in (32, 128):
            time_batch("faiss IndexFlatIP", "exact", 1.0, batch, lambda Q: list(flat.search(Q, K)[1]))
        for f in FRACTIONS[1:]:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(filters[f].astype(np.int64)))
            time_single("faiss IndexFlatIP+selector", "exact filtered", f, "single", single if f >= 0.1 else nq,
                        lambda j: flat.search(queries[j:j + 1], K, params=params)[1][0])
            time_batch("faiss IndexFlatIP+selector", "exact filtered", f, 128, lambda Q: list(flat.search(Q, K, params=params)[1]))
        flat_bytes = len(faiss.serialize_index(flat)) / n
        rows[-1]["BytesPerVector"] = flat_bytes

    if "graph" in only:
        print("## faiss IndexHNSWFlat (inner product)")
        t = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(d, args.m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = args.ef_construction
        hnsw.add(base)
        build = time.perf_counter() - t
        bpv = len(faiss.serialize_index(hnsw)) / n
        print("  build %.1f s, %.0f inserts/s, %.0f bytes/vector (serialised); load %s" % (build, n / build, bpv, load()), flush=True)
        for ef in (200, 400, 800):
            hnsw.hnsw.efSearch = ef
            p = faiss.SearchParametersHNSW(efSearch=ef)
            time_single("faiss IndexHNSWFlat", "graph", 1.0, "ef %d" % ef, nq, lambda j: hnsw.search(queries[j:j + 1], K, params=p)[1][0])
            rows[-1]["BuildSeconds"] = build
            rows[-1]["BytesPerVector"] = bpv
        for f in FRACTIONS[1:]:
            sel = faiss.IDSelectorBatch(filters[f].astype(np.int64))
            hnsw.hnsw.efSearch = 400
            p = faiss.SearchParametersHNSW(sel=sel, efSearch=400)
            time_single("faiss IndexHNSWFlat+selector", "graph filtered", f, "ef 400", nq if f >= 0.1 else 200,
                        lambda j: hnsw.search(queries[j:j + 1], K, params=p)[1][0])
        del hnsw

        print("## hnswlib (space 'ip')")
        t = time.perf_counter()
        index = hnswlib.Index(space="ip", dim=d)
        index.init_index(max_elements=n, ef_construction=args.ef_construction, M=args.m, random_seed=1)
        index.set_num_threads(1)
        index.add_items(base, np.arange(n), num_threads=1)
        build = time.perf_counter() - t
        path = os.path.join(args.data, "hnswlib.bin")
        index.save_index(path)
        bpv = os.path.getsize(path) / n
        os.remove(path)
        print("  build %.1f s, %.0f inserts/s, %.0f bytes/vector (saved file); load %s" % (build, n / build, bpv, load()), flush=True)
        for ef in (200, 400, 800):
            index.set_ef(ef)
            time_single("hnswlib", "graph", 1.0, "ef %d" % ef, nq, lambda j: index.knn_query(queries[j:j + 1], k=K, num_threads=1)[0][0])
            rows[-1]["BuildSeconds"] = build
            rows[-1]["BytesPerVector"] = bpv
        for f in FRACTIONS[1:]:
            mask = np.zeros(n, dtype=bool)
            mask[filters[f]] = True
            fetch = min(n, int(math.ceil(K / f)))
            index.set_ef(max(400, fetch))

            def post(j):
                labels = index.knn_query(queries[j:j + 1], k=fetch, num_threads=1)[0][0]
                return labels[mask[labels]][:K]
            time_single("hnswlib post-filter", "graph filtered", f, "fetch %d" % fetch, nq if f >= 0.5 else (200 if f >= 0.1 else 50), post)

    print("# BLAS and native libraries mapped in the peer process:")
    for lib in blas_libraries():
        print("#   " + lib)
    print("# done; load %s" % load())
    out = args.out or os.path.join(args.data, "peers.json")
    with open(out, "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    sys.exit(main())
