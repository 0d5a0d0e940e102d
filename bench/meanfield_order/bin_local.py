# The binary's SMF1/SMF2 means after k steps (T = k a) against exact particle SGD (all 4^k paths).
import numpy as np, sys, json, subprocess, time
sys.path.insert(0, __import__('os').path.dirname(__file__)); from mf import *
B, cfg, k, paths = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
import os; MODELS = os.environ.get('MODELS', 'smf1,smf2')
extra = sys.argv[6:] if len(sys.argv) > 6 else []
d = json.load(open(cfg)); P = MF(d['z'], d['y'], len(d['x0']) // 2)
gen = ['--gen-n', str(len(d['z']))] if len(sys.argv) < 7 or '--data' not in sys.argv else []
for a in [float(s) for s in sys.argv[5].split(',')]:
    ex = np.array(sgd_exact(P, d['x0'], a, k, [P.loss, P.norm2]))
    t0 = time.time()
    r = json.loads(subprocess.run([B, 'meanfield', '--neurons', str(P.n)] + gen + ['--lr', str(a), '--T', repr(k * a),
        '--observables', 'loss,norm2', '--models', MODELS, '--paths', paths, '--variance-reduction', 'antithetic',
        '--threads', '1', '--json'] + extra, capture_output=True, text=True, check=True).stdout)
    line = f"a={a:<7} k={k}"
    for mod in MODELS.split(','):
        v = {row['observable']: (row['mean'][-1], row['stderr'][-1]) for row in r['rows'] if row['model'] == mod}
        line += f" | {mod} err " + ",".join(f"{ex[i] - v[o][0]:+.3e}±{v[o][1]:.1e}" for i, o in enumerate(('loss', 'norm2')))
    print(line, f"({time.time() - t0:.0f}s)", flush=True)
