"""Problems written in Python: sgdlab.Problem wraps NumPy functions over blocks of lanes as the
callbacks of a C problem (sgdl_callback_problem, include/sgdlab/problem.h), so any command runs on
a loss the user writes in NumPy, with no C:

    import numpy as np, sgdlab
    H = np.array([[1.0, 0.2], [0.2, 0.5]])
    quad = sgdlab.Problem(2, loss=lambda x: 0.5 * np.einsum("li,ij,lj->l", x, H, x),
                          grad=lambda x: x @ H,            # H symmetric: rows x_l^T H
                          hvp=lambda x, v: v @ H,
                          noise_cols=lambda x: np.broadcast_to(np.eye(2), (len(x), 2, 2)),
                          noise_constant=True, affine=True)
    quad.check(x=[1.0, -0.5])                               # finite differences, raises on a wrong grad
    r = sgdlab.weak(problem=quad, lr=[0.1, 0.05], T=1, paths=10000, x0=[1, -0.5])

Every function gets W points at once, x of shape (W, d) (a read-only view of the library's
buffer, no copy, valid only during the call: copy it to keep it), and returns:
    loss(x)               -> (W,)        L(x_l)
    grad(x)               -> (W, d)      grad L(x_l)
    hvp(x, v)             -> (W, d)      Hess L(x_l) v_l                      (optional: sme2, smf2, newton)
    noise_cols(x)         -> (W, d, K)   G(x_l), Sigma_1 = G G^T             (additive noise, n_data = 0)
    grad_sample(x, idx)   -> (W, B, d)   grad l_n(x_l) for n = idx[l, b]     (finite data, n_data = N)
    loss_sample(x, idx)   -> (W, B)      l_n(x_l)                             (finite data)
idx is a (W, B) array of sample numbers (uint32). A finite-data problem has noise columns
G_n = grad L - grad l_n (weight 1/N), computed from grad and grad_sample. W is at most 256 for the
lane kernels (one block of paths) and 1 where the library works point by point.

Threads: a run with a Problem uses one thread unless threads= says otherwise. The callbacks need
the GIL, so on several OpenMP threads they take turns, and slower than on one (on 2 cores a
gradient-flow run took 4x longer with threads=2: bench/RESULTS.md, "Python-defined problems").
The numbers do not depend on the thread count (each block of lanes is the same whichever thread
runs it). An exception in a callback stops every later callback (outputs become NaN), the run fails,
and the exception is raised again from the sgdlab call that ran it.
"""
import ctypes

import numpy as np

from . import _lib

_LOSS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_HVP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                        ctypes.c_void_p)
_SAMPLE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                           ctypes.c_void_p, ctypes.c_void_p)


class _CallbackProblem(ctypes.Structure):
    """sgdl_callback_problem of include/sgdlab/problem.h, field for field."""
    _fields_ = [("dim", ctypes.c_int), ("n_data", ctypes.c_size_t), ("n_noise", ctypes.c_int),
                ("noise_constant", ctypes.c_int), ("affine", ctypes.c_int), ("user", ctypes.c_void_p),
                ("desc", ctypes.c_char_p), ("loss", _LOSS), ("grad", _LOSS), ("hvp", _HVP),
                ("noise_cols", _LOSS), ("grad_sample", _SAMPLE), ("loss_sample", _SAMPLE),
                ("failed", ctypes.c_int), ("failure", ctypes.c_char * 256)]


class _Buffer:
    """A C buffer as NumPy sees it (__array_interface__): np.asarray of it is a view, no copy."""
    __slots__ = ("__array_interface__",)

    def __init__(self, addr, shape, readonly, typestr):
        self.__array_interface__ = {"data": (addr, readonly), "shape": shape, "typestr": typestr, "version": 3}


_views = {}


def _view(addr, shape, readonly=True, typestr="<f8"):
    """A NumPy view of a C buffer, valid during the callback that received addr. Views are kept by
    (address, shape): the library's scratch blocks come back at the same addresses call after call,
    and making a view costs more than the callback's own small products."""
    key = (addr, shape, readonly, typestr)
    v = _views.get(key)
    if v is None:
        if len(_views) >= 256:
            _views.clear()
        v = _views[key] = np.asarray(_Buffer(addr, shape, readonly, typestr))
    return v


def _declare(lib):
    if getattr(lib, "_sgdl_problem_declared", False):
        return lib
    ptr = ctypes.POINTER(_CallbackProblem)
    lib.sgdl_run_json_with_problem.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ptr, ctypes.POINTER(ctypes.c_void_p),
                                               ctypes.c_char_p, ctypes.c_size_t]
    lib.sgdl_run_json_with_problem.restype = ctypes.c_int
    lib.sgdl_check_problem.argtypes = [ptr, ctypes.c_void_p, ctypes.c_double, ctypes.POINTER(ctypes.c_double * 4),
                                       ctypes.c_char_p, ctypes.c_size_t]
    lib.sgdl_check_problem.restype = ctypes.c_int
    lib._sgdl_problem_declared = True
    return lib


