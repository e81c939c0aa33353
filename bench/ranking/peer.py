"""PyTorch peer of `Twofold.Bench ranking`: the same MMoE, inference latency and training throughput, one thread.

usage: /usr/bin/python3 peer.py [users] [items] [creators] [genres] [candidates] [calls] [batch] [steps] [rounds]

Fields (N(0, 0.05^2) tables): user [users, 16], item [items + 1, 16], creator [creators, 16], genre [genres, 8],
day of week [8, 4], hour [25, 4], looked up with index_select, concatenated with one dense feature (input width 65).
3 experts Linear(65, 64) -> ReLU -> Linear(64, 32) -> ReLU; per task (7) a gate softmax(Linear(65, 3)) mixing the
stacked expert outputs and a tower Linear(32, 16) -> ReLU -> Linear(16, 1). Inference: one user against
`candidates` random items on prepared id tensors, forward + sigmoid under no_grad. Training: per-task weighted BCE with
logits, zero_grad, backward, dense Adam lr 0.002, batch `batch`; best of `rounds` rounds of `steps` steps.
"""
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Mmoe(nn.Module):
    def __init__(self, cardinalities, dims, dense, experts=3, hidden=64, out=32, tower=16, tasks=7):
        super().__init__()
        self.tables = nn.ParameterList(
            [nn.Parameter(nn.init.normal_(torch.empty(c, d), std=0.05)) for c, d in zip(cardinalities, dims)])
        width = sum(dims) + dense
        self.width = width
        self.experts = nn.ModuleList(
            [nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, out), nn.ReLU()) for _ in range(experts)])
        self.gates = nn.ModuleList([nn.Linear(width, experts) for _ in range(tasks)])
        self.towers = nn.ModuleList(
            [nn.Sequential(nn.Linear(out, tower), nn.ReLU(), nn.Linear(tower, 1)) for _ in range(tasks)])

    def forward(self, categorical, dense):
        parts = [t.index_select(0, categorical[:, f]) for f, t in enumerate(self.tables)]
        parts.append(dense)
        x = torch.cat(parts, 1)
        stacked = torch.stack([e(x) for e in self.experts], 1)  # [B, E, O]
        logits = [tw((stacked * g(x).softmax(1).unsqueeze(-1)).sum(1)) for g, tw in zip(self.gates, self.towers)]
        return torch.cat(logits, 1)


def main():
    args = [int(a) for a in sys.argv[1:]]
    defaults = [10_000, 10_000, 1_000, 20, 1_000, 2_000, 1_024, 100, 5]
    users, items, creators, genres, candidates, calls, batch, steps, rounds = args + defaults[len(args):]
    torch.set_num_threads(1)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    cards = [users, items + 1, creators, genres, 8, 25]
    dims = [16, 16, 16, 8, 4, 4]
    tasks = 7
    model = Mmoe(cards, dims, 1)
    params = sum(p.numel() for p in model.parameters())
    print(f"torch {torch.__version__} threads={torch.get_num_threads()} parameters={params} input={model.width}")
    blas = [l.strip() for l in torch.__config__.show().splitlines() if "BLAS" in l or "LAPACK" in l]
    print("blas: " + " | ".join(blas))
    print(f"mkldnn={torch.backends.mkldnn.is_available()} openmp={torch.backends.openmp.is_available()}")
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    with open("/proc/self/maps") as maps:
        libs = sorted({l.split()[-1] for l in maps if any(k in l.lower() for k in ("blas", "mkl", "lapack"))})
    print("blas libraries mapped: " + " ".join(libs))

    item_creator = rng.integers(0, creators, items)
    item_genre = rng.integers(0, genres, items)
    item_duration = rng.uniform(-1, 1, items).astype(np.float32)

    def features(u, i, day, hour):
        cat = np.stack([u, i, item_creator[i], item_genre[i], day, hour], 1).astype(np.int64)
        return torch.from_numpy(cat), torch.from_numpy(item_duration[i].reshape(-1, 1).copy())

    # Inference: one user, `candidates` items, unknown context.
    cand = rng.integers(0, items, candidates)
    cat, dense = features(np.full(candidates, rng.integers(users)), cand, np.full(candidates, 7), np.full(candidates, 24))
    model.eval()
    times = []
    with torch.no_grad():
        for k in range(max(50, calls // 10) + calls):
            start = time.perf_counter()
            p = torch.sigmoid(model(cat, dense)).contiguous()
            _ = p[0, 0].item()
            if k >= max(50, calls // 10):
                times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"forward: calls={calls} median_ms={times[calls // 2]:.3f} p99_ms={times[int(calls * 0.99)]:.3f} "
          f"mean_ms={sum(times) / calls:.3f}")

    # Training.
    batches = []
    for _ in range(16):
        u = rng.integers(0, users, batch)
        i = rng.integers(0, items, batch)
        c, d = features(u, i, rng.integers(0, 7, batch), rng.integers(0, 24, batch))
        y = torch.from_numpy((rng.random((batch, tasks)) < 0.1).astype(np.float32))
        batches.append((c, d, y))
    rates = [0.04, 0.01, 0.006, 0.004, 0.02, 0.3, 0.5]
    weights = torch.tensor([min(max(np.log(2) / -(p * np.log(p) + (1 - p) * np.log(1 - p)), 1), 5) for p in rates],
                           dtype=torch.float32)
    adam = torch.optim.Adam(model.parameters(), lr=0.002)
    model.train()
    step = [0]

    def train_step():
        c, d, y = batches[step[0] % len(batches)]
        step[0] += 1
        logits = model(c, d)
        loss = (F.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(0) * weights).sum()
        adam.zero_grad()
        loss.backward()
        adam.step()
        return loss.item()

    first = train_step()
    for _ in range(19):
        train_step()
    print(f"train: first step loss {first:.4f}")
    best = 0.0
    for r in range(1, rounds + 1):
        start = time.perf_counter()
        loss_sum = 0.0
        for _ in range(steps):
            loss_sum += train_step()
        elapsed = time.perf_counter() - start
        rate = steps * batch / elapsed
        best = max(best, rate)
        print(f"train round {r}: {rate:.0f} samples/s ({elapsed * 1000 / steps:.3f} ms/step), mean loss {loss_sum / steps:.4f}")
    print(f"train: batch={batch} samples_per_s={best:.0f}")


if __name__ == "__main__":
    main()
