#!/bin/bash
# Issue 13's GPU workload as whole processes, on one GPU machine (see BENCHMARKS.md, "Time to result on one H200"):
# a random-init Pythia-1.4B-shaped model saved as a local folder, the IMDB reviews (100 + 100, .bench/imdb) and the
# 13 promptsource `imdb` templates read from a file with --templates (.bench/imdb_templates.yaml: the peer's file, taken
# from its wheel at run time, never part of this repository). Run from the repository root, after
# `python scripts/bench_common.py`-style set-up: .bench/ (scripts/bench_common.prepare_bench_dir) and .whl/ (the wheels
# the machine lacks: datasets, dill, multiprocess, fastcore, concept-erasure).
#   bash scripts/time_to_result_gpu.sh OUT_DIR [REPEAT]
set -euo pipefail
OUT=${1:?out dir}; REPEAT=${2:-2}
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
mkdir -p /tmp/bin "$OUT"
printf '#!/usr/bin/env python3\nfrom elk_nb.cli import entry\nentry()\n' > /tmp/bin/elk; chmod +x /tmp/bin/elk   # no console script there
export PATH=/tmp/bin:$PATH HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1
export ELK_CACHE=/tmp/elk_cache ELK_DIR=/tmp/elk_runs
# Bytecode: that machine's image sets no cache for its site-packages, so every process would compile its imports
# again (5.6 s of a warm run's 25 s in the profile), which a user's machine does only on its first run. Keep the
# bytecode in a writable folder; the first run below fills it.
echo "PYTHONDONTWRITEBYTECODE was '${PYTHONDONTWRITEBYTECODE:-}'"; unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX=${PYTHONPYCACHEPREFIX:-/tmp/pycache}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, transformers, datasets; print('torch', torch.__version__, 'transformers', transformers.__version__, 'datasets', datasets.__version__)"
MODEL=/tmp/pythia-1.4b
[ -d $MODEL ] || python3 scripts/make_bench_model.py pythia-1.4b $MODEL 2>&1 | grep -v 'Writing model shards'
ARGS="$MODEL $PWD/.bench/imdb --templates $PWD/.bench/imdb_templates.yaml --max_examples 100 100"
# the very first run of a new model file: its weights are hashed once (then remembered by path, size and mtime)
t0=$(date +%s%N); elk elicit $ARGS --name first > $OUT/first.log 2>&1; t1=$(date +%s%N)
echo "first run of a new model file (hashes the weights once): $(( (t1 - t0) / 1000000 )) ms; $(tail -1 $OUT/first.log)"
python3 scripts/elicit_bench.py --repeat $REPEAT --cache $ELK_CACHE --out $OUT/time_to_result_gpu.json -- $ARGS
