"""The Python package (python/sgdlab) against the sgdlab binary: every command through the Python
API gives the numbers of the binary's results.json for the same flags (timing fields and the
version aside), and failures raise sgdlab.Error with the binary's message and exit status.
Run by ctest (test_python) with SGDLAB_LIB (the built libsgdlab.so), SGDLAB_CLI (the binary),
SGDL_SRC (the source tree) and PYTHONPATH=python; by hand: the same variables and
/usr/bin/python3 -m pytest tests/test_python.py."""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import sgdlab

CLI = os.environ.get("SGDLAB_CLI", "build/sgdlab")
SRC = Path(os.environ.get("SGDL_SRC", Path(__file__).resolve().parent.parent))
# "blas": numpy loads OpenBLAS before sgdlab is imported here, so the library may run other
# kernels than the binary (which re-executes itself for better ones; python/sgdlab/_blas.py).
TIMING = ("seconds", "train_seconds", "version", "blas")

# One small run of every command (a few seconds in all on 2 cores).
CASES = [
    ("weak", dict(problem="double-well", lr=[0.2, 0.1], T=1, paths=2000, models="gf,sme1,sme2,smf2",
                  observables="x0,x0^2")),
    ("weak", dict(problem="quadratic", H=[[1.0, 0.2], [0.2, 0.5]], lr=[0.1, 0.05], T=0.5, exact=True,
                  models="sme1,sme2", observables="x0,norm2", x0=[1, -0.5])),
    ("npoint", dict(problem="double-well", lr=[0.2, 0.1], T=0.6, paths=1000)),
    ("stationary", dict(problem="quadratic", H_eig=[1, 0.5, 0.1], C_eig=[1, 1, 1], lr=0.1, simulate=2e4, replicas=16)),
    ("fpe", dict(problem="double-well", lr=0.1, sigma2=1, model="sme2", x0=-1, T=1, grid=400, paths=500)),
    ("exit", dict(problem="double-well", lr=0.1, sigma2=1, from_=-1, to=0.5,
                  methods="quadrature,chain,kramers,mc-sgd", paths=200)),
    ("train", dict(data=SRC / "data" / "mnist", train=500, test=200, hidden=16, epochs=2, batch=16)),
    ("meanfield", dict(lr=[0.4, 0.2], T=0.4, paths=100, neurons=3, gen_n=8)),
]


def drop_timing(v):
    if isinstance(v, dict):
        return {k: drop_timing(x) for k, x in v.items() if k not in TIMING and not k.startswith("examples_per_second")}
    if isinstance(v, list):
        return [drop_timing(x) for x in v]
    return v


def cli(command, kw):
    """The binary's exit status and output, and its results.json (--json) when it succeeded."""
    p = subprocess.run([CLI, command, *sgdlab.flags(**kw), "--quiet", "--json"], capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="2"))
    return p, (json.loads(p.stdout) if p.returncode == 0 else None)


