#!/usr/bin/python3
"""Multilevel over learning rates, measured (bench/RESULTS.md section 16, issue 9 item 4).

The weak-error study compares E f(SGD_a) - E f(model_a) over a = 0.2, 0.1, 0.05. A multilevel
estimator would estimate the level differences E f(SGD_a) - E f(SGD_{a/2}) from coupled pairs
(SGD at a for K steps beside SGD at a/2 for 2K steps on shared samples), so that their variance is
small. This script measures that variance against two independent runs, for three couplings of the
sample choice, each leaving both laws unchanged (i.i.d. uniform indices at every step):
  shared:   the coarse step k uses the fine step 2k's sample;
  quantile: the coarse step k uses the sample whose rank along the first principal direction v of
            the per-sample gradient noise (at x0) is the rank of the fine pair (i, j) of steps 2k,
            2k+1 among all N^2 pairs sorted by (xi_i + xi_j) . v (each coarse index gets exactly N of
            the N^2 equally likely pairs, so it is uniform);
  antishared: the same as shared with the partner of the other step (2k+1) - a control, no better.
Data: as sgdlab generates linreg/logreg (X ~ N(0, I_d), y = u.x + 0.5 eps, logreg y = 1{.. > 0}),
from numpy's generator (not sgdlab's Philox stream), N = 256, d = 3, x0 = 0, T = 1, logreg without
ridge. Prints, per problem, lr pair and observable, Var(indep) / Var(coupled) of the difference.
Usage: /usr/bin/python3 bench/mlmc_lr.py [paths]
"""
import sys
import time

import numpy as np


def make(problem, N=256, d=3, seed=1):
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    X = rng.standard_normal((N, d))
    t = X @ u + 0.5 * rng.standard_normal(N)
    y = (t > 0).astype(float) if problem == "logreg" else t
    return X, y


def grad_samples(problem, X, y, W, idx):
    """Per-path gradient of sample idx[m] at W[m] (M x d)."""
    a, yi = X[idx], y[idx]
    z = np.einsum("md,md->m", a, W)
    if problem == "linreg":
        return a * (z - yi)[:, None]
    s = 2 * yi - 1
    return -a * (s / (1 + np.exp(s * z)))[:, None]


def observables(problem, X, y, W):
    z = W @ X.T
    if problem == "linreg":
        loss = 0.5 * np.mean((z - y) ** 2, axis=1)
    else:
        loss = np.mean(np.logaddexp(0, -(2 * y - 1) * z), axis=1)
    return {"x0": W[:, 0], "x0^2": W[:, 0] ** 2, "loss": loss}


def quantile_map(problem, X, y):
    """coarse[i * N + j]: the coarse sample for the fine pair (i, j)."""
    N, d = X.shape
    xi = grad_samples(problem, X, y, np.zeros((N, d)), np.arange(N))
    xi -= xi.mean(axis=0)
    v = np.linalg.eigh(xi.T @ xi)[1][:, -1]
    p = xi @ v
    pair = (p[:, None] + p[None, :]).ravel() / 2
    coarse = np.empty(N * N, dtype=np.int64)
    coarse[np.argsort(pair, kind="stable")] = np.repeat(np.argsort(p, kind="stable"), N)
    return coarse


def run(problem, X, y, lr, K, idx_fine, idx_coarse):
    """SGD at lr/2 for 2K steps on idx_fine (M x 2K) and at lr for K steps on idx_coarse (M x K)."""
    M, d = idx_fine.shape[0], X.shape[1]
    Wf, Wc = np.zeros((M, d)), np.zeros((M, d))
    for k in range(K):
        Wf -= lr / 2 * grad_samples(problem, X, y, Wf, idx_fine[:, 2 * k])
        Wf -= lr / 2 * grad_samples(problem, X, y, Wf, idx_fine[:, 2 * k + 1])
        Wc -= lr * grad_samples(problem, X, y, Wc, idx_coarse[:, k])
    return observables(problem, X, y, Wc), observables(problem, X, y, Wf)


def main():
    M = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    rng = np.random.default_rng(7)
    t0 = time.process_time()
    print(f"paths {M}; Var(f(SGD_a) - f(SGD_a/2)): independent / coupled (larger is better)")
    for problem in ("linreg", "logreg"):
        X, y = make(problem)
        N = X.shape[0]
        qmap = quantile_map(problem, X, y)
        for lr in (0.2, 0.1):
            K = int(round(1 / lr))
            fine = rng.integers(0, N, size=(M, 2 * K))
            indep = rng.integers(0, N, size=(M, K))
            coup = {"shared": fine[:, 0::2], "antishared": fine[:, 1::2],
                    "quantile": qmap[fine[:, 0::2] * N + fine[:, 1::2]]}
            c_i, f_i = run(problem, X, y, lr, K, fine, indep)
            res = {name: run(problem, X, y, lr, K, fine, ic) for name, ic in coup.items()}
            for o in ("x0", "x0^2", "loss"):
                v_ind = np.var(c_i[o]) + np.var(f_i[o])
                diff = np.mean(c_i[o]) - np.mean(f_i[o])
                row = "  ".join(f"{name} {v_ind / np.var(c[o] - f[o]):7.3g}" for name, (c, f) in res.items())
                print(f"{problem} lr {lr:4g}/{lr / 2:<5g} {o:5s} E diff {diff:+.4f}  {row}")
    print(f"CPU {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
