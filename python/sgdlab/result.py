"""The result of one sgdlab run: results.json as a read-only mapping whose lists of numbers are
numpy arrays, with its main table as a pandas DataFrame and its main figure with matplotlib.
It computes nothing: every number is one the library wrote."""
import json
from collections.abc import Mapping
from numbers import Number

import numpy as np


def _numeric(v):
    """True for a (nested, rectangular) list of numbers and nulls."""
    if isinstance(v, list):
        return all(_numeric(x) for x in v) and len({len(x) if isinstance(x, list) else -1 for x in v}) <= 1
    return v is None or (isinstance(v, Number) and not isinstance(v, bool))


def _convert(v):
    if isinstance(v, dict):
        return {k: _convert(x) for k, x in v.items()}
    if isinstance(v, list) and v and _numeric(v):
        flat = np.ravel(np.array(v, dtype=object))
        if any(x is None or isinstance(x, float) for x in flat):
            return np.array(v, dtype=float)  # null (a non-finite number) -> nan
        return np.array(v)
    if isinstance(v, list):
        return [_convert(x) for x in v]
    return v


# The main table of each command: where it is in results.json.
_MAIN_TABLE = {"weak": "rows", "npoint": "rows", "meanfield": "rows", "train": "epochs", "fpe": "evolution.timeline",
               "exit": "methods", "stationary": "eigendirections"}
_TIMING = ("seconds", "train_seconds", "version")


