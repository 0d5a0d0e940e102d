"""The noise-to-signal ratio (Li-Malladi-Arora; problem.h sgdl_noise_scale) against NumPy (pytest under ctest).

A network with no hidden layer has closed-form per-sample gradients: for input x_i (pixels / 255) and
residual r_i (softmax(z_i) - e_y for cross-entropy, z_i - e_y for the squared error, which makes the
network plain least squares), grad l_i = (x_i r_i^T, r_i). Then tr Sigma_1 = mean_i |grad l_i - grad L|^2
and NSR = tr Sigma_1 / (B |grad L|^2) with replacement. Checked in two places:
  `sgdlab train --geometry` (cross-entropy, at the final weights: results.json geometry.noise_to_signal),
  `sgdlab weak --problem mlp --loss mse --init` (least squares, at the start weights: noise_to_signal),
both against NumPy from the saved weights file and the IDX data, to 1e-9 relative; and, without replacement
(`train --without-replacement`), c_B = (N - B)/(B (N - 1)) and b_star = N G/(G + (N - 1)|grad L|^2), the batch
at which (N - b)/(b (N - 1)) G/|grad L|^2 = 1 (our extension of the with-replacement b_star = G/|grad L|^2).
"""
import gzip
import json
import os
import struct
import subprocess

import numpy as np

CLI = os.environ.get("SGDLAB_CLI", "build/sgdlab")
MNIST = os.path.join(os.environ.get("SGDL_SRC", "."), "data", "mnist")
N = 128


def idx(name):
    with gzip.open(os.path.join(MNIST, name)) as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def weights(path):
    """W (784 x 10) and b (10) of a one-layer weight file (nn.h format, version 1)."""
    with open(path, "rb") as f:
        buf = f.read()
    assert buf[:8] == b"SGDLMLP1"
    L = struct.unpack("<I", buf[16:20])[0]
    assert L == 1
    sizes = struct.unpack("<%dI" % (L + 1), buf[20:20 + 4 * (L + 1)])
    off = 20 + 4 * (L + 1) + 8
    n = struct.unpack("<Q", buf[off:off + 8])[0]
    off += 8 + 8 + 8
    p = np.frombuffer(buf, dtype="<f8", count=n, offset=off)
    nw = sizes[0] * sizes[1]
    assert n == nw + sizes[1]
    return p[:nw].reshape(sizes[0], sizes[1]), p[nw:]


def nsr_numpy(W, b, loss, batch):
    X = idx("t10k-images-idx3-ubyte.gz")[:N].reshape(N, -1) / 255.0
    y = idx("t10k-labels-idx1-ubyte.gz")[:N]
    Z = X @ W + b
    E = np.eye(W.shape[1])[y]
    if loss == "ce":
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        R = P / P.sum(axis=1, keepdims=True) - E
    else:
        R = Z - E
    G = np.concatenate([np.einsum("ij,ik->ijk", X, R).reshape(N, -1), R], axis=1)  # per-sample gradients
    g = G.mean(axis=0)
    trace = np.mean(np.sum((G - g) ** 2, axis=1))
    return trace, g @ g, trace / (batch * (g @ g))


def run(args):
    return subprocess.run([CLI] + args, check=True, capture_output=True, text=True).stdout


def check(ns, trace, g2, nsr, batch, lr):
    assert abs(ns["trace_sigma1"] - trace) <= 1e-9 * trace
    assert abs(ns["grad_norm2"] - g2) <= 1e-9 * g2
    assert abs(ns["nsr"] - nsr) <= 1e-9 * nsr
    assert abs(ns["b_star"] - trace / g2) <= 1e-9 * trace / g2
    assert abs(ns["lr_star"] - lr * trace / g2 / batch) <= 1e-9 * ns["lr_star"]


def test_train_geometry_and_weak_mlp(tmp_path):
    w = str(tmp_path / "w.bin")
    out = json.loads(run(["train", "--data", MNIST, "--train", str(N), "--test", "32", "--hidden", "0", "--epochs", "1",
                          "--lr", "0.05", "--batch", "4", "--geometry", "2", "--geometry-steps", "40", "--save", w,
                          "--json", "--threads", "2"]))
    W, b = weights(w)
    trace, g2, nsr = nsr_numpy(W, b, "ce", 4)
    check(out["geometry"]["noise_to_signal"], trace, g2, nsr, 4, 0.05)
    # the same weights as a least-squares problem (the mlp problem's mse loss), NSR at the start
    out = json.loads(run(["weak", "--problem", "mlp", "--data", MNIST, "--train", str(N), "--test", "32", "--init", w,
                          "--loss", "mse", "--lr", "0.02", "--batch", "8", "--T", "0.04", "--paths", "4", "--models",
                          "sme1", "--observables", "loss", "--json", "--threads", "2"]))
    trace, g2, nsr = nsr_numpy(W, b, "mse", 8)
    check(out["noise_to_signal"], trace, g2, nsr, 8, 0.02)


def test_without_replacement(tmp_path):
    w = str(tmp_path / "w.bin")
    B, lr = 4, 0.05
    out = json.loads(run(["train", "--data", MNIST, "--train", str(N), "--test", "32", "--hidden", "0", "--epochs", "1",
                          "--lr", str(lr), "--batch", str(B), "--without-replacement", "--geometry", "2",
                          "--geometry-steps", "40", "--save", w, "--json", "--threads", "2"]))
    ns = out["geometry"]["noise_to_signal"]
    W, b = weights(w)
    trace, g2, _ = nsr_numpy(W, b, "ce", B)
    cB = (N - B) / (B * (N - 1))
    b_star = N * trace / (trace + (N - 1) * g2)
    assert abs(ns["c_B"] - cB) <= 1e-12 * cB
    assert abs(ns["nsr"] - cB * trace / g2) <= 1e-9 * ns["nsr"]
    assert abs(ns["b_star"] - b_star) <= 1e-9 * b_star
    assert abs((N - b_star) / (b_star * (N - 1)) * trace / g2 - 1) <= 1e-9  # NSR = 1 exactly at b_star
    assert abs(ns["lr_star"] - lr * b_star / B) <= 1e-9 * ns["lr_star"]
    assert ns["sde_can_hold"] == (ns["nsr"] >= 1)
