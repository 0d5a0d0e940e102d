"""The same study in PyTorch on the CPU, configured well: float64, 2 intra-op threads, in-place
ops, no autograd. usage: /usr/bin/python3 bench/peer_ensemble_torch.py [paths] [steps] [threads]"""
import sys, time
import torch

M = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
K = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
torch.set_num_threads(threads)
torch.manual_seed(1)
alpha, sigma2 = 1e-3, 1.0
h = alpha
amp = (alpha * h * sigma2) ** 0.5
with torch.no_grad():
    x = torch.full((M,), -1.0, dtype=torch.float64)
    z = torch.empty(M, dtype=torch.float64)
    g = torch.empty(M, dtype=torch.float64)
    means = torch.empty(K + 1, dtype=torch.float64)
    means[0] = x.mean()
    t0 = time.perf_counter()
    for k in range(K):
        z.normal_()
        torch.mul(x, x, out=g)
        g.sub_(1.0).mul_(x)          # g = x^3 - x
        x.add_(g, alpha=-h).add_(z, alpha=amp)
        means[k + 1] = x.mean()
    t = time.perf_counter() - t0
print(f"torch     {M * K / t:.3e} path-steps/s  ({M} paths x {K} steps, {threads} threads, {t:.2f} s, E x_K = {means[-1].item():.6f})")
