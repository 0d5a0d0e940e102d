"""The README's main weak figure from Python: weak error of GF, SME1, SME2 and SMF2 against SGD on
the double well, over four learning rates, with its fitted orders (as `make demo`, whose run this
is, with fewer paths by default). Run: PYTHONPATH=python /usr/bin/python3 examples/python/weak_demo.py
(SGDL_DEMO_PATHS: Monte Carlo paths, default 1e5, 1000 with SGDL_DEMO_SMALL=1 as the tests run it;
SGDL_DEMO_OUT: the PNG, default weak_demo.png)."""
import os

import matplotlib.pyplot as plt

import sgdlab

small = os.environ.get("SGDL_DEMO_SMALL") == "1"
paths = os.environ.get("SGDL_DEMO_PATHS") or ("1e3" if small else "1e5")
r = sgdlab.weak(problem="double-well", T=2, lr=[0.2, 0.1, 0.05, 0.025], models="gf,sme1,sme2,smf2",
                observables="x0,x0^2", paths=float(paths))
for o in r["orders"]:
    order = "unresolved" if o["order"] is None else f"{o['order']:.2f}  95% {o['ci95']}"
    print(f"{o['model']:5s} {o['observable']:6s} order {order}")
ax = r.plot(observable="x0^2")
plt.savefig(os.environ.get("SGDL_DEMO_OUT", "weak_demo.png"), dpi=120)