class Result(Mapping):
    """results.json of one run. r["key"] / r.key give the converted values (numpy arrays for lists
    of numbers); r.raw is the parsed JSON as written, r.text its text, r.argv the equivalent flags."""

    def __init__(self, command, text, argv=()):
        self.command = command
        self.text = text
        self.raw = json.loads(text)
        self.argv = list(argv)
        self._data = _convert(self.raw)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __getattr__(self, name):
        data = self.__dict__.get("_data", {})
        if name in data:
            return data[name]
        raise AttributeError(name)

    def __repr__(self):
        return f"<sgdlab.Result {self.command}: {', '.join(self._data)}>"

    def command_line(self):
        """The sgdlab command that gives the same numbers."""
        return " ".join(["sgdlab", self.command] + [a if " " not in a else repr(a) for a in self.argv])

    # --- tables ---------------------------------------------------------------------------------------
    def table(self, key=None):
        """The main table (or the one at `key`, a dotted path into results.json) as a list of
        records: weak/npoint/meanfield one record per (model, lr, observable, t); train one per
        epoch; fpe one per output time; exit one per method; stationary one per eigendirection."""
        key = key or _MAIN_TABLE.get(self.command)
        if key is None:
            raise KeyError(f"{self.command}: no main table; give a key")
        if key == "epochs":
            return self._epochs()
        node = self.raw
        for part in key.split("."):
            node = node[part]
        if isinstance(node, list) and node and isinstance(node[0], dict):
            return self._explode(node)
        if isinstance(node, dict) and all(isinstance(v, dict) for v in node.values()):
            return [dict(name=k, **v) for k, v in node.items()]
        if isinstance(node, dict) and all(isinstance(v, list) for v in node.values()):
            n = {len(v) for v in node.values()}
            if len(n) == 1:
                return [{k: v[i] for k, v in node.items()} for i in range(n.pop())]
        raise KeyError(f"{key}: not a table (a list of records, a record of records or of equal-length lists)")

    @staticmethod
    def _explode(records):
        """Records with equal-length list fields (t, mean, stderr) become one record per item."""
        out = []
        for r in records:
            lists = {k: v for k, v in r.items() if isinstance(v, list) and v and not isinstance(v[0], list)}
            n = {len(v) for v in lists.values()}
            if "t" in lists and len(n) == 1:
                scalars = {k: v for k, v in r.items() if k not in lists}
                out += [dict(scalars, **{k: v[i] for k, v in lists.items()}) for i in range(n.pop())]
            else:
                out.append(dict(r))
        return out

    def _epochs(self):
        n = len(self.raw["epoch"])
        cols = {k: v for k, v in self.raw.items() if isinstance(v, list) and len(v) == n and not any(
            isinstance(x, (list, dict)) for x in v)}
        return [{k: v[i] for k, v in cols.items()} for i in range(n)]

    def to_pandas(self, key=None):
        """The main table (see table()) as a pandas DataFrame."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Result.to_pandas needs pandas (apt install python3-pandas)") from e
        return pd.DataFrame.from_records(self.table(key))

    # --- figures --------------------------------------------------------------------------------------
    def plot(self, ax=None, observable=None):
        """The command's main figure on a matplotlib Axes (created when not given); returns it.
        weak/npoint/meanfield: weak error against learning rate, log-log, 95% intervals and reference
        slopes 1 and 2 (the figure weak.png of --out); train: losses and test accuracy per epoch;
        fpe: distance to the stationary law over time; exit: mean exit time per method;
        stationary: stationary variance per eigendirection, discrete against the SMEs."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 5))
        draw = {"weak": self._plot_weak, "npoint": self._plot_weak, "meanfield": self._plot_weak,
                "train": self._plot_train, "fpe": self._plot_fpe, "exit": self._plot_exit,
                "stationary": self._plot_stationary}[self.command]
        draw(ax, observable) if draw == self._plot_weak else draw(ax)
        ax.set_title(f"sgdlab {self.command}")
        return ax

    def _plot_weak(self, ax, observable):
        errs = [e for e in self.raw["errors"] if observable in (None, e["observable"])]
        lrs = sorted({e["lr"] for e in errs})
        for (model, obs) in dict.fromkeys((e["model"], e["observable"]) for e in errs):
            sel = sorted((e for e in errs if e["model"] == model and e["observable"] == obs), key=lambda e: e["lr"])
            lr = np.array([e["lr"] for e in sel])
            val = np.array([np.nan if e["sup_error"] is None else e["sup_error"] for e in sel], dtype=float)
            ci = np.array([e["ci95"] if e["ci95"] else [np.nan, np.nan] for e in sel], dtype=float)
            yerr = np.abs(np.vstack([val - ci[:, 0], ci[:, 1] - val]))
            ax.errorbar(lr, val, yerr=yerr, marker="o", capsize=3, label=f"{model}  {obs}")
        if lrs:
            top = max(e["sup_error"] or 0 for e in errs) or 1.0
            x = np.array([min(lrs), max(lrs)])
            for slope, style in ((1, ":"), (2, "--")):
                ax.plot(x, top * (x / x[-1]) ** slope, "k" + style, lw=1, label=f"slope {slope}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("learning rate α")
        ax.set_ylabel("weak error  sup_t |E f(SGD) − E f(model)|")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="best")

    def _plot_train(self, ax):
        ep = self.raw["epoch"]
        ax.plot(ep, self.raw["train_loss"], "o-", label="train loss")
        ax.plot(ep, self.raw["test_loss"], "s-", label="test loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        acc = ax.twinx()
        acc.plot(ep, self.raw["test_accuracy"], "g^--", label="test accuracy")
        acc.set_ylabel("test accuracy")
        ax.legend(loc="upper left")
        acc.legend(loc="upper right")

    def _plot_fpe(self, ax):
        evo = self.raw.get("evolution")
        if not evo:
            raise Error("fpe without an evolution (--stationary alone): no time series to plot", self.command)
        tl = evo["timeline"]
        for key in ("tv_to_stationary", "relative_entropy"):
            ax.semilogy(tl["t"], np.array(tl[key], dtype=float), label=key.replace("_", " "))
        ax.set_xlabel("t")
        ax.set_ylabel("distance to the stationary density")
        ax.legend()

    def _plot_exit(self, ax):
        rows = [(k, m["mean_exit_time"]) for k, m in self.raw["methods"].items()
                if m.get("available") and m.get("mean_exit_time") is not None]
        ax.bar([k for k, _ in rows], [v for _, v in rows])
        ax.set_yscale("log")
        ax.set_ylabel("mean exit time")

    def _plot_stationary(self, ax):
        ed = self.raw["eigendirections"]
        h = np.array(ed["h"], dtype=float)
        for key, marker in (("var_discrete", "o"), ("var_sme1", "s"), ("var_sme2", "^")):
            if key in ed:
                ax.plot(h, np.array(ed[key], dtype=float), marker, label=key[4:])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("Hessian eigenvalue h")
        ax.set_ylabel("stationary variance along the eigendirection")
        ax.legend()


from ._lib import Error  # noqa: E402 (after Result: _lib imports this module lazily)
