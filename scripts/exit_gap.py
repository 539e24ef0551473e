#!/usr/bin/env python
"""How long an `elk elicit` process takes to end after its last line (issue 13): the whole command run through the
installed console script (a script file, as users run it), with the tree on PYTHONPATH, and its stdout read line by
line. Prints the wall time, the seconds from the last output line to the process's end, and the stage line.

    python scripts/exit_gap.py ROOT [ELICIT_ARGS...]     # ROOT: a folder holding an elk_nb package (this repo, or an
                                                        # older tree from `git archive REV elk_nb`)
"""
import os, shutil, subprocess, sys, tempfile, time
from pathlib import Path


def main():
    if len(sys.argv) < 2: sys.exit(__doc__)
    root, args = sys.argv[1], sys.argv[2:]
    exe = Path(sys.executable).with_name('elk')
    with tempfile.TemporaryDirectory(prefix='elk-exit-') as runs:
        env = {**os.environ, 'ELK_DIR': runs, 'PYTHONPATH': root, 'PYTHONUNBUFFERED': '1'}
        t0 = time.time()
        p = subprocess.Popen([str(exe) if exe.exists() else shutil.which('elk') or 'elk', 'elicit', *args],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        last, tail = t0, ''
        for line in p.stdout: last, tail = time.time(), line
        rc = p.wait(); end = time.time()
    print(f'{root}: exit {rc}, wall {end - t0:.2f} s, after the last line {end - last:.2f} s; {tail.strip()}')


if __name__ == '__main__':
    main()
