#!/usr/bin/python3
"""NumPy peer for bench_rng: standard normals per second from numpy's default
generator (PCG64 + ziggurat), single thread, the way a user would draw them:
(a) big arrays (best case), (b) one (64 paths x n) array per step, as an ensemble loop
vectorised over paths would. Prints 'key value' lines that bench_rng parses."""
import sys
import time

import numpy as np


def best_rate(fn, count, reps=5):
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        dt = time.perf_counter() - t
        best = max(best, count / dt)
    return best


def main():
    rng = np.random.default_rng(1)
    big = np.empty(4_000_000)
    rate_big = best_rate(lambda: rng.standard_normal(out=big), big.size)
    out = {"numpy_big_array": rate_big}
    for n in (1, 16):
        steps = 20000
        buf = np.empty((n, 64))

        def per_step():
            for _ in range(steps):
                rng.standard_normal(out=buf)

        out[f"numpy_per_step_n{n}"] = best_rate(per_step, steps * 64 * n, reps=3)
    for k, v in out.items():
        print(f"{k} {v:.6g}")
    print(f"numpy_version {np.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
