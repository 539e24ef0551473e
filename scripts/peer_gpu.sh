#!/bin/bash
# The peer (EleutherAI `elk` 0.1.1) on issue 13's GPU workload, as a whole process, on the same machine as
# scripts/time_to_result_gpu.sh: the same random-init Pythia-1.4B-shaped folder, the same IMDB reviews (100 + 100,
# .bench/imdb) and the peer's own 13 `imdb` templates (it finds them by the dataset's name).
#
# Needs .peerwhl/ carried: the wheels of eleuther-elk==0.1.1 and of what it imports that the GPU machine lacks
# (simple-parsing, docstring-parser, concept-erasure==0.1.0, plotly==5.14.1, tenacity; its image has rich, einops,
# nvidia-ml-py), downloaded for Python 3.12 with `pip download --no-deps`.
# The peer gets, in its own folder only, the three compatibility fixes ../shared/peer-notes.md lists (a dataclass
# default for Python >= 3.11, `[:]` on datasets >= 4 columns, no `load_in_8bit` for transformers 5); nothing of it is
# part of this repository.
#   bash scripts/peer_gpu.sh OUT_DIR
set -euo pipefail
OUT=${1:?out dir}; mkdir -p "$OUT"
PEER=/tmp/peersite
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target $PEER .peerwhl/*.whl
[ -d /tmp/site ] || python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
python3 - "$PEER/elk" <<'EOF'
import sys
from pathlib import Path
root = Path(sys.argv[1])
def fix(rel, old, new, count=1):
    p = root / rel; s = p.read_text()
    if new in s and old not in s: return
    assert s.count(old) == count, (rel, old, s.count(old))
    p.write_text(s.replace(old, new))
fix('training/sweep.py', '    run_template: Elicit = Elicit(\n        data=Extract(\n            model="<placeholder>",\n'
    '            datasets=("<placeholder>",),\n        )\n    )',
    '    run_template: Elicit = field(default_factory=lambda: Elicit(\n        data=Extract(\n'
    '            model="<placeholder>",\n            datasets=("<placeholder>",),\n        )\n    ))')
s = (root / 'training/sweep.py').read_text()
if 'import field' not in s and ', field' not in s:
    (root / 'training/sweep.py').write_text('from dataclasses import field\n' + s)
fix('run.py', 'split["label"])', 'split["label"][:])')
fix('run.py', 'split[f"hidden_{layer}"])', 'split[f"hidden_{layer}"][:])')
fix('run.py', 'split["model_logits"] if has_preds', 'split["model_logits"][:] if has_preds')
fix('utils/hf_utils.py', '        if kwargs.get("load_in_8bit"):', '        if kwargs.pop("load_in_8bit", False):')
print('peer patched')
EOF
# The peer loads datasets by name: a local folder `imdb` (parquet + a README whose YAML header has dataset_info).
DATA=/tmp/peerdata; mkdir -p $DATA/imdb
python3 - $DATA/imdb .bench/imdb <<'EOF'
import json, sys
from pathlib import Path
import pyarrow as pa, pyarrow.parquet as pq
dst, src = Path(sys.argv[1]), Path(sys.argv[2])
names = ['neg', 'pos']; code = {'negative': 0, 'positive': 1}
sizes = {}
for split in ('train', 'test'):
    rows = [json.loads(l) for l in open(src / f'{split}.jsonl')]
    pq.write_table(pa.table({'text': [r['text'] for r in rows], 'label': [code[r['label']] for r in rows]}),
                   dst / f'{split}.parquet')
    sizes[split] = (len(rows), (dst / f'{split}.parquet').stat().st_size)
(dst / 'README.md').write_text(f"""---
dataset_info:
  features:
  - name: text
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': {names[0]}
          '1': {names[1]}
  splits:
  - name: train
    num_bytes: {sizes['train'][1]}
    num_examples: {sizes['train'][0]}
  - name: test
    num_bytes: {sizes['test'][1]}
    num_examples: {sizes['test'][0]}
configs:
- config_name: default
  data_files:
  - split: train
    path: train.parquet
  - split: test
    path: test.parquet
---
""")
print('imdb folder', sizes)
EOF
MODEL=/tmp/pythia-1.4b
[ -d $MODEL ] || python3 scripts/make_bench_model.py pythia-1.4b $MODEL 2>&1 | grep -v 'Writing model shards'
export PYTHONPATH=$PEER:/tmp/site HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1
export HF_DATASETS_CACHE=/tmp/peer_hf_cache; rm -rf $HF_DATASETS_CACHE /tmp/peer_out
unset PYTHONDONTWRITEBYTECODE; export PYTHONPYCACHEPREFIX=${PYTHONPYCACHEPREFIX:-/tmp/pycache}
cd $DATA
# Each output line with the seconds since the start: the peer prints "Output directory at" between extraction and fit.
python3 -u - "$OUT/peer.log" <<'EOF'
import subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen([sys.executable, '-m', 'elk', 'elicit', '/tmp/pythia-1.4b', 'imdb', '--max_examples', '100', '100',
                      '--out_dir', '/tmp/peer_out'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
split = None
with open(sys.argv[1], 'w') as log:
    for line in p.stdout:
        t = time.perf_counter() - t0
        log.write(f'{t:8.1f} {line}')
        if split is None and 'Output directory at' in line: split = t
wall = time.perf_counter() - t0
print(f'peer exit {p.wait()}: whole process {wall:.1f} s; extraction (until "Output directory at") '
      f'{split if split is None else round(split, 1)} s; fit and the rest {None if split is None else round(wall - split, 1)} s')
EOF
tail -5 "$OUT/peer.log"
ls /tmp/peer_out 2>/dev/null && find /tmp/peer_out -name 'eval.csv' -exec cp {} "$OUT/peer_eval.csv" \; || true
