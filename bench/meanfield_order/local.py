# k-step weak error at fixed k (horizon T = k a): order p model => error O(a^{p+1}).
import numpy as np, time, sys, json
sys.path.insert(0, __import__('os').path.dirname(__file__)); from mf import *
cfg = sys.argv[1]
if cfg == 'rand':
    rng = np.random.default_rng(5)
    z = rng.standard_normal(4); y = z + 0.5 * rng.standard_normal(4); x0 = rng.standard_normal(4)
else:
    d = json.load(open(cfg)); z, y, x0 = d['z'], d['y'], d['x0']
P = MF(z, y, len(x0) // 2)
phis = [P.loss, P.norm2]
k = int(sys.argv[2]); M = int(float(sys.argv[3])); m = int(sys.argv[4])
for a in [float(s) for s in sys.argv[5].split(',')]:
    t0 = time.time()
    ex = np.array(sgd_exact(P, x0, a, k, phis))
    line = f"a={a:<7} k={k} sgd loss,norm2={ex[0]:.8f},{ex[1]:.8f}"
    for mod in (False, True):
        res, tt, se = smf(P, x0, a, k * a, m, M, mod, phis, np.random.default_rng(11 + int(mod) + int(1000 * a)))
        line += f" | smf{1+mod} err " + ",".join(f"{e:+.3e}±{s:.1e}" for e, s in zip(ex - tt, se))
    print(line, f"({time.time()-t0:.0f}s)", flush=True)
