#!/usr/bin/python3
"""The peer for `sgdlab train`: the same network (784-128-64-10, ReLU, softmax cross-entropy),
plain SGD with i.i.d. minibatch indices, on the same MNIST split (first 8000 of t10k), written
the way a PyTorch user would. Prints examples per second for each batch size.

Fair configuration on 2 cores: torch.set_num_threads(THREADS) and OPENBLAS_NUM_THREADS=1
(set by bench_train.sh; otherwise PyTorch's and OpenBLAS's threads fight over the cores).
Usage: peer_train_torch.py MNIST_DIR [--batches 1,32] [--dtype float32|float64] [--threads 2]
"""
import argparse
import gzip
import time

import numpy as np
import torch


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--examples", type=int, default=8000, help="examples timed per batch size")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    X = read_idx(f"{args.data}/t10k-images-idx3-ubyte.gz")[:8000].reshape(8000, 784)
    y = read_idx(f"{args.data}/t10k-labels-idx1-ubyte.gz")[:8000]
    X = torch.tensor(X, dtype=dtype) / 255.0
    y = torch.tensor(y, dtype=torch.long)
    for B in [int(b) for b in args.batches.split(",")]:
        torch.manual_seed(1)
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 128), torch.nn.ReLU(),
            torch.nn.Linear(128, 64), torch.nn.ReLU(),
            torch.nn.Linear(64, 10)).to(dtype)
        opt = torch.optim.SGD(model.parameters(), lr=args.lr)
        loss_fn = torch.nn.CrossEntropyLoss()
        steps = args.examples // B
        idx = torch.randint(0, 8000, (steps + 50, B))
        for s in range(50):  # warm-up
            opt.zero_grad()
            loss_fn(model(X[idx[s]]), y[idx[s]]).backward()
            opt.step()
        t0 = time.perf_counter()
        for s in range(50, 50 + steps):
            opt.zero_grad()
            loss = loss_fn(model(X[idx[s]]), y[idx[s]])
            loss.backward()
            opt.step()
        dt = time.perf_counter() - t0
        print(f"torch {torch.__version__} {args.dtype} threads {args.threads} batch {B}: "
              f"{steps * B / dt:.0f} examples/s (final batch loss {loss.item():.3f})")


if __name__ == "__main__":
    main()
