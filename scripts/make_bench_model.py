#!/usr/bin/env python
"""Write a random-initialised model of a published shape (scripts/bench_common.SHAPES) as a local model folder:
safetensors weights in bfloat16 plus SmolLM2's tokenizer, so that whole `elk elicit` (and the peer's) commands can load
it by path, offline. The GPU time-to-result benchmark (scripts/time_to_result_gpu.sh) uses the Pythia-1.4B shape.

    python scripts/make_bench_model.py pythia-1.4b /tmp/pythia-1.4b            # on a GPU machine
    python scripts/make_bench_model.py pythia-1.4b /tmp/tiny --tiny --device cpu   # the same code path, small
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

import bench_common as B


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('shape', choices=sorted(B.SHAPES))
    ap.add_argument('out')
    ap.add_argument('--tiny', action='store_true', help='the same architecture, scaled down (to test on a CPU)')
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    B.prepare_bench_dir()
    tok = B.load_tokenizer()
    model = B.build_model(a.shape, len(tok), a.device, tiny=a.tiny, seed=a.seed)
    out = Path(a.out)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    print(f'{a.shape}{" (tiny)" if a.tiny else ""}: {sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters -> {out}')


if __name__ == '__main__':
    main()
