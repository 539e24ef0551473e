#!/usr/bin/env python
"""Extraction and fitting throughput of elk_nb against a peer-like batch-1 loop (issue 6).

For each model × data: our extraction (shared-prefix reuse, length bucketing, hooks), the same without prefix reuse, and a
batch-1 loop that imitates the peer (one forward per completion, `output_hidden_states=True`, LM head on). Figures:
examples/s, pairs/s, prompt tokens/s, MFU (matmul FLOPs executed on real tokens ÷ time ÷ the bf16 matmul rate measured in
this run), peak GPU memory and host RSS. Then CRC and CCS fitting on all layers, batched, against a per-layer per-restart
loop. The table is printed last; everything is also written to --out (default $OUT, else /tmp/elk_bench).

GPU (one card):     python scripts/benchmark.py
CPU quick mode:     python scripts/benchmark.py --cpu            (SmolLM2-135M, real weights, 2 threads)
Smoke test (CPU):   python scripts/benchmark.py --tiny           (tiny random models of the same architectures)
Split over 2 GPUs:  python scripts/benchmark.py --device_map_test   (device_map='auto' with capped max_memory)
"""
from __future__ import annotations

import argparse, gc, json, os, platform, random, shutil, subprocess, sys, tempfile, time, traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault('TOKENIZERS_PARALLELISM', 'true')
os.environ.setdefault('HF_DATASETS_DISABLE_PROGRESS_BARS', '1')

import numpy as np
import torch

import bench_common as bc

PEER = {  # the issue's measurements of EleutherAI elk 0.1.1 (one H100, Pythia-1.4B shape, IMDB, 13 templates)
    'extract_completions_per_s': 34.0, 'extract_examples_per_s': 1.3, 'extract_mfu': 0.015,
    'fit_crc_vinc_s': 137.0, 'fit_ccs_25_layers_s': 12 * 60.0,
}


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------- extraction

def peer_loop(model, tokenizer, texts, device):
    "Imitates the peer: one completion per forward, batch 1, output_hidden_states=True, LM head over every position."
    out = []
    with torch.no_grad():
        for tup in texts:
            for text in tup:
                ids = tokenizer(text, return_tensors='pt')['input_ids'].to(device)
                o = model(input_ids=ids, output_hidden_states=True)
                hs = torch.stack([h[0, -1] for h in o.hidden_states]).float().cpu()
                lp = torch.log_softmax(o.logits[0, -2].float(), -1)[ids[0, -1]].item()
                out.append((hs, lp))
    return out


def row(model_name, data_name, method, t, n_rows, n_pairs, n_compl, flops, tokens, peak, pad=None, extra=None):
    r = dict(model=model_name, data=data_name, method=method, seconds=t.seconds, rows=n_rows, pairs=n_pairs,
             completions=n_compl, examples_per_s=n_rows / t.seconds, pairs_per_s=n_pairs / t.seconds,
             completions_per_s=n_compl / t.seconds, tokens_per_s=tokens / t.seconds, flops=flops,
             mfu=flops / t.seconds / peak, peak_gpu_gb=t.peak_gpu_gb, rss_gb=t.rss_gb, pad_frac=pad)
    if extra: r.update(extra)
    log(f'  {method:<34} {t.seconds:8.2f} s  {r["pairs_per_s"]:9.1f} pairs/s  {r["tokens_per_s"]:10.0f} tok/s  '
        f'MFU {100 * r["mfu"]:5.1f}%  GPU {t.peak_gpu_gb:6.1f} GB  RSS {t.rss_gb:5.2f} GB')
    return r


