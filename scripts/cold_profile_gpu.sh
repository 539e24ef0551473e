#!/bin/bash
# Where a cold `elk elicit` of issue 13's GPU workload goes, on a GPU machine with .whl/ and .bench/ carried as for
# scripts/warm_ab.sh: the first run of a new model folder (its weights hashed), then runs from an empty state cache with
# the hash remembered (one plain, one under scripts/stage_profile.py's timers, one under cProfile), then two warm runs.
#   bash scripts/cold_profile_gpu.sh OUT_DIR
set -uo pipefail
OUT=${1:?out dir}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX=/tmp/pycache HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ELK_CACHE=/tmp/elk_cache ELK_DIR=/tmp/elk_runs PYTHONPATH=/tmp/site:$PWD
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
MODEL=/tmp/pythia-1.4b
python3 scripts/make_bench_model.py pythia-1.4b $MODEL 2>&1 | grep -v 'Writing model shards' | tail -1
ARGS="$MODEL $PWD/.bench/imdb --templates $PWD/.bench/imdb_templates.yaml --max_examples 100 100"
printf 'import sys\nfrom elk_nb.cli import entry\nsys.argv = ["elk", "elicit"] + sys.argv[1:]\nsys.exit(entry())\n' > /tmp/elk_script.py
timed() {  # label command...
  local label=$1; shift; t0=$(date +%s%N); "$@" > $OUT/$label.log 2>&1; t1=$(date +%s%N)
  echo "$label: $(( (t1 - t0) / 1000000 )) ms; $(grep '^time:' $OUT/$label.log | tail -1)"
}
empty() { rm -rf $ELK_CACHE/hidden_states $ELK_CACHE/text_only; }
timed first_new python3 /tmp/elk_script.py $ARGS --name first_new
empty; timed cold_plain1 python3 /tmp/elk_script.py $ARGS --name cold_plain1
empty; timed cold_timers python3 scripts/stage_profile.py $ARGS --name cold_timers
sed -n '/^step /,$p' $OUT/cold_timers.log
empty; timed cold_plain2 python3 /tmp/elk_script.py $ARGS --name cold_plain2
empty; timed cold_cprofile python3 -m cProfile -o $OUT/cold.prof /tmp/elk_script.py $ARGS --name cold_cprofile
python3 -c "
import pstats; p = pstats.Stats('$OUT/cold.prof'); p.sort_stats('cumulative'); p.print_stats(90)" | grep -v '^$' | sed -n '8,100p' | cut -c1-160 > $OUT/cold_profile_top.txt
python3 -c "
import pstats; p = pstats.Stats('$OUT/cold.prof'); p.sort_stats('tottime'); p.print_stats(40)" | grep -v '^$' | sed -n '8,50p' | cut -c1-160 > $OUT/cold_profile_tottime.txt
timed warm1 python3 /tmp/elk_script.py $ARGS --name warm1
timed warm2 python3 /tmp/elk_script.py $ARGS --name warm2
rm -f $OUT/cold.prof
