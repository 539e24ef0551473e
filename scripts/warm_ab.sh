#!/bin/bash
# Warm and cold A/B on one GPU machine (issue 13's workload, see time_to_result_gpu.sh): one state cache, then whole
# `elk elicit` processes alternating between this tree and a baseline tree OLD (a folder holding an elk_nb package, e.g.
# `git archive REV elk_nb | tar -x -C OLD`), so that both are timed on the same machine; then each tree from an empty
# state cache (the weights' hash remembered), and warm runs of this tree with fewer CPU threads (THREADS, default
# "4 8"; THREADS= for none; COLD_RUNS names the cold runs, default "cold_new cold_old cold_new2"). The runs' logs go to OUT_DIR/logs. Needs .whl/ and .bench/ as there.
#   bash scripts/warm_ab.sh OUT_DIR OLD_DIR
set -uo pipefail
OUT=${1:?out dir}; OLD=${2:?baseline tree}; mkdir -p $OUT/logs
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX=/tmp/pycache HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ELK_CACHE=/tmp/elk_cache ELK_DIR=/tmp/elk_runs
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import os, torch; print(f'cpus: os.cpu_count {os.cpu_count()}, affinity {len(os.sched_getaffinity(0))}, torch threads {torch.get_num_threads()}')"
cat /sys/fs/cgroup/cpu.max 2>/dev/null | sed 's/^/cgroup cpu.max: /'
MODEL=/tmp/pythia-1.4b
PYTHONPATH=/tmp/site:$PWD python3 scripts/make_bench_model.py pythia-1.4b $MODEL 2>&1 | grep -v 'Writing model shards' | tail -2
ARGS="$MODEL $PWD/.bench/imdb --templates $PWD/.bench/imdb_templates.yaml --max_examples 100 100"
# a script file, as a console script is (a process started with `python -c` ended 0.4 s sooner on the CPU)
printf 'import sys\nfrom elk_nb.cli import entry\nsys.argv = ["elk", "elicit"] + sys.argv[1:]\nsys.exit(entry())\n' > /tmp/elk_script.py
run() {  # label code_root
  t0=$(date +%s%N); PYTHONPATH=/tmp/site:$2 python3 /tmp/elk_script.py $ARGS --name $1_$RANDOM > $OUT/logs/$1.log 2>&1; t1=$(date +%s%N)
  echo "$1: $(( (t1 - t0) / 1000000 )) ms; $(tail -1 $OUT/logs/$1.log)"
}
run first_new $PWD
run warm_new1 $PWD; run warm_old1 $OLD; run warm_new2 $PWD; run warm_old2 $OLD; run warm_new3 $PWD; run warm_old3 $OLD; run warm_new4 $PWD
# each tree from an empty state cache (and no text-only or data memo), the weights' hash already remembered ("empty state cache")
for label in ${COLD_RUNS-cold_new cold_old cold_new2}; do
  rm -rf $ELK_CACHE/hidden_states $ELK_CACHE/text_only $ELK_CACHE/data; run $label $([ $label = cold_old ] && echo $OLD || echo $PWD)
done
for n in ${THREADS-4 8}; do OMP_NUM_THREADS=$n run warm_new_omp$n $PWD; done

# the two trees' eval.csv of the last runs: the same numbers (printed: the largest difference per numeric column)
python3 - /tmp/elk_runs <<'PY'
import sys
from pathlib import Path
import pandas as pd
runs = sorted(Path(sys.argv[1]).iterdir(), key=lambda p: p.stat().st_mtime)
for a_name, b_name in (('warm_new3', 'warm_old2'), ('cold_new_', 'cold_old_')):   # the last warm runs; the cold runs
    new = next(p for p in runs if p.name.startswith(a_name)); old = next(p for p in runs if p.name.startswith(b_name))
    a, b = pd.read_csv(new / 'eval.csv'), pd.read_csv(old / 'eval.csv')
    same_bytes = (new / 'eval.csv').read_bytes() == (old / 'eval.csv').read_bytes()
    num = [c for c in a.columns if a[c].dtype.kind == 'f']
    diff = {c: float((a[c] - b[c]).abs().max()) for c in num if (a[c] - b[c]).abs().max() > 0}
    text = [c for c in a.columns if c not in num and not a[c].fillna('').astype(str).equals(b[c].fillna('').astype(str))]
    print(f'eval.csv {new.name} vs {old.name}: byte-identical {same_bytes}; rows {len(a)}/{len(b)}; numeric columns differing: {diff or "none"}; text columns differing: {text or "none"}')
PY
