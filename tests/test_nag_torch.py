"""sgdlab's nag against PyTorch's SGD(nesterov=True) on a noisy quadratic (pytest under ctest).

sgdlab's nag steps the Sutskever state (x, v) and reports x; PyTorch's parameter is the look-ahead
point y = x + mu v. `stationary --nag-iterate torch` gives the exact stationary covariance of y.
The peer runs R independent chains of PyTorch's own rule: torch.optim.SGD(momentum=mu,
nesterov=True) when torch is importable, else a NumPy transcription of its documented update
    b_1 = g_1, b_t = mu b_{t-1} + g_t;  p <- p - lr (g_t + mu b_t)
with g = H p + xi, xi ~ N(0, C). Covariances are time averages after burn-in per chain (exact mean
0); the standard error comes from the spread over the independent chains.
What is checked: the exact torch-iterate covariance within 4 SE of the peer; sgdlab's own x
covariance is NOT (the two iterates differ); the torch covariance is c^T K c of the (x, v) state
covariance, c = (1, mu); the finite-time mean of the torch iterate equals the noise-free torch rule.
"""
import json
import os
import subprocess

import numpy as np
import pytest

CLI = os.environ.get("SGDLAB_CLI", "build/sgdlab")
H = np.array([[1.0, 0.3], [0.3, 0.5]])
C = np.array([[1.0, 0.2], [0.2, 0.7]])
CASES = [(0.9, 0.1), (0.5, 0.3)]  # (momentum, lr)


def have_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def stationary(mu, lr, iterate, *extra):
    cmd = [CLI, "stationary", "--H", "1,0.3;0.3,0.5", "--C", "1,0.2;0.2,0.7", "--algo", "nag",
           "--momentum", str(mu), "--lr", str(lr), "--nag-iterate", iterate, "--json", "--quiet", *extra]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def peer_numpy(mu, lr, chains, burn, steps, seed):
    rng = np.random.default_rng(seed)
    L = np.linalg.cholesky(C)
    p = np.zeros((2, chains))
    b = None
    acc = np.zeros((3, chains))
    for t in range(burn + steps):
        g = H @ p + L @ rng.standard_normal((2, chains))
        b = g.copy() if b is None else mu * b + g
        p -= lr * (g + mu * b)
        if t >= burn:
            acc[0] += p[0] * p[0]
            acc[1] += p[0] * p[1]
            acc[2] += p[1] * p[1]
    acc /= steps
    return np.stack([acc[0], acc[1], acc[1], acc[2]], axis=1).reshape(chains, 2, 2)


def peer_torch(mu, lr, chains, burn, steps, seed):
    import torch
    torch.manual_seed(seed)
    Ht, Lt = torch.tensor(H), torch.linalg.cholesky(torch.tensor(C))
    p = torch.zeros((chains, 2), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=mu, nesterov=True)
    acc = torch.zeros((chains, 2, 2), dtype=torch.float64)
    for t in range(burn + steps):
        with torch.no_grad():
            p.grad = p @ Ht + torch.randn((chains, 2), dtype=torch.float64) @ Lt.T
        opt.step()
        if t >= burn:
            with torch.no_grad():
                acc += p[:, :, None] * p[:, None, :]
    return (acc / steps).numpy()


@pytest.mark.parametrize("mu,lr", CASES)
def test_torch_iterate_covariance(mu, lr):
    chains, burn, steps = 20000, 300, 200
    peer = peer_torch if have_torch() else peer_numpy
    per_chain = peer(mu, lr, chains, burn, steps, seed=11)
    est, se = per_chain.mean(axis=0), per_chain.std(axis=0, ddof=1) / np.sqrt(chains)
    torch_exact = np.array(stationary(mu, lr, "torch")["methods"]["discrete"]["covariance"])
    x_exact = np.array(stationary(mu, lr, "sgdlab")["methods"]["discrete"]["covariance"])
    z = np.abs(torch_exact - est) / se
    assert z.max() < 4, f"{peer.__name__}: exact torch iterate {torch_exact} vs {est} +- {se} ({z.max():.2f} SE)"
    assert (np.abs(x_exact - est) / se).max() > 8, "sgdlab's x should differ from PyTorch's parameter"


@pytest.mark.parametrize("mu,lr", CASES)
def test_torch_iterate_is_projection_of_state(mu, lr):
    r = stationary(mu, lr, "torch")
    K = np.array(r["state_covariance"])  # (x, v), 4 x 4
    c = np.hstack([np.eye(2), mu * np.eye(2)])
    assert np.allclose(c @ K @ c.T, np.array(r["methods"]["discrete"]["covariance"]), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("mu,lr", CASES)
def test_torch_iterate_finite_time_mean(mu, lr):
    k, x0 = 7, np.array([1.0, -0.5])
    r = stationary(mu, lr, "torch", "--steps", str(k), "--x0", "1,-0.5")
    p, b = x0.copy(), None
    for _ in range(k):  # PyTorch's rule without noise: the mean
        g = H @ p
        b = g.copy() if b is None else mu * b + g
        p = p - lr * (g + mu * b)
    assert np.allclose(r["finite_time"]["mean_discrete"], p, rtol=1e-10, atol=1e-14)


def test_nag_iterate_needs_nag():
    cmd = [CLI, "stationary", "--H", "1", "--algo", "hb", "--nag-iterate", "torch"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 2 and "--nag-iterate" in out.stderr


def test_simulate_reports_torch_iterate():
    r = stationary(0.9, 0.1, "torch", "--simulate", "400000", "--replicas", "200")
    exact = np.array(r["methods"]["discrete"]["covariance"])
    sim, se = (np.array(r["methods"]["simulated"][k]) for k in ("covariance", "covariance_se"))
    assert (np.abs(sim - exact) / se).max() < 4


@pytest.mark.parametrize("iterate", ["sgdlab", "torch"])
def test_weak_reports_the_chosen_iterate(iterate):
    """weak's nag rows against the exact finite-time moments of the same iterate (10 steps from 1)."""
    mu, lr = 0.5, 0.1
    cmd = [CLI, "weak", "--problem", "quadratic", "--H", "1", "--C", "1", "--algo", "nag", "--momentum", str(mu),
           "--models", "msme1", "--lr", str(lr), "--T", "1", "--paths", "100000", "--x0", "1",
           "--nag-iterate", iterate, "--json", "--quiet"]
    w = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    H1 = ["--H", "1", "--C", "1"]
    ft = json.loads(subprocess.run([CLI, "stationary", *H1, "--algo", "nag", "--momentum", str(mu), "--lr", str(lr),
                                    "--steps", "10", "--x0", "1", "--nag-iterate", iterate, "--json", "--quiet"],
                                   check=True, capture_output=True, text=True).stdout)["finite_time"]
    m, v = ft["mean_discrete"][0], ft["covariance_discrete"][0][0]
    rows = {row["observable"]: row for row in w["rows"] if row["model"] == "nag"}
    assert abs(rows["x0"]["mean"][-1] - m) < 4 * rows["x0"]["stderr"][-1]
    assert abs(rows["x0^2"]["mean"][-1] - (v + m * m)) < 4 * rows["x0^2"]["stderr"][-1]
