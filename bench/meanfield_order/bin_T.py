# The binary's SMF1/SMF2 means at a fixed horizon T against exact particle SGD (all 4^(T/a) paths).
import numpy as np, sys, json, subprocess, time
sys.path.insert(0, __import__('os').path.dirname(__file__)); from mf import *
B, cfg, T, paths = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
extra = sys.argv[6:]
d = json.load(open(cfg)); P = MF(d['z'], d['y'], len(d['x0']) // 2)
for a in [float(s) for s in sys.argv[5].split(',')]:
    k = int(round(T / a))
    ex = np.array(sgd_exact(P, d['x0'], a, k, [P.loss, P.norm2]))
    t0 = time.time()
    r = json.loads(subprocess.run([B, 'meanfield', '--neurons', str(P.n), '--lr', str(a), '--T', repr(T),
        '--observables', 'loss,norm2', '--models', 'gf,smf1,smf2', '--paths', paths, '--variance-reduction', 'antithetic',
        '--threads', '1', '--json', '--every', str(k)] + extra, capture_output=True, text=True, check=True).stdout)
    line = f"a={a:<7} k={k:<3} sgd={ex[0]:.6f},{ex[1]:.6f}"
    for mod in ('gf', 'smf1', 'smf2'):
        v = {row['observable']: (row['mean'][-1], row['stderr'][-1]) for row in r['rows'] if row['model'] == mod}
        line += f" | {mod} " + ",".join(f"{ex[i] - v[o][0]:+.2e}±{v[o][1]:.0e}" for i, o in enumerate(('loss', 'norm2')))
    print(line, f"({time.time() - t0:.0f}s)", flush=True)
