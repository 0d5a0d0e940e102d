"""Train a small network on the bundled MNIST sample and draw its loss and held-out accuracy per
epoch (the series of the binary's curves.png). Run from the source tree:
PYTHONPATH=python /usr/bin/python3 examples/python/train_demo.py
(SGDL_DEMO_SMALL=1: 500 images and 2 epochs, as the tests run it; SGDL_DEMO_OUT: the PNG)."""
import os
from pathlib import Path

import matplotlib.pyplot as plt

import sgdlab

small = os.environ.get("SGDL_DEMO_SMALL") == "1"
data = Path(__file__).resolve().parents[2] / "data" / "mnist"
r = sgdlab.train(data=data, train=500 if small else 8000, test=200 if small else 2000, hidden=[128, 64], lr=0.02,
                 batch=1, epochs=2 if small else 10)
for e, acc in zip(r["epoch"], r["test_accuracy"]):
    print(f"epoch {e}: held-out accuracy {acc:.4f}")
r.plot()
plt.savefig(os.environ.get("SGDL_DEMO_OUT", "train_demo.png"), dpi=120)
