#!/bin/bash
# Runs 10-13 (2026-11-28, third session): streamed shards with the length-sorted layout, on nvidia-h200-x2 machines.
# Run 10: `dist`; run 11: `pythia` then `bench`; run 12: `pythia`, then `benchmark.py --no_fit --data imdb`; run 13: `dist`,
# then `benchmark.py --no_fit --data imdb` (CUDA_VISIBLE_DEVICES=0).
#   bash benchmarks/2026-11-28/run10.sh dist    two GPUs vs one (end to end, caches compared), then host RSS at 1k/10k rows
#   bash benchmarks/2026-11-28/run10.sh pythia  the two-GPU comparison for Pythia alone, with the time breakdown
#   bash benchmarks/2026-11-28/run10.sh bench   the single-GPU extraction table (GPU 0), end-to-end rows included
set -u
pip install --no-index --no-deps --target /tmp/pp .whl/*.whl -q 2>&1 | tail -2
export PYTHONPATH=/tmp/pp:$PWD ELK_CACHE=/tmp/elk_cache NCCL_NVLS_ENABLE=0 HF_DATASETS_DISABLE_PROGRESS_BARS=1
nvidia-smi -L; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
python3 -c "import torch, transformers, datasets; print(torch.__version__, transformers.__version__, datasets.__version__)"
case "$1" in
dist)
  for n in 1 2; do
    python3 scripts/benchmark_distributed.py --bench --num_gpus $n --models pythia-1.4b,llama-2-7b --out $OUT 2>&1 \
      | grep -v Saving | tee $OUT/dist_${n}gpu.log
  done
  python3 scripts/benchmark_distributed.py --compare $OUT/dist_1gpu.json $OUT/dist_2gpu.json --out $OUT
  CUDA_VISIBLE_DEVICES=0 python3 scripts/benchmark.py --rss_test --out $OUT/r 2>&1 | grep -v Saving | tail -12 ;;
pythia)
  for n in 1 2; do
    python3 scripts/benchmark_distributed.py --bench --num_gpus $n --models pythia-1.4b --out $OUT/p 2>&1 \
      | grep -v Saving | grep GPU | tee $OUT/pythia_${n}gpu.log
  done
  python3 scripts/benchmark_distributed.py --compare $OUT/p/dist_1gpu.json $OUT/p/dist_2gpu.json --out $OUT/p ;;
bench)
  CUDA_VISIBLE_DEVICES=0 python3 scripts/benchmark.py --no_fit --out $OUT/b 2>&1 | grep -v 'Saving\|extracting' | tee $OUT/bench.log | tail -40 ;;
esac
