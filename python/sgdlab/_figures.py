"""The figures of Result.plot(): each draws, on one matplotlib Axes, the series of the PNG that the
sgdlab binary renders with gnuplot for --out (same data, same series, same legend titles), or a
figure of results.json where the binary draws none. What each figure needs:

    name         command            data                               the binary's PNG
    weak         weak/npoint/mf     results.json errors                weak.png (npoint.png, ...)
    curves       train              results.json epochs                curves.png (both panels on one Axes)
    timeline     fpe                results.json timeline, or          timeline.png
                                    timeline.csv of --out (adds the Bakry-Emery bound where it applies)
    density      fpe (1-D)          density.csv of --out, basins       density.png, with basin masses marked
    stationary   fpe (1-D)          stationary.csv of --out            stationary.png
    arrhenius    exit --lr-scan     results.json lr_scan               arrhenius.png
    methods      exit               results.json methods               (none: mean exit time per method)
    profile      exit (1-D PDE)     exit_time_profile.csv of --out     exit_time_profile.png
    eigen        stationary         results.json eigendirections       (none: variance per eigendirection)
    covariance   stationary         results.json methods               (none: diagonal of each covariance,
                                                                         simulated with 95% intervals)

It computes nothing: every plotted number is one the library wrote (results.json or a CSV of the
run's --out folder, read back as written). tests/test_python.py compares every series with the
binary's .gp script and data file."""
import csv
import os

import matplotlib.pyplot as plt
import numpy as np

# The default figure of each command (exit: arrhenius when the run scanned learning rates).
DEFAULT = {"weak": "weak", "npoint": "weak", "meanfield": "weak", "train": "curves", "fpe": "timeline",
           "exit": "methods", "stationary": "eigen"}


class FigureError(Exception):
    """A figure that this result cannot draw (wrong command, no --out folder, 2-D grid)."""


def _f(v):
    return np.nan if v is None else float(v)


def _read_csv(result, name):
    """The columns of NAME in the run's --out folder, as {header: float array}, in file order."""
    folder = result.out_folder()
    if folder is None:
        raise FigureError(f"{result.command}: the figure needs {name}: run with out=FOLDER")
    with open(os.path.join(folder, name), newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], [r for r in rows[1:] if r]
    return {h: np.array([float(r[i]) for r in body]) for i, h in enumerate(head)}


