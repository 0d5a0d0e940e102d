"""Problems written in Python (sgdlab.Problem, python/sgdlab/problem.py): NumPy transcriptions of the
built-in quadratic and linreg give the built-ins' weak errors with the same seed (to 1e-12
relative: only the rounding of NumPy's products differs), the same numbers with 1 and 2 threads,
the finite-difference self-check refuses a wrong gradient with a clear message, and an exception
raised in a callback comes back as that exception from the call that ran it.
Run by ctest (test_python_problem) with SGDLAB_LIB and PYTHONPATH=python; by hand:
SGDLAB_LIB=build/libsgdlab.so.0 PYTHONPATH=python /usr/bin/python3 -m pytest tests/test_python_problem.py"""
import numpy as np
import pytest

import sgdlab

H = np.array([[1.0, 0.2], [0.2, 0.5]])
TIMING = ("seconds", "blas", "params", "problem")


def quadratic(grad_factor=1.0):
    """L = x^T H x / 2 with identity noise columns: the built-in quadratic for this H."""
    return sgdlab.Problem(2, loss=lambda x: 0.5 * np.einsum("li,ij,lj->l", x, H, x),
                          grad=lambda x: grad_factor * (x @ H), hvp=lambda x, v: v @ H,
                          noise_cols=lambda x: np.broadcast_to(np.eye(2), (len(x), 2, 2)),
                          noise_constant=True, affine=True, name="quadratic in numpy")


def linreg(A, y):
    """l_n(w) = (a_n^T w - y_n)^2 / 2 on the rows of A: the built-in linreg for this data."""
    N = len(y)
    M = A.T @ A / N

    def residual_sample(x, idx):
        return np.einsum("lbi,li->lb", A[idx], x) - y[idx]

    def grad_sample(x, idx):
        return residual_sample(x, idx)[..., None] * A[idx]

    return sgdlab.Problem(A.shape[1], n_data=N, name="linreg in numpy",
                          loss=lambda x: 0.5 * np.mean((x @ A.T - y) ** 2, axis=1),
                          grad=lambda x: (x @ A.T - y) @ A / N, hvp=lambda x, v: v @ M,
                          grad_sample=grad_sample, loss_sample=lambda x, idx: 0.5 * residual_sample(x, idx) ** 2,
                          affine=True)


def errors(r):
    return np.array([[row["error"] for row in e["rows"]] if "rows" in e else e["error"] for e in r["errors"]],
                    dtype=float)


def assert_close(a, b, rtol=1e-12):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape
    assert np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(b), 1e-300)), (a, b)


def numbers(r):
    """Every number of a result but the timings, the flags and the description, flattened."""
    out = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k not in TIMING:
                    walk(x)
        elif isinstance(v, (list, tuple, np.ndarray)):
            for x in v:
                walk(x)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
    walk(r.raw)
    return np.array(out)


QUAD_RUN = dict(lr=[0.2, 0.1], T=0.6, paths=600, x0=[1, -0.5], models="gf,sme1", observables="x0,norm2", seed=7)


def test_python_quadratic_matches_builtin():
    mine = sgdlab.weak(problem=quadratic(), **QUAD_RUN)
    ref = sgdlab.weak(problem="quadratic", H=H, **QUAD_RUN)
    assert mine["problem"] == "quadratic in numpy" and mine["scheme"] == ref["scheme"] == "heun"
    assert len(ref["errors"]) > 0
    assert_close(numbers(mine), numbers(ref))


def test_python_quadratic_sme2_uses_hvp():
    kw = dict(QUAD_RUN, models="sme2", paths=100, lr=[0.2])
    assert_close(numbers(sgdlab.weak(problem=quadratic(), **kw)), numbers(sgdlab.weak(problem="quadratic", H=H, **kw)))


def test_threads_do_not_change_the_numbers():
    kw = dict(QUAD_RUN, paths=600)  # three blocks of lanes (256, 256, 88)
    one = sgdlab.weak(problem=quadratic(), threads=1, **kw)
    two = sgdlab.weak(problem=quadratic(), threads=2, **kw)
    assert np.array_equal(numbers(one), numbers(two))


def test_python_linreg_matches_builtin(tmp_path):
    rng = np.random.default_rng(3)
    A = rng.normal(size=(40, 2))
    y = A @ np.array([1.0, -0.5]) + 0.5 * rng.normal(size=40)
    data = tmp_path / "data.csv"
    np.savetxt(data, np.column_stack([A, y]), delimiter=",", fmt="%.17g")
    kw = dict(lr=[0.2, 0.1], T=0.6, paths=500, batch=4, x0=[0.5, 0.5], models="sme1", observables="x0,loss", seed=5)
    mine = sgdlab.weak(problem=linreg(A, y), **kw)
    ref = sgdlab.weak(problem="linreg", data=data, **kw)
    assert mine["scheme"] == ref["scheme"]
    assert_close(numbers(mine), numbers(ref))
    assert linreg(A, y).check(x=[0.3, -0.2])["grad_mean"] < 1e-9


def test_check_catches_a_wrong_gradient():
    good = quadratic().check(x=[1.0, -0.5])
    assert good["grad"] < 1e-9 and good["hvp"] < 1e-9
    with pytest.raises(sgdlab.Error, match="grad differs from finite differences of loss") as e:
        quadratic(grad_factor=1.5).check(x=[1.0, -0.5])
    assert "quadratic in numpy" in str(e.value) and "relative error" in str(e.value)


def test_callback_exception_surfaces():
    def grad(x):
        if len(x) > 1:
            raise RuntimeError("my gradient broke")
        return x @ H

    p = sgdlab.Problem(2, loss=lambda x: np.zeros(len(x)), grad=grad,
                       noise_cols=lambda x: np.broadcast_to(np.eye(2), (len(x), 2, 2)))
    with pytest.raises(RuntimeError, match="my gradient broke"):
        sgdlab.weak(problem=p, lr=[0.1], T=0.5, paths=300, models="gf", observables="x0")
    # the problem stays usable: the next run starts clean
    with pytest.raises(RuntimeError, match="my gradient broke"):
        sgdlab.weak(problem=p, lr=[0.1], T=0.5, paths=300, models="gf", observables="x0")


def test_wrong_shape_is_named():
    p = sgdlab.Problem(2, loss=lambda x: np.zeros(len(x)), grad=lambda x: x[:, :1],
                       noise_cols=lambda x: np.broadcast_to(np.eye(2), (len(x), 2, 2)))
    with pytest.raises(ValueError, match=r"grad returned shape \(1, 1\), expected \(1, 2\)"):
        p.check()


def test_missing_pieces_are_refused():
    with pytest.raises(ValueError, match="noise_cols"):
        sgdlab.Problem(1, loss=lambda x: x[:, 0], grad=lambda x: x)
    with pytest.raises(ValueError, match="grad_sample and loss_sample"):
        sgdlab.Problem(1, loss=lambda x: x[:, 0], grad=lambda x: x, n_data=5, grad_sample=lambda x, i: x)
