"""sgdlab from Python: every sgdlab command, run in-process through libsgdlab.so.

    import sgdlab
    r = sgdlab.weak(problem="double-well", lr=[0.2, 0.1, 0.05], T=2, paths=1e5,
                    models="gf,sme1,sme2,smf2")
    r["orders"][0]["order"]      # the numbers of results.json; lists are numpy arrays
    r.to_pandas()                 # the main table (needs pandas)
    r.plot()                      # the main figure (needs matplotlib)

Keyword arguments are the command's flags (`sgdlab weak --help`) with underscores for dashes
(`gen_n=64` is `--gen-n 64`; `lambda_` is `--lambda`). Values are written as on the command line:
numbers as Python prints them, lists and 1-D arrays comma-separated, 2-D arrays as "a,b;c,d",
True for a flag that is given. The numbers are those of the sgdlab binary for the same flags, bit
for bit: the library runs the same code (include/sgdlab/run.h). Errors raise sgdlab.Error with
the message the binary prints.

A loss of your own, in NumPy: sgdlab.Problem(dim, loss, grad, ...) passed as problem= (problem.py).

The library is found through SGDLAB_LIB (a path to libsgdlab.so), next to this package, where
`make install` put it relative to this package, in a build/ folder of the source tree, or by the
system's loader.

On import, before OpenBLAS is loaded, the package asks for its AVX2/AVX-512 kernels when the build
would fall back to generic ones and OPENBLAS_CORETYPE is unset (_blas.py; results' "blas" says
which kernels ran and who chose them).
"""
from ._blas import prefer_kernels as _prefer_kernels

_prefer_kernels()

from ._lib import Error, library_path, library_version, run, flags
from .result import Result
from .problem import Problem

__all__ = ["weak", "npoint", "stationary", "fpe", "exit", "train", "meanfield", "run", "flags", "Result",
           "Error", "library_path", "library_version", "Problem"]


def weak(**flags):
    """sgdlab weak: weak error of SDE/SMF models against SGD over learning rates, and its order."""
    return run("weak", **flags)


def npoint(**flags):
    """sgdlab npoint: multi-point statistics of runs from several starts sharing samples or noise."""
    return run("npoint", **flags)


def stationary(**flags):
    """sgdlab stationary: exact stationary covariance of discrete SGD-type algorithms."""
    return run("stationary", **flags)


def fpe(**flags):
    """sgdlab fpe: Fokker-Planck density of the SME in 1-D and 2-D."""
    return run("fpe", **flags)


def exit(**flags):  # noqa: A001 (the command's name; builtins.exit stays reachable as such)
    """sgdlab exit: mean exit time from a basin by PDE, quadrature, chain, Monte Carlo, Kramers."""
    return run("exit", **flags)


def train(**flags):
    """sgdlab train: train a multilayer network on IDX image data and measure the noise geometry."""
    return run("train", **flags)


def meanfield(**flags):
    """sgdlab meanfield: two-layer mean-field networks, particle SGD against the DD-SMF."""
    return run("meanfield", **flags)
