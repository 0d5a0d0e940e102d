"""The peer_finite_numpy.py study in PyTorch on the CPU: float64, no autograd, one intra-op
thread (run with OPENBLAS_NUM_THREADS=1), every path and sample in one tensor operation.
usage: /usr/bin/python3 bench/peer_finite_torch.py N d paths [steps]"""
import sys, time
import torch

N, d, M = int(sys.argv[1]), int(sys.argv[2]), int(float(sys.argv[3]))
K = int(sys.argv[4]) if len(sys.argv) > 4 else 20
torch.set_num_threads(1)
torch.manual_seed(1)
lr, l2 = 0.05, 0.01
f64 = torch.float64
with torch.no_grad():
    u = torch.randn(d, dtype=f64); u /= u.norm()
    X = torch.randn(N, d, dtype=f64)
    s = ((X @ u + 0.5 * torch.randn(N, dtype=f64)) > 0).to(f64) * 2 - 1
    t0 = time.perf_counter()
    W = torch.zeros(M, d, dtype=f64)  # SGD
    for k in range(K):
        i = torch.randint(N, (M,))
        xi, si = X[i], s[i]
        m = si * (xi * W).sum(1)
        a = -si * torch.sigmoid(-m)
        W -= lr * (a[:, None] * xi + l2 * W)
    V = torch.zeros(M, d, dtype=f64)  # SME1, N-column noise
    amp = lr / N ** 0.5
    for k in range(K):
        A = -s * torch.sigmoid(-(V @ X.T) * s)
        gL = A @ X / N + l2 * V
        zeta = torch.randn(M, N, dtype=f64)
        wts = zeta.mean(1, keepdim=True) - zeta
        V += -lr * gL + amp * ((wts * A) @ X)
    t = time.perf_counter() - t0
print(f"torch     {2 * M * K / t:.3e} path-steps/s  (N {N}, d {d}, {M} paths x {K} steps, {t:.2f} s, "
      f"E w0: sgd {W[:, 0].mean().item():.4f} sme1 {V[:, 0].mean().item():.4f})")
