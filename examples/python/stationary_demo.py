"""The exact stationary covariance of SGD at a finite learning rate against a simulation of the
iteration itself (and against SME1 and SME2), on a 3-D quadratic: one call, one figure.
Run: PYTHONPATH=python /usr/bin/python3 examples/python/stationary_demo.py
(SGDL_DEMO_SMALL=1: a short simulation, as the tests run it; SGDL_DEMO_OUT: the PNG)."""
import os

import matplotlib.pyplot as plt

import sgdlab

small = os.environ.get("SGDL_DEMO_SMALL") == "1"
r = sgdlab.stationary(problem="quadratic", H_eig=[1, 0.5, 0.1], C_eig=[1, 1, 1], lr=0.5,
                      simulate=2e4 if small else 1e6, replicas=16)
for name, m in r["methods"].items():
    print(f"{name:10s} excess loss {m['excess_loss']:.5f}   diag {m['covariance'].diagonal()}")
r.plot(figure="covariance")
plt.savefig(os.environ.get("SGDL_DEMO_OUT", "stationary_demo.png"), dpi=120)
