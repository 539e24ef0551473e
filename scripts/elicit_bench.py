#!/usr/bin/env python
"""Time to result: the whole `elk elicit` as a user waits for it, cold and warm, each run as a whole process (issue 13).

  * cold: an empty hidden-state cache (the converted model is linked in from your cache, so conversion is not timed:
    "model already converted");
  * warm: the same command again, its states now cached;
  * `elk --help` and `python -c "import elk_nb.reporters"` (import cost);
  * with --peer_cmd, the peer's whole command, timed the same way (e.g. an `elk elicit ...` of eleuther-elk 0.1.1 in its
    own environment).

Each elk_nb row shows the stage line the run printed last (startup = imports, data + prompts, model load, extraction
(or reading the cached states), fit, eval, write).

    python scripts/elicit_bench.py                              # the README default: `elk elicit`
    python scripts/elicit_bench.py -- MODEL DATASET --net vinc  # any elicit arguments after --
    python scripts/elicit_bench.py --repeat 3 --out benchmarks/2026-12-04/elicit_cpu.json
"""
from __future__ import annotations

import argparse, json, os, platform, re, shutil, subprocess, sys, tempfile, time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = re.compile(r'^time: (.*) \(([\d.]+)s\)$')


def elk_exe() -> str:
    exe = Path(sys.executable).with_name('elk')
    return str(exe) if exe.exists() else 'elk'


def timed(cmd: list[str], env: dict) -> tuple[float, str, int]:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return time.perf_counter() - t, r.stdout + r.stderr, r.returncode


def stages(out: str) -> dict:
    "The stage line `time: a 1.0s, b 2.0s (3.0s)` an elicit prints last, as {stage: seconds}."
    for line in reversed(out.splitlines()):
        m = STAGE.match(line.strip())
        if m: return {k: float(v.rstrip('s')) for k, v in (part.rsplit(' ', 1) for part in m.group(1).split(', '))}
    return {}


def link_models(src_cache: Path, dst_cache: Path):
    """Hard-link (or copy) the converted built-in models, and copy the weight files' hash memo, into the fresh cache:
    the cold run then extracts, rather than converting a GGUF file or hashing weights it has already hashed once."""
    src = src_cache / 'models'
    if src.is_dir():
        try: shutil.copytree(src, dst_cache / 'models', copy_function=os.link)
        except OSError: shutil.copytree(src, dst_cache / 'models', dirs_exist_ok=True)
    memo = src_cache / 'file_hashes.json'
    if memo.exists():
        dst_cache.mkdir(parents=True, exist_ok=True)
        shutil.copy(memo, dst_cache / memo.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeat', type=int, default=1, help='cold + warm pairs to run (the table shows each)')
    ap.add_argument('--cache', default=os.environ.get('ELK_CACHE', str(Path.home() / '.cache/huggingface/datasets/elk_nb')),
                    help='your elk_nb cache, where the converted model lives')
    ap.add_argument('--peer_cmd', default=None, help="the peer's whole command, as one shell string (timed as is)")
    ap.add_argument('--out', default=None, help='write the measurements here as JSON')
    ap.add_argument('elicit_args', nargs='*', help='arguments for `elk elicit` (after --)')
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix='elk-bench-') as tmp:
        tmp = Path(tmp)
        env = {**os.environ, 'ELK_DIR': str(tmp / 'runs'), 'ELK_CACHE': str(tmp / 'cache')}
        wall, _, _ = timed([elk_exe(), '--help'], env)
        rows.append({'what': '`elk --help`', 'wall_s': wall, 'stages': {}})
        wall, _, _ = timed([sys.executable, '-c', 'import elk_nb.reporters'], env)
        rows.append({'what': '`python -c "import elk_nb.reporters"`', 'wall_s': wall, 'stages': {}})
        for i in range(a.repeat):
            cache = tmp / f'cache{i}'
            link_models(Path(a.cache), cache)
            env = {**env, 'ELK_CACHE': str(cache)}
            for what in ('empty state cache', 'states cached'):
                wall, out, rc = timed([elk_exe(), 'elicit', *a.elicit_args], env)
                if rc != 0: sys.exit(f'elk elicit failed ({what}):\n' + '\n'.join(out.splitlines()[-20:]))
                rows.append({'what': f'elk_nb, {what}', 'wall_s': wall, 'stages': stages(out)})
                print(f"{rows[-1]['what']}: {wall:.1f} s", flush=True)
        if a.peer_cmd:
            wall, out, rc = timed(['bash', '-c', a.peer_cmd], {**os.environ})
            rows.append({'what': 'peer' + ('' if rc == 0 else f' (exit {rc})'), 'wall_s': wall, 'stages': {}})
    print(f"\n{date.today()}, {platform.node()}, {os.cpu_count()} cores, torch threads default; "
          f"`elk elicit {' '.join(a.elicit_args)}`\n")
    print('| whole process | wall | stages printed by the run |\n|---|---:|---|')
    for r in rows:
        st = ', '.join(f'{k} {v:.1f}' for k, v in r['stages'].items())
        print(f"| {r['what']} | {r['wall_s']:.2f} s | {st} |")
    if a.out:
        from elk_nb.core import atomic_write
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(Path(a.out), json.dumps({'date': str(date.today()), 'args': a.elicit_args, 'rows': rows}, indent=1))


if __name__ == '__main__':
    main()
