"""The Python tour (examples/python/*_demo.py), Result.to_pandas() and Result.plot() against the
sgdlab binary:
- every demo runs with small sizes (SGDL_DEMO_SMALL=1) and writes its PNG;
- to_pandas() of every command (the runs of test_python.CASES) has the columns, the length and the
  values of the main table of results.json, read here independently of Result.table();
- plot(figure=...) draws the series of the binary's PNG: each titled series of the .gp script that
  `sgdlab CMD ... --out DIR` writes, read from its data file, equals the matplotlib line of that
  title (x and y), and the titles are the same.
Run by ctest (test_python_tour) with the variables of test_python; by hand as test_python.py says."""
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sgdlab

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_python import CASES, CLI, SRC  # noqa: E402 (the runs of every command, shared)

DEMOS = ["weak", "npoint", "stationary", "fpe", "exit", "train"]


@pytest.mark.parametrize("name", DEMOS)
def test_demo_runs(name, tmp_path):
    pytest.importorskip("matplotlib")
    env = dict(os.environ, MPLBACKEND="Agg", SGDL_DEMO_SMALL="1", SGDL_DEMO_OUT=str(tmp_path / f"{name}.png"),
               SGDL_DEMO_RUN=str(tmp_path / "run"))
    p = subprocess.run(["/usr/bin/python3", str(SRC / "examples" / "python" / f"{name}_demo.py")], env=env,
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / f"{name}.png").stat().st_size > 5000
    assert p.stdout.strip()


# --- to_pandas ------------------------------------------------------------------------------------------
def expected_table(command, raw):
    """The main table of results.json as {column: list}, written out per command."""
    if command in ("weak", "npoint", "meanfield"):
        cols = {k: [] for k in ("model", "lr", "observable", "t", "mean", "stderr")}
        for row in raw["rows"]:
            n = len(row["t"])
            for k in ("model", "lr", "observable"):
                cols[k] += [row[k]] * n
            for k in ("t", "mean", "stderr"):
                cols[k] += row[k]
        return cols
    if command == "train":
        return {k: raw[k] for k in ("epoch", "train_loss", "test_loss", "test_accuracy",
                                    "examples_per_second_per_epoch")}
    if command == "fpe":
        return dict(raw["evolution"]["timeline"])
    if command == "stationary":
        return dict(raw["eigendirections"])
    if command == "exit":
        keys = list(dict.fromkeys(k for m in raw["methods"].values() for k in m))
        return dict(name=list(raw["methods"]), **{k: [m.get(k) for m in raw["methods"].values()] for k in keys})
    raise AssertionError(command)


def same_values(got, want):
    if all(w is None or (isinstance(w, (int, float)) and not isinstance(w, bool)) for w in want):
        g = np.array([np.nan if v is None else v for v in got], dtype=float)
        w = np.array([np.nan if v is None else v for v in want], dtype=float)
        return np.array_equal(g, w, equal_nan=True)
    return [None if isinstance(v, float) and math.isnan(v) else v for v in got] == want


