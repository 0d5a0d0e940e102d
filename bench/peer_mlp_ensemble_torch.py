#!/usr/bin/python3
"""The peer for `sgdlab weak --problem mlp` ensembles (bench/bench_mlp_ensemble.sh): the same
784-H-10 tanh network with softmax cross-entropy on the first N digits of MNIST t10k, an ensemble
of independent paths started from one point, written as a PyTorch user would write it, in two ways:

  vmap:    functorch's vmap over the paths of grad (SGD) or of grad of a function that itself
           calls grad (SMF2), parameters stacked [paths, ...] (Debian's torch 1.13 has functorch,
           not torch.func);
  batched: plain autograd on stacked parameters: the paths are independent, so the gradient of
           the sum over paths of their losses is every path's own gradient (einsum over paths);
  loop:    a Python loop over the paths, each its own unstacked parameters and plain autograd
           (torch.autograd.grad; create_graph for SMF2), the way one trains a few models side by side.

SGD:  x <- x - lr grad l_i(x), one i.i.d. index per path and step (batch 1).
SMF2: Euler-Maruyama with S substeps of h = lr/S per learning-rate step, on
        dX = -grad(L + lr/4 |grad L|^2) dt + sqrt(lr) sqrt(1/N) sum_i (grad L - grad l_i) dB_i,
      each substep one scalar per path whose gradient is the whole increment:
        h (L + lr/4 |grad L|^2) - c ((sum_i z_i) L - sum_i z_i l_i),  c = sqrt(lr h / N),
      i.e. the full-batch forward, a backward with create_graph (grad L), and one backward of the
      modified loss plus the z-weighted loss (per-sample gradients weighted by the normals).
      This is the SMF2 step of sgdlab (src/dynamics/sde.c, model_terms.c) with --scheme em.

Timing: CPU seconds of this process (time.process_time) over the timed steps, after one warm-up
step; torch.set_num_threads(--threads). Prints one line per run:
  torch MODE MODEL DTYPE: RATE path-steps/s (...)
`gemm` instead measures the BLAS GEMM rate (numpy, the OpenBLAS sgdlab links): best of a few
n x n products, in GFLOP/s of CPU time.
Usage: peer_mlp_ensemble_torch.py DATA_DIR [--model sgd|smf2] [--mode vmap|batched]
           [--dtype float64|float32] [--paths M] [--steps K] [--substeps S] [--train N]
           [--hidden H] [--lr LR] [--threads T]
       peer_mlp_ensemble_torch.py gemm [--n 1024]
"""
import argparse
import gzip
import sys
import time

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def gemm_peak(n):
    """Best GFLOP/s (CPU time) of n x n x n dgemm and sgemm through numpy."""
    for dt in (np.float64, np.float32):
        a = np.random.default_rng(1).standard_normal((n, n)).astype(dt)
        b, c = a.copy(), np.empty_like(a)
        np.matmul(a, b, out=c)
        best = 0.0
        for _ in range(5):
            t0 = time.process_time()
            np.matmul(a, b, out=c)
            best = max(best, 2.0 * n**3 / (time.process_time() - t0) / 1e9)
        print(f"gemm {np.dtype(dt).name} n={n}: {best:.1f} GFLOP/s")


def init_params(torch, sizes, M, dtype):
    """One start for every path: N(0, 1/fan_in) weights, zero biases, stacked [M, ...]."""
    g = torch.Generator().manual_seed(1)
    ps = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = torch.randn(n_in, n_out, generator=g, dtype=torch.float64) / n_in**0.5
        ps += [w.to(dtype).expand(M, n_in, n_out).clone(), torch.zeros(M, n_out, dtype=dtype)]
    return ps


def forward_one(torch, ps, x):
    """Logits of one path's parameters (unstacked list) on inputs x [n, 784] or [784]."""
    a = x
    for l in range(0, len(ps), 2):
        a = a @ ps[l] + ps[l + 1]
        if l + 2 < len(ps):
            a = torch.tanh(a)
    return a


def forward_stacked(torch, ps, X, shared):
    """Logits of all paths: X [M, 784], one example per path -> [M, C]; or (shared) the data set
    X [N, 784] for every path -> [M, N, C]."""
    a = X
    for l in range(0, len(ps), 2):
        if shared:
            eq = "ni,mij->mnj" if l == 0 else "mni,mij->mnj"
            a = torch.einsum(eq, a, ps[l]) + ps[l + 1][:, None, :]
        else:
            a = torch.einsum("mi,mij->mj", a, ps[l]) + ps[l + 1]
        if l + 2 < len(ps):
            a = torch.tanh(a)
    return a


def make_sgd_step(torch, mode, X, Y, lr):
    F = torch.nn.functional
    if mode == "vmap":
        from functorch import grad, vmap

        def loss1(ps, x, y):
            return F.cross_entropy(forward_one(torch, ps, x)[None, :], y[None])

        per_path = vmap(grad(loss1))

        def step(ps, idx):
            gs = per_path(ps, X[idx], Y[idx])
            with torch.no_grad():
                for p, gp in zip(ps, gs):
                    p.sub_(gp, alpha=lr)
        return step

    if mode == "loop":
        def step(paths, idx):
            for m, ps in enumerate(paths):
                i = int(idx[m])
                loss = F.cross_entropy(forward_one(torch, ps, X[i : i + 1]), Y[i : i + 1])
                gs = torch.autograd.grad(loss, ps)
                with torch.no_grad():
                    for p, gp in zip(ps, gs):
                        p.sub_(gp, alpha=lr)
        return step

    def step(ps, idx):
        for p in ps:
            p.requires_grad_(True)
        loss = F.cross_entropy(forward_stacked(torch, ps, X[idx], False), Y[idx], reduction="sum")
        gs = torch.autograd.grad(loss, ps)
        with torch.no_grad():
            for p, gp in zip(ps, gs):
                p.requires_grad_(False)
                p.sub_(gp, alpha=lr)
    return step


