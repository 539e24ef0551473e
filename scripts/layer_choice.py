"""Which train-split statistic picks a good layer for CRC, without labels? Measured against the oracle.

For each dataset: one CRC reporter per layer, fitted on the train split (150 + 150 rows by default). Per layer, two
label-free statistics of the train split: the explained-variance ratio of the top direction and the agreement between
templates (`elk_nb.runs.template_agreement`); and the held-out AUROC (Platt sign from the train labels, as in a run).
Each candidate rule picks one layer per dataset; the table gives the picked layer's held-out AUROC, the oracle (best
layer on the test labels) and fixed-depth rules. The rule `elk_nb` uses is the one this table supports.

    python scripts/layer_choice.py --data ../shared/data            # SmolLM2-135M, six datasets
"""
from __future__ import annotations
import argparse, json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from elk_nb.evaluation import roc_auc
from elk_nb.runs import ElicitConfig, PooledStates, fit_all_layers, run_states, template_agreement

SETS = {   # name: (file under --data or a built-in name, templates, label names)
    'uci_imdb': ('uci-sentiment-labelled-sentences/imdb_labelled.txt', 'sst2_text', ['negative', 'positive']),
    'cities': ('cities', None, None),
    'larger_than': ('geometry-of-truth/larger_than.csv', None, None),
    'sp_en_trans': ('geometry-of-truth/sp_en_trans.csv', None, None),
    'companies': ('geometry-of-truth/companies_true_false.csv', None, None),
    'got_cities': ('geometry-of-truth/cities.csv', None, None),
}

def per_layer(model: str, path: str, templates, label_names, n) -> list[dict]:
    cfg = ElicitConfig(model=model, datasets=[path], max_examples=list(n), num_variants=-1 if templates else 3,
                       templates=templates, label_names=label_names)
    _, states = run_states(asdict(cfg), model)
    tr, te = states[path]['train'], states[path]['test']
    v = len(tr.template_names)
    reps = fit_all_layers(PooledStates([tr], v), tr.layers, 'crc', device='cpu')['crc']
    return [{'layer': layer, 'ev': r.info['explained_variance'], 'agree': template_agreement(r, tr[layer]),
             'auroc': float(roc_auc(te.labels, r.predict_proba(te[layer]).mean(1)))} for layer, r in reps.items()]

RULES = {   # name: score of a layer row given the number of layers (higher is picked); the embedding layer 0 never
    'explained variance, any layer': lambda r, n: r['ev'] if r['layer'] > 0 else -np.inf,
    'template agreement, any layer': lambda r, n: r['agree'] if r['layer'] > 0 else -np.inf,
    'explained variance, upper half': lambda r, n: r['ev'] if r['layer'] >= n // 2 else -np.inf,
    'template agreement, upper half': lambda r, n: r['agree'] if r['layer'] >= n // 2 else -np.inf,
    'fixed: 2/3 of the depth (elk_nb)': lambda r, n: -abs(r['layer'] - 2 * (n - 1) / 3),
    'fixed: last layer': lambda r, n: r['layer'],
}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default='smollm2-135m')
    ap.add_argument('--data', required=True, help='folder holding the files named in SETS')
    ap.add_argument('--sets', nargs='+', default=list(SETS))
    ap.add_argument('--n', nargs=2, type=int, default=[150, 150])
    ap.add_argument('--out', help='write the per-layer numbers to this JSON file')
    a = ap.parse_args()
    rows = {}
    for name in a.sets:
        f, templates, labels = SETS[name]
        path = f if f == 'cities' else str(Path(a.data) / f)
        rows[name] = per_layer(a.model, path, templates, labels, a.n)
    if a.out: Path(a.out).write_text(json.dumps(rows, indent=1))
    oracle = {k: max(r['auroc'] for r in v) for k, v in rows.items()}
    print(f'{a.model}, CRC, {a.n[0]} + {a.n[1]} rows; held-out AUROC of the layer each rule picks\n')
    print('| rule | ' + ' | '.join(rows) + ' | mean |')
    print('|---|' + '---:|' * (len(rows) + 1))
    print('| oracle (best layer on the test labels) | ' + ' | '.join(f'{oracle[k]:.3f}' for k in rows)
          + f' | {np.mean(list(oracle.values())):.3f} |')
    for rule, f in RULES.items():
        picks = []
        for v in rows.values():
            scores = np.nan_to_num([f(r, len(v)) for r in v], nan=-np.inf)
            picks.append(v[int(np.argmax(scores))])
        print(f'| {rule} | ' + ' | '.join(f"L{p['layer']} {p['auroc']:.3f}" for p in picks)
              + f" | {np.mean([p['auroc'] for p in picks]):.3f} |")
    print('| mean over all layers | ' + ' | '.join(f"{np.mean([r['auroc'] for r in v]):.3f}" for v in rows.values()) + ' | |')

if __name__ == '__main__':
    main()
