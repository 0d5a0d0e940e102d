"""Multi-point statistics from Python: two SGD runs from -1 and 1 on the double well share their
samples; how well do the SMEs (independent noise) and the SMFs (shared noise) follow E|X - Y|^2?
Draws the weak error of each model against the learning rate (the series of the binary's
npoint.png). Run: PYTHONPATH=python /usr/bin/python3 examples/python/npoint_demo.py
(SGDL_DEMO_SMALL=1: a few hundred paths, as the tests run it; SGDL_DEMO_OUT: the PNG)."""
import os

import matplotlib.pyplot as plt

import sgdlab

small = os.environ.get("SGDL_DEMO_SMALL") == "1"
r = sgdlab.npoint(problem="double-well", starts="-1;1", lr=[0.2, 0.1, 0.05], T=1, models="sme1,sme2,smf1,smf2",
                  observables="dist2", paths=500 if small else 2e5)
for o in r["orders"]:
    order = "unresolved" if o["order"] is None else f"{o['order']:.2f}  95% {o['ci95']}"
    print(f"{o['model']:5s} {o['observable']:6s} order {order}")
r.plot()
plt.savefig(os.environ.get("SGDL_DEMO_OUT", "npoint_demo.png"), dpi=120)
