"""GPU check (run 9): packed prefix reuse with split attention vs the same packed forward with one full 4-D mask vs
plain runs, on random Pythia-1.4B / Llama-3.2-1B shapes, in float32 and bf16. Worst layer ||a - b|| / ||b||."""
import sys
sys.path.insert(0, '.'); sys.path.insert(0, 'scripts')
import numpy as np, torch
import bench_common as bc
import elk_nb.batching as ex
import elk_nb.forward as fw
from elk_nb.prompts import prompts_for

tok = bc.load_tokenizer()
texts = bc.texts_of(prompts_for(bc.load_data('imdb', 20), 'train'))[:60]
def rel(a, b):
    a, b = torch.from_numpy(a), torch.from_numpy(b)
    return (torch.linalg.vector_norm(a - b, dim=(0, 1, 3)) / torch.linalg.vector_norm(b, dim=(0, 1, 3))).max().item()
for name in ('pythia-1.4b', 'llama-3.2-1b'):
    for dtype in (torch.float32, torch.bfloat16):
        m = bc.build_model(name, len(tok), 'cuda', dtype)
        layers, cfg = list(range(ex.num_layers(m.config) + 1)), ex.ExtractConfig()
        plain, lpp, _ = ex.compute_states(m, tok, texts, layers, cfg, 'causal', False)
        split, lps, _ = ex.compute_states(m, tok, texts, layers, cfg, 'causal', True)
        ok = fw.split_attention_ok; fw.split_attention_ok = lambda model: False
        full, lpf, _ = ex.compute_states(m, tok, texts, layers, cfg, 'causal', True)
        fw.split_attention_ok = ok
        print(f'{name} {dtype}: split vs plain {rel(split, plain):.2e}, full mask vs plain {rel(full, plain):.2e}, '
              f'split vs full mask {rel(split, full):.2e}; zero-shot max |diff| split {np.abs(lps - lpp).max():.2e}, '
              f'full {np.abs(lpf - lpp).max():.2e}', flush=True)
        del m; torch.cuda.empty_cache()
