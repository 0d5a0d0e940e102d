"""`stationary --algo adam` beside torch.optim.Adam on a noisy 2-D quadratic (pytest under ctest).

The peer runs 20,000 independent chains of PyTorch's own Adam (one (chains, 2) parameter: Adam is
elementwise, so its rows are independent chains) when torch is importable, else a NumPy transcription
of its documented update
    m <- b1 m + (1-b1) g,  s <- b2 s + (1-b2) g^2,  p <- p - lr (m/(1-b1^t)) / (sqrt(s/(1-b2^t)) + eps)
with g = H p + xi, xi ~ N(0, C) drawn by NumPy (fixed seed; the same stream for either peer).
Burn-in 2,500 steps (2.5 memories 1/(1-b2) of the second moment), then time averages of p p^T over
1,000 steps per chain (exact mean 0); the standard error comes from the spread over the chains.
What is checked at lr 0.05 (b1 0.9, b2 0.999, eps 1e-8): the self-consistent covariance (SPEC 5.4a,
the default) within 4 SE in every entry; the frozen one (SPEC 5.4) more than 4 SE off in some entry.
Both models' differences in SE are printed (pytest -s). About 20 s on a loaded machine.
"""
import json
import os
import subprocess

import numpy as np

CLI = os.environ.get("SGDLAB_CLI", "build/sgdlab")
H = np.array([[1.0, 0.3], [0.3, 0.5]])
C = np.array([[1.0, 0.2], [0.2, 0.7]])
LR, B1, B2, EPS = 0.05, 0.9, 0.999, 1e-8
CHAINS, BURN, STEPS, SEED = 20000, 2500, 1000, 7


def stationary(model):
    cmd = [CLI, "stationary", "--H", "1,0.3;0.3,0.5", "--C", "1,0.2;0.2,0.7", "--algo", "adam", "--lr", str(LR),
           "--beta1", str(B1), "--beta2", str(B2), "--eps", str(EPS), "--adam-model", model, "--json", "--quiet"]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def noise(rng):
    return rng.standard_normal((CHAINS, 2)) @ np.linalg.cholesky(C).T


def peer_numpy():
    rng = np.random.default_rng(SEED)
    p, m, s = (np.zeros((CHAINS, 2)) for _ in range(3))
    acc = np.zeros((CHAINS, 3))
    for t in range(1, BURN + STEPS + 1):
        g = p @ H + noise(rng)
        m = B1 * m + (1 - B1) * g
        s = B2 * s + (1 - B2) * g * g
        p -= LR * (m / (1 - B1**t)) / (np.sqrt(s / (1 - B2**t)) + EPS)
        if t > BURN:
            acc += np.stack([p[:, 0] * p[:, 0], p[:, 0] * p[:, 1], p[:, 1] * p[:, 1]], axis=1)
    return acc / STEPS


def peer_torch():
    import torch
    torch.set_num_threads(1)  # the chains are small vectors: threads only contend
    rng = np.random.default_rng(SEED)
    Ht = torch.tensor(H)
    p = torch.zeros((CHAINS, 2), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=LR, betas=(B1, B2), eps=EPS)
    acc = torch.zeros((CHAINS, 3), dtype=torch.float64)
    for t in range(BURN + STEPS):
        with torch.no_grad():
            p.grad = p @ Ht + torch.from_numpy(noise(rng))
        opt.step()
        if t >= BURN:
            with torch.no_grad():
                acc[:, 0] += p[:, 0] * p[:, 0]
                acc[:, 1] += p[:, 0] * p[:, 1]
                acc[:, 2] += p[:, 1] * p[:, 1]
    return acc.numpy() / STEPS


def have_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def test_self_consistent_matches_torch_adam():
    peer = peer_torch if have_torch() else peer_numpy
    per_chain = peer()
    est, se = per_chain.mean(axis=0), per_chain.std(axis=0, ddof=1) / np.sqrt(CHAINS)
    z = {}
    for model in ("self-consistent", "frozen"):
        r = stationary(model)
        assert r["adam_model"] == model
        S = np.array(r["methods"]["discrete"]["covariance"])
        z[model] = (np.array([S[0, 0], S[0, 1], S[1, 1]]) - est) / se
        print(f"{peer.__name__} lr {LR}: {model:>15} (model - torch)/SE for S00, S01, S11 = {np.round(z[model], 2)}")
    print(f"{peer.__name__}: torch S00, S01, S11 = {est} +- {se}")
    assert np.abs(z["self-consistent"]).max() < 4, z
    assert np.abs(z["frozen"]).max() > 4, z


def test_default_model_is_self_consistent():
    cmd = [CLI, "stationary", "--H", "1,0.3;0.3,0.5", "--C", "1,0.2;0.2,0.7", "--algo", "adam", "--lr", str(LR), "--json", "--quiet"]
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    assert r["adam_model"] == "self-consistent"
    sc = stationary("self-consistent")
    assert r["methods"]["discrete"]["covariance"] == sc["methods"]["discrete"]["covariance"]
    v, S = np.array(r["adam_second_moment"]), np.array(r["methods"]["discrete"]["covariance"])
    assert np.allclose(v, np.diag(H @ S @ H + C), rtol=1e-10)
