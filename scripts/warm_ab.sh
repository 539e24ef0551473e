#!/bin/bash
# Warm A/B on one GPU machine (issue 13's workload, see time_to_result_gpu.sh): one state cache, then whole `elk elicit`
# processes alternating between this tree and a baseline tree OLD (a folder holding an elk_nb package, e.g.
# `git archive REV elk_nb | tar -x -C OLD`), so that both are timed on the same machine. Needs .whl/ and .bench/ as there.
#   bash scripts/warm_ab.sh OUT_DIR OLD_DIR
set -uo pipefail
OUT=${1:?out dir}; OLD=${2:?baseline tree}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX=/tmp/pycache HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ELK_CACHE=/tmp/elk_cache ELK_DIR=/tmp/elk_runs
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
MODEL=/tmp/pythia-1.4b
PYTHONPATH=/tmp/site:$PWD python3 scripts/make_bench_model.py pythia-1.4b $MODEL 2>&1 | grep -v 'Writing model shards' | tail -2
ARGS="$MODEL $PWD/.bench/imdb --templates $PWD/.bench/imdb_templates.yaml --max_examples 100 100"
# a script file, as a console script is (a process started with `python -c` ended 0.4 s sooner on the CPU)
printf 'import sys\nfrom elk_nb.cli import entry\nsys.argv = ["elk", "elicit"] + sys.argv[1:]\nsys.exit(entry())\n' > /tmp/elk_script.py
run() {  # label code_root
  t0=$(date +%s%N); PYTHONPATH=/tmp/site:$2 python3 /tmp/elk_script.py $ARGS --name $1_$RANDOM > $OUT/$1.log 2>&1; t1=$(date +%s%N)
  echo "$1: $(( (t1 - t0) / 1000000 )) ms; $(tail -1 $OUT/$1.log)"
}
run first_new $PWD
run warm_new1 $PWD; run warm_old1 $OLD; run warm_new2 $PWD; run warm_old2 $OLD; run warm_new3 $PWD
# this tree from an empty state cache (and no text-only memo), the weights' hash already remembered ("empty state cache")
rm -rf $ELK_CACHE/hidden_states $ELK_CACHE/text_only; run cold_new $PWD

# the two trees' eval.csv of the last runs: the same numbers (printed: the largest difference per numeric column)
python3 - /tmp/elk_runs <<'PY'
import sys
from pathlib import Path
import pandas as pd
runs = sorted(Path(sys.argv[1]).iterdir(), key=lambda p: p.stat().st_mtime)
new = next(p for p in reversed(runs) if p.name.startswith('warm_new'))   # (cold_new's states are new: not compared); old = next(p for p in reversed(runs) if p.name.startswith('warm_old'))
a, b = pd.read_csv(new / 'eval.csv'), pd.read_csv(old / 'eval.csv')
same_bytes = (new / 'eval.csv').read_bytes() == (old / 'eval.csv').read_bytes()
num = [c for c in a.columns if a[c].dtype.kind == 'f']
diff = {c: float((a[c] - b[c]).abs().max()) for c in num if (a[c] - b[c]).abs().max() > 0}
text = [c for c in a.columns if c not in num and not a[c].fillna('').astype(str).equals(b[c].fillna('').astype(str))]
print(f'eval.csv {new.name} vs {old.name}: byte-identical {same_bytes}; rows {len(a)}/{len(b)}; numeric columns differing: {diff or "none"}; text columns differing: {text or "none"}')
PY
