"""PyTorch peer of `Twofold.Bench twotower`: the same two-tower architecture and training step.

usage: /usr/bin/python3 peer.py [users] [items] [positives] [epochs] [threads] [dim]

Per tower: an id embedding table (N(0, 0.1^2)), Linear(dim, 128) -> ReLU -> Linear(128, dim), L2 normalisation.
Loss: in-batch sampled softmax over the batch's items, logits = u.v / 0.1 - log(B * p(item)), accidental hits
masked, cross-entropy; dense Adam, lr 0.003; batch 1024; random uniform user and item ids. Prints one line per
epoch and the best examples/s after the first (warm-up) epoch.
"""
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Tower(nn.Module):
    def __init__(self, rows, dim, hidden):
        super().__init__()
        self.table = nn.Parameter(torch.randn(rows, dim) * 0.1)
        self.hidden = nn.Linear(dim, hidden)
        self.output = nn.Linear(hidden, dim)

    def forward(self, ids):
        x = self.table.index_select(0, ids)
        return F.normalize(self.output(F.relu(self.hidden(x))), p=2.0, dim=1)


def main():
    args = [int(a) for a in sys.argv[1:]]
    users, items, positives, epochs, threads, dim = (args + [100_000, 100_000, 102_400, 3, 1, 64][len(args):])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    pos_users = rng.integers(0, users, positives)
    pos_items = rng.integers(0, items, positives)
    batch = 1024
    counts = np.bincount(pos_items, minlength=items).astype(np.float64)
    with np.errstate(divide="ignore"):
        log_q = torch.tensor(np.where(counts > 0, np.log(batch * counts / positives), 0.0), dtype=torch.float32)

    user_tower, item_tower = Tower(users, dim, 128), Tower(items, dim, 128)
    params = list(user_tower.parameters()) + list(item_tower.parameters())
    adam = torch.optim.Adam(params, lr=0.003)
    temperature = 0.1
    best = 0.0
    for epoch in range(1, epochs + 1):
        order = rng.permutation(positives)
        start_time = time.perf_counter()
        loss_sum, trained = 0.0, 0
        for start in range(0, positives - 1, batch):
            idx = order[start:start + batch]
            n = len(idx)
            u = torch.from_numpy(pos_users[idx])
            i = torch.from_numpy(pos_items[idx])
            eu, ei = user_tower(u), item_tower(i)
            logits = eu.mm(ei.t()) / temperature - log_q.index_select(0, i).unsqueeze(0)
            accidental = i.unsqueeze(1).eq(i.unsqueeze(0)) & ~torch.eye(n, dtype=torch.bool)
            logits = logits.masked_fill(accidental, float("-inf"))
            loss = F.cross_entropy(logits, torch.arange(n))
            adam.zero_grad()
            loss.backward()
            adam.step()
            loss_sum += loss.item() * n
            trained += n
        seconds = time.perf_counter() - start_time
        rate = trained / seconds
        print(f"epoch {epoch}: {seconds:.2f} s, {rate:.0f} examples/s, loss {loss_sum / trained:.4f}", flush=True)
        if epoch > 1 or epochs == 1:
            best = max(best, rate)
    print(f"pytorch threads={threads} examples_per_s={best:.0f} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
