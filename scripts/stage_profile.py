#!/usr/bin/env python
"""Where the extraction stage of one whole `elk elicit` goes, from inside the process: the command runs as the console
script would, with light timers around the extraction pipeline's steps (tokenizing, launching each batch, copying it
to the host, writing shards), and on a GPU a pair of CUDA events around each batch, so that the GPU's busy time can be
set beside the stage's wall time. Prints one table at the end. No elk_nb code is changed: the timers wrap module
functions by name.

    python scripts/stage_profile.py MODEL DATASET [ELICIT OPTIONS...]
"""
import collections, sys, threading, time

import torch

from elk_nb import batching, cli, extraction

acc, calls, lock = collections.defaultdict(float), collections.Counter(), threading.Lock()
events, tokens = [], [0]


def timed(mod, name, label=None):
    f = getattr(mod, name)
    def wrapper(*a, **k):
        t = time.perf_counter()
        try: return f(*a, **k)
        finally:
            with lock: acc[label or name] += time.perf_counter() - t; calls[label or name] += 1
    setattr(mod, name, wrapper)


for mod, name in [(batching, 'tokenize_tuples'), (batching, '_to_host'), (batching, '_file_rows'),
                  (extraction, 'write_shard_columns'), (extraction, '_mark_done'), (extraction, '_open_splits'),
                  (extraction, 'extract_splits'), (extraction, 'prompts_for'), (extraction, 'model_summary'),
                  (extraction, 'load_model'), (extraction, 'check_cache_room')]:
    timed(mod, name)

_run, _tokens = batching._run_batch, batching._batch_tokens


def run_batch(*a, **k):
    cuda = torch.cuda.is_available()
    if cuda: s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True); s.record()
    t = time.perf_counter()
    out = _run(*a, **k)
    with lock: acc['_run_batch (host)'] += time.perf_counter() - t; calls['_run_batch (host)'] += 1
    if cuda: e.record(); events.append((s, e))
    return out


def batch_tokens(*a, **k):
    real, padded = _tokens(*a, **k)
    tokens[0] += real
    return real, padded


batching._run_batch, batching._batch_tokens = run_batch, batch_tokens
sys.argv = ['elk', 'elicit'] + sys.argv[1:]
t0 = time.perf_counter()
try: code = cli.main()
finally:
    wall = time.perf_counter() - t0
    print(f'\n{"step":<28}{"calls":>7}{"seconds":>10}')
    for name, s in sorted(acc.items(), key=lambda kv: -kv[1]): print(f'{name:<28}{calls[name]:>7}{s:>10.2f}')
    if events:
        torch.cuda.synchronize()
        ms = [s.elapsed_time(e) for s, e in events]
        span = events[0][0].elapsed_time(events[-1][1])
        print(f'GPU: {len(ms)} batches, busy {sum(ms) / 1e3:.2f} s of a {span / 1e3:.2f} s span from the first batch '
              f'to the last; first three {[round(x) for x in ms[:3]]} ms, median {sorted(ms)[len(ms) // 2]:.0f} ms; '
              f'{tokens[0]:,} real tokens')
    print(f'cli.main: {wall:.2f} s')
sys.exit(code)
