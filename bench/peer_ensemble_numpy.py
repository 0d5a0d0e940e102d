"""The NumPy script a careful user would write for the same study: SME1 by Euler-Maruyama on the 1-D
double well, vectorised over paths, recording E x at every step.
usage: /usr/bin/python3 bench/peer_ensemble_numpy.py [paths] [steps]"""
import sys, time
import numpy as np

M = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
K = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
alpha, sigma2 = 1e-3, 1.0
h = alpha
amp = np.sqrt(alpha * h * sigma2)
rng = np.random.default_rng(1)
x = np.full(M, -1.0)
z = np.empty(M)
g = np.empty(M)
means = np.empty(K + 1)
means[0] = x.mean()
t0 = time.perf_counter()
# A careful user: preallocated buffers, x*x*x rather than x**3 (pow), in-place updates.
for k in range(K):
    rng.standard_normal(out=z)
    np.multiply(x, x, out=g)
    g -= 1.0
    g *= x                      # g = x^3 - x = L'(x)
    x -= h * g
    z *= amp
    x += z
    means[k + 1] = x.mean()
t = time.perf_counter() - t0
print(f"numpy     {M * K / t:.3e} path-steps/s  ({M} paths x {K} steps, {t:.2f} s, E x_K = {means[-1]:.6f})")
