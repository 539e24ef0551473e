"""Which train-split statistic picks a good layer for an unsupervised reporter, without labels? Measured against the oracle.

For each dataset and each unsupervised reporter (CRC, VINC, CCS): one reporter per layer, fitted on the train split
(150 + 150 rows by default) without labels. Per layer, the label-free statistics of the train split that issue 12 names
as candidates:
  * the explained-variance ratio of CRC's top direction (`info.explained_variance`);
  * the eigengap of VINC's matrix, (λ₁ − λ₂) / max|λ| (`info.eigengap`);
  * the CCS loss of the fitted probe (`info.objective`, lower is better);
  * the agreement between templates of the reporter's own direction (`elk_nb.runs.template_agreement`);
and the held-out AUROC (Platt sign from the train labels, as in a run). Each candidate rule picks one layer per
dataset; the tables give the picked layer's held-out AUROC, next to the oracle (best layer on the test labels) and
fixed-depth rules. The rule `elk_nb` uses is the one these tables support.

    python scripts/layer_choice.py --data ../shared/data --out benchmarks/2026-12-04/layer_choice.json
"""
from __future__ import annotations
import argparse, json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from elk_nb.evaluation import roc_auc
from elk_nb.reporters import fit_layers
from elk_nb.runs import ElicitConfig, PooledStates, net_hparams, orient_reporter, run_states, template_agreement

SETS = {   # name: (file under --data or a built-in name, templates, label names)
    'uci_imdb': ('uci-sentiment-labelled-sentences/imdb_labelled.txt', 'sst2_text', ['negative', 'positive']),
    'cities': ('cities', None, None),
    'larger_than': ('geometry-of-truth/larger_than.csv', None, None),
    'sp_en_trans': ('geometry-of-truth/sp_en_trans.csv', None, None),
    'companies': ('geometry-of-truth/companies_true_false.csv', None, None),
    'got_cities': ('geometry-of-truth/cities.csv', None, None),
}

def per_layer(model: str, path: str, templates, label_names, n) -> dict:
    cfg = ElicitConfig(model=model, datasets=[path], max_examples=list(n), num_variants=-1 if templates else 3,
                       templates=templates, label_names=label_names)
    _, states = run_states(asdict(cfg), model)
    tr, te = states[path]['train'], states[path]['test']
    v = len(tr.template_names)
    out, pooled = {}, PooledStates([tr], v)
    xs = pooled.stacked(tr.layers)
    for net in NETS:   # fitted without labels, then signed by Platt scaling on the train labels, as in a run
        fitted = fit_layers(net, xs, None, **net_hparams({**asdict(cfg), 'net': net}))
        reps = {layer: orient_reporter(r, xs[i], pooled, 'labels') for i, (layer, r) in enumerate(zip(tr.layers, fitted))}
        out[net] = [{'layer': layer, **{k: r.info[key] for k, key in STATS[net].items()},
                     'agree': template_agreement(r, tr[layer]),
                     'auroc': float(roc_auc(te.labels, r.predict_proba(te[layer]).mean(1)))} for layer, r in reps.items()]
    return out

NETS = ('crc', 'vinc', 'ccs')
STATS = {'crc': {'ev': 'explained_variance'}, 'vinc': {'gap': 'eigengap'}, 'ccs': {'loss': 'objective'}}

def upper(r, n) -> bool: return r['layer'] >= n // 2
RULES = {   # name: (reporters it applies to, score of a layer row given the number of layers; the highest is picked).
    # The embedding layer 0 is never picked by a statistic.
    'explained variance (CRC), any layer': (('crc',), lambda r, n: r['ev'] if r['layer'] > 0 else -np.inf),
    'explained variance (CRC), upper half': (('crc',), lambda r, n: r['ev'] if upper(r, n) else -np.inf),
    'eigengap (VINC), any layer': (('vinc',), lambda r, n: r['gap'] if r['layer'] > 0 else -np.inf),
    'eigengap (VINC), upper half': (('vinc',), lambda r, n: r['gap'] if upper(r, n) else -np.inf),
    'lowest CCS loss, any layer': (('ccs',), lambda r, n: -r['loss'] if r['layer'] > 0 else -np.inf),
    'lowest CCS loss, upper half': (('ccs',), lambda r, n: -r['loss'] if upper(r, n) else -np.inf),
    'template agreement, any layer': (NETS, lambda r, n: r['agree'] if r['layer'] > 0 else -np.inf),
    'template agreement, upper half': (NETS, lambda r, n: r['agree'] if upper(r, n) else -np.inf),
    'fixed: 2/3 of the depth (elk_nb)': (NETS, lambda r, n: -abs(r['layer'] - 2 * (n - 1) / 3)),
    'fixed: last layer': (NETS, lambda r, n: r['layer']),
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
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(rows, indent=1))
    for net in NETS:
        per = {k: v[net] for k, v in rows.items()}
        oracle = {k: max(r['auroc'] for r in v) for k, v in per.items()}
        print(f'\n{a.model}, {net.upper()}, {a.n[0]} + {a.n[1]} rows; held-out AUROC of the layer each rule picks\n')
        print('| rule | ' + ' | '.join(per) + ' | mean |')
        print('|---|' + '---:|' * (len(per) + 1))
        print('| oracle (best layer on the test labels) | ' + ' | '.join(f'{oracle[k]:.3f}' for k in per)
              + f' | {np.mean(list(oracle.values())):.3f} |')
        for rule, (nets, f) in RULES.items():
            if net not in nets: continue
            picks = []
            for v in per.values():
                scores = np.nan_to_num([f(r, len(v)) for r in v], nan=-np.inf)
                picks.append(v[int(np.argmax(scores))])
            print(f'| {rule} | ' + ' | '.join(f"L{p['layer']} {p['auroc']:.3f}" for p in picks)
                  + f" | {np.mean([p['auroc'] for p in picks]):.3f} |")
        print('| mean over all layers | ' + ' | '.join(f"{np.mean([r['auroc'] for r in v]):.3f}" for v in per.values()) + ' | |')

if __name__ == '__main__':
    main()
