"""SGD (batch 1) and SME1 ensembles on logistic regression in NumPy, written the way a careful user
would: float64, every path and every sample in one array operation, no Python loop over paths.
SME1 uses the N-column form of its noise (sqrt(1/N) sum_i zeta_i G_i, zeta ~ N(0, I_N) per path),
which needs no per-path d x d square root. Path-steps count both ensembles (2 per path per step),
as sgdlab's weak study does.
usage: /usr/bin/python3 bench/peer_finite_numpy.py N d paths [steps]"""
import sys, time
import numpy as np

N, d, M = int(sys.argv[1]), int(sys.argv[2]), int(float(sys.argv[3]))
K = int(sys.argv[4]) if len(sys.argv) > 4 else 20
lr, l2 = 0.05, 0.01
rng = np.random.default_rng(1)
u = rng.standard_normal(d); u /= np.linalg.norm(u)
X = rng.standard_normal((N, d))
y = (X @ u + 0.5 * rng.standard_normal(N) > 0).astype(float)
s = 2 * y - 1


def sigmoid(t):
    return 0.5 * (1 + np.tanh(0.5 * t))


t0 = time.perf_counter()
W = np.zeros((M, d))  # SGD
for k in range(K):
    i = rng.integers(N, size=M)
    xi = X[i]
    m = s[i] * np.einsum("pj,pj->p", xi, W)
    a = -s[i] * sigmoid(-m)
    W -= lr * (a[:, None] * xi + l2 * W)
V = np.zeros((M, d))  # SME1, EM, one substep per step
amp = lr / np.sqrt(N)  # sqrt(alpha h) with h = alpha, times sqrt(1/N)
for k in range(K):
    m = (V @ X.T) * s
    A = -s * sigmoid(-m)                 # M x N per-sample coefficients
    gL = A @ X / N + l2 * V
    zeta = rng.standard_normal((M, N))
    wts = zeta.mean(axis=1, keepdims=True) - zeta
    V += -lr * gL + amp * ((wts * A) @ X)
t = time.perf_counter() - t0
print(f"numpy     {2 * M * K / t:.3e} path-steps/s  (N {N}, d {d}, {M} paths x {K} steps, {t:.2f} s, "
      f"E w0: sgd {W[:, 0].mean():.4f} sme1 {V[:, 0].mean():.4f})")
