#!/usr/bin/python3
# Independent NumPy reference for the meanfield problem (SPEC 3.4): exact particle SGD by
# enumerating all N^k sample paths, and SMF1/SMF2 (drift -grad(L + a/4|grad L|^2), noise
# sqrt(a h / N) sum_j G_j Z_j) by Euler-Maruyama with Talay-Tubaro extrapolation.
import numpy as np, sys, json
class MF:
    def __init__(s, z, y, n):
        s.z = np.asarray(z, float); s.y = np.asarray(y, float); s.n = n; s.N = len(y)
    # X: (M, n, 2) with [c, w]; p = 1
    def resid(s, X):
        t = np.tanh(X[:, :, 1:2] * s.z[None, None, :])        # (M, n, N)
        f = (X[:, :, 0:1] * t).sum(1) / s.n                    # (M, N)
        return f - s.y[None, :], t
    def loss(s, X):
        r, _ = s.resid(X); return s.n * 0.5 * (r * r).mean(1)
    def norm2(s, X):
        return (X * X).sum((1, 2))
    def grad_samples(s, X):   # (M, N, n, 2): grad of n l_j
        r, t = s.resid(X)
        c = X[:, :, 0:1]
        g0 = r[:, None, :] * t                                   # (M, n, N)
        g1 = r[:, None, :] * c * (1 - t * t) * s.z[None, None, :]
        return np.stack([g0, g1], -1).transpose(0, 2, 1, 3)
    def grad(s, X):
        return s.grad_samples(X).mean(1)
    def hvp(s, X, V, eps=1e-5):
        return (s.grad(X + eps * V) - s.grad(X - eps * V)) / (2 * eps)
    def drift(s, X, a, modified):
        g = s.grad(X)
        if modified: g = g + 0.5 * a * s.hvp(X, g)
        return -g
def sgd_exact(P, x0, a, k, phis):
    X = np.array(x0, float).reshape(1, P.n, 2)
    w = np.ones(1)
    out = []
    for step in range(k):
        gs = P.grad_samples(X)                                   # (M, N, n, 2)
        X = (X[:, None] - a * gs).reshape(-1, P.n, 2)
        w = np.repeat(w, P.N) / P.N
    return [float((w * phi(X)).sum()) for phi in phis]
def smf(P, x0, a, T, m, M, modified, phis, rng, antithetic=True, chunk=200000, noise_var=1.0):
    """E phi(X_T) by EM with h = a/m substeps, returned for h and h/2 and Talay-Tubaro."""
    res = []
    for mm in (m, 2 * m):
        h = a / mm; steps = int(round(T / h))
        acc = np.zeros((len(phis), 2)); cnt = 0
        left = M
        while left > 0:
            B = min(chunk, left); left -= B
            half = B // 2 if antithetic else B
            X = np.repeat(np.array(x0, float).reshape(1, P.n, 2), half, 0)
            X2 = X.copy() if antithetic else None
            for _ in range(steps):
                Z = rng.standard_normal((half, P.N))
                for XX, sg in ((X, 1.0), (X2, -1.0)) if antithetic else ((X, 1.0),):
                    gs = P.grad_samples(XX); gL = gs.mean(1)
                    G = gL[:, None] - gs                          # (M, N, n, 2)
                    noise = np.einsum('mj,mjkl->mkl', sg * Z, G) * np.sqrt(noise_var * a * h / P.N)
                    d = -gL
                    if modified: d = d - 0.5 * a * P.hvp(XX, gL)
                    XX += h * d + noise
            for i, phi in enumerate(phis):
                v = phi(X) if not antithetic else 0.5 * (phi(X) + phi(X2))
                acc[i, 0] += v.sum(); acc[i, 1] += (v * v).sum()
            cnt += half
        mean = acc[:, 0] / cnt; se = np.sqrt((acc[:, 1] / cnt - mean ** 2) / cnt)
        res.append((mean, se))
    tt = 2 * res[1][0] - res[0][0]
    tt_se = np.sqrt(4 * res[1][1] ** 2 + res[0][1] ** 2)
    return res, tt, tt_se
