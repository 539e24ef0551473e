#!/bin/bash
# Runs 14-15 (2026-11-28, fourth session): 16-bit states on disk, fixed-size-list columns, one pipeline for both splits
# (run 14: commit 24f1f98, `dist` then diag_rank_stream.py (plain and OMP_NUM_THREADS=1) and `bench`; run 15: commit
# c94cb3b, shards counted in stored bytes, `dist` then `bench`). On an nvidia-h200-x2 machine:
#   bash benchmarks/2026-11-28/run14.sh dist    two GPUs vs one (end to end, caches compared), the CLI --num_gpus check
#   bash benchmarks/2026-11-28/run14.sh bench   the single-GPU extraction table on IMDB (GPU 0), end-to-end rows, host RSS
set -u
pip install --no-index --no-deps --target /tmp/pp .whl/*.whl -q 2>&1 | grep -v WARNING | tail -2
export PYTHONPATH=/tmp/pp:$PWD ELK_CACHE=/tmp/elk_cache NCCL_NVLS_ENABLE=0 HF_DATASETS_DISABLE_PROGRESS_BARS=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
python3 -c "import torch, transformers, datasets; print(torch.__version__, transformers.__version__, datasets.__version__)"
git log --oneline 2>/dev/null | head -1
case "$1" in
dist)
  for n in 1 2; do
    python3 scripts/benchmark_distributed.py --bench --num_gpus $n --models pythia-1.4b,llama-2-7b --out $OUT 2>&1 \
      | grep -v "Saving\|extracting" | tee $OUT/dist_${n}gpu.log
  done
  python3 scripts/benchmark_distributed.py --compare $OUT/dist_1gpu.json $OUT/dist_2gpu.json --out $OUT
  bash benchmarks/2026-11-28/check_cli_num_gpus.sh 2>&1 | tee $OUT/check_cli_num_gpus.log ;;
bench)
  CUDA_VISIBLE_DEVICES=0 python3 scripts/benchmark.py --no_fit --data imdb --out $OUT/b 2>&1 | grep -v 'Saving\|extracting' | tee $OUT/bench.log | tail -30
  CUDA_VISIBLE_DEVICES=0 python3 scripts/benchmark.py --rss_test --out $OUT/r 2>&1 | grep -v 'Saving\|extracting' | tail -8 ;;
esac
