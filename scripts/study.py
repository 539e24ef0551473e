"""What changes the picture for CRC on a small model: templates, token position, normalization and layer.

Extracts (or loads from the cache) the hidden states of one model on a few datasets with every template of their
family, then, per layer, fits CRC-TPC on the train split under several normalizations and on each template alone,
and reports held-out AUROC. The sign of each direction comes from the train labels (as in `elicit`); the layer is
reported twice: the best on test (optimistic: chosen on the data it is scored on) and the one chosen on train.

    python scripts/study.py --out study_out                       # cities and the UCI IMDB sentences, SmolLM2-135M
    python scripts/study.py --model HUB_ID --sets cities --token_locs last mean

Prints markdown tables and writes `study.json` under --out.
"""
from __future__ import annotations
import argparse, json, time
from pathlib import Path

import torch

from elk_nb.data import load_elk_data
from elk_nb.evaluation import roc_auc
from elk_nb.models import DEFAULT_MODEL
from elk_nb.extraction import extract
from elk_nb.reporters import fit_lr_layers

HERE = Path(__file__).resolve().parent
SETS = {   # name: (dataset, template family, label names); local files are read from --data
    'cities': ('cities', 'truefalse', None),
    'uci_imdb': ('uci-sentiment-labelled-sentences/imdb_labelled.txt', 'sst2_text', ['negative', 'positive']),
    'got_cities': ('geometry-of-truth/cities.csv', 'truefalse', None),
}


def normalize(train: torch.Tensor, test: torch.Tensor, how: str):
    "Normalize (L, n, v, 2, d) states with train statistics: 'burns' (per template and answer), 'pooled' (per answer,"
    " over all templates), 'center' (per template and answer, no scaling) or 'none'."
    if how == 'none': return train, test
    dims = (1,) if how in ('burns', 'center') else (1, 2)
    mean = train.mean(dims, keepdim=True)
    tr, te = train - mean, test - mean
    if how == 'center': return tr, te
    scale = tr.norm(dim=-1, keepdim=True).mean(dims, keepdim=True).clamp_min(1e-12)   # layer 0 at the last token is constant
    return tr / scale, te / scale


def crc_scores(train: torch.Tensor, test: torch.Tensor):
    "CRC-TPC per layer on normalized states: top principal direction of the train differences (float64, closed form)."
    dtr = (train[..., 1, :] - train[..., 0, :]).flatten(1, 2)           # (L, n·v, d)
    dte = test[..., 1, :] - test[..., 0, :]                              # (L, n, v, d)
    centered = dtr - dtr.mean(1, keepdim=True)
    w = torch.linalg.eigh(centered.mT @ centered).eigenvectors[..., -1]  # (L, d): top eigenvector of the covariance
    return torch.einsum('lnvd,ld->lnv', dtr.unflatten(1, train.shape[1:3]), w), torch.einsum('lnvd,ld->lnv', dte, w)


def signed_auroc(y_tr, s_tr, y_te, s_te):
    "Per layer: the sign that fits train best, then (train AUROC, test AUROC) with that sign."
    out = []
    for layer in range(s_tr.shape[0]):
        a_tr = float(roc_auc(y_tr, s_tr[layer]))
        sign = 1.0 if a_tr >= 0.5 else -1.0
        out.append((max(a_tr, 1 - a_tr), float(roc_auc(y_te, sign * s_te[layer]))))
    return out


def summarize(per_layer: list[tuple[float, float]]) -> dict:
    te = [t for _, t in per_layer]
    best = max(range(len(te)), key=te.__getitem__)
    chosen = max(range(len(te)), key=lambda i: per_layer[i][0])
    return {'best_layer': best, 'best_auroc': te[best], 'train_chosen_layer': chosen, 'train_chosen_auroc': te[chosen],
            'per_layer': te}


def study(model, name, spec, token_loc, n, data_root, cache_dir):
    path, family, label_names = spec
    if path != 'cities': path = str(data_root / path)
    data = load_elk_data(path, max_examples=(n, n), seed=0, balance=True, label_names=label_names)   # as elicit loads it
    t0 = time.time()
    hs = extract(model, data, templates=family, token_loc=token_loc, seed=0, cache_dir=cache_dir)
    t_extract = time.time() - t0
    tr, te = hs['train'].stacked().double(), hs['test'].stacked().double()
    y_tr, y_te = hs['train'].labels, hs['test'].labels
    v = tr.shape[2]
    res = {'dataset': name, 'token_loc': token_loc, 'n_train': len(y_tr), 'n_test': len(y_te), 'templates':
           hs['train'].template_names, 'extract_s': round(t_extract, 1), 'norm': {}, 'template': {}}
    for how in ('burns', 'pooled', 'center', 'none'):
        a, b = normalize(tr, te, how)
        s_tr, s_te = crc_scores(a, b)
        res['norm'][how] = summarize(signed_auroc(y_tr, s_tr.mean(-1), y_te, s_te.mean(-1)))
    a, b = normalize(tr, te, 'burns')
    for j, tname in enumerate(hs['train'].template_names):
        s_tr, s_te = crc_scores(a[:, :, j:j + 1], b[:, :, j:j + 1])
        res['template'][tname] = summarize(signed_auroc(y_tr, s_tr[..., 0], y_te, s_te[..., 0]))
    lr = fit_lr_layers(tr.float(), y_tr, C=1.0)        # supervised ceiling, fixed C (the study compares, it does not tune)
    def prob(r, x): return r.predict_proba(x.float()).reshape(len(x), -1).mean(-1)   # averaged over templates
    res['lr'] = summarize([(float(roc_auc(y_tr, prob(r, tr[i]))), float(roc_auc(y_te, prob(r, te[i])))) for i, r in enumerate(lr)])
    res['v'] = v
    return res


def table(results: list[dict]) -> str:
    lines = ['| dataset | token | method | best layer (test AUROC) | layer chosen on train (test AUROC) |', '|---|---|---|---|---|']
    for r in results:
        rows = [(f'CRC, {how} normalization', s) for how, s in r['norm'].items()]
        rows += [(f'CRC, template `{t}` alone', s) for t, s in r['template'].items()]
        rows += [('LR ceiling (C = 1)', r['lr'])]
        for label, s in rows:
            lines.append(f"| {r['dataset']} | {r['token_loc']} | {label} | {s['best_layer']} ({s['best_auroc']:.3f}) | "
                         f"{s['train_chosen_layer']} ({s['train_chosen_auroc']:.3f}) |")
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--model', default=DEFAULT_MODEL)
    ap.add_argument('--sets', nargs='+', default=['cities', 'uci_imdb'], choices=list(SETS))
    ap.add_argument('--token_locs', nargs='+', default=['last', 'mean'])
    ap.add_argument('--n', type=int, default=300, help='examples per split (default 300 + 300)')
    ap.add_argument('--data', default=str(HERE.parent.parent / 'shared' / 'data'), help='folder holding the local datasets')
    ap.add_argument('--cache_dir', default=None)
    ap.add_argument('--out', default='study_out')
    args = ap.parse_args()
    torch.manual_seed(0)
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    results = []
    for name in args.sets:
        for loc in args.token_locs:
            results.append(study(args.model, name, SETS[name], loc, args.n, Path(args.data), args.cache_dir))
            (out / 'study.json').write_text(json.dumps(results, indent=1))
            print(table(results[-1:]), flush=True)
    print('\n' + table(results))


if __name__ == '__main__':
    main()
