"""Mean exit time from the left well of the double well against the learning rate: quadrature,
PDE, the SGD chain and Kramers side by side on an Arrhenius plot (the series of the binary's
arrhenius.png). Run: PYTHONPATH=python /usr/bin/python3 examples/python/exit_demo.py
(SGDL_DEMO_SMALL=1: three learning rates, as the tests run it; SGDL_DEMO_OUT: the PNG)."""
import os

import matplotlib.pyplot as plt

import sgdlab

small = os.environ.get("SGDL_DEMO_SMALL") == "1"
r = sgdlab.exit(problem="double-well", sigma2=1, from_=-1, to=0.5, methods="quadrature,pde,chain,kramers",
                lr_scan="0.1:0.2:3" if small else "0.05:0.2:8")
for p in r["lr_scan"]:
    print(f"lr {p['lr']:.4g}: " + ", ".join(f"{k} {m['mean_exit_steps']:.4g}" for k, m in p["methods"].items()
                                           if m["available"]) + " steps")
r.plot()
plt.savefig(os.environ.get("SGDL_DEMO_OUT", "exit_demo.png"), dpi=120)
