"""Run 14 diagnostic: is a rank's stream slower than half the one-GPU stream because of a fixed cost per stream, or
because of the environment torchrun gives a rank (OMP_NUM_THREADS=1)? One process, GPU 0, Pythia-1.4B shape, the
dist benchmark's data and shard layout; streams (no disk) over all shards of both splits, and over rank 0's half."""
import sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2])); sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'scripts'))
import torch
import bench_common as bc
from elk_nb.models import num_layers
from elk_nb.config import ExtractConfig
from elk_nb.batching import compute_states, stream_states
from elk_nb.cache import SHARD_BYTES, shard_layout
from elk_nb.prompts import prompts_for

tok = bc.load_tokenizer()
data = bc.load_data('imdb', None if torch.cuda.is_available() else 20)
prompts = [prompts_for(data, s) for s in ('train', 'test')]
GPU = torch.cuda.is_available()   # without one: a tiny model, a smoke test of this script
model = bc.build_model('pythia-1.4b', len(tok), 'cuda:0' if GPU else 'cpu', torch.bfloat16, tiny=not GPU)
layers, cfg = list(range(num_layers(model.config) + 1)), ExtractConfig(zero_shot=True)
groups = []          # (split, shard index, tuples) in extract_splits' order
for j, p in enumerate(prompts):
    v, k = len(p.template_names), p.num_answers
    size = max(1, SHARD_BYTES // (v * k * len(layers) * model.config.hidden_size * 4))
    for i, rows in enumerate(shard_layout([sum(max(map(len, tup)) for tup in row) + 1 for row in p.texts], size)):
        groups.append((i, [tup for r in rows for tup in p.texts[r]]))
full = [g for _, g in groups]
half = [g for i, g in groups if i % 2 == 0]
compute_states(model, tok, [t for row in prompts[0].texts for t in row], layers, cfg, 'causal')   # warm-up

def timed(gs, label):
    st = {}
    bc.sync(model.device); t0 = time.perf_counter(); first = None
    for n, _ in enumerate(stream_states(model, tok, gs, layers, cfg, 'causal', stats=st, small_start=False, out_dtype='bfloat16')):
        if first is None: first = time.perf_counter() - t0
    bc.sync(model.device); s = time.perf_counter() - t0
    print(f'{label:<34} {s:6.3f} s  groups {len(gs):3d}  batches {st["batches"]:3d}  first group back at {first:.3f} s  '
          f'threads {torch.get_num_threads()}', flush=True)
    return s

for rep in range(2):
    a = timed(full, 'all shards (one GPU)'); b = timed(half, "rank 0's shards")
    print(f'  fixed cost per stream if the work halves: {2 * b - a:.3f} s')
torch.set_num_threads(1)
for rep in range(2):
    a = timed(full, 'all shards, 1 thread'); b = timed(half, "rank 0's shards, 1 thread")
    print(f'  fixed cost per stream if the work halves: {2 * b - a:.3f} s')
