"""Activity training benchmark, peer side and data generator.

  train_peer.py gen DIR [ROWS]           writes DIR/features.f32 (ROWS x 32 float32, row-major) and DIR/labels.u8
  train_peer.py train DIR TRAIN_ROWS THREADS TREES
                                         xgboost (tree_method=hist, max_depth=8, max_leaves=255) on the first TRAIN_ROWS
                                         rows, AUC on the rest; prints wall times of DMatrix construction and training

Run with Debian's /usr/bin/python3 (python3-xgboost, python3-numpy).
"""
import sys
import time

import numpy as np

COLUMNS = 32


def generate(directory, rows):
    """A deterministic activity-like matrix: visit counts over windows, recency, rates and noise; the label is a
    noisy non-linear function of a dozen of them (about a third positives)."""
    rng = np.random.Generator(np.random.PCG64(20261129))
    x = np.empty((rows, COLUMNS), dtype=np.float32)
    propensity = rng.beta(0.7, 1.3, rows)                      # hidden per-user activity rate
    for k, window in enumerate((1, 3, 7, 14, 30)):             # visits in the last 1 / 3 / 7 / 14 / 30 days
        x[:, k] = rng.binomial(window, propensity)
    x[:, 5] = np.minimum(rng.geometric(np.maximum(propensity, 0.02)), 31)  # days since the last visit
    x[:, 6] = rng.poisson(3.0 * propensity * 7)                # impressions in the last week
    x[:, 7] = x[:, 4] / 30.0 + rng.normal(0, 0.05, rows)       # noisy 30-day rate
    x[:, 8] = rng.integers(0, 7, rows)                         # weekday of the target day
    x[:, 9] = rng.exponential(1.0, rows)                       # session length
    x[:, 10:20] = rng.binomial(1, propensity[:, None], (rows, 10))  # visit bits d-1 .. d-10
    x[:, 20:32] = rng.standard_normal((rows, 12))              # uninformative and weak columns
    logit = (-1.4 + 3.0 * (x[:, 3] / 14.0) + 0.9 * x[:, 0] - 0.08 * x[:, 5] + 0.4 * np.sin(x[:, 8] * 0.9)
             + 0.6 * x[:, 10] * x[:, 11] - 0.5 * (x[:, 9] > 2.0) + 0.3 * np.tanh(x[:, 20] * x[:, 21])
             + 0.25 * x[:, 22] + 0.5 * (x[:, 6] > 10) * (x[:, 1] == 0))
    labels = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.uint8)
    x.tofile(f"{directory}/features.f32")
    labels.tofile(f"{directory}/labels.u8")
    print(f"generated {rows:,} rows x {COLUMNS} columns, {labels.mean():.3f} positives")


def auc(scores, labels):
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    # average ranks of ties
    sorted_scores = scores[order]
    _, start, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for s, c in zip(start[counts > 1], counts[counts > 1]):
        ranks[order[s:s + c]] = s + (c + 1) / 2.0
    positives = labels.sum()
    negatives = len(labels) - positives
    return (ranks[labels == 1].sum() - positives * (positives + 1) / 2.0) / (positives * negatives)


def train(directory, train_rows, threads, trees):
    import xgboost as xgb

    x = np.fromfile(f"{directory}/features.f32", dtype=np.float32).reshape(-1, COLUMNS)
    y = np.fromfile(f"{directory}/labels.u8", dtype=np.uint8)
    started = time.perf_counter()
    dtrain = xgb.DMatrix(x[:train_rows], label=y[:train_rows], nthread=threads)
    dmatrix = time.perf_counter() - started
    params = {
        "objective": "binary:logistic", "tree_method": "hist", "max_depth": 8, "max_leaves": 255, "max_bin": 255,
        "eta": 0.1, "min_child_weight": 1, "lambda": 1.0, "nthread": threads, "seed": 1, "verbosity": 0,
    }
    started = time.perf_counter()
    booster = xgb.train(params, dtrain, num_boost_round=trees)
    seconds = time.perf_counter() - started
    test = xgb.DMatrix(x[train_rows:], nthread=threads)
    scores = booster.predict(test)
    print(f"xgboost {xgb.__version__}: DMatrix {dmatrix:.2f} s, train {train_rows:,} rows x {trees} trees "
          f"({threads} threads): {seconds:.2f} s, held-out AUC {auc(scores, y[train_rows:]):.4f} on {len(scores):,} rows")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        generate(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1_200_000)
    else:
        train(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
