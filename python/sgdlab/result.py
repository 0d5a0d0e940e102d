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
    def out_folder(self):
        """The --out folder of the run (out=...), or None when it wrote no files."""
        argv = self.argv
        for k, a in enumerate(argv):
            if a == "--out" and k + 1 < len(argv):
                return argv[k + 1]
            if a.startswith("--out="):
                return a[len("--out="):]
        return None

    def plot(self, ax=None, observable=None, figure=None):
        """A figure of the run on a matplotlib Axes (created when not given); returns the Axes.
        `figure` names it (_figures.py lists them all): by default weak/npoint/meanfield "weak" (weak
        error against learning rate, log-log, 95% intervals, slopes 1 and 2: the series of weak.png),
        train "curves" (curves.png), fpe "timeline" (timeline.png), exit "arrhenius" after --lr-scan
        (arrhenius.png) else "methods", stationary "eigen". fpe's "density" and "stationary", exit's
        "profile" read the CSV of the run's out= folder; "covariance" draws stationary's methods with
        the simulated covariance. `observable` selects one observable of the weak figure."""
        import matplotlib.pyplot as plt

        from . import _figures

        if figure is None:
            figure = "arrhenius" if self.command == "exit" and self.raw.get("lr_scan") else _figures.DEFAULT[self.command]
        if figure not in _figures.FIGURES or self.command not in _figures.COMMANDS[figure]:
            mine = [f for f, cmds in _figures.COMMANDS.items() if self.command in cmds]
            raise Error(f"plot: no figure '{figure}' for {self.command} (its figures: {', '.join(mine)})", self.command)
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 5), layout="constrained")
        try:
            if figure == "weak":
                _figures.weak(self, ax, observable)
            else:
                _figures.FIGURES[figure](self, ax)
        except (_figures.FigureError, FileNotFoundError) as e:
            raise Error(f"plot: {e}", self.command) from e
        return ax


from ._lib import Error  # noqa: E402 (after Result: _lib imports this module lazily)
