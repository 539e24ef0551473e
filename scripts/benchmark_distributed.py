#!/usr/bin/env python
"""Throughput benchmark of data-parallel extraction over several GPUs (torch.distributed, NCCL).

`extract` shards a split by rank when torch.distributed is initialised: rank r computes the shards r, r + N,
r + 2N, ... and writes them to the one cache folder; rank 0 writes `done.json` once all ranks passed a barrier. The
shard boundaries and the batches inside a shard do not depend on N, so the cache is the same as a one-GPU run's.
Users run that through `elk elicit --num_gpus N` (`elk_nb.runs.elicit_distributed`); this script only measures it.

    python scripts/benchmark_distributed.py --bench --num_gpus 2 [--models pythia-1.4b,...] [options]   (starts torchrun)

`--bench` times random models of published shapes on the IMDB benchmark data (see scripts/benchmark.py) and records
every shard's checksums, so that runs with different GPU counts can be compared byte for byte (`--compare A B`).
NVLink multicast stays off (NCCL_NVLS_ENABLE=0).
"""
from __future__ import annotations

import argparse, json, os, shutil, subprocess, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault('NCCL_NVLS_ENABLE', '0')
os.environ.setdefault('TORCH_SYMM_MEM_DISABLE_MULTICAST', '1')
os.environ.setdefault('NVSHMEM_DISABLE_NVLS', '1')
os.environ.setdefault('HF_DATASETS_DISABLE_PROGRESS_BARS', '1')


def relaunch(num_gpus: int):
    "Run this script again under torchrun with `num_gpus` processes on this host."
    argv, skip = [], False
    for a in sys.argv[1:]:
        if skip: skip = False; continue
        if a == '--num_gpus': skip = True; continue
        if a.startswith('--num_gpus='): continue
        argv.append(a)
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={num_gpus}', __file__] + argv
    print('launching:', ' '.join(cmd), flush=True)
    sys.exit(subprocess.call(cmd, env=os.environ.copy()))


def setup():
    "Initialise torch.distributed from torchrun's environment; returns (rank, world, device)."
    import torch
    import torch.distributed as dist
    rank, world, local = int(os.environ.get('RANK', 0)), int(os.environ.get('WORLD_SIZE', 1)), int(os.environ.get('LOCAL_RANK', 0))
    if torch.cuda.is_available():
        device = torch.device('cuda', local); torch.cuda.set_device(device)
        if 'RANK' in os.environ: dist.init_process_group('nccl', device_id=device)
    else:
        device = torch.device('cpu')
        if 'RANK' in os.environ: dist.init_process_group('gloo')
    return rank, world, device


