# sgdlab weak / npoint --every K: observables at every K-th learning-rate step and at T.
# --every 1 gives the default's numbers bit for bit; --every K's series are exactly the rows of the
# --every 1 series at the output times (same seed: the paths are the same, only fewer outputs),
# for Monte Carlo (coupled and independent), jackknifed covariances (npoint) and exact moments;
# the sup error is the largest gap over those outputs; results.json records every and the times;
# bad values of --every are refused naming the flag.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PY=/usr/bin/python3

expect_fail "--every 0" "--every" -- $S weak --problem double-well --T 1 --lr 0.1 --paths 100 --every 0
expect_fail "--every negative" "--every" -- $S weak --problem double-well --T 1 --lr 0.1 --paths 100 --every -2
expect_fail "--every not whole" "--every" -- $S weak --problem double-well --T 1 --lr 0.1 --paths 100 --every 1.5
expect_fail "--every beyond the steps" "--every 11: larger than the 10 steps" -- \
  $S weak --problem double-well --T 1 --lr 0.1,0.05 --paths 100 --every 11
expect_fail "--every beyond the steps (npoint)" "--every" -- $S npoint --problem double-well --T 0.5 --lr 0.1 --paths 100 --every 6

# same_rows A B: series.csv of B are rows of A's (same model, lr, observable, t), bit for bit,
# and B has the expected output times per lr (0, K, 2K, ... and the last step).
same_rows() {
  $PY - "$1" "$2" "$3" <<'EOF'
import json, sys
a, b, K = sys.argv[1], sys.argv[2], int(sys.argv[3])
def series(path):  # model,lr,observable,t,mean,stderr; an observable such as dist2[0,1] holds commas
    out = []
    for line in open(path).read().splitlines()[1:]:
        f = line.split(",")
        out.append(dict(model=f[0], lr=f[1], observable=",".join(f[2:-3]), t=f[-3], mean=f[-2], stderr=f[-1]))
    return out
A = {}
for r in series(a + "/series.csv"):
    A[(r["model"], r["lr"], r["observable"], r["t"])] = (r["mean"], r["stderr"])
rows = series(b + "/series.csv")
bad = [r for r in rows if A.get((r["model"], r["lr"], r["observable"], r["t"])) != (r["mean"], r["stderr"])]
res = json.load(open(b + "/results.json"))
assert res["every"] == K, res["every"]
for o in res["output_times"]:
    n = round(float(res["params"]["T"]) / o["lr"])
    want = list(range(0, n + 1, K)) + ([n] if n % K else [])
    assert o["steps"] == want, (o["steps"], want)
    got = [float(r["t"]) for r in rows if float(r["lr"]) == o["lr"] and r["model"] == rows[0]["model"] and r["observable"] == rows[0]["observable"]]
    assert len(got) == len(o["t"]) and all(abs(x - y) <= 1e-12 for x, y in zip(got, o["t"])), (got, o["t"])
sys.exit(1 if bad or not rows else 0)
EOF
}

# sup_over_outputs DIR: with independent ensembles, each weak error is max_t |E f(SGD) - E f(model)|
# over the output times in series.csv.
sup_over_outputs() {
  $PY - "$1" <<'EOF'
import csv, sys
d = sys.argv[1]
S = {}
for r in csv.DictReader(open(d + "/series.csv")):
    S.setdefault((r["model"], r["lr"], r["observable"]), []).append(float(r["mean"]))
ok = True
for e in csv.DictReader(open(d + "/weak_errors.csv")):
    a, b = S[("sgd", e["lr"], e["observable"])], S[(e["model"], e["lr"], e["observable"])]
    sup = max(abs(x - y) for x, y in zip(a, b))
    ok &= abs(sup - float(e["sup_error"])) <= 1e-12 * max(sup, 1e-300)
sys.exit(0 if ok else 1)
EOF
}

W="weak --problem double-well --T 1 --lr 0.1,0.05,0.025 --models sme1,sme2 --paths 600 --quiet"
$S $W --out "$TMP/d" >/dev/null 2>&1
$S $W --every 1 --out "$TMP/e1" >/dev/null 2>&1
for f in series.csv weak_errors.csv orders.csv; do
  check "--every 1 = default: $f" cmp -s "$TMP/d/$f" "$TMP/e1/$f"
done
$S $W --every 3 --out "$TMP/e3" >/dev/null 2>&1
check "--every 3 series = rows of --every 1 (coupled)" same_rows "$TMP/e1" "$TMP/e3" 3
$S $W --coupling off --out "$TMP/u1" >/dev/null 2>&1
$S $W --coupling off --every 4 --threads 1 --out "$TMP/u4" >/dev/null 2>&1
check "--every 4 series = rows of --every 1 (independent, 1 vs 2 threads)" same_rows "$TMP/u1" "$TMP/u4" 4
check "--every 4: sup over the output times" sup_over_outputs "$TMP/u4"
check "--every 4 on a coarser grid: no larger sup" $PY -c "
import csv, sys
a = {(r['model'], r['lr'], r['observable']): float(r['sup_error']) for r in csv.DictReader(open('$TMP/u1/weak_errors.csv'))}
b = {(r['model'], r['lr'], r['observable']): float(r['sup_error']) for r in csv.DictReader(open('$TMP/u4/weak_errors.csv'))}
sys.exit(0 if all(b[k] <= a[k] for k in a) else 1)"

N="npoint --problem double-well --T 1 --lr 0.1,0.05 --models sme1,smf2 --paths 600 --quiet"
$S $N --out "$TMP/n1" >/dev/null 2>&1
$S $N --every 3 --out "$TMP/n3" >/dev/null 2>&1
check "npoint --every 3 (dist2, dot, jackknifed cov) = rows of --every 1" same_rows "$TMP/n1" "$TMP/n3" 3

X="weak --problem quadratic --H 1 --exact --T 1 --lr 0.1,0.05 --quiet"
$S $X --out "$TMP/x1" >/dev/null 2>&1
$S $X --every 7 --out "$TMP/x7" >/dev/null 2>&1
check "--exact --every 7 = rows of --every 1" same_rows "$TMP/x1" "$TMP/x7" 7

# The default records nothing new (older results.json stay as they were).
check "no every key without the flag" $PY -c "
import json, sys
r = json.load(open('$TMP/d/results.json'))
sys.exit(1 if 'every' in r or 'output_times' in r or 'every' in r['params'] else 0)"
finish
