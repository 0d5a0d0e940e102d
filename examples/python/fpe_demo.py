"""The Fokker-Planck density of SME2 on the double well, from a start at -1 to its stationary law,
with the stationary mass of each basin marked (the series of the binary's density.png, read from
the run's out folder). Run: PYTHONPATH=python /usr/bin/python3 examples/python/fpe_demo.py
(SGDL_DEMO_SMALL=1: a coarse grid, as the tests run it; SGDL_DEMO_OUT: the PNG; the run's files go
to SGDL_DEMO_RUN, default runs/fpe_demo)."""
import os

import matplotlib.pyplot as plt

import sgdlab

small = os.environ.get("SGDL_DEMO_SMALL") == "1"
r = sgdlab.fpe(problem="double-well", lr=0.1, sigma2=1, model="sme2", x0=-1, T=2, grid=200 if small else 2000,
               paths=500 if small else 1e5, out=os.environ.get("SGDL_DEMO_RUN", "runs/fpe_demo"))
for b in r["basins"]:
    print(f"basin at {b['minimum']}: stationary mass {b['mass']:.4f}")
print(f"TV to the stationary law at T: {r['evolution']['tv_to_stationary_at_T']:.4f}")
r.plot(figure="density")
plt.savefig(os.environ.get("SGDL_DEMO_OUT", "fpe_demo.png"), dpi=120)