def run_bench(args, rank, world, device):
    "Time extract_splits on random models of published shapes over the IMDB benchmark data, with shard checksums."
    import torch
    import torch.distributed as dist
    import bench_common as bc
    from elk_nb.models import num_layers
    from elk_nb.config import ExtractConfig
    from elk_nb.batching import compute_states
    from elk_nb.extraction import extract_splits
    from elk_nb.prompts import prompts_for

    def barrier():
        if world > 1: dist.barrier()

    tok = bc.load_tokenizer()
    data = bc.load_data('imdb', args.n_imdb)
    prompts = {s: prompts_for(data, s) for s in ('train', 'test')}
    out = {'world': world, 'device': torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu', 'models': {}}
    root = Path(args.cache_dir or '/tmp/elk_dist_bench') / f'{world}gpu'
    for name in args.models.split(','):
        model = bc.build_model(name, len(tok), device, torch.float32 if args.tiny else torch.bfloat16, args.tiny)
        csum = bc.weights_checksum(model)
        L = num_layers(model.config)
        layers, cfg = list(range(L + 1)), ExtractConfig(zero_shot=True, dtype=str(model.dtype)[6:])   # as `extract` sets it: the layout counts stored bytes
        meta = dict(hidden_size=model.config.hidden_size, zero_shot=True)
        # warm-up: one untimed pass over the train split's tuples (kernels chosen, allocator grown), as scripts/benchmark.py
        compute_states(model, tok, [t for row in prompts['train'].texts for t in row], layers, cfg, 'causal')
        folder = root / name
        if rank == 0: shutil.rmtree(folder, ignore_errors=True)
        barrier()
        if device.type == 'cuda': torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        got = extract_splits(lambda m=model: (m, tok, 'causal'), [(p, folder / s, meta) for s, p in prompts.items()],
                             layers, cfg, True, None, args.shard_size)   # both splits through one pipeline, as `extract`
        st = got[0].work['stream']   # this rank's batch and token counts and seconds
        barrier()
        secs = time.perf_counter() - t0
        mine = (st.get('stream_seconds', 0.0), csum, st.get('batches', 0),
                {k: round(v, 3) for k, v in st.items() if k.endswith('seconds')})
        times = [None] * world
        if world > 1: dist.all_gather_object(times, mine)
        else: times = [mine]
        if rank == 0:
            sums = {}
            for split in prompts:
                done = json.loads((folder / split / 'done.json').read_text())
                sums[split] = {s: json.loads((folder / split / s / 'checksum.json').read_text()) for s in done['shards']}
            rows = sum(len(p) for p in prompts.values())
            out['models'][name] = dict(seconds=secs, examples=rows, examples_per_s=rows / secs,
                                       stream_seconds_per_rank=[t for t, *_ in times], batches_per_rank=[x[2] for x in times],
                                       weights_checksum_per_rank=[x[1] for x in times], shard_checksums=sums,
                                       shards=sum(len(v) for v in sums.values()), timings_per_rank=[x[3] for x in times])
            print(f'[{world} GPU] {name}: {secs:.2f} s for {rows} examples ({rows / secs:.1f}/s); streaming per rank '
                  f'{[round(x[0], 2) for x in times]} s, batches {[x[2] for x in times]}; '
                  f'weights checksums equal: {len({x[1] for x in times}) == 1}; per rank: {[x[3] for x in times]}', flush=True)
        del model
        if device.type == 'cuda': torch.cuda.empty_cache()
        barrier()
    if rank == 0 and args.out:
        bc.write_json(Path(args.out) / f'dist_{world}gpu.json', out)
    return out


def compare(a_path, b_path):
    "Compare the shard checksums of two --bench results: identical caches have identical Arrow bytes."
    a, b = json.loads(Path(a_path).read_text()), json.loads(Path(b_path).read_text())
    lines = []
    for name in a['models']:
        if name not in b['models']: continue
        ma, mb = a['models'][name], b['models'][name]
        same = ma['shard_checksums'] == mb['shard_checksums']
        w_same = len(set(ma['weights_checksum_per_rank'] + mb['weights_checksum_per_rank'])) == 1
        lines.append(f"| {name} | {ma['shards']} | {ma['seconds']:.2f} | {mb['seconds']:.2f} | {ma['seconds'] / mb['seconds']:.2f}× | "
                     f"{'identical' if same else 'DIFFERENT'} | {w_same} |")
    head = (f"| model | shards | {a['world']} GPU s | {b['world']} GPU s | speed-up | shard Arrow bytes | same weights |\n"
            '|---|---:|---:|---:|---:|---|---|')
    text = head + '\n' + '\n'.join(lines)
    print(text)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--num_gpus', type=int, default=None, help='start torchrun with this many processes (one GPU each)')
    ap.add_argument('--cache_dir', default=None); ap.add_argument('--shard_size', type=int, default=None, help='rows a shard (default: elk_nb automatic)')
    ap.add_argument('--bench', action='store_true', help='time random models of published shapes on IMDB')
    ap.add_argument('--models', default='pythia-1.4b'); ap.add_argument('--n_imdb', type=int, default=None, help='IMDB examples per split (default: all, 200 + 100)')
    ap.add_argument('--tiny', action='store_true'); ap.add_argument('--out', default=os.environ.get('OUT'))
    ap.add_argument('--compare', nargs=2, metavar=('A_JSON', 'B_JSON'))
    args = ap.parse_args()
    if args.compare:
        text = compare(*args.compare)
        if args.out: Path(args.out).mkdir(parents=True, exist_ok=True); (Path(args.out) / 'dist_compare.md').write_text(text + '\n')
        return
    if args.num_gpus and 'RANK' not in os.environ: relaunch(args.num_gpus)
    rank, world, device = setup()
    try:
        if not args.bench: raise SystemExit('give --bench or --compare (a real model and dataset: elk elicit --num_gpus N)')
        run_bench(args, rank, world, device)
    finally:
        import torch.distributed as dist
        if dist.is_initialized(): dist.destroy_process_group()


if __name__ == '__main__':
    main()
