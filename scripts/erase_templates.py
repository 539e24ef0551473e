"""Does LEACE erasure of the template identity (`--erase_templates`) help? Held-out AUROC with and without it.

For each dataset and each unsupervised reporter (CRC, CCS, VINC) plus the LR ceiling, fitted on every layer with the
sign from the train labels: the AUROC at the label-free layer (nearest 2/3 of the depth) and at the best layer on the
test labels (an oracle), once on the states as they are (per-template centring only) and once with each layer's
(template, answer) cell erased by LEACE first, as `elk elicit --erase_templates` does.

    python scripts/erase_templates.py --data ../shared/data --out benchmarks/2026-12-03/erase_templates.json
"""
from __future__ import annotations
import argparse, json
from dataclasses import asdict
from pathlib import Path

from elk_nb.evaluation import roc_auc
from elk_nb.runs import ElicitConfig, PooledStates, VariantSlice, fit_all_layers, label_free_layer, net_hparams, run_states

SETS = {   # name: (file under --data or a built-in name, templates, label names, max_examples, num_variants)
    'cities': ('cities', None, None, [200, 200], 3),
    'uci_imdb': ('uci-sentiment-labelled-sentences/imdb_labelled.txt', 'sst2_text', ['negative', 'positive'], [400, 400], -1),
}

def study(model: str, path: str, templates, label_names, n, v) -> dict:
    cfg = asdict(ElicitConfig(model=model, datasets=[path], max_examples=list(n), num_variants=v, templates=templates,
                              label_names=label_names))
    s = run_states(cfg, model)[1][path]
    v = len(s['train'].template_names)
    tr, te = PooledStates([s['train']], v), VariantSlice(s['test'], v)
    pick = label_free_layer(tr.layers, s['train'].meta['num_layers'])
    out = {}
    for net in ('crc', 'ccs', 'vinc'):
        for erase in (False, True):
            reps = fit_all_layers(tr, tr.layers, net, device='cpu', net_kw=net_hparams({**cfg, 'net': net}), erase=erase)
            for method in ([net, 'lr'] if net == 'crc' else [net]):
                per = {layer: float(roc_auc(te.labels, r.predict_proba(te[layer]).mean(1))) for layer, r in reps[method].items()}
                best = max(per, key=per.get)
                out[f"{method}{' erased' if erase else ''}"] = {'pick': per[pick], 'oracle': per[best], 'oracle_layer': best}
                print(path, method, 'erased' if erase else 'plain', out[f"{method}{' erased' if erase else ''}"], flush=True)
    return {'pick_layer': pick, 'rows': out}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default='smollm2-135m')
    ap.add_argument('--data', required=True)
    ap.add_argument('--sets', nargs='+', default=list(SETS))
    ap.add_argument('--out')
    a = ap.parse_args()
    res = {}
    for name in a.sets:
        f, templates, labels, n, v = SETS[name]
        res[name] = study(a.model, f if f == 'cities' else str(Path(a.data) / f), templates, labels, n, v)
    print('\n| data | method | label-free layer: plain → erased | oracle layer: plain → erased |\n|---|---|---|---|')
    for name, r in res.items():
        for m in ('crc', 'ccs', 'vinc', 'lr'):
            p, e = r['rows'][m], r['rows'][f'{m} erased']
            print(f"| {name} | {m.upper()} | {p['pick']:.3f} → {e['pick']:.3f} | {p['oracle']:.3f} (L{p['oracle_layer']}) → "
                  f"{e['oracle']:.3f} (L{e['oracle_layer']}) |")
    if a.out: Path(a.out).write_text(json.dumps(res, indent=1))

if __name__ == '__main__': main()
