#!/usr/bin/env python
"""The LR ceiling's fit on the README default run's states: its time, the C it chooses per layer, and its
cross-validated log-losses against a brute-force sklearn CV on the same folds (issue 13: "a faster LR ceiling").

    python scripts/lr_ceiling.py                                  # this checkout
    python scripts/lr_ceiling.py --code_root /path/to/old/checkout   # the same measurement with another version's code
    python scripts/lr_ceiling.py --check_layers 8 20              # sklearn brute force on these layers (slow: minutes)

The states are those of `elk elicit` (cities, 200 + 200, 3 templates, all layers), extracted once into the cache.
"""
from __future__ import annotations
import argparse, json, sys, time
from dataclasses import asdict


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--code_root', help='import elk_nb from this checkout instead of the installed one')
    ap.add_argument('--check_layers', nargs='*', type=int, default=[], help='compare the CV losses with sklearn here')
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch decides)')
    ap.add_argument('--out', help='write the measurements as JSON')
    a = ap.parse_args()
    if a.code_root: sys.path.insert(0, a.code_root)
    import numpy as np
    import torch
    from elk_nb import reporters as R
    from elk_nb.runs import DEFAULT_MODEL, ElicitConfig, PooledStates, pool_check, run_states
    if a.threads: torch.set_num_threads(a.threads)
    cfg = asdict(ElicitConfig(model=DEFAULT_MODEL, datasets=['cities'], max_examples=[200, 200], num_variants=3).check())
    _, states = run_states(cfg, DEFAULT_MODEL)
    v = pool_check(states)
    train = PooledStates([states['cities']['train']], v)
    xs, y = train.stacked(train.layers), train.labels
    evals, inner = [0], R._minimize
    def counted(params, objective, *args, **kw):
        def obj():
            evals[0] += 1
            return objective()
        return inner(params, obj, *args, **kw)
    R._minimize = counted
    t, c = time.perf_counter(), time.process_time()
    reps = R.fit_lr_layers(xs, y)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    out = {'code': R.__file__, 'layers': len(reps), 'shape': list(xs.shape), 'wall_s': wall, 'cpu_s': cpu,
           'objective_evaluations': evals[0], 'C': [r.info['C'] for r in reps],
           'cv_logloss': [r.info['cv_logloss'] for r in reps]}
    print(f"{R.__file__}: {len(reps)} layers {tuple(xs.shape)}: wall {wall:.1f} s, CPU {cpu:.1f} s, "
          f"{evals[0]} objective evaluations")
    print('C per layer:', out['C'])
    if a.check_layers:
        from sklearn.linear_model import LogisticRegression
        norm, F, t_rows = R.supervised_diffs(xs[a.check_layers], y, 'LR')
        n = xs.shape[1]
        fold = R.example_folds(n, 5, 0).repeat_interleave(v).numpy()
        out['sklearn_cv'] = {}
        for i, layer in enumerate(a.check_layers):
            X, T = F[i].numpy(), t_rows.numpy()
            ref = []
            for C in R.DEFAULT_LR_CS[:len(reps[layer].info['cv_logloss'])]:
                tot = 0.0
                for k in range(5):
                    m = LogisticRegression(C=C, tol=1e-10, max_iter=20000).fit(X[fold != k], T[fold != k])
                    p = np.clip(m.predict_proba(X[fold == k])[:, 1], 1e-300, 1 - 1e-16)
                    tot -= float((T[fold == k] * np.log(p) + (1 - T[fold == k]) * np.log1p(-p)).sum())
                ref.append(tot / len(T))
            ours = reps[layer].info['cv_logloss'][:len(ref)]
            out['sklearn_cv'][layer] = ref
            print(f'layer {layer}: max |CV log-loss - sklearn| = {max(abs(p - q) for p, q in zip(ours, ref)):.2e}')
    if a.out:
        from pathlib import Path
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