@pytest.mark.parametrize("command,kw", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_same_numbers_as_the_cli(command, kw):
    r = sgdlab.run(command, **kw)
    p, ref = cli(command, kw)
    assert p.returncode == 0, p.stderr
    assert drop_timing(r.raw) == drop_timing(ref)
    assert r.command == command and r["command"] == command
    assert r["version"] == sgdlab.library_version()


def test_arrays_are_numpy_and_exact():
    r = sgdlab.weak(problem="double-well", lr=[0.2, 0.1], T=0.6, paths=500, models="sme1")
    row = r["rows"][1]
    assert isinstance(row["mean"], np.ndarray) and row["mean"].dtype == float
    assert np.array_equal(row["mean"], np.array(r.raw["rows"][1]["mean"]))
    assert isinstance(r.orders, list) and r.orders[0]["model"] == "sme1"


def test_table_and_pandas():
    r = sgdlab.weak(problem="double-well", lr=[0.2, 0.1], T=0.6, paths=500, models="sme1")
    rows = r.table()
    steps = sum(len(x["t"]) for x in r.raw["rows"])
    assert len(rows) == steps and set(rows[0]) == {"model", "lr", "observable", "t", "mean", "stderr"}
    pd = pytest.importorskip("pandas")
    df = r.to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == steps


def test_plot(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    r = sgdlab.weak(problem="double-well", lr=[0.2, 0.1], T=0.6, paths=300, models="sme1,sme2")
    ax = r.plot()
    ax.figure.savefig(tmp_path / "weak.png")
    assert (tmp_path / "weak.png").stat().st_size > 1000
    assert len(ax.lines) >= 2


# Bad inputs: the Python error carries exactly the binary's message and exit status.
BAD = [
    ("weak", dict(momentum=1), "--momentum: 1 is outside [0, 1)"),
    ("weak", dict(lr=[0.1, 0]), "--lr: 0 (item 2) is outside (0, inf)"),
    ("weak", dict(bogus=3), "unknown flag '--bogus'"),
    ("fpe", dict(model="sme3"), "--model"),
    ("fpe", dict(problem="double-well", sigma2=0.2, grid=20), "cannot resolve the noise"),
    ("exit", dict(problem="double-well", from_=0.5, to=0.5), "empty interval"),
    ("exit", dict(methods="quadrature,magic"), "unknown method 'magic'"),
    ("stationary", dict(problem="quadratic", H="1,2;3"), "--H"),
    ("train", dict(), "--data"),
    ("meanfield", dict(neurons=4097), "--neurons: 4097 is outside [1, 4096]"),
]


@pytest.mark.parametrize("command,kw,text", BAD, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(BAD)])
def test_errors_carry_the_library_message(command, kw, text):
    with pytest.raises(sgdlab.Error) as info:
        sgdlab.run(command, **kw)
    e = info.value
    assert text in e.message and text in str(e)
    p, _ = cli(command, kw)
    prefix = f"sgdlab {command}: error: "
    cli_msg = next(line for line in p.stderr.splitlines() if line.startswith(prefix))[len(prefix):]
    assert e.message == cli_msg
    assert e.status == p.returncode and e.command == command


def test_errors_outside_the_commands():
    with pytest.raises(sgdlab.Error, match="unknown command 'nope'"):
        sgdlab.run("nope")
    with pytest.raises(sgdlab.Error, match="--lr: cannot pass a dict"):
        sgdlab.weak(lr={"a": 1})


def test_flags_spelling():
    assert sgdlab.flags(gen_n=8, lambda_=0.5, exact=True, quiet=False, x0=None, H=[[1, 0], [0, 2.5]]) == [
        "--gen-n", "8", "--lambda", "0.5", "--exact", "--H", "1,0;0,2.5"]


def test_example_weak_demo_runs(tmp_path):
    pytest.importorskip("matplotlib")
    env = dict(os.environ, MPLBACKEND="Agg", SGDL_DEMO_PATHS="1000", SGDL_DEMO_OUT=str(tmp_path / "weak.png"))
    p = subprocess.run(["/usr/bin/python3", str(SRC / "examples" / "python" / "weak_demo.py")], env=env,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "weak.png").stat().st_size > 1000
    assert "order" in p.stdout


def test_blas_is_reported():
    b = sgdlab.weak(problem="double-well", lr=[0.1], T=0.2, paths=200, models="sme1")["blas"]
    assert b["library"].startswith("OpenBLAS") and b["core"]
    assert b["chosen_by"] in ("sgdlab", "user", "openblas")
    assert b["coretype_env"] == os.environ.get("OPENBLAS_CORETYPE")


def test_blas_upgrade_rule(monkeypatch):
    from sgdlab import _blas
    avx512 = {"avx2", "fma", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"}
    assert _blas.upgrade("Prescott", avx512) == "SkylakeX"
    assert _blas.upgrade("Prescott", {"avx2", "fma"}) == "Haswell"
    assert _blas.upgrade("Prescott", {"sse3"}) is None
    assert _blas.upgrade("Cooperlake", avx512) is None and _blas.upgrade("Zen", {"avx2", "fma"}) is None
    # A generic pick of a not-yet-loaded DYNAMIC_ARCH build sets the variable and the marker, once;
    # a value already set (the user's) is never replaced.
    monkeypatch.setattr(_blas, "cpu_flags", lambda: avx512)
    monkeypatch.setattr(_blas, "_loaded_openblas", lambda: None)
    monkeypatch.setattr(_blas, "_probe", lambda lib: ("Prescott", "OpenBLAS 0.3.21 DYNAMIC_ARCH Prescott"))
    monkeypatch.delenv(_blas.CORETYPE_ENV, raising=False)
    monkeypatch.delenv(_blas.MARKER_ENV, raising=False)
    assert _blas.prefer_kernels() == "SkylakeX"
    assert os.environ[_blas.CORETYPE_ENV] == os.environ[_blas.MARKER_ENV] == "SkylakeX"
    monkeypatch.setenv(_blas.CORETYPE_ENV, "Haswell")
    monkeypatch.delenv(_blas.MARKER_ENV)
    assert _blas.prefer_kernels() is None and os.environ[_blas.CORETYPE_ENV] == "Haswell"
