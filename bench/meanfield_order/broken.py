# What the one-step slope test sees for broken flows: correction alpha/2 instead of alpha/4, or
# noise variance x1.2 (both with the right alpha/4 correction otherwise).
import numpy as np, sys, json, os; sys.path.insert(0, os.path.dirname(__file__)); import mf
from mf import *
d = json.load(open('p4.json')); P = MF(d['z'], d['y'], 2); phis = [P.loss, P.norm2]
orig = MF.grad_samples
for name, corr, nv in (('alpha/2 correction', 2.0, 1.0), ('noise var x1.2', 1.0, 1.2)):
    errs = []
    for a in (0.05, 0.025):
        ex = np.array(sgd_exact(P, d['x0'], a, 1, phis))
        # corr scales the Hessian term: -(g + corr/2 * a * H g) via a scaled alpha in the drift;
        # nv scales the noise variance through a scaled alpha in the noise only
        class Q(MF):
            def hvp(s, X, V, eps=1e-5): return corr * MF.hvp(s, X, V, eps)
        Qp = Q(d['z'], d['y'], 2)
        res, tt, se = smf(Qp, d['x0'], a, a, 8, 100000, True, [Qp.loss, Qp.norm2], np.random.default_rng(3), noise_var=nv)
        errs.append(ex - tt)
    print(name, 'loss errs', errs[0][0], errs[1][0], 'slope %.2f' % np.log2(abs(errs[0][0] / errs[1][0])), flush=True)