def make_smf2_step(torch, mode, X, Y, lr, h):
    F = torch.nn.functional
    N = X.shape[0]
    c = (lr * h / N) ** 0.5
    if mode == "vmap":
        from functorch import grad, vmap

        def mean_loss(ps):
            return F.cross_entropy(forward_one(torch, ps, X), Y)

        grad_L = grad(mean_loss)

        def objective(ps, z):
            l = F.cross_entropy(forward_one(torch, ps, X), Y, reduction="none")
            L = l.mean()
            gL = grad_L(ps)
            mod = L + 0.25 * lr * sum((g * g).sum() for g in gL)
            return h * mod - c * (z.sum() * L - (z * l).sum())

        per_path = vmap(grad(objective))

        def step(ps, Z):
            inc = per_path(ps, Z)
            with torch.no_grad():
                for p, d in zip(ps, inc):
                    p.sub_(d)
        return step

    if mode == "loop":
        def step(paths, Z):
            for m, ps in enumerate(paths):
                l = F.cross_entropy(forward_one(torch, ps, X), Y, reduction="none")
                L = l.mean()
                gL = torch.autograd.grad(L, ps, create_graph=True)
                obj = h * (L + 0.25 * lr * sum((g * g).sum() for g in gL)) - c * (Z[m].sum() * L - (Z[m] * l).sum())
                inc = torch.autograd.grad(obj, ps)
                with torch.no_grad():
                    for p, d in zip(ps, inc):
                        p.sub_(d)
        return step

    def step(ps, Z):
        for p in ps:
            p.requires_grad_(True)
        M = ps[0].shape[0]
        logits = forward_stacked(torch, ps, X, True)       # [M, N, C]
        l = F.cross_entropy(logits.reshape(M * N, -1), Y.repeat(M), reduction="none").reshape(M, N)
        L = l.mean(dim=1)                                   # [M]: every path's mean loss
        gL = torch.autograd.grad(L.sum(), ps, create_graph=True)
        sq = sum((g * g).flatten(1).sum(1) for g in gL)     # [M]: |grad L|^2 per path
        obj = (h * (L + 0.25 * lr * sq) - c * (Z.sum(1) * L - (Z * l).sum(1))).sum()
        inc = torch.autograd.grad(obj, ps)
        with torch.no_grad():
            for p, d in zip(ps, inc):
                p.requires_grad_(False)
                p.sub_(d)
    return step


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "gemm":
        ap = argparse.ArgumentParser()
        ap.add_argument("gemm")
        ap.add_argument("--n", type=int, default=1024)
        gemm_peak(ap.parse_args().n)
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--model", default="sgd", choices=["sgd", "smf2"])
    ap.add_argument("--mode", default="vmap", choices=["vmap", "batched", "loop"])
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--paths", type=int, default=256)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--substeps", type=int, default=4)
    ap.add_argument("--train", type=int, default=512)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    X = read_idx(f"{a.data}/t10k-images-idx3-ubyte.gz")[: a.train].reshape(a.train, -1)
    X = torch.tensor(X, dtype=dtype) / 255.0
    Y = torch.tensor(read_idx(f"{a.data}/t10k-labels-idx1-ubyte.gz")[: a.train], dtype=torch.long)
    sizes = [X.shape[1], a.hidden, 10]
    M = a.paths
    ps = init_params(torch, sizes, M, dtype)
    if a.mode == "loop":  # one leaf list per path, each its own copy of the start
        ps = [[p[m].clone().requires_grad_(True) for p in ps] for m in range(M)]
    gen = torch.Generator().manual_seed(2)
    if a.model == "sgd":
        step = make_sgd_step(torch, a.mode, X, Y, a.lr)
        draws = [torch.randint(0, a.train, (M,), generator=gen) for _ in range(a.steps + 1)]
        n_calls, per_call = a.steps, M
    else:
        step = make_smf2_step(torch, a.mode, X, Y, a.lr, a.lr / a.substeps)
        n_calls, per_call = a.steps * a.substeps, M
        draws = None
    def draw(k):
        return draws[k] if draws is not None else torch.randn(M, a.train, generator=gen, dtype=dtype)
    step(ps, draw(0))  # warm-up (first-call allocations, functorch tracing)
    t0 = time.process_time()
    for k in range(n_calls):
        step(ps, draw(k + 1))
    t = time.process_time() - t0
    flat = [p for q in ps for p in q] if a.mode == "loop" else ps
    ok = all(bool(torch.isfinite(p).all()) for p in flat)
    unit = "path-steps/s" if a.model == "sgd" else "path-substeps/s"
    print(f"torch {a.mode} {a.model} {a.dtype}: {per_call * n_calls / t:.4g} {unit} "
          f"({M} paths x {n_calls} {'steps' if a.model == 'sgd' else 'substeps'}, {t:.2f} s CPU, "
          f"{a.threads} thread(s), finite {ok})")


if __name__ == "__main__":
    main()
