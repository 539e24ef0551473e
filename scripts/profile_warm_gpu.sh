#!/bin/bash
# cProfile of one warm whole `elk elicit` of issue 13's GPU workload (after a cold and a warm run), on a GPU machine with
# .whl/ and .bench/ carried as for scripts/time_to_result_gpu.sh. Prints elk_nb's functions by cumulative time, then the top functions by own time.
#   bash scripts/profile_warm_gpu.sh OUT_DIR
set -uo pipefail
OUT=$1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX=/tmp/pycache HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ELK_CACHE=/tmp/elk_cache ELK_DIR=/tmp/elk_runs PYTHONPATH=/tmp/site:$PWD
nvidia-smi --query-gpu=name --format=csv,noheader
python3 scripts/make_bench_model.py pythia-1.4b /tmp/pythia-1.4b 2>&1 | tail -1
ARGS="/tmp/pythia-1.4b $PWD/.bench/imdb --templates $PWD/.bench/imdb_templates.yaml --max_examples 100 100"
printf 'import sys\nsys.argv = ["elk", "elicit"] + sys.argv[1:]\nfrom elk_nb.cli import entry\nentry()\n' > /tmp/elkmain.py
python3 /tmp/elkmain.py $ARGS --name cold 2>&1 | tail -1
python3 /tmp/elkmain.py $ARGS --name warm0 2>&1 | tail -1
python3 -m cProfile -o $OUT/warm.prof /tmp/elkmain.py $ARGS --name warm 2>&1 | tail -1
python3 -c "
import pstats; p = pstats.Stats('$OUT/warm.prof'); p.sort_stats('cumulative'); p.print_stats('elk_nb', 60)" | grep -v '^$' | sed -n '8,75p' | cut -c1-150
echo '# by own time'
python3 -c "
import pstats; p = pstats.Stats('$OUT/warm.prof'); p.sort_stats('tottime'); p.print_stats(30)" | grep -v '^$' | sed -n '8,45p' | cut -c1-150
