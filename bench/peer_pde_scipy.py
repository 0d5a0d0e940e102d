#!/usr/bin/python3
"""SciPy peer for bench_pde: the exit-time PDE A^T tau = -1 with the same Scharfetter-Gummel
finite-volume discretisation as sgdlab (pde.h), written the way a user would: NumPy-vectorised
assembly into a scipy.sparse CSR matrix, then scipy.sparse.linalg.spsolve (SuperLU).

Problems (SME1, alpha = 0.1, sigma^2 = 1, so D = 0.05):
  1-D: L = x^4/4 - x^2/2 on [-2.5, 0.5], reflecting at -2.5, absorbing at 0.5, n cells;
  2-D: L = x^4/4 - x^2/2 + y^2/2 + 0.5 x^2 y^2 / 2 on [-2.2, 0.5] x [-1.5, 1.5], absorbing at x = 0.5.
Prints one JSON line: {"case": ..., "cells": ..., "assemble_s": ..., "solve_s": ..., "tau_x0": ...}
(best of --repeat runs). Usage: peer_pde_scipy.py 1d N | 2d NX NY [--repeat R]
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

D = 0.05
COUPLE = 0.5


def bernoulli(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    small = np.abs(z) < 1e-6
    out[small] = 1.0 - 0.5 * z[small] + z[small] ** 2 / 12.0
    big = ~small
    out[big] = z[big] / np.expm1(z[big])
    return out


def sg(v, dist):
    """coefficients (al, be) of F = al rho_L - be rho_R for constant D"""
    P = v * dist / D
    return D / dist * bernoulli(-P), D / dist * bernoulli(P)


def assemble_1d(n, lo=-2.5, hi=0.5):
    h = (hi - lo) / n
    xf = lo + h * np.arange(n + 1)             # faces
    v = -(xf ** 3 - xf)                         # drift at faces
    al = np.zeros(n + 1)
    be = np.zeros(n + 1)
    al[1:n], be[1:n] = sg(v[1:n], h)            # interior faces
    al[n], be[n] = sg(v[n:n + 1], 0.5 * h)      # absorbing wall at hi (rho = 0 half a cell out)
    i = np.arange(n)
    diag = -(al[1:] + be[:-1]) / h
    west = al[:-1] / h                          # A[i, i-1]
    east = be[1:] / h                           # A[i, i+1]
    rows = np.concatenate([i, i[1:], i[:-1]])
    cols = np.concatenate([i, i[1:] - 1, i[:-1] + 1])
    vals = np.concatenate([diag, west[1:], east[:-1]])
    A = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    x0_index = lambda x0: (x0 - lo) / h - 0.5
    return A, x0_index


def assemble_2d(nx, ny, lo=(-2.2, -1.5), hi=(0.5, 1.5)):
    hx = (hi[0] - lo[0]) / nx
    hy = (hi[1] - lo[1]) / ny
    xc = lo[0] + hx * (np.arange(nx) + 0.5)
    yc = lo[1] + hy * (np.arange(ny) + 0.5)
    # x-faces: (nx+1) x ny
    xf = lo[0] + hx * np.arange(nx + 1)
    XF, YF = np.meshgrid(xf, yc, indexing="xy")   # shape (ny, nx+1)
    vx = -XF * (XF ** 2 - 1 + COUPLE * YF ** 2)
    alx = np.zeros_like(vx)
    bex = np.zeros_like(vx)
    alx[:, 1:nx], bex[:, 1:nx] = sg(vx[:, 1:nx], hx)
    alx[:, nx], bex[:, nx] = sg(vx[:, nx], 0.5 * hx)  # absorbing at x = hi
    # y-faces: nx x (ny+1), reflecting at both ends
    yf = lo[1] + hy * np.arange(ny + 1)
    XG, YG = np.meshgrid(xc, yf, indexing="xy")   # shape (ny+1, nx)
    vy = -YG * (1.0 + COUPLE * XG ** 2)
    aly = np.zeros_like(vy)
    bey = np.zeros_like(vy)
    aly[1:ny, :], bey[1:ny, :] = sg(vy[1:ny, :], hy)
    idx = np.arange(nx * ny).reshape(ny, nx)
    diag = -((alx[:, 1:] + bex[:, :-1]) / hx + (aly[1:, :] + bey[:-1, :]) / hy)
    rows = [idx.ravel()]
    cols = [idx.ravel()]
    vals = [diag.ravel()]
    # west A[c, c-1] = alx[left face]/hx, east A[c, c+1] = bex[right face]/hx
    rows += [idx[:, 1:].ravel(), idx[:, :-1].ravel()]
    cols += [idx[:, :-1].ravel(), idx[:, 1:].ravel()]
    vals += [(alx[:, 1:nx] / hx).ravel(), (bex[:, 1:nx] / hx).ravel()]
    # south A[c, c-nx] = aly[bottom face]/hy, north A[c, c+nx] = bey[top face]/hy
    rows += [idx[1:, :].ravel(), idx[:-1, :].ravel()]
    cols += [idx[:-1, :].ravel(), idx[1:, :].ravel()]
    vals += [(aly[1:ny, :] / hy).ravel(), (bey[1:ny, :] / hy).ravel()]
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(nx * ny, nx * ny))
    return A, (hx, hy, lo)


def main():
    args = sys.argv[1:]
    repeat = 3
    if "--repeat" in args:
        k = args.index("--repeat")
        repeat = int(args[k + 1])
        del args[k:k + 2]
    case = args[0]
    best_a = best_s = float("inf")
    tau_x0 = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        if case == "1d":
            n = int(args[1])
            A, x0_index = assemble_1d(n)
            cells = n
        else:
            nx, ny = int(args[1]), int(args[2])
            A, (hx, hy, lo) = assemble_2d(nx, ny)
            cells = nx * ny
        t1 = time.perf_counter()
        tau = spla.spsolve(A.T.tocsc(), -np.ones(cells))
        t2 = time.perf_counter()
        best_a = min(best_a, t1 - t0)
        best_s = min(best_s, t2 - t1)
        if case == "1d":
            s = x0_index(-1.0)
            i = int(np.floor(s))
            tau_x0 = float((1 - (s - i)) * tau[i] + (s - i) * tau[i + 1])
        else:
            sx = (-1.0 - lo[0]) / hx - 0.5
            sy = (0.0 - lo[1]) / hy - 0.5
            i, j = int(np.floor(sx)), int(np.floor(sy))
            fx, fy = sx - i, sy - j
            T = tau.reshape(ny, nx)
            tau_x0 = float((1 - fy) * ((1 - fx) * T[j, i] + fx * T[j, i + 1]) + fy * ((1 - fx) * T[j + 1, i] + fx * T[j + 1, i + 1]))
    print(json.dumps({"case": case, "cells": cells, "assemble_s": best_a, "solve_s": best_s, "tau_x0": tau_x0,
                      "solver": "scipy.sparse.linalg.spsolve (SuperLU)", "scipy": __import__("scipy").__version__}))


if __name__ == "__main__":
    main()
