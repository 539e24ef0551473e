"""Peer side of `benchmarks/peer_vinc.py`: fit EleutherAI elk 0.1.1's VINC and LR on saved hidden states.

Run with the peer's own interpreter (it imports `elk`, never `elk_nb`):

    /work/peer-venv/bin/python benchmarks/peer_vinc_driver.py STATES.safetensors OUT.json

The input holds `train_x`/`test_x` (L, n, v, 2, d), `train_y`/`test_y` (n,) and `layers` (L,); optionally
`norm_train_x`/`norm_test_x`, the same states after elk_nb's per-(template, answer) normalisation, and
`cent_train_x`/`cent_test_x`, the states only centred per (template, answer) with the train means.
For each layer this calls the peer's library exactly as its `elk elicit` training loop does
(`Elicit.apply_to_layer`): an `EigenFitter` with the default `EigenFitterConfig`, `update` + `fit_streaming`,
Platt scaling on the one-hot train labels, `train_supervised(mode='single')`, and `evaluate_preds` with
'none', 'partial' and 'full' ensembling on the held-out split.
"""
import json
import sys
import time
from dataclasses import replace

import torch
from einops import rearrange, repeat
from safetensors.torch import load_file

from elk.metrics import evaluate_preds, to_one_hot
from elk.training.eigen_reporter import EigenFitter, EigenFitterConfig
from elk.training.supervised import train_supervised

MODES = ('none', 'partial', 'full')


def seed_all(seed: int):
    "What the peer's `Run.make_reproducible(net.seed + layer)` does before each layer."
    import random

    import numpy as np
    np.random.seed(seed); random.seed(seed); torch.manual_seed(seed)


def evals(y, credences) -> dict:
    "AUROC (and accuracy) of peer credences (n, v, k) under each ensembling mode."
    out = {}
    for mode in MODES:
        r = evaluate_preds(y, credences, mode)
        out[mode] = {'auroc': r.roc_auc.estimate, 'acc': r.accuracy.estimate}
    return out


def failure(e: Exception) -> str:
    return f'{type(e).__name__}: {str(e).splitlines()[0]}'


def fit_vinc(cfg: EigenFitterConfig, train_h, train_y, dtype=None):
    "The eigen branch of the peer's `Elicit.apply_to_layer`, for one dataset."
    _, v, k, d = train_h.shape
    fitter = EigenFitter(cfg, d, num_classes=k, num_variants=v, device='cpu', dtype=dtype)
    fitter.update(train_h)
    reporter = fitter.fit_streaming()
    reporter.platt_scale(to_one_hot(repeat(train_y, 'n -> (n v)', v=v), k).flatten(),
                         rearrange(train_h, 'n v k d -> (n v k) d'))
    return reporter


def main(src: str, dst: str):
    torch.set_num_threads(1)
    t = load_file(src)
    layers = t['layers'].tolist()
    ytr, yte = t['train_y'].long(), t['test_y'].long()
    base = EigenFitterConfig()   # var_weight 0, neg_cov_weight 0.5, use_centroids True, erase_prompts False
    rows = {'vinc': [], 'vinc_erase_prompts': [], 'lr': [], 'vinc_on_elk_nb_norm': [], 'vinc_on_elk_nb_norm_f64': [],
            'lr_on_elk_nb_norm': [], 'vinc_on_centred': []}
    weights = {'vinc_on_elk_nb_norm_f64': []}
    times = {k: 0.0 for k in rows}
    have_norm = 'norm_train_x' in t
    for i, layer in enumerate(layers):
        seed = base.seed + layer
        htr, hte = t['train_x'][i].float(), t['test_x'][i].float()   # the peer works in float32 (int16_to_float32)

        for name, cfg in (('vinc', base), ('vinc_erase_prompts', replace(base, erase_prompts=True))):
            seed_all(seed); t0 = time.perf_counter()
            rep = fit_vinc(cfg, htr, ytr)
            with torch.no_grad(): rows[name].append({'layer': layer, **evals(yte, rep(hte))})
            times[name] += time.perf_counter() - t0

        seed_all(seed); t0 = time.perf_counter()
        lr = train_supervised({'cities': (htr, ytr, None)}, device='cpu', mode='single')[0]
        with torch.no_grad(): rows['lr'].append({'layer': layer, **evals(yte, lr(hte))})
        times['lr'] += time.perf_counter() - t0

        if have_norm:   # elk_nb-normalised states through the peer's fitter: separates preprocessing from the fit
            ntr, nte = t['norm_train_x'][i], t['norm_test_x'][i]
            for name, dtype in (('vinc_on_elk_nb_norm', torch.float32), ('vinc_on_elk_nb_norm_f64', torch.float64)):
                seed_all(seed); t0 = time.perf_counter()
                try:
                    rep = fit_vinc(base, ntr.to(dtype), ytr, dtype=dtype)
                    with torch.no_grad(): rows[name].append({'layer': layer, **evals(yte, rep(nte.to(dtype)))})
                    w = rep.weight[0].tolist()      # unit direction (d,), sign as eigh returns it
                except Exception as e:  # e.g. states that are constant on train: the peer's LEACE fit has no covariance
                    rows[name].append({'layer': layer, 'error': failure(e),
                                       **{m: {'auroc': None, 'acc': None} for m in MODES}})
                    w = None
                times[name] += time.perf_counter() - t0
                if name.endswith('f64'): weights[name].append(w)
            seed_all(seed); t0 = time.perf_counter()
            lr = train_supervised({'cities': (ntr.float(), ytr, None)}, device='cpu', mode='single')[0]
            with torch.no_grad(): rows['lr_on_elk_nb_norm'].append({'layer': layer, **evals(yte, lr(nte.float()))})
            times['lr_on_elk_nb_norm'] += time.perf_counter() - t0
        if 'cent_train_x' in t:   # centred per (template, answer) on train, not scaled: half of elk_nb's normalisation
            seed_all(seed); t0 = time.perf_counter()
            try:
                rep = fit_vinc(base, t['cent_train_x'][i].float(), ytr)
                with torch.no_grad(): row = evals(yte, rep(t['cent_test_x'][i].float()))
            except Exception as e:   # all-zero states (the embedding layer): no covariance for LEACE
                row = {'error': failure(e), **{m: {'auroc': None, 'acc': None} for m in MODES}}
            rows['vinc_on_centred'].append({'layer': layer, **row})
            times['vinc_on_centred'] += time.perf_counter() - t0
        print(f'layer {layer}: peer VINC {rows["vinc"][-1]["full"]["auroc"]:.4f}  LR {rows["lr"][-1]["full"]["auroc"]:.4f}',
              flush=True)
    json.dump({'rows': {k: v for k, v in rows.items() if v}, 'weights': weights, 'seconds': times,
               'config': {'var_weight': base.var_weight, 'neg_cov_weight': base.neg_cov_weight,
                          'use_centroids': base.use_centroids, 'num_heads': base.num_heads, 'seed': base.seed}},
              open(dst, 'w'))


if __name__ == '__main__':
    main(*sys.argv[1:3])