def weak(result, ax, observable=None):
    """weak.png: per (model, observable) the sup-in-time weak error against the learning rate with
    its 95% interval; an unresolved error (interval reaching 0) as a downward triangle at its upper
    bound; reference slopes 1 and 2 anchored at the largest error (or bound) of the first learning
    rate, as src/cli/study_cli.c writes them."""
    exact = bool(result.raw["params"].get("exact"))
    errs = [e for e in result.raw["errors"] if observable in (None, e["observable"])]
    lrs = list(dict.fromkeys(e["lr"] for e in result.raw["errors"]))
    anchor_y = 0.0
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for block, (model, obs) in enumerate(dict.fromkeys((e["model"], e["observable"]) for e in errs)):
        sel = [e for e in errs if e["model"] == model and e["observable"] == obs]
        lr, y, lo, hi, bound = [], [], [], [], []
        for e in sel:
            v = _f(e["sup_error"])
            l, h = (v, v) if exact else (_f((e["ci95"] or [None, None])[0]), _f((e["ci95"] or [None, None])[1]))
            is_open = not exact and not (l > 0)
            lr.append(e["lr"])
            y.append(np.nan if is_open or not (v > 0) else v)
            lo.append(np.nan if is_open else l)
            hi.append(np.nan if is_open else h)
            bound.append(h if is_open else np.nan)
            if e["lr"] == lrs[0]:
                anchor_y = max(anchor_y, h if is_open else (y[-1] if y[-1] > 0 else 0.0))
        lr, y, lo, hi, bound = map(np.array, (lr, y, lo, hi, bound))
        c = palette[block % len(palette)]
        resolved, unresolved = np.any(y > 0), np.any(bound > 0)
        if resolved:
            ax.plot(lr, y, "o-", color=c, lw=2, label=f"{model} {obs}")
            ax.errorbar(lr, y, yerr=np.vstack([y - lo, hi - y]), fmt="none", ecolor=c, capsize=3)
        if unresolved:
            ax.plot(lr, bound, "v", color=c, ms=9, label="_unresolved" if resolved else f"{model} {obs}")
    if not anchor_y > 0:
        anchor_y = 1.0
    x = np.array([min(lrs) / 1.3, max(lrs) * 1.3])
    ax.plot(x, anchor_y * (x / lrs[0]), color="0.4", ls="--", lw=1.5, label="slope 1")
    ax.plot(x, anchor_y * (x / lrs[0]) ** 2, color="0.2", ls=":", lw=1.5, label="slope 2")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*x)
    ax.set_xticks(lrs)
    ax.set_xticklabels([f"{v:g}" for v in lrs])
    ax.set_xlabel("learning rate α")
    ax.set_ylabel("weak error  sup_t |E f(SGD) − E f(model)|")
    ax.set_title(f"sgdlab {result.command}: weak error against learning rate (95% intervals)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))


def curves(result, ax):
    """curves.png: train and held-out loss (log scale) and held-out accuracy (right axis) per epoch."""
    ep = result.raw["epoch"]
    ax.plot(ep, result.raw["train_loss"], "o-", label="train")
    ax.plot(ep, result.raw["test_loss"], "s-", label="held out")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss")
    acc = ax.twinx()
    acc.plot(ep, result.raw["test_accuracy"], "g^--", label="accuracy")
    acc.set_ylabel("held-out accuracy")
    ax.legend(loc="upper left")
    acc.legend(loc="upper right")
    ax.set_title("sgdlab train: loss and held-out accuracy per epoch")


def timeline(result, ax):
    """timeline.png: total variation and relative entropy to the stationary density over time,
    log scale; with --out also the Bakry-Emery bound where it applies (it is only in the CSV)."""
    evo = result.raw.get("evolution")
    if not evo:
        raise FigureError("fpe without an evolution (--stationary alone): no time series to plot")
    if result.out_folder() is not None:
        tl = _read_csv(result, "timeline.csv")
        t, tv, h, bound = tl["t"], tl["tv_to_stationary"], tl["relative_entropy"], tl["bakry_emery_bound"]
    else:
        tl = evo["timeline"]
        t, tv, h = (np.array([_f(v) for v in tl[k]]) for k in ("t", "tv_to_stationary", "relative_entropy"))
        bound = np.full_like(t, np.nan)
    ax.plot(t, tv, "o-", markevery=max(1, len(t) // 12), label="TV to stationary")
    ax.plot(t, h, "s-", markevery=max(1, len(t) // 12), label="relative entropy H(t)")
    if np.any(np.isfinite(bound)):
        ax.plot(t, bound, "^--", markevery=max(1, len(t) // 12), label="Bakry-Emery bound")
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel("distance to the stationary density")
    ax.set_title("convergence to the stationary density")
    ax.legend(loc="upper right")


def density(result, ax):
    """density.png: the 1-D density at each snapshot time and the stationary density (dashed),
    from density.csv of --out; each basin's minimum marked with its stationary mass."""
    cols = _read_csv(result, "density.csv")
    names = list(cols)
    x = cols[names[0]]
    every = max(1, len(x) // 12)
    for k, name in enumerate(names[1:-1]):
        ax.plot(x, cols[name], "o-", ms=3, markevery=((k * (every // 7 + 1)) % every, every), label=name)
    ax.plot(x, cols[names[-1]], "k--", label=names[-1])
    for b in result.raw.get("basins") or []:
        m = b["minimum"][0] if isinstance(b["minimum"], list) else b["minimum"]
        ax.axvline(m, color="0.5", lw=0.8, ls=":")
        ax.annotate(f"basin {m:g}: mass {b['mass']:.3f}", (m, 0.97), xycoords=("data", "axes fraction"),
                    ha="center", va="top", fontsize=8)
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_title("density of the SME over time")
    ax.legend(fontsize=8, loc="upper right")


def stationary_density(result, ax):
    """stationary.png (fpe, 1-D): the stationary density, from stationary.csv of --out."""
    cols = _read_csv(result, "stationary.csv")
    names = list(cols)
    ax.plot(cols[names[0]], cols[names[1]], "o-", ms=3, markevery=max(1, len(cols[names[0]]) // 12), label=names[1])
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_title("stationary density of the SME")


def arrhenius(result, ax):
    """arrhenius.png: mean exit time in SGD steps of each method against 1/(α c_B σ²), log scale."""
    scan = result.raw.get("lr_scan")
    if not scan:
        raise FigureError("exit without --lr-scan: no Arrhenius plot (figure='methods' draws the methods)")
    x = np.array([p["inv_temperature"] for p in scan], dtype=float)
    for name in scan[0]["methods"]:
        y = np.array([_f(p["methods"][name].get("mean_exit_steps")) for p in scan])
        ax.plot(x, y, "o-", lw=2, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("1 / (α c_B σ²)")
    ax.set_ylabel("mean exit time (SGD steps)")
    ax.set_title("Arrhenius plot: mean exit time vs inverse noise temperature")
    ax.legend(loc="upper left")


def methods(result, ax):
    """Mean exit time of each available method (bars, log scale); no PNG of the binary."""
    rows = [(k, m["mean_exit_time"]) for k, m in result.raw["methods"].items()
            if m.get("available") and m.get("mean_exit_time") is not None]
    ax.bar([k for k, _ in rows], [v for _, v in rows])
    ax.set_yscale("log")
    ax.set_ylabel("mean exit time")
    ax.set_title("sgdlab exit: mean exit time per method")


def profile(result, ax):
    """exit_time_profile.png: the PDE's mean exit time (SGD steps) from each start x."""
    cols = _read_csv(result, "exit_time_profile.csv")
    names = list(cols)
    ax.plot(cols[names[0]], cols[names[2]], "o-", ms=3, markevery=max(1, len(cols[names[0]]) // 12), label=names[2])
    ax.set_xlabel("start x")
    ax.set_ylabel("mean exit time (SGD steps)")
    ax.set_title("mean exit time from x (backward Kolmogorov PDE)")


def eigen(result, ax):
    """Stationary variance along each Hessian eigendirection: discrete against the SMEs."""
    ed = result.raw["eigendirections"]
    h = np.array(ed["h"], dtype=float)
    for key, marker in (("var_discrete", "o"), ("var_sme1", "s"), ("var_sme2", "^")):
        if key in ed:
            ax.plot(h, np.array([_f(v) for v in ed[key]]), marker, label=key[4:])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Hessian eigenvalue h")
    ax.set_ylabel("stationary variance along the eigendirection")
    ax.set_title("sgdlab stationary: variance per eigendirection")
    ax.legend()


def covariance(result, ax):
    """The diagonal of each method's stationary covariance (exact discrete, SME1, SME2) against
    coordinate, and the simulated one (--simulate) with its 95% interval (1.96 standard errors)."""
    ms = result.raw["methods"]
    for i, (name, m) in enumerate(ms.items()):
        cov = np.array([[_f(v) for v in row] for row in m["covariance"]])
        d = np.diag(cov)
        k = np.arange(1, len(d) + 1) + 0.08 * (i - (len(ms) - 1) / 2)
        if "covariance_se" in m:
            se = np.diag(np.array([[_f(v) for v in row] for row in m["covariance_se"]]))
            ax.errorbar(k, d, yerr=1.96 * se, fmt="D", capsize=4, label=f"{name} ({m.get('replicas', '?')} replicas)")
        else:
            ax.plot(k, d, "os^v"[i % 4], label=name)
    ax.set_xticks(np.arange(1, len(d) + 1))
    ax.set_xlabel("coordinate i")
    ax.set_ylabel("stationary covariance Σ_ii")
    ax.set_title(f"sgdlab stationary: {result.raw.get('algo', '')} at lr {result.raw.get('lr')}")
    ax.legend()


FIGURES = {"weak": weak, "curves": curves, "timeline": timeline, "density": density,
           "stationary": stationary_density, "arrhenius": arrhenius, "methods": methods, "profile": profile,
           "eigen": eigen, "covariance": covariance}
# Which commands each figure belongs to.
COMMANDS = {"weak": ("weak", "npoint", "meanfield"), "curves": ("train",),
            "timeline": ("fpe",), "density": ("fpe",), "stationary": ("fpe",), "arrhenius": ("exit",),
            "methods": ("exit",), "profile": ("exit",), "eigen": ("stationary",), "covariance": ("stationary",)}
