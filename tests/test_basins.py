"""Basin masses of `sgdlab stationary` on 1-D problems against independent quadrature (pytest under ctest).

For the tilted double well L = x^4/4 - x^2/2 + tilt x with additive noise variance s2 (B = 1), the
stationary SME1 density is the Gibbs-like exp(-2 L / (lr s2)) and the SME2 density
exp(-2 (L + lr |L'|^2 / 4) / (lr s2)). The basins are split at the maximum between the two minima;
scipy's adaptive quadrature gives the masses, which results.json's "basins" must match to 1e-6.
"""
import json
import os
import subprocess

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

CLI = os.environ.get("SGDLAB_CLI", "build/sgdlab")


def masses(potential, cut, shift):
    f = lambda x: np.exp(-(potential(x) - shift))
    left = quad(f, -np.inf, cut, epsabs=0, epsrel=1e-12, limit=400)[0]
    right = quad(f, cut, np.inf, epsabs=0, epsrel=1e-12, limit=400)[0]
    return left / (left + right), right / (left + right)


@pytest.mark.parametrize("tilt,lr,s2", [(0.1, 0.1, 2.0), (-0.2, 0.05, 1.0), (0.05, 0.2, 3.0)])
def test_double_well_basins(tilt, lr, s2):
    cmd = [CLI, "stationary", "--problem", "double-well", "--tilt", str(tilt), "--lr", str(lr), "--sigma2", str(s2),
           "--json", "--quiet"]
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    b = r["basins"]
    assert len(b) == 2 and b[0]["minimum"] < b[1]["minimum"]
    cut = brentq(lambda x: x ** 3 - x + tilt, -0.57, 0.57)  # the maximum between the wells
    assert abs(b[0]["to"] - cut) < 1e-9 and b[0]["from"] is None and b[1]["to"] is None
    L = lambda x: x ** 4 / 4 - x ** 2 / 2 + tilt * x
    dL = lambda x: x ** 3 - x + tilt
    shift = min(L(b[0]["minimum"]), L(b[1]["minimum"]))
    sme1 = masses(lambda x: 2 * L(x) / (lr * s2), cut, 2 * shift / (lr * s2))
    sme2 = masses(lambda x: 2 * (L(x) + lr * dL(x) ** 2 / 4) / (lr * s2), cut, 2 * shift / (lr * s2))
    for k in range(2):
        assert abs(b[k]["mass"] - sme1[k]) < 1e-6, (b, sme1)
        assert abs(b[k]["mass_sme2"] - sme2[k]) < 1e-6, (b, sme2)
    assert abs(b[0]["mass"] + b[1]["mass"] - 1) < 1e-12


def run_json(*args):
    return json.loads(subprocess.run([CLI, *args, "--json", "--quiet"], check=True, capture_output=True, text=True).stdout)


def test_fpe_1d_basins_match_quadrature():
    """fpe's grid basins: the cell that holds the cut is split by the flow, so O(h) agreement."""
    tilt, lr, s2 = 0.1, 0.1, 2.0
    r = run_json("fpe", "--problem", "double-well", "--tilt", str(tilt), "--lr", str(lr), "--sigma2", str(s2),
                 "--stationary", "--box=-3:3", "--grid", "4000")
    b = r["basins"]
    assert len(b) == 2
    cut = brentq(lambda x: x ** 3 - x + tilt, -0.57, 0.57)
    L = lambda x: x ** 4 / 4 - x ** 2 / 2 + tilt * x
    exact = masses(lambda x: 2 * L(x) / (lr * s2), cut, 2 * L(-1.04668) / (lr * s2))
    for k in range(2):
        assert abs(b[k]["mass"] - exact[k]) < 1e-4, (b, exact)
    assert abs(b[0]["minimum"] - brentq(lambda x: x ** 3 - x + tilt, -2, -0.6)) < 1e-9


def test_fpe_2d_basins_symmetric():
    r = run_json("fpe", "--problem", "double-well-2d", "--couple", "0.5", "--lr", "0.1", "--sigma2", "1", "--stationary",
                 "--box=-2:2,-1.5:1.5", "--grid", "160,120")  # symmetric cells: no centre on x = 0
    b = r["basins"]
    assert len(b) == 2 and len(b[0]["minimum"]) == 2
    assert abs(b[0]["minimum"][0] + 1) < 1e-6 and abs(b[1]["minimum"][0] - 1) < 1e-6
    assert abs(b[0]["mass"] - 0.5) < 1e-9 and abs(b[0]["mass"] + b[1]["mass"] - r["stationary"]["mass"]) < 1e-12
