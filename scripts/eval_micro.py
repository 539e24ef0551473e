"""Micro-benchmarks of two eval-stage computations at issue 13's GPU workload's shapes (IMDB 100 + 94 rows, 13 templates,
hidden size 2048), on this machine's CPU, each against the computation it replaced (same inputs, results compared):
  - the bootstrap CI's 1000 resample AUROCs: `resample_aucs` (counts at the once-sorted scores) vs midranks per resample;
  - the random baseline's template-averaged pair differences: `_mean_diffs` (one weighted sum per layer) vs normalising
    the states first. Prints a table.   python scripts/eval_micro.py [--layers 25] [--repeat 3]"""
import argparse, time
import torch
from elk_nb.baselines import _mean_diffs
from elk_nb.evaluation import _auc_last, resample_aucs
from elk_nb.reporters import Normalizer

def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return min(times)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--layers', type=int, default=25); ap.add_argument('--repeat', type=int, default=3)
    a = ap.parse_args()
    g = torch.Generator().manual_seed(0)
    rows = []
    for n in (94, 200):
        y = torch.arange(n) % 2 == 0
        s = torch.randn(n, generator=g, dtype=torch.float64) + y
        idx = torch.randint(0, n, (1000, n), generator=g)
        same = torch.equal(resample_aucs(y, s, idx), _auc_last(y[idx], s[idx]))
        rows.append((f'1000 bootstrap AUROCs, n={n}', best_of(lambda: _auc_last(y[idx], s[idx]), a.repeat),
                     best_of(lambda: resample_aucs(y, s, idx), a.repeat), 'bit-identical' if same else 'DIFFERENT'))
    xs = (3 * torch.randn(a.layers, 94, 13, 2, 2048, generator=g) + 1).float()
    norm = Normalizer.fit(xs)
    def before():
        xn = norm.transform(xs)
        return (xn[..., 1, :] - xn[..., 0, :]).mean(-2)
    err = float((before() - _mean_diffs(norm, xs)).abs().max())
    rows.append((f'pair differences, {a.layers} layers x 94 x 13 x 2 x 2048', best_of(before, a.repeat),
                 best_of(lambda: _mean_diffs(norm, xs), a.repeat), f'max |diff| {err:.1e}'))
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    print(f"| {'computation':<50} | {'before':>9} | {'now':>9} | {'speed-up':>8} | result |")
    print(f"|{'-' * 52}|{'-' * 11}|{'-' * 11}|{'-' * 10}|--------|")
    for what, t0, t1, note in rows:
        print(f'| {what:<50} | {t0 * 1e3:7.1f}ms | {t1 * 1e3:7.1f}ms | {t0 / t1:7.1f}x | {note} |')

if __name__ == '__main__': main()
