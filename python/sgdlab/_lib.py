"""Finding and calling libsgdlab.so (ctypes), and writing keyword arguments as the command's flags.
Nothing here computes: sgdl_run_json runs the command (include/sgdlab/run.h)."""
import ctypes
import signal
import json
import os
import threading
from pathlib import Path

import numpy as np

_ERRLEN = 4096
_lock = threading.Lock()
_lib = None
_lib_path = None


class Error(Exception):
    """A failed sgdlab run. `message` is the library's message (what the binary prints after
    "sgdlab <command>: error: "), `status` the binary's exit status (2: bad flags or values)."""

    def __init__(self, message, command=None, status=1):
        super().__init__(message)
        self.message = message
        self.command = command
        self.status = status


def _candidates():
    env = os.environ.get("SGDLAB_LIB")
    if env:
        yield env
        return
    here = Path(__file__).resolve().parent
    yield here / "libsgdlab.so.0"
    yield here / "libsgdlab.so"
    try:
        from . import _installed  # written by `make install`
        yield here / _installed.LIBDIR_FROM_PACKAGE / _installed.SONAME
    except ImportError:
        pass
    yield here.parent.parent / "build" / "libsgdlab.so.0"  # python/sgdlab in a built source tree
    yield "libsgdlab.so.0"  # the system's loader (ld.so.cache, LD_LIBRARY_PATH)


_PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_double)


def _load():
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    tried = []
    for cand in _candidates():
        cand = str(cand)
        if os.sep in cand and not os.path.exists(cand):
            tried.append(cand + " (missing)")
            continue
        try:
            lib = ctypes.CDLL(cand)
        except OSError as e:
            tried.append(f"{cand} ({e})")
            continue
        lib.sgdl_run_json.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                                      ctypes.c_char_p, ctypes.c_size_t]
        lib.sgdl_run_json.restype = ctypes.c_int
        lib.sgdl_run_json_free.argtypes = [ctypes.c_void_p]
        lib.sgdl_run_json_free.restype = None
        lib.sgdl_library_version.argtypes = []
        lib.sgdl_library_version.restype = ctypes.c_char_p
        lib.sgdl_run_json_catch_sigint.argtypes = [ctypes.c_int]
        lib.sgdl_run_json_catch_sigint.restype = None
        lib.sgdl_run_json_progress.argtypes = [_PROGRESS_FN, ctypes.c_void_p]
        lib.sgdl_run_json_progress.restype = None
        _lib, _lib_path = lib, cand
        return lib
    raise Error("cannot load libsgdlab.so; set SGDLAB_LIB to its path. Tried: " + "; ".join(tried))


def library_path():
    """The path of the libsgdlab.so in use (loading it if needed)."""
    _load()
    return _lib_path


def library_version():
    """The library's version, as results.json's "version"."""
    return _load().sgdl_library_version().decode()


def _number(x):
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return repr(float(x))  # the shortest text that reads back as the same double
    return str(x)