class Problem:
    """A problem whose loss, gradient and noise are NumPy functions over blocks of points (see the
    module's help for their shapes). Give noise_cols (additive Gaussian noise, n_noise columns,
    inferred from one call at the origin when not given) or n_data with grad_sample and
    loss_sample (a finite data set). noise_constant: G does not depend on x (the SDE schemes
    then default to Heun, as for the built-in quadratic). affine: every per-sample gradient is
    affine in x (enables exact moments). Pass the object as problem= to any command."""

    def __init__(self, dim, loss, grad, grad_sample=None, n_data=0, noise_cols=None, hvp=None, loss_sample=None,
                 n_noise=None, noise_constant=False, affine=False, name="python problem"):
        self.dim, self.n_data, self.name = int(dim), int(n_data), str(name)
        if self.dim < 1:
            raise ValueError(f"Problem: dim {dim} is not positive")
        if self.n_data < 0:
            raise ValueError(f"Problem: n_data {n_data} is negative")
        if self.n_data and (grad_sample is None or loss_sample is None):
            raise ValueError(f"Problem: finite data (n_data = {self.n_data}) needs grad_sample and loss_sample")
        if not self.n_data and noise_cols is None:
            raise ValueError("Problem: give noise_cols (additive noise) or n_data with grad_sample and loss_sample "
                             "(a finite data set)")
        self._fns = dict(loss=loss, grad=grad, hvp=hvp, noise_cols=noise_cols, grad_sample=grad_sample,
                         loss_sample=loss_sample)
        self._error = None
        if not self.n_data and n_noise is None:
            n_noise = np.shape(noise_cols(np.zeros((1, self.dim))))[-1]
        self.n_noise = int(n_noise) if not self.n_data else self.n_data
        self._desc = self.name.encode()
        self._c = self._struct(noise_constant, affine)

    def __repr__(self):
        kind = f"n_data={self.n_data}" if self.n_data else f"n_noise={self.n_noise}"
        return f"sgdlab.Problem({self.name!r}, dim={self.dim}, {kind})"

    # --- the callbacks: C buffers as NumPy views, the user's result copied into the output view ---
    def _store(self, which, out, res):
        if np.shape(res) != out.shape:
            raise ValueError(f"Problem {self.name!r}: {which} returned shape {np.shape(res)}, expected {out.shape}")
        out[...] = res

    def _guarded(self, which, body, proto):
        def trampoline(*args):
            if self._error is not None:
                return 1
            try:
                body(*args)
                return 0
            except BaseException as e:  # noqa: B036 (KeyboardInterrupt too: it must not unwind through C)
                self._error = e
                return 1
        trampoline.__name__ = which
        return proto(trampoline)

    def _struct(self, noise_constant, affine):
        d, K, f = self.dim, self.n_noise, self._fns

        def points(W, fn, which, x, out_shape, *extra):
            out_addr = extra[-1]
            self._store(which, _view(out_addr, out_shape, readonly=False),
                        fn(_view(x, (W, d)), *[_view(e, (W, d)) for e in extra[:-1]]))

        def sample(W, nb, x, idx, out, fn, which, out_shape):
            self._store(which, _view(out, out_shape, readonly=False),
                        fn(_view(x, (W, d)), _view(idx, (W, nb), typestr="<u4")))

        cbs = {
            "loss": (_LOSS, lambda _u, W, x, out: points(W, f["loss"], "loss", x, (W,), out)),
            "grad": (_LOSS, lambda _u, W, x, out: points(W, f["grad"], "grad", x, (W, d), out)),
            "hvp": (_HVP, lambda _u, W, x, v, out: points(W, f["hvp"], "hvp", x, (W, d), v, out)),
            "noise_cols": (_LOSS, lambda _u, W, x, out: points(W, f["noise_cols"], "noise_cols", x, (W, d, K), out)),
            "grad_sample": (_SAMPLE, lambda _u, W, nb, x, idx, out: sample(W, nb, x, idx, out, f["grad_sample"],
                                                                         "grad_sample", (W, nb, d))),
            "loss_sample": (_SAMPLE, lambda _u, W, nb, x, idx, out: sample(W, nb, x, idx, out, f["loss_sample"],
                                                                         "loss_sample", (W, nb))),
        }
        self._trampolines = {k: self._guarded(k, body, proto) for k, (proto, body) in cbs.items() if f[k] is not None}
        c = _CallbackProblem(dim=d, n_data=self.n_data, n_noise=K, noise_constant=int(bool(noise_constant)),
                             affine=int(bool(affine)), user=None, desc=self._desc)
        for k, t in self._trampolines.items():
            setattr(c, k, t)
        return c

    def _raise_pending(self):
        e, self._error = self._error, None
        if e is not None:
            raise e

    def _run_json(self, lib, command, args, out, err, errlen):
        """sgdl_run_json with this problem as "problem": "callback" (called by sgdlab.run)."""
        self._error = None
        status = _declare(lib).sgdl_run_json_with_problem(command, args, ctypes.byref(self._c), out, err, errlen)
        if status != 0:
            self._raise_pending()
        return status

    def check(self, x=None, tol=1e-6):
        """Finite-difference self-check at x (default: the origin), as sgdl_problem_check: grad
        against the loss, hvp against grad, grad_sample against loss_sample (first 16 samples) and
        the mean of grad_sample against grad. Returns the four relative errors (a dict); raises
        sgdlab.Error naming the first check above tol, or the callback's own exception."""
        lib = _declare(_lib._load())
        xa = None
        if x is not None:
            xa = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
            if xa.size != self.dim:
                raise ValueError(f"Problem.check: x has {xa.size} entries, the problem has dim {self.dim}")
        errs = (ctypes.c_double * 4)()
        msg = ctypes.create_string_buffer(1024)
        self._error = None
        with _lib._lock:
            rc = lib.sgdl_check_problem(ctypes.byref(self._c), None if xa is None else xa.ctypes.data, tol,
                                        ctypes.byref(errs), msg, len(msg))
        self._raise_pending()
        if rc != 0:
            raise _lib.Error(f"{self.name}: {msg.value.decode(errors='replace')}", command="check", status=1)
        return dict(zip(("grad", "hvp", "grad_sample", "grad_mean"), list(errs)))
