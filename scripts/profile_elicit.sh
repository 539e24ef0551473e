#!/bin/bash
# Profile one whole `elk elicit` cold (empty state cache) and warm (states cached) with cProfile, after
# scripts/time_to_result_gpu.sh's set-up (wheels, the elk script, the model folder). Prints the top functions by
# cumulative time (elk_nb's and the libraries' own) of each.
#   bash scripts/profile_elicit.sh OUT_DIR ELICIT_ARGS...
set -euo pipefail
OUT=$1; shift
ELK=$(command -v elk)
mkdir -p /tmp/prof_cache
[ -f ${ELK_CACHE:-/nonexistent}/file_hashes.json ] && cp $ELK_CACHE/file_hashes.json /tmp/prof_cache/
for what in cold warm; do
  ELK_CACHE=/tmp/prof_cache python3 -m cProfile -o $OUT/$what.prof $ELK elicit "$@" --name prof_$what 2>&1 | tail -1
  python3 -c "
import pstats, sys
p = pstats.Stats('$OUT/$what.prof'); p.sort_stats('cumulative')
p.print_stats(r'elk_nb|datasets/(arrow|table|fingerprint)|transformers/(modeling_utils|configuration)|safetensors|torch/(optim|_dynamo/__init__)', 45)
" | grep -v '^$' | sed -n '8,60p' | cut -c1-170
done