def _value(key, v):
    """One keyword value as the command line writes it (JSON true/false for booleans)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple, np.ndarray)):
        a = np.asarray(v, dtype=object)
        if a.ndim == 2:
            return ";".join(",".join(_number(x) for x in row) for row in a)
        if a.ndim == 1:
            return ",".join(_number(x) for x in a)
        raise Error(f"--{key}: give a number, a text, a list or a matrix, not a {a.ndim}-D array", status=2)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return _number(v)
    raise Error(f"--{key}: cannot pass a {type(v).__name__} as a flag value", status=2)


def _args(flags):
    """{flag: JSON value} from keyword arguments: underscores become dashes, a trailing underscore
    (lambda_) is dropped, None means "not given"."""
    out = {}
    for k, v in flags.items():
        if v is None:
            continue
        name = k[:-1] if k.endswith("_") else k
        out[name.replace("_", "-")] = _value(name, v)
    return out


def flags(**kw):
    """The command-line flags equivalent to keyword arguments: flags(lr=[0.1, 0.05], exact=True)
    == ["--lr", "0.1,0.05", "--exact"]."""
    argv = []
    for k, v in _args(kw).items():
        if v is True:
            argv.append("--" + k)
        elif v is not False:
            argv += ["--" + k, v]
    return argv


def call(command, args_json, problem=None, progress=None):
    """sgdl_run_json in this process: (status, results.json text or None, error message).
    problem: a sgdlab.Problem whose callbacks serve "problem": "callback" in args_json.
    progress: draw a tqdm bar from the library's progress (None: when stderr is a terminal)."""
    from ._isolated import _bar

    lib = _load()
    out = ctypes.c_void_p()
    err = ctypes.create_string_buffer(_ERRLEN)
    bar = _bar(command, progress)

    def on_progress(_user, label, fraction):
        try:
            name = f"sgdlab {label.decode(errors='replace')}"
            if bar.desc != name:
                bar.set_description_str(name, refresh=False)
            bar.update(100.0 * fraction - bar.n)
        except Exception:  # a bar must never break the run
            pass

    hook = _PROGRESS_FN(on_progress) if bar is not None else _PROGRESS_FN()
    with _lock:
        lib.sgdl_run_json_progress(hook, None)
        try:
            # Ctrl-C: Python's own handler cannot run during the call, so the library catches SIGINT
            # for its duration (only where Python's default handler is in place) and returns 130.
            lib.sgdl_run_json_catch_sigint(int(signal.getsignal(signal.SIGINT) is signal.default_int_handler))
            if problem is not None:  # a sgdlab.Problem (problem.py) runs as --problem callback
                status = problem._run_json(lib, command.encode(), args_json.encode(), ctypes.byref(out), err, _ERRLEN)
            else:
                status = lib.sgdl_run_json(command.encode(), args_json.encode(), ctypes.byref(out), err, _ERRLEN)
        finally:  # the library must not keep a pointer to this call's callback
            lib.sgdl_run_json_progress(_PROGRESS_FN(), None)
            if bar is not None:
                bar.close()
    if status != 0:
        return status, None, err.value.decode(errors="replace")
    try:
        return 0, ctypes.string_at(out.value).decode(), ""
    finally:
        lib.sgdl_run_json_free(out)


def run(command, isolate=False, progress=None, **kw):
    """Run one sgdlab command with the given flags; returns a Result (results.json).
    isolate=True runs it in a child process (_isolated.py): Ctrl-C then stops it at once, raising
    KeyboardInterrupt and leaving no output folder behind, and `progress` (default: when stderr is
    a terminal) draws a tqdm bar when tqdm is installed. In this process (the default) Ctrl-C
    stops the run at the next check of its long loops (Monte Carlo blocks, training steps, fpe
    time steps; usually well under a second) and raises KeyboardInterrupt; nothing of the run is
    written (an earlier --out set stays as it was). A Python Problem's callbacks may also see the
    KeyboardInterrupt themselves; it is raised either way."""
    from .result import Result

    problem = kw.get("problem")
    custom = hasattr(problem, "_run_json")
    if custom:  # one thread unless asked: Python callbacks take turns on the GIL (problem.py)
        if isolate:
            raise Error("isolate=True cannot run a Python-defined Problem: its callbacks live in this process",
                        command=command, status=2)
        kw = {"threads": 1, **kw, "problem": "callback"}
    args = json.dumps(_args(kw))
    if isolate:
        from ._isolated import call_isolated

        status, text, msg = call_isolated(command, args, library_path(), kw.get("out"), progress)
    else:
        status, text, msg = call(command, args, problem if custom else None, progress)
    if status == 130 and not isolate:  # Ctrl-C during the run: nothing of it was written
        raise KeyboardInterrupt(f"sgdlab {command}: {msg}")
    if status != 0:
        raise Error(msg, command=command, status=status)
    return Result(command, text, flags(**kw))
