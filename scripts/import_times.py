#!/usr/bin/env python
"""The slowest imports of a command, from `python -X importtime`: the top N modules by cumulative import time, and for
each the module that first imported it. Usage: python scripts/import_times.py [-n 25] -- SCRIPT ARGS..."""
import argparse, re, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument('-n', type=int, default=25)
ap.add_argument('cmd', nargs=argparse.REMAINDER)
a = ap.parse_args()
cmd = a.cmd[1:] if a.cmd[:1] == ['--'] else a.cmd
err = subprocess.run([sys.executable, '-X', 'importtime', *cmd], capture_output=True, text=True).stderr
rows, stack = [], []   # importtime prints children before parents, indented by depth
for line in err.splitlines():
    m = re.match(r'import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)', line)
    if not m: continue
    self_us, cum_us, depth, name = int(m[1]), int(m[2]), len(m[3]) // 2, m[4]
    rows.append((cum_us, depth, name))
parent = {}
for i, (cum, depth, name) in enumerate(rows):      # the parent is the next line of smaller depth
    for cum2, depth2, name2 in rows[i + 1:]:
        if depth2 < depth: parent[name] = name2; break
top = sorted(rows, reverse=True)[:a.n]
print(f'{"cumulative s":>12}  module  (imported by)')
for cum, depth, name in top: print(f'{cum / 1e6:12.2f}  {name}  ({parent.get(name, "-")})')
