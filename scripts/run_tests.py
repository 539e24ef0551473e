#!/usr/bin/env python
"""The whole test suite: lint, type check, export sync, every notebook under nbdev_test, the offline docs site in a browser.

Each notebook counts as one test (nbdev's unit of testing); the site checks count one each. The last line is
`N passed, N failed`. Notebooks run two at a time with one thread each (2-core machines). Set TEST_FLAGS=slow
(CI does) to include cells flagged `#| slow`; cells flagged `#| data` run when ../shared/data exists.
"""
import os, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
results = []   # (name, ok, seconds, detail)

def run(name, cmd, env=None, timeout=3600):
    t = time.time()
    try:
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout)
        ok, out = r.returncode == 0, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        ok, out = False, f'timed out after {timeout}s\n{e.stdout or ""}'
    dt = time.time() - t
    results.append((name, ok, dt, out))
    print(f"{'PASS' if ok else 'FAIL'} {name} ({dt:.0f}s)", flush=True)
    if not ok: print('\n'.join(out.strip().splitlines()[-40:]), flush=True)
    return ok, out

def main():
    flags = os.environ.get('TEST_FLAGS', 'slow' if os.environ.get('CI') else '').split()
    if (ROOT.parent / 'shared' / 'data').is_dir() and 'data' not in flags:
        flags.append('data')   # cells flagged `#| data` read the sibling ../shared/data; a fork without it skips them
    run('ruff check elk_nb/', ['ruff', 'check', 'elk_nb/'])
    # the type check (pyrightconfig.json: basic mode over elk_nb/), with this interpreter's packages; the version check
    # against the package index is off so that the step reads nothing from the network (pyright runs on the machine's node)
    run('pyright elk_nb/', ['pyright', '--pythonpath', sys.executable], env={'PYRIGHT_PYTHON_IGNORE_WARNINGS': '1'})
    run('nbdev_export leaves elk_nb/ unchanged',
        ['bash', '-c', 'nbdev_export && git status --porcelain -- elk_nb | (! grep .)'])
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / 'nbs').glob('*.ipynb'))
    # the longest first (12_demo ~23 min, 02_extraction ~8 min on one thread), so the two slots finish together
    longest = ['nbs/12_demo.ipynb', 'nbs/02_extraction.ipynb', 'nbs/11_tutorial.ipynb', 'nbs/03_reporters.ipynb']
    notebooks.sort(key=lambda nb: longest.index(nb) if nb in longest else len(longest))
    one_thread = {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'TOKENIZERS_PARALLELISM': 'false', 'HF_HUB_OFFLINE': '1',
                  'HF_DATASETS_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1', 'MPLBACKEND': 'Agg'}
    def test_nb(nb):
        cmd = ['nbdev_test', '--path', nb, '--do_print'] + (['--flags', ' '.join(flags)] if flags else [])
        return run(f'nbdev_test {nb}', cmd, env=one_thread)
    with ThreadPoolExecutor(2) as pool: list(pool.map(test_nb, notebooks))
    # the documentation site, built offline and checked in headless Chromium
    ok, _ = run('build the docs site offline', [sys.executable, 'scripts/build_docs.py'], env=one_thread)
    if ok:   # each browser check counts as a test of its own
        r = subprocess.run([sys.executable, 'scripts/check_site.py'], cwd=ROOT, capture_output=True, text=True)
        checks = [re.match(r'(PASS|FAIL) (.+)', line) for line in r.stdout.splitlines()]
        checks = [m for m in checks if m]
        for m in checks:
            results.append((f'site: {m.group(2)}', m.group(1) == 'PASS', 0, m.group(0)))
            print(m.group(0), flush=True)
        if r.returncode != 0 and not any(m.group(1) == 'FAIL' for m in checks):
            results.append(('docs site checks', False, 0, r.stderr))
            print('FAIL docs site checks\n' + '\n'.join(r.stderr.strip().splitlines()[-20:]), flush=True)
    passed = sum(ok for _, ok, _, _ in results)
    failed = len(results) - passed
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