def bench_extraction(model_name, model, tok, data_name, data, args, device, peak, results, e2e=False, sweep=(), overheads=()):
    from elk_nb.models import num_layers
    from elk_nb.forward import tokenize_tuples
    from elk_nb.config import ExtractConfig
    import contextlib
    from unittest.mock import patch
    import elk_nb.batching
    from elk_nb.batching import StreamCounts, batch_overhead, compute_states, _auto_max_tokens
    def overhead_set(o):   # the --overheads rows: the batch planner with another per-batch cost than batch_overhead's
        return contextlib.nullcontext() if o is None else patch.object(elk_nb.batching, 'batch_overhead', lambda _: o)
    from elk_nb.extraction import extract_splits
    from elk_nb.prompts import prompts_for
    prompts = [prompts_for(data, s) for s in ('train', 'test')]
    texts = [t for p in prompts for t in bc.texts_of(p)]
    n_rows, v, k = sum(len(p) for p in prompts), len(prompts[0].template_names), prompts[0].num_answers
    n_pairs, n_compl = len(texts), len(texts) * k
    L = num_layers(model.config)
    layers = list(range(L + 1))
    cfg = ExtractConfig(zero_shot=True, dtype=str(model.dtype)[6:])   # as `extract` sets it: the layout counts stored bytes
    ctx = getattr(model.config, 'max_position_embeddings', None)
    items = tokenize_tuples(tok, texts, ctx)
    dims = bc.model_dims(model)
    mt = args.max_tokens or _auto_max_tokens(model, k)
    mean_len = np.mean([len(t.prefix) + max(map(len, t.conts)) for t in items])
    log(f'\n== {model_name} × {data_name}: {n_rows} examples × {v} templates × {k} answers, {mean_len:.0f} tokens a '
        f'completion on average, {L + 1} layers, max_tokens {mt}, batch overhead {batch_overhead(model)} tokens')
    # warm-up: on a GPU one untimed pass over the whole workload each way, so that every row is timed in steady state
    # (kernels chosen, allocator grown); the first timed run was otherwise up to 10% slower than the same run repeated
    warm = texts if device.type == 'cuda' else texts[:2]
    compute_states(model, tok, warm, layers, cfg, 'causal', True, mt)
    compute_states(model, tok, warm, layers, cfg, 'causal', False, mt)
    states, ours_row = {}, None
    # rows: ours; without prefix reuse; then (--overheads) other batch overheads and (--sweep) other max_tokens values
    runs = [('ours', True, mt, {}), ('ours, no prefix reuse', False, mt, {})]
    if data_name == 'imdb':
        runs += [(f'ours, batch overhead {o}', True, mt, dict(overhead=o)) for o in overheads if o != batch_overhead(model)]
    runs += [(f'ours, max_tokens={s}', True, s, {}) for s in sweep if s != mt]
    for method, reuse, m, how in runs:
        gc.collect()
        st = StreamCounts()
        with bc.Timer(device) as t, overhead_set(how.get('overhead')):
            h, lp, _ = compute_states(model, tok, texts, layers, cfg, 'causal', reuse, m, progress=st)
        w = bc.workload_flops(dims, items, 'reuse' if reuse else 'plain')
        results.append(row(model_name, data_name, method, t, n_rows, n_pairs, n_compl, w['flops'], w['tokens'], peak,
                           st.padding, dict(max_tokens=m, batches=st.batches, **how)))
        if method == 'ours' or method == 'ours, no prefix reuse': states[reuse] = torch.from_numpy(h)
        if method == 'ours': ours_row = results[-1]
        del h, lp
    # check: prefix reuse gives the states of the plain runs (bf16 rounding apart), per layer relative error
    a, b = states[True][:400], states[False][:400]
    vn = torch.linalg.vector_norm
    rel = (vn(a - b, dim=(0, 1, 3)) / vn(b, dim=(0, 1, 3)).clamp_min(1e-30)).max().item()
    ours_row['check_rel_err_reuse_vs_plain'] = rel
    log(f'  check: prefix reuse vs plain, worst layer ‖Δ‖/‖h‖ = {rel:.2e}')
    del states, a, b
    # the peer-like loop on a random sample of the same tuples (extrapolated as a rate)
    rng = random.Random(0)
    sample = sorted(rng.sample(range(len(texts)), min(args.peer_pairs, len(texts))))
    sub = [texts[i] for i in sample]
    peer_loop(model, tok, sub[:2], device)
    with bc.Timer(device) as t:
        peer_loop(model, tok, sub, device)
    w = bc.workload_flops(dims, [items[i] for i in sample], 'peer')
    results.append(row(model_name, data_name, f'batch-1 peer-like loop ({len(sub)} pairs)', t, len(sub) / v, len(sub),
                       len(sub) * k, w['flops'], w['tokens'], peak))
    base = results[-1]['pairs_per_s']
    for r in results:
        if r['model'] == model_name and r['data'] == data_name: r['x_batch1'] = r['pairs_per_s'] / base
    if e2e:   # end to end: extract_splits tokenizes, extracts, writes checksummed shards (default layout) and reads back
        root = Path(tempfile.mkdtemp(prefix='elk_e2e_'))
        meta = dict(hidden_size=dims['d'], zero_shot=True)
        with bc.Timer(device) as t:   # both splits through one pipeline, as `extract` runs them
            got = extract_splits(lambda: (model, tok, 'causal'), [(p, root / s, meta) for s, p in zip(('train', 'test'), prompts)],
                                 layers, cfg, True, mt)
        st = got[0].work['stream']   # what the pipeline ran: batch and token counts, seconds
        shards = sum(len(hs.meta['shards']) for hs in got)
        size = sum(f.stat().st_size for f in root.rglob('*.arrow')) / 2**20
        w = bc.workload_flops(dims, items, 'reuse')
        results.append(row(model_name, data_name, 'ours, end to end (shards to disk)', t, n_rows, n_pairs, n_compl,
                           w['flops'], w['tokens'], peak, 1 - st['real_tokens'] / st['padded_tokens'],
                           extra=dict(cache_mib=size, x_batch1=None, batches=st['batches'], shards=shards,
                                      stored_as=got[0].state_dtype, timings={key: round(val, 3) for key, val in st.items()
                                                                             if key.endswith('seconds')})))
        results[-1]['x_batch1'] = results[-1]['pairs_per_s'] / base
        log(f'    {shards} shards, {size:.0f} MiB; streaming ended at {st["stream_seconds"]:.2f} s of {t.seconds:.2f} s')
        shutil.rmtree(root, ignore_errors=True)