@pytest.mark.parametrize("command,kw", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_to_pandas_every_command(command, kw):
    pd = pytest.importorskip("pandas")
    r = sgdlab.run(command, **kw)
    df = r.to_pandas()
    want = expected_table(command, r.raw)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(want)
    n = {len(v) for v in want.values()}
    assert len(n) == 1 and len(df) == n.pop() > 0
    for col, values in want.items():
        assert same_values(df[col].tolist(), values), col


# --- plot() against the binary's gnuplot figures --------------------------------------------------------
def _split_top(text):
    """Split a gnuplot plot command at the commas outside quotes, brackets and parentheses."""
    out, depth, quote, cur = [], 0, False, ""
    for ch in text:
        if ch == "'":
            quote = not quote
        elif not quote and ch in "[(":
            depth += 1
        elif not quote and ch in "])":
            depth -= 1
        if ch == "," and not quote and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return out + [cur.strip()]


def _blocks(path, sep):
    """Data blocks of a gnuplot data file (separated by two blank lines), rows of text fields."""
    blocks, cur, blank = [], [], 0
    for line in Path(path).read_text().splitlines():
        if not line.strip():
            blank += 1
            if blank == 2 and cur:
                blocks.append(cur)
                cur = []
            continue
        blank = 0
        if not line.startswith("#"):
            cur.append(line.split(sep) if sep else line.split())
    return blocks + ([cur] if cur else [])


def gnuplot_series(folder, name):
    """{title: (x, y)} of every titled series of FOLDER/NAME.gp (its data file read as gnuplot
    reads it; function terms such as the reference slopes as their expression text)."""
    gp = (Path(folder) / f"{name}.gp").read_text().replace("\\\n", " ")
    sep = "," if "set datafile separator ','" in gp else None
    columnhead = "autotitle columnhead" in gp
    series, last_file = {}, None
    for line in gp.splitlines():
        if not line.startswith("plot "):
            continue
        for clause in _split_top(line[5:]):
            loop = re.match(r"for \[(\w)=(\d+):(\d+)\] (.*)", clause)
            clauses = [loop.group(4).replace(f":{loop.group(1)} ", f":{k} ")
                       for k in range(int(loop.group(2)), int(loop.group(3)) + 1)] if loop else [clause]
            for c in clauses:
                title = re.search(r"title '([^']*)'", c)
                if c.startswith("keyentry") or "notitle" in c:
                    continue
                m = re.match(r"'([^']*)'", c)
                if not m:  # a function of x
                    series[title.group(1)] = c.split(" ")[0]
                    continue
                last_file = m.group(1) or last_file
                idx = re.search(r"index (\d+)", c)
                xcol, ycol = (int(v) for v in re.search(r"using (\d+):(\d+)", c).groups())
                rows = _blocks(Path(folder) / last_file, sep)[int(idx.group(1)) if idx else 0]
                head = None
                if "skip 1" in c or columnhead:
                    head, rows = rows[0], rows[1:]
                key = title.group(1) if title else head[ycol - 1]
                series[key] = (np.array([float(r[xcol - 1]) for r in rows]), np.array([float(r[ycol - 1]) for r in rows]))
    return series


def python_series(ax):
    out = {}
    for a in ax.figure.axes:
        for line in a.lines:
            if not line.get_label().startswith("_"):
                out[line.get_label()] = (np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
    return out


FIGURE_CASES = [
    ("weak", "weak", dict(problem="double-well", lr=[0.2, 0.1], T=0.6, paths=2000, models="sme1,sme2",
                          observables="x0,x0^2")),
    ("weak", "weak", dict(problem="quadratic", H=[[1.0, 0.2], [0.2, 0.5]], lr=[0.1, 0.05], T=0.5, exact=True,
                          models="sme1,sme2", observables="x0,norm2", x0=[1, -0.5])),
    ("npoint", "npoint", dict(problem="double-well", lr=[0.2, 0.1], T=0.6, paths=4000, models="smf1,smf2")),
    ("fpe", "density", dict(problem="double-well", lr=0.1, sigma2=1, model="sme2", x0=-1, T=1, grid=300, paths=500)),
    ("fpe", "timeline", dict(problem="double-well", lr=0.1, sigma2=1, model="sme2", x0=-1, T=1, grid=300, paths=500)),
    ("fpe", "stationary", dict(problem="double-well", lr=0.1, sigma2=1, model="sme2", x0=-1, T=1, grid=300,
                               paths=500)),
    ("exit", "arrhenius", dict(problem="double-well", sigma2=1, from_=-1, to=0.5, lr_scan="0.1:0.2:3",
                               methods="quadrature,pde,chain,kramers")),
    ("exit", "profile", dict(problem="double-well", sigma2=1, lr=0.1, from_=-1, to=0.5, methods="pde,quadrature")),
    ("train", "curves", dict(data=SRC / "data" / "mnist", train=500, test=200, hidden=16, epochs=3, batch=16)),
]


@pytest.mark.parametrize("command,figure,kw", FIGURE_CASES, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(FIGURE_CASES)])
def test_plot_draws_the_series_of_the_cli_png(command, figure, kw, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = subprocess.run([CLI, command, *sgdlab.flags(**kw), "--quiet", "--out", str(tmp_path / "cli")],
                       capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert p.returncode == 0, p.stderr
    png = {"weak": command, "profile": "exit_time_profile"}.get(figure, figure)
    assert (tmp_path / "cli" / f"{png}.png").stat().st_size > 1000
    want = gnuplot_series(tmp_path / "cli", png)
    r = sgdlab.run(command, out=tmp_path / "py", **kw)
    ax = r.plot(figure="weak" if figure == command else figure)
    got = python_series(ax)
    assert set(got) == set(want)
    for title, w in want.items():
        x, y = got[title]
        if isinstance(w, str):  # a reference slope: the gnuplot expression at the plotted x
            w = (x, eval(w, {"x": x}))
        assert np.allclose(x, w[0], rtol=1e-9, atol=0, equal_nan=True), title
        assert np.allclose(y, w[1], rtol=1e-9, atol=0, equal_nan=True), title
    plt.close(ax.figure)


def test_plot_names_the_figures_it_has():
    r = sgdlab.stationary(problem="quadratic", H_eig=[1, 0.1], lr=0.5)
    with pytest.raises(sgdlab.Error, match="no figure 'density' for stationary .its figures: eigen, covariance"):
        r.plot(figure="density")
    f = sgdlab.fpe(problem="double-well", lr=0.1, sigma2=1, x0=-1, T=0.2, grid=200, paths=100)
    with pytest.raises(sgdlab.Error, match="needs density.csv: run with out=FOLDER"):
        f.plot(figure="density")


def test_out_folders_of_several_runs_in_one_process(tmp_path):
    """Each in-process run opens and closes its own --out set: a second and third run with out=
    write their own folders, and a failing one leaves none."""
    kw = dict(problem="double-well", lr=[0.2, 0.1], T=0.4, paths=200, models="sme1")
    for name in ("a", "b"):
        r = sgdlab.weak(out=tmp_path / name, **kw)
        assert (tmp_path / name / "results.json").exists() and r.out_folder() == str(tmp_path / name)
    with pytest.raises(sgdlab.Error, match="--momentum"):
        sgdlab.weak(out=tmp_path / "c", momentum=1, **kw)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


# --- isolated runs: progress bar and Ctrl-C -------------------------------------------------------------
def test_isolated_run_gives_the_same_numbers_and_a_progress_bar(capsys):
    pytest.importorskip("tqdm")
    kw = dict(problem="double-well", lr=[0.2, 0.1], T=1, paths=20000, models="sme1,sme2")
    a = sgdlab.weak(**kw)
    b = sgdlab.weak(isolate=True, progress=True, **kw)
    from test_python import drop_timing
    assert drop_timing(a.raw) == drop_timing(b.raw)
    err = capsys.readouterr().err
    assert "sgdlab weak: 100.0%|" in err and "|" in err.split("100.0%")[0]
    with pytest.raises(sgdlab.Error, match="--momentum: 1 is outside") as info:
        sgdlab.weak(isolate=True, momentum=1)
    assert info.value.status == 2


LONG_RUN = """
import sys, sgdlab
print("started", flush=True)
sgdlab.weak(problem="double-well", lr=[0.01], T=100, paths=1e8, models="sme1", out=sys.argv[1],
            isolate=sys.argv[2] == "isolated", max_hours=1000, progress=False)
"""


@pytest.mark.parametrize("mode", ["isolated", "in-process"])
@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "earlier-set"])
def test_sigint_stops_a_run_cleanly(tmp_path, existing, mode):
    """SIGINT to a Python process running a long run, in a child process (isolate=True) or in the
    process itself (the library catches SIGINT, sgdl_run_json_catch_sigint): KeyboardInterrupt
    within seconds, no staging folder or lock left, and the out folder as it was (absent when the
    run was to create it; an earlier complete set untouched)."""
    import signal
    import time

    out = tmp_path / "run"
    if existing:
        sgdlab.weak(problem="double-well", lr=[0.2, 0.1], T=0.4, paths=200, models="sme1", out=out)
        before = {p.name: p.read_bytes() for p in out.iterdir()}
    p = subprocess.Popen(["/usr/bin/python3", "-c", LONG_RUN, str(out), mode], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert p.stdout.readline().strip() == "started"
    deadline = time.time() + 60
    while not list(tmp_path.glob(".run.staging-*")) and time.time() < deadline:  # the child is computing
        time.sleep(0.1)
    assert list(tmp_path.glob(".run.staging-*")), "the run never started"
    time.sleep(1)
    t0 = time.time()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert time.time() - t0 < 10
    assert p.returncode != 0 and "KeyboardInterrupt" in err, err
    if mode == "in-process":
        assert "interrupted (SIGINT)" in err, err
    assert not list(tmp_path.glob(".run.staging-*"))
    if existing:
        assert {q.name: q.read_bytes() for q in out.iterdir()} == before
    else:
        assert not out.exists()
    # no orphaned child computes on (the Python process that ran it has exited)
    for pid in subprocess.run(["pgrep", "-f", "sgdlab._child"], capture_output=True, text=True).stdout.split():
        stat = Path(f"/proc/{pid}/stat").read_text(errors="replace") if Path(f"/proc/{pid}").exists() else ""
        assert not stat or stat.rsplit(")", 1)[1].split()[1] != "1", f"orphaned child {pid}"


def test_in_process_progress_bar_changes_no_number(capsys):
    """progress=True in the process: the library's bar updates reach a tqdm bar (weak, then train
    with its own label); the numbers are those of a run without a bar."""
    pytest.importorskip("tqdm")
    kw = dict(problem="double-well", lr=[0.2, 0.1], T=1, paths=20000, models="sme1,sme2")
    a = sgdlab.weak(**kw)
    capsys.readouterr()
    b = sgdlab.weak(progress=True, **kw)
    from test_python import drop_timing
    assert drop_timing(a.raw) == drop_timing(b.raw)
    err = capsys.readouterr().err
    assert "sgdlab weak: 100.0%|" in err, err[-300:]
    sgdlab.train(data=str(Path(os.environ.get("SGDL_SRC", ".")) / "data" / "mnist"), train=200, test=50, hidden=4,
                 epochs=1, progress=True)
    assert "sgdlab train:" in capsys.readouterr().err
