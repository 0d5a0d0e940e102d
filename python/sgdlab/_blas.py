"""OpenBLAS kernels for the in-process library: the Python side of src/cli/blas.c.

OpenBLAS picks its kernel set ("core") once, when it loads, from the CPU or from OPENBLAS_CORETYPE.
Some builds do not recognise a newer CPU and fall back to a generic SSE core (Prescott), several
times slower than the AVX2/AVX-512 kernels it could run. The sgdlab binary re-executes itself with
OPENBLAS_CORETYPE set; a Python process cannot, so prefer_kernels() sets the variable before
OpenBLAS is first loaded (before this package imports numpy or loads libsgdlab.so), by the same
rule: only when OPENBLAS_CORETYPE is unset, the OpenBLAS build switches kernels at load time
(DYNAMIC_ARCH), and it would pick an SSE-only core although the CPU runs AVX2 (or AVX-512). What
OpenBLAS would pick is asked of a short child process (a few tens of milliseconds, once).
A value set by the user or the machine is never replaced. When OpenBLAS was loaded before
sgdlab was imported (numpy imported first), it is too late: a warning says so, and results'
"blas" entry reports the core in use. Nothing here computes."""
import os
import subprocess
import sys
import warnings

CORETYPE_ENV = "OPENBLAS_CORETYPE"
MARKER_ENV = "SGDLAB_BLAS_CORETYPE"  # what sgdlab set OPENBLAS_CORETYPE to (results' chosen_by "sgdlab")

# OpenBLAS's x86 kernel sets without AVX (src/cli/blas.c, sse_only_cores).
SSE_ONLY = {c.lower() for c in ("Unknown", "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom",
                                "Core2", "Penryn", "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3",
                                "Barcelona", "Nano", "Bobcat")}

_PROBE = ("import ctypes,sys\n"
          "l=ctypes.CDLL(sys.argv[1])\n"
          "l.openblas_get_corename.restype=l.openblas_get_config.restype=ctypes.c_char_p\n"
          "print(l.openblas_get_corename().decode());print(l.openblas_get_config().decode())\n")


def cpu_flags():
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def best_coretype(flags):
    """The OPENBLAS_CORETYPE for these CPU flags: SkylakeX (AVX-512 F/DQ/CD/BW/VL), Haswell (AVX2
    and FMA), or None."""
    if not {"avx2", "fma"} <= flags:
        return None
    if {"avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"} <= flags:
        return "SkylakeX"
    return "Haswell"


def upgrade(core, flags):
    """The coretype to ask for instead of `core` (what OpenBLAS picked), or None to keep it."""
    return best_coretype(flags) if core and core.lower() in SSE_ONLY else None


def _loaded_openblas():
    """The path of an OpenBLAS already mapped into this process, or None."""
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.rstrip("\n").split(None, 5)[-1]
                if "libopenblas" in os.path.basename(path):
                    return path
    except OSError:
        pass
    return None


def _probe(lib):
    """(core, config) that `lib` picks in a fresh process without OPENBLAS_CORETYPE, or None."""
    env = {k: v for k, v in os.environ.items() if k not in (CORETYPE_ENV, MARKER_ENV)}
    try:
        p = subprocess.run([sys.executable, "-I", "-S", "-c", _PROBE, lib], env=env, capture_output=True,
                           text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = p.stdout.splitlines()
    return (lines[0], lines[1]) if p.returncode == 0 and len(lines) >= 2 else None


def prefer_kernels(lib="libopenblas.so.0"):
    """Set OPENBLAS_CORETYPE (and the marker) when OpenBLAS would fall back to a generic core;
    see the module's text. Returns the value set, or None."""
    if os.environ.get(CORETYPE_ENV) or os.environ.get(MARKER_ENV):
        return None
    flags = cpu_flags()
    if best_coretype(flags) is None:
        return None
    loaded = _loaded_openblas()
    picked = _probe(loaded or lib)
    if picked is None or "DYNAMIC_ARCH" not in picked[1]:
        return None
    better = upgrade(picked[0], flags)
    if better is None:
        return None
    if loaded:
        warnings.warn(f"OpenBLAS runs its generic {picked[0]} kernels: it was loaded before sgdlab was imported. "
                      f"Set OPENBLAS_CORETYPE={better} before starting Python (or import sgdlab before numpy) "
                      "for the faster ones.", RuntimeWarning, stacklevel=3)
        return None
    os.environ[CORETYPE_ENV] = os.environ[MARKER_ENV] = better
    return better
