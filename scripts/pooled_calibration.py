"""Pooled runs: Platt scaling per dataset (the default) against one scaling fitted on the pool (`--calibrate pooled`).

One pooled `elicit` of a model on several true/false files, run twice on the same cached hidden states: the reporter
directions are the same (one fit on the pool); only the sign and scale fitted on the train labels differ (a sign that
differs between the pool and one dataset also flips that dataset's AUROC). A
scaling fitted on the pool can put one whole dataset on one side of 0.5: AUROC stays (it ignores the threshold)
while accuracy falls to the base rate. Per dataset, the table gives the layers where that happens ("one-sided":
AUROC >= 0.65 and accuracy within 0.03 of 0.5 on a balanced test split) and the mean accuracy over layers, both
free of any layer choice.

    python scripts/pooled_calibration.py --data ../shared/data/geometry-of-truth --n 150 150
"""
from __future__ import annotations
import argparse, tempfile
from pathlib import Path

from elk_nb.runs import elicit

SETS = ('cities.csv', 'larger_than.csv', 'sp_en_trans.csv', 'companies_true_false.csv')

def one_sided(df, auroc_min=0.65, tol=0.03):
    return (df.auroc >= auroc_min) & ((df.acc - 0.5).abs() <= tol)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default='smollm2-135m')
    ap.add_argument('--data', required=True, help='folder holding the true/false CSV files')
    ap.add_argument('--sets', nargs='+', default=list(SETS))
    ap.add_argument('--n', nargs=2, type=int, default=[150, 150])
    ap.add_argument('--num_variants', type=int, default=3)
    ap.add_argument('--net', default='crc')
    a = ap.parse_args()
    files = [str(Path(a.data) / s) for s in a.sets]
    out = Path(tempfile.mkdtemp())
    evals = {c: elicit(a.model, files, calibrate=c, max_examples=a.n, num_variants=a.num_variants, net=a.net,
                       n_boot=200, out_dir=out, verbose=False).eval for c in ('pooled', 'per_dataset')}
    print(f'{a.model}, pooled run on {len(files)} datasets, {a.n[0]} + {a.n[1]} rows each, '
          f'{a.num_variants} templates, {a.net}; every layer\n')
    print('| dataset | method | layers | one-sided layers, pooled → per dataset | mean acc over layers, pooled → per dataset '
          '| mean AUROC over layers, pooled → per dataset |')
    print('|---|---|---:|---:|---:|---:|')
    for f in files:
        for m in (a.net, 'lr'):
            p, d = (e[(e.dataset == f) & (e.method == m)] for e in (evals['pooled'], evals['per_dataset']))
            print(f'| {Path(f).stem} | {m} | {len(p)} | {int(one_sided(p).sum())} → {int(one_sided(d).sum())} '
                  f'| {p.acc.mean():.3f} → {d.acc.mean():.3f} | {p.auroc.mean():.3f} → {d.auroc.mean():.3f} |')

if __name__ == '__main__':
    main()
