"""Overhead of a problem written in Python (sgdlab.Problem) against the built-in quadratic.

The same `sgdlab.weak` run (models gf: SGD and the gradient flow, one thread) on the built-in
quadratic and on its NumPy transcription; paths = 2, 64, 1024, i.e. blocks of W = 2, 64 and
256 lanes (the library's block is at most 256 lanes: 1024 paths are 4 blocks of 256). A lane-step
is one gradient of one lane; the Python run counts them (the built-in run, same flags, does the
same ones). Prints lane-steps/s of both and the Python overhead per lane-step; then, at 1024
paths, whole-run times of both for sme2 (its modified drift: one hvp call per block) and for gf
with threads=1 and threads=2 (the callbacks take turns on the GIL).

    SGDLAB_LIB=build/libsgdlab.so.0 PYTHONPATH=python /usr/bin/python3 bench/bench_python_problem.py
"""
import time

import numpy as np

import sgdlab

d = 4
H = np.diag(np.linspace(1.0, 0.25, d))
count = {"lanes": 0, "calls": 0}


def grad(x):
    count["lanes"] += len(x)
    count["calls"] += 1
    return x @ H


quad = sgdlab.Problem(d, loss=lambda x: 0.5 * np.einsum("li,ij,lj->l", x, H, x), grad=grad,
                      hvp=lambda x, v: v @ H, noise_cols=lambda x: np.broadcast_to(np.eye(d), (len(x), d, d)),
                      noise_constant=True, affine=True, name="quadratic in numpy")


def best_of(n, fn):
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return min(t)


print(f"{'paths':>6} {'W':>4} {'lane-steps':>11} {'calls':>7} {'built-in/s':>12} {'python/s':>12} "
      f"{'ratio':>7} {'overhead us/lane-step':>22} {'us/call':>8}")
for paths, W, T in ((2, 2, 100.0), (64, 64, 40.0), (1024, 256, 10.0)):
    kw = dict(lr=[0.01], T=T, paths=paths, models="gf", observables="x0", x0=np.ones(d), threads=1, seed=1)
    count.update(lanes=0, calls=0)
    sgdlab.weak(problem=quad, **kw)
    lanes, calls = count["lanes"], count["calls"]
    t_builtin = best_of(3, lambda: sgdlab.weak(problem="quadratic", H=H, **kw))
    t_python = best_of(3, lambda: sgdlab.weak(problem=quad, **kw))
    over = (t_python - t_builtin) / lanes * 1e6
    print(f"{paths:>6} {W:>4} {lanes:>11} {calls:>7} {lanes / t_builtin:>12.3g} {lanes / t_python:>12.3g} "
          f"{t_python / t_builtin:>7.1f} {over:>22.3f} {(t_python - t_builtin) / calls * 1e6:>8.1f}")

print()
print(f"{'run (paths 1024, lr 0.01)':<34} {'built-in s':>10} {'python s':>9} {'ratio':>6}")
for label, extra in (("gf, T 10, threads 1", dict(models="gf", T=10.0, threads=1)),
                     ("gf, T 10, threads 2", dict(models="gf", T=10.0, threads=2)),
                     ("sme2, T 2, threads 1", dict(models="sme2", T=2.0, threads=1))):
    kw = dict(lr=[0.01], paths=1024, observables="x0", x0=np.ones(d), seed=1, **extra)
    t_builtin = best_of(3, lambda: sgdlab.weak(problem="quadratic", H=H, **kw))
    t_python = best_of(3, lambda: sgdlab.weak(problem=quad, **kw))
    print(f"{label:<34} {t_builtin:>10.3f} {t_python:>9.3f} {t_python / t_builtin:>6.1f}")