def bench_forward_only(model_name, model, device, peak, results, tokens=65536, seq=336):
    "The ceiling for this model in transformers: one plain forward of a full (tokens/seq, seq) batch, no padding, no hooks."
    dims = bc.model_dims(model)
    b = tokens // seq
    ids = torch.randint(0, dims['vocab'], (b, seq), device=device)
    flops = b * bc.seq_flops(dims, 0, seq)
    out = {}
    for label, mask in (('no mask', None), ('with padding mask', torch.ones_like(ids))):
        with torch.no_grad():
            model.base_model(input_ids=ids, attention_mask=mask, use_cache=False)
            sync(device)
            with bc.Timer(device) as t:
                for _ in range(3): model.base_model(input_ids=ids, attention_mask=mask, use_cache=False)
        out[label] = flops * 3 / t.seconds / peak
    log(f'  forward only ({b}×{seq} tokens): MFU ' + ', '.join(f'{k} {100 * v:.1f}%' for k, v in out.items()))
    results.append(dict(model=model_name, tokens=b * seq, **{f'mfu_{k.replace(" ", "_")}': v for k, v in out.items()}))


def attention_kernel_check(device) -> dict:
    """Which SDPA kernels the split attention's two calls can use on this device (Llama-3.2-1B heads, GQA 32/8, bf16):
    the prefix block (causal, no mask) with the flash kernel alone, and the answer rows (boolean mask) with the
    memory-efficient kernel alone. A kernel that cannot run raises, so 'ok' means it ran."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    F = torch.nn.functional
    q, k, v = (torch.randn(4, h, 512, 64, device=device, dtype=torch.bfloat16) for h in (32, 8, 8))
    mask = torch.rand(4, 1, 4 * 6, 512, device=device) < 0.5
    mask[..., 0] = True
    out = {}
    for name, backend, fn in (
            ('prefix: flash, causal, GQA', SDPBackend.FLASH_ATTENTION,
             lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)),
            ('answers: memory-efficient, bool mask', SDPBackend.EFFICIENT_ATTENTION,
             lambda: F.scaled_dot_product_attention(q[:, :8, :6].reshape(4, 8, 6, 64).repeat(1, 1, 4, 1), k, v, attn_mask=mask))):
        try:
            with sdpa_kernel([backend]): fn()
            out[name] = 'ok'
        except Exception as e: out[name] = f'failed: {str(e).splitlines()[0][:120]}'
    log('  attention kernels: ' + json.dumps(out))
    return out


def profile_extraction(model, tok, texts, device, path, n=300):
    "Kernel-level profile of our extraction on `n` tuples (a table of the top CUDA kernels and CPU ops)."
    from torch.profiler import ProfilerActivity, profile
    from elk_nb.models import num_layers
    from elk_nb.config import ExtractConfig
    from elk_nb.batching import compute_states
    layers = list(range(num_layers(model.config) + 1))
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == 'cuda' else [])
    with profile(activities=acts) as prof:
        compute_states(model, tok, texts[:n], layers, ExtractConfig(), 'causal', True)
        sync(device)
    key = 'cuda_time_total' if device.type == 'cuda' else 'cpu_time_total'
    text = prof.key_averages().table(sort_by=key, row_limit=40)
    Path(path).parent.mkdir(parents=True, exist_ok=True); Path(path).write_text(text)
    log(f'  profile written to {path}')


def sync(device): bc.sync(device)


# ---------------------------------------------------------------- fitting

def bench_fit(device, results, L, n, v, d, restarts=10, loop_layers=1, label='', xs=None, y=None, do_loops=True):
    from elk_nb.reporters import fit_ccs_layers, fit_crc_layers
    g = torch.Generator(device=device).manual_seed(0)
    if xs is None: xs = torch.randn(L, n, v, 2, d, generator=g, device=device)
    if y is None: y = torch.randint(0, 2, (xs.shape[1],), generator=g, device=device)
    xs, y = xs.to(device), y.to(device)
    L, n, v, _, d = xs.shape
    fit_crc_layers(xs[:2, :20], y[:20]); fit_ccs_layers(xs[:2, :20], None, num_restarts=2, max_iter=5)   # warm-up
    what = f'{L} layers × {n} ex × {v} var, d={d}{label}'
    log(f'\n== fitting: {what}')
    out = {}
    with bc.Timer(device) as t: fit_crc_layers(xs, y)
    out['crc_batched_s'] = t.seconds
    with bc.Timer(device) as t: fit_ccs_layers(xs, y, num_restarts=restarts)
    out['ccs_batched_s'] = t.seconds; out['ccs_peak_gpu_gb'] = t.peak_gpu_gb
    if do_loops:
        with bc.Timer(device) as t:
            for layer in range(L): fit_crc_layers(xs[layer:layer + 1], y)
        out['crc_loop_s'] = t.seconds
        ll = min(loop_layers, L)
        with bc.Timer(device) as t:
            for layer in range(ll):
                for r in range(restarts): fit_ccs_layers(xs[layer:layer + 1], y, num_restarts=1, seed=r)
        out['ccs_loop_s'] = t.seconds * L / ll
        out['ccs_loop_measured'] = f'{ll} layer(s) × {restarts} restarts, scaled to {L} layers'
    log('  ' + '  '.join(f'{k} {v:.2f}' if isinstance(v, float) else f'{k} {v}' for k, v in out.items()))
    results.append(dict(what=what, restarts=restarts, **out))
    del xs


# ---------------------------------------------------------------- host memory against dataset size

def rss_child(args):
    "One process: extract `--rss_child` cities-style rows through extract_split (shards on disk); print its RSS as JSON."
    import threading
    from elk_nb.data import load_elk_data
    from elk_nb.models import num_layers
    from elk_nb.config import ExtractConfig
    from elk_nb.batching import compute_states
    from elk_nb.extraction import extract_split
    from elk_nb.prompts import prompts_for
    n = args.rss_child
    gpu = torch.cuda.is_available() and not args.tiny
    device = torch.device('cuda:0' if gpu else 'cpu')
    tok = bc.load_tokenizer()
    folder = Path(tempfile.mkdtemp(prefix='elk_rss_'))
    try:
        # the 2000 built-in `cities` rows, repeated to n rows (short prompts, ~24 tokens)
        src_rows = (bc.BENCH_DIR / 'cities' / 'train.jsonl').read_text().splitlines()
        (folder / 'data').mkdir()
        (folder / 'data' / 'train.jsonl').write_text('\n'.join(src_rows[i % len(src_rows)] for i in range(n)) + '\n')
        (folder / 'data' / 'test.jsonl').write_text('\n'.join(src_rows[:10]) + '\n')
        data = load_elk_data(str(folder / 'data'), family='truefalse', label_names=['false', 'true'], max_examples=(n, 10))
        prompts = prompts_for(data, 'train')
        model = bc.build_model(args.rss_model, len(tok), device, torch.bfloat16 if gpu else torch.float32, args.tiny)
        layers = list(range(num_layers(model.config) + 1))
        cfg = ExtractConfig(dtype=str(model.dtype)[6:])   # as `extract` sets it: the layout counts stored bytes
        compute_states(model, tok, [t for row in prompts.texts[:64] for t in row], layers, cfg, 'causal')   # warm-up
        gc.collect()
        before, peak, stop = bc.rss_gb(), [0.0], threading.Event()
        def sample():
            while not stop.is_set(): peak[0] = max(peak[0], bc.rss_gb()); time.sleep(0.02)
        th = threading.Thread(target=sample, daemon=True); th.start()
        t0 = time.perf_counter()
        hs = extract_split(lambda: (model, tok, 'causal'), prompts, layers, cfg, folder / 'cache',
                           dict(hidden_size=model.config.hidden_size, zero_shot=True), shard_size=args.rss_shard)
        secs = time.perf_counter() - t0
        stop.set(); th.join()
        cache = sum(f.stat().st_size for f in (folder / 'cache').rglob('*.arrow')) / 2**30
        print(json.dumps(dict(rows=n, pairs=n * len(prompts.template_names), model=args.rss_model, layers=len(layers),
                              shard_size=args.rss_shard, shards=len(hs.meta['shards']), seconds=secs, cache_gb=cache,
                              rss_before_gb=before, rss_peak_sampled_gb=peak[0], ru_maxrss_gb=bc.max_rss_gb(),
                              rss_after_gb=bc.rss_gb())), flush=True)
    finally: shutil.rmtree(folder, ignore_errors=True)


def rss_test(args, results):
    "Host memory of extract_split at several dataset sizes, each in a fresh process (RSS peaks are per process)."
    for n in [int(x) for x in args.rss_rows.split(',')]:
        cmd = [sys.executable, __file__, '--rss_child', str(n), '--rss_model', args.rss_model]
        if args.rss_shard: cmd += ['--rss_shard', str(args.rss_shard)]
        if args.tiny: cmd.append('--tiny')
        r = subprocess.run(cmd, capture_output=True, text=True)
        line = [x for x in r.stdout.splitlines() if x.startswith('{"rows"')]
        if r.returncode or not line:
            log(r.stdout[-2000:], r.stderr[-4000:]); results.append(dict(rows=n, failed=True)); continue
        results.append(json.loads(line[-1]))
        log('  rss: ' + line[-1])
    ok = [r for r in results if not r.get('failed')]
    if len(ok) >= 2:
        a, b = ok[0], ok[-1]
        ratio = b['ru_maxrss_gb'] / a['ru_maxrss_gb']
        log(f"  peak RSS {a['rows']} rows {a['ru_maxrss_gb']:.2f} GB, {b['rows']} rows {b['ru_maxrss_gb']:.2f} GB: "
            f"ratio {ratio:.3f} ({'within' if ratio <= 1.1 else 'NOT within'} 10%)")


# ---------------------------------------------------------------- device_map (model split over GPUs)

def device_map_test(args, results):
    "A Llama-2-7B-shaped model through extract(name, device_map='auto', max_memory=capped): it must split over 2 GPUs."
    import elk_nb.extraction as ex
    from elk_nb.config import ExtractConfig
    from elk_nb.batching import compute_states
    from elk_nb.prompts import prompts_for
    tok = bc.load_tokenizer()
    data = bc.load_data('imdb', args.dm_rows)
    folder = Path(tempfile.mkdtemp(prefix='elk_7b_'))
    gpu = torch.cuda.is_available()
    model = bc.build_model('llama-2-7b', len(tok), 'cuda:0' if gpu else 'cpu', tiny=args.tiny)
    t0 = time.time(); model.save_pretrained(folder / 'llama-2-7b-random'); tok.save_pretrained(folder / 'llama-2-7b-random')
    log(f'\n== device_map: saved a random Llama-2-7B-shaped model in {time.time() - t0:.1f}s')
    texts = bc.texts_of(prompts_for(data, 'test'))
    L = model.config.num_hidden_layers
    ref, ref_lp, _ = compute_states(model, tok, texts, list(range(L + 1)), ExtractConfig(), 'causal', True, 16384)
    del model; gc.collect(); torch.cuda.empty_cache()
    seen = {}
    real_load = ex.load_model
    def spy(*a, **k):
        m, t = real_load(*a, **k); seen['map'] = dict(getattr(m, 'hf_device_map', {}) or {}); return m, t
    ex.load_model = spy
    cap = {0: args.dm_cap, 1: '100GiB'} if gpu else {'cpu': '64GiB'}   # (CPU: only a dry run of the code path)
    try:
        t0 = time.time()
        hs = ex.extract(str(folder / 'llama-2-7b-random'), data, splits=('test',), device_map='auto', max_memory=cap,
                        cache_dir=folder / 'cache', max_tokens=16384, disable_cache=True)
        secs = time.time() - t0
    finally: ex.load_model = real_load
    devices = sorted({str(v) for v in seen.get('map', {}).values()})
    got = hs['test'].stacked()                                   # (L+1, n, v, k, d)
    want = torch.from_numpy(ref).view(len(data.test), -1, 2, L + 1, ref.shape[-1]).permute(3, 0, 1, 2, 4)
    rel = ((got - want).norm() / want.norm()).item()
    lp_rel = ((hs['test'].zero_shot - torch.from_numpy(ref_lp).view_as(hs['test'].zero_shot)).abs().max()).item()
    for i in range(torch.cuda.device_count()):
        log(f'  cuda:{i} peak {torch.cuda.max_memory_allocated(i) / 2**30:.1f} GB')
    r = dict(what='llama-2-7b via extract(device_map="auto")', max_memory=cap, devices=devices, seconds=secs,
             rel_err_vs_one_gpu=rel, zero_shot_max_abs_diff=lp_rel, bitwise_equal=bool(torch.equal(got, want)))
    log('  ' + json.dumps(r))
    results.append(r)
    shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- table

def fmt(x, spec):
    return '—' if x is None else format(x, spec)


def table(env, ext, fits, dm, peak, fwd=(), rss=()) -> str:
    lines = [f'## Extraction ({env})', '',
             '| model | data | method | s | examples/s | pairs/s | prompt tok/s | MFU | × batch-1 | peak GPU GB | RSS GB | pad | batches |',
             '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for r in ext:
        lines.append(f"| {r['model']} | {r['data']} | {r['method']} | {r['seconds']:.2f} | {r['examples_per_s']:.1f} | "
                     f"{r['pairs_per_s']:.1f} | {r['tokens_per_s']:,.0f} | {100 * r['mfu']:.1f}% | {fmt(r.get('x_batch1'), '.1f')} | "
                     f"{r['peak_gpu_gb']:.1f} | {r['rss_gb']:.2f} | {fmt(r.get('pad_frac') and 100 * r['pad_frac'], '.1f')} | {fmt(r.get('batches'), 'd')} |")
    if fits:
        lines += ['', '## Fitting (random states)', '',
                  '| data | CRC batched s | CRC per-layer loop s | CCS ×R batched s | CCS per-layer×restart loop s | loop measured on |',
                  '|---|---:|---:|---:|---:|---|']
        for f in fits:
            lines.append(f"| {f['what']}, R={f['restarts']} | {f['crc_batched_s']:.2f} | {fmt(f.get('crc_loop_s'), '.2f')} | "
                         f"{f['ccs_batched_s']:.2f} | {fmt(f.get('ccs_loop_s'), '.1f')} | {f.get('ccs_loop_measured', '—')} |")
    for r in dm:
        lines += ['', f"device_map: {r['what']}: devices {r['devices']}, max_memory {r['max_memory']}, {r['seconds']:.1f} s, "
                      f"‖Δ‖/‖h‖ vs one GPU {r['rel_err_vs_one_gpu']:.2e}, bitwise equal {r['bitwise_equal']}"]
    for r in fwd:
        lines += [f"forward-only ceiling, {r['model']} ({r['tokens']} tokens, no hooks): MFU "
                  f"{100 * r['mfu_no_mask']:.1f}% without a mask, {100 * r['mfu_with_padding_mask']:.1f}% with a padding mask"]
    if rss:
        lines += ['', '## Host memory of extract_split (one process per size)', '',
                  '| rows | pairs | model | shards | s | cache GB | RSS before GB | peak RSS (sampled) GB | ru_maxrss GB |',
                  '|---:|---:|---|---:|---:|---:|---:|---:|---:|']
        for r in rss:
            if r.get('failed'): lines.append(f"| {r['rows']} | FAILED | | | | | | | |"); continue
            lines.append(f"| {r['rows']} | {r['pairs']} | {r['model']} ({r['layers']} layers) | {r['shards']} | {r['seconds']:.1f} | "
                         f"{r['cache_gb']:.2f} | {r['rss_before_gb']:.2f} | {r['rss_peak_sampled_gb']:.2f} | {r['ru_maxrss_gb']:.2f} |")
    lines += ['', f'matmul peak measured in this run: {peak / 1e12:.2f} TFLOP/s']
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cpu', action='store_true', help='CPU quick mode: SmolLM2-135M (real weights), --threads cores')
    ap.add_argument('--tiny', action='store_true', help='tiny random models and data: a smoke test of every code path')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--models', default='pythia-1.4b,llama-3.2-1b,llama-2-7b')
    ap.add_argument('--data', default='imdb,cities')
    ap.add_argument('--n_imdb', type=int, default=100, help='IMDB examples per split (train and test)')
    ap.add_argument('--n_cities', type=int, default=250, help='cities examples per split')
    ap.add_argument('--peer_pairs', type=int, default=40, help='contrast pairs timed with the batch-1 loop')
    ap.add_argument('--max_tokens', type=int, default=None, help='padded tokens a batch (default: elk_nb automatic)')
    ap.add_argument('--sweep', default='', help='extra max_tokens values for the first model on the first data')
    ap.add_argument('--no_fit', action='store_true'); ap.add_argument('--fit_only', action='store_true')
    ap.add_argument('--no_extract', action='store_true')
    ap.add_argument('--fit_big', action='store_true', help='also fit on 1000 examples (batched only)')
    ap.add_argument('--device_map_test', action='store_true')
    ap.add_argument('--profile', action='store_true', help='write a kernel profile of our extraction (first model, IMDB)')
    ap.add_argument('--dm_rows', type=int, default=8); ap.add_argument('--dm_cap', default='8GiB')
    ap.add_argument('--overheads', default='', help='IMDB: also time these batch overheads in tokens (comma-separated)')
    ap.add_argument('--rss_test', action='store_true', help='host RSS of extract_split at --rss_rows rows, one process each')
    ap.add_argument('--rss_rows', default='1000,10000'); ap.add_argument('--rss_model', default='smollm2-135m')
    ap.add_argument('--rss_shard', type=int, default=None); ap.add_argument('--rss_child', type=int, default=None)
    ap.add_argument('--out', default=os.environ.get('OUT') or os.path.join(tempfile.gettempdir(), 'elk_bench'))
    args = ap.parse_args()
    if args.rss_child: return rss_child(args)

    from elk_nb.models import load_model
    bc.prepare_bench_dir() if (bc.REPO.parent / 'shared').exists() else None
    if args.cpu or args.tiny or not torch.cuda.is_available():
        torch.set_num_threads(args.threads); device = torch.device('cpu')
    else: device = torch.device('cuda:0')
    env = dict(device=torch.cuda.get_device_name(0) if device.type == 'cuda' else f'CPU {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads',
               torch=torch.__version__, python=platform.python_version(), host_cores=os.cpu_count(),
               gpus=torch.cuda.device_count())
    import transformers; env['transformers'] = transformers.__version__
    log('environment:', json.dumps(env))
    peak = bc.matmul_peak(device)
    if device.type == 'cuda': env['attention_kernels'] = attention_kernel_check(device)
    log(f'matmul peak ({"bf16 8192³" if device.type == "cuda" else "fp32 2048³"}): {peak / 1e12:.3f} TFLOP/s')
    ext, fits, dm, fwd, rss = [], [], [], [], []
    out = Path(args.out)

    if args.rss_test:
        log('\n== host memory (RSS) against dataset size')
        rss_test(args, rss)
    if args.device_map_test:
        try: device_map_test(args, dm)
        except Exception: traceback.print_exc(); dm.append(dict(what='device_map test FAILED', devices=[], max_memory=None,
                                                              seconds=0, rel_err_vs_one_gpu=float('nan'), bitwise_equal=False))
    elif not args.fit_only and not args.no_extract and not args.rss_test:
        tok = bc.load_tokenizer()
        datas = {}
        for name in args.data.split(','):
            n = args.n_imdb if name == 'imdb' else args.n_cities
            datas[name] = bc.load_data(name, n)
        sweep = [int(s) for s in args.sweep.split(',') if s]
        overheads = [int(s) for s in args.overheads.split(',') if s]
        if args.cpu:
            model, tok = load_model('smollm2-135m', device='cpu')
            models = [('smollm2-135m (fp32)', lambda: model)]
        else:
            dtype = torch.float32 if args.tiny else torch.bfloat16
            models = [(m + (' (tiny)' if args.tiny else ''), (lambda m=m: bc.build_model(m, len(tok), device, dtype, args.tiny)))
                      for m in args.models.split(',')]
        first = True
        for mname, make in models:
            model = make()
            if not args.cpu:
                try: bench_forward_only(mname, model, device, peak, fwd, tokens=65536 if not args.tiny else 2048)
                except Exception: traceback.print_exc()
            for dname, data in datas.items():
                bench_extraction(mname, model, tok, dname, data, args, device, peak, ext,
                                 e2e=dname == 'imdb', sweep=sweep if first else (), overheads=overheads)
                if args.profile and dname == 'imdb' and mname == models[0][0]:   # the first model only
                    try:
                        from elk_nb.prompts import prompts_for
                        profile_extraction(model, tok, bc.texts_of(prompts_for(data, 'train')), device,
                                           out / f"profile_{mname.split(' ')[0]}.txt")
                    except Exception: traceback.print_exc()
                first = False
                bc.write_json(out / 'extraction.json', dict(env=env, peak_flops=peak, results=ext))
            del model; gc.collect()
            if device.type == 'cuda': torch.cuda.empty_cache()

    if not args.no_fit and not args.device_map_test and not args.rss_test:
        if args.tiny:
            bench_fit(device, fits, 5, 20, 3, 32, restarts=3, loop_layers=2)
            if args.fit_big: bench_fit(device, fits, 5, 50, 3, 32, restarts=3, loop_layers=1)
        elif args.cpu:
            # the issue's CPU figure: CCS on the 31 layers of SmolLM2-135M on `cities`; random states of that shape
            bench_fit(device, fits, 31, 100, 5, 576, restarts=10, loop_layers=1, label=' (SmolLM2-135M shape)')
        else:
            bench_fit(device, fits, 25, 200, 13, 2048, restarts=10, loop_layers=1, label=' (Pythia-1.4B shape)')
            if args.fit_big: bench_fit(device, fits, 25, 1000, 13, 2048, restarts=10, loop_layers=1, label=' (Pythia-1.4B shape)')
    bc.write_json(out / 'results.json', dict(env=env, peak_flops=peak, extraction=ext, fitting=fits, device_map=dm, peer=PEER,
                                             forward_only=fwd, rss=rss, argv=sys.argv))
    text = table(env['device'], ext, fits, dm, peak, fwd, rss)
    out.mkdir(parents=True, exist_ok=True); (out / 'table.md').write_text(text + '\n')
    log('\n' + text)


if __name__ == '__main__':
    main()
