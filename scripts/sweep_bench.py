"""A sweep of 2 model shapes × 4 datasets with their transfers, timed as a whole `elk sweep` process on 1 GPU and,
where the machine has more, on N (`--num_gpus N`), each from an empty state cache; the run folders' eval.csv compared.

Random-initialised models of published shapes (Pythia-1.4B, Llama-3.2-1B; `scripts/bench_common.py`) saved once to
`.bench/models/`; data: the built-in `cities` rows and three Geometry-of-Truth files, copied into `.bench/` so that
they travel to a GPU machine (`python scripts/sweep_bench.py --prepare` here, then `--run 1 2` there).

    python scripts/sweep_bench.py --prepare                 # on the machine with ../shared/data (CPU is enough)
    python scripts/sweep_bench.py --run 1 [2 4 8]           # on the GPU machine: one whole sweep per GPU count
"""
from __future__ import annotations
import argparse, filecmp, json, os, shutil, subprocess, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc   # noqa: E402

GOT = ('larger_than', 'sp_en_trans', 'companies_true_false')
MODELS = ('pythia-1.4b', 'llama-3.2-1b')

def prepare():
    "Tokenizer and data into .bench/ (the models are built where the sweep runs: they are GBs)."
    bc.prepare_bench_dir()
    got = bc.BENCH_DIR / 'got'
    got.mkdir(parents=True, exist_ok=True)
    for name in GOT: shutil.copy(bc.REPO.parent / 'shared' / 'data' / 'geometry-of-truth' / f'{name}.csv', got / f'{name}.csv')

def build_models() -> list[str]:
    "Random-initialised models of the two shapes, saved in bfloat16 with the SmolLM2 tokenizer (once)."
    tok, out = bc.load_tokenizer(), []
    for name in MODELS:
        path = bc.BENCH_DIR / 'models' / name
        if not (path / 'config.json').exists():
            bc.build_model(name, len(tok), 'cpu').save_pretrained(path); tok.save_pretrained(path)
        out.append(str(path))
    return out

def datasets() -> list[str]:
    return [str(bc.BENCH_DIR / 'cities' / 'train.jsonl')] + [str(bc.BENCH_DIR / 'got' / f'{n}.csv') for n in GOT]

def run_sweep(n: int, models: list, data: list, root: Path) -> float:
    "One whole `elk sweep` process on n GPUs from an empty cache; its wall time."
    env = {**os.environ, 'ELK_DIR': str(root / 'runs'), 'ELK_CACHE': str(root / 'cache'), 'HF_DATASETS_DISABLE_PROGRESS_BARS': '1'}
    cmd = [sys.executable, '-c', 'from elk_nb.cli import entry; entry()', 'sweep', '--models', *models, '--datasets', *data,
           '--name', f'bench-{n}', '--max_examples', '150', '150', '--num_variants', '3'] + (['--num_gpus', str(n)] if n > 1 else [])
    t = time.time()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    dt = time.time() - t
    (root / 'log.txt').write_text(r.stdout + r.stderr)
    if r.returncode: raise SystemExit(f'sweep on {n} GPU(s) failed ({r.returncode}); see {root / "log.txt"}')
    return dt

def compare(a: Path, b: Path) -> tuple[int, int]:
    "(equal, total) eval.csv files of the run folders of two sweeps, byte for byte."
    files = sorted(p.relative_to(a) for p in a.rglob('eval.csv'))
    return sum(filecmp.cmp(a / f, b / f, shallow=False) for f in files if (b / f).exists()), len(files)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--prepare', action='store_true')
    ap.add_argument('--run', type=int, nargs='+')
    ap.add_argument('--out', default=os.environ.get('OUT', '/tmp/sweep_bench'))
    a = ap.parse_args()
    if a.prepare: prepare()
    if not a.run: return
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    t = time.time(); models = build_models(); t_build = time.time() - t
    rows = []
    for n in a.run:
        root = out / f'{n}gpu'
        shutil.rmtree(root, ignore_errors=True)
        rows.append({'gpus': n, 'wall_s': round(run_sweep(n, models, datasets(), root), 1)})
        print(rows[-1], flush=True)
    base = out / f'{a.run[0]}gpu' / 'runs' / 'sweeps' / f'bench-{a.run[0]}'
    for r in rows:
        r['speedup'] = round(rows[0]['wall_s'] / r['wall_s'], 2)
        eq, tot = compare(base, out / f"{r['gpus']}gpu" / 'runs' / 'sweeps' / f"bench-{r['gpus']}")
        r['eval_csv_equal'] = f'{eq}/{tot}'
    print(f'models built in {t_build:.0f}s (not timed in the rows)')
    print('| GPUs | whole sweep (s) | speed-up | eval.csv equal to the first row |\n|---:|---:|---:|---|')
    for r in rows: print(f"| {r['gpus']} | {r['wall_s']} | {r['speedup']} | {r['eval_csv_equal']} |")
    (out / 'sweep_bench.json').write_text(json.dumps(rows, indent=1))

if __name__ == '__main__': main()
