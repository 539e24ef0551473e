"""Without labels: the sign and the layer chosen with labels, side by side with the label-free choices.

For each dataset and each unsupervised reporter (CRC, CCS, VINC), fitted once per layer on the train split without
labels, the held-out AUROC under
  * label-based choices: the sign from Platt scaling on the train labels (`--sign labels`), the layer chosen on the
    TEST labels (an oracle);
  * label-free choices: the sign from the model's own zero-shot answers on train (`--sign zero_shot`), the layer
    picked by elk_nb's label-free rule (`label_free_ranking`: CRC nearest 2/3 of the depth; VINC largest eigengap; CCS
    lowest CCS loss in the upper half; train statistics only);
and, at the label-free layer, the random-direction baseline (5/50/95% of 100 directions, same normalisation and sign
rule), the text-only baseline, and `--sign labels:N` for N = 2, 8, 32 over 20 seeds (mean AUROC and the share of
layers whose orientation differs from the one all train labels give: the sign errors).

    python scripts/without_labels.py --data ../shared/data --out benchmarks/without_labels.json
"""
from __future__ import annotations
import argparse, copy, json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from elk_nb.baselines import random_direction_aurocs, random_quantiles
from elk_nb.evaluation import roc_auc
from elk_nb.reporters import fit_layers
from elk_nb.runs import (ElicitConfig, PooledStates, VariantSlice, label_free_ranking, net_hparams, orient_reporter, run_data,
                         run_states, sign_reference, text_only_row)

SETS = {   # name: (file under --data or a built-in name, templates, label names, max_examples, num_variants)
    'cities': ('cities', None, None, [200, 200], 3),                     # the README default run
    'uci_imdb': ('uci-sentiment-labelled-sentences/imdb_labelled.txt', 'sst2_text', ['negative', 'positive'], [400, 400], -1),
}

def auroc(rep, te, layer) -> float: return float(roc_auc(te.labels, rep.predict_proba(te[layer]).mean(1)))

def study(model: str, path: str, templates, label_names, n, v, seeds: int) -> dict:
    cfg = asdict(ElicitConfig(model=model, datasets=[path], max_examples=list(n), num_variants=v, templates=templates,
                              label_names=label_names))
    datas = run_data(cfg)
    _, states = run_states(cfg, model, datas=datas)
    s = states[path]
    v = len(s['train'].template_names)
    tr, te = PooledStates([s['train']], v), VariantSlice(s['test'], v)
    layers, num_layers = tr.layers, s['train'].meta['num_layers']
    xs = tr.stacked(layers)
    out = {'text_only': text_only_row(path, datas[path], cfg, v)['auroc'], 'methods': {}}
    for net in ('crc', 'ccs', 'vinc'):
        reps = dict(zip(layers, fit_layers(net, xs, None, **net_hparams({**cfg, 'net': net}))))
        pick = label_free_ranking(net, reps, num_layers)[0]          # the run's label-free layer rule for this reporter
        row: dict = {'pick': pick}
        for sign in ('labels', 'zero_shot', 'none'):
            per = {layer: auroc(orient_reporter(copy.copy(r), xs[i], tr, sign), te, layer) for i, (layer, r) in enumerate(reps.items())}
            best = max(per, key=per.get)
            q = random_quantiles(random_direction_aurocs(xs[[layers.index(pick)]], te.stacked([pick]), te.labels,
                                                         sign_reference(tr, sign)))[0].tolist()
            row[sign] = {'pick_auroc': per[pick], 'oracle_layer': best, 'oracle_auroc': per[best], 'random_q': q}
        full = {layer: orient_reporter(copy.copy(r), xs[i], tr, 'labels').platt[0] > 0 for i, (layer, r) in enumerate(reps.items())}
        zs = {layer: orient_reporter(copy.copy(r), xs[i], tr, 'zero_shot').platt[0] > 0 for i, (layer, r) in enumerate(reps.items())}
        row['zero_shot']['sign_errors'] = float(np.mean([full[k] != zs[k] for k in layers]))
        for N in (2, 8, 32):
            a, err = [], []
            for seed in range(seeds):
                got = {layer: orient_reporter(copy.copy(r), xs[i], tr, f'labels:{N}', seed) for i, (layer, r) in enumerate(reps.items())}
                a.append(auroc(got[pick], te, pick))
                err.append(np.mean([(got[k].platt[0] > 0) != full[k] for k in layers]))
            row[f'labels:{N}'] = {'pick_auroc_mean': float(np.mean(a)), 'pick_auroc_min': float(np.min(a)),
                                  'sign_errors': float(np.mean(err))}
        out['methods'][net] = row
        print(path, net, json.dumps(row), flush=True)
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default='smollm2-135m')
    ap.add_argument('--data', required=True, help='folder holding the files named in SETS (cities is built in)')
    ap.add_argument('--sets', nargs='+', default=list(SETS))
    ap.add_argument('--seeds', type=int, default=20)
    ap.add_argument('--out', help='write the numbers to this JSON file')
    a = ap.parse_args()
    res = {}
    for name in a.sets:
        f, templates, labels, n, v = SETS[name]
        res[name] = study(a.model, f if f == 'cities' else str(Path(a.data) / f), templates, labels, n, v, a.seeds)
    for name, r in res.items():
        picks = ', '.join(f"{net.upper()} L{m['pick']}" for net, m in r['methods'].items())
        print(f"\n{name}: label-free layers {picks}; text-only AUROC {r['text_only']:.3f}")
        print('| method | labels + oracle layer | zero_shot + label-free layer | labels + label-free layer | none + label-free layer '
              '| random 5/50/95% (zero_shot sign) | zero-shot sign errors | labels:2 | labels:8 | labels:32 |')
        print('|---|---|---:|---:|---:|---|---:|---|---|---|')
        for net, m in r['methods'].items():
            few = ' | '.join(f"{m[f'labels:{N}']['pick_auroc_mean']:.3f} ({m[f'labels:{N}']['sign_errors']:.0%})" for N in (2, 8, 32))
            q = m['zero_shot']['random_q']
            print(f"| {net.upper()} | {m['labels']['oracle_auroc']:.3f} (L{m['labels']['oracle_layer']}) | {m['zero_shot']['pick_auroc']:.3f} "
                  f"| {m['labels']['pick_auroc']:.3f} | {m['none']['pick_auroc']:.3f} | {q[0]:.3f} / {q[1]:.3f} / {q[2]:.3f} "
                  f"| {m['zero_shot']['sign_errors']:.0%} | {few} |")
    if a.out: Path(a.out).write_text(json.dumps(res, indent=1))

if __name__ == '__main__': main()
