"""Agreement benchmark: per-layer held-out AUROC of VINC and LR, elk_nb vs EleutherAI elk 0.1.1, on the SAME states.

Not part of the test suite. Needs the peer installed in a separate environment (see the shared peer notes); the peer is
only ever run as a library, by `benchmarks/peer_vinc_driver.py` under the peer's own interpreter.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    ELK_CACHE=/tmp/elkcache .venv/bin/python benchmarks/peer_vinc.py --peer_python /work/peer-venv/bin/python

Steps: (a) extract hidden states with elk_nb (cached under $ELK_CACHE) and write train/test states, labels and the
elk_nb-normalised states to a safetensors file in a temporary folder; (b) run the driver, which fits the peer's VINC
(default EigenFitterConfig, also with erase_prompts=True, and on elk_nb-normalised states) and supervised LR and scores
them with the peer's `evaluate_preds`; (c) fit elk_nb's VINC and LR with `fit_layers` and score them with
`elk_nb.evaluation`; (d) print the per-layer table and the largest |Δ| per method.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from elk_nb.evaluation import evaluate_reporter, roc_auc
from elk_nb.extraction import extract
from elk_nb.reporters import REPORTERS, Normalizer, fit_layers

HERE = Path(__file__).resolve().parent
OFFLINE = dict(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1',
               TRANSFORMERS_OFFLINE='1')


def states(model: str, data: str, n_train: int, n_test: int):
    "Train/test states (L, n, v, 2, d) in float32, labels (n,), layer indices, template names."
    hs = extract(model, data, max_examples=(n_train, n_test))
    tr, te = hs['train'], hs['test']
    return (tr.stacked().float(), tr.labels.long(), te.stacked().float(), te.labels.long(), list(tr.layers),
            list(tr.template_names))


def run_peer(peer_python: str, src: Path, dst: Path) -> dict:
    env = {**os.environ, **OFFLINE}
    env.pop('PYTHONPATH', None)
    subprocess.run([peer_python, str(HERE / 'peer_vinc_driver.py'), str(src), str(dst)], check=True, env=env)
    return json.loads(dst.read_text())


def elk_nb_rows(kind: str, xtr, ytr, xte, yte, **hparams) -> tuple[list[dict], list, float]:
    "Per-layer elk_nb results: AUROC of the template-mean probability (the headline), of the template-mean log-odds"
    " (the peer's 'full' ensembling), pooled over templates (the peer's 'partial'), and `evaluate_reporter`'s AUROC."
    t0 = time.perf_counter()
    reps = fit_layers(kind, xtr, ytr, **hparams)
    secs = time.perf_counter() - t0
    rows = []
    for layer, rep in enumerate(reps):
        p = rep.predict_proba(xte[layer])                        # (n, v) calibrated P(answer 1 true)
        logit = rep.score(xte[layer]) * rep.platt[0] + rep.platt[1]   # calibrated log-odds, (n, v)
        v = p.shape[1]
        rows.append({'auroc': float(roc_auc(yte, p.mean(1))),
                     'auroc_mean_logit': float(roc_auc(yte, logit.mean(1))),
                     'auroc_pooled': float(roc_auc(yte.repeat_interleave(v), logit.reshape(-1))),
                     'evaluate_reporter': evaluate_reporter(rep, xte[layer], yte, n_boot=10)['auroc'],
                     'flipped': rep.flipped, 'info': {k: val for k, val in rep.info.items() if not isinstance(val, list)}})
    return rows, reps, secs


def direction(rep) -> torch.Tensor | None:
    "A reporter's (d,) direction parameter, when it has one."
    d = rep.normalizer.mean.shape[-1]
    for name in ('weight', 'direction', 'w'):
        t = rep.params.get(name)
        if t is not None and t.reshape(-1).shape[0] == d: return t.reshape(-1).double()
    for t in rep.params.values():
        if t.reshape(-1).shape[0] == d: return t.reshape(-1).double()
    return None


def fmt(x, w=7):
    return f'{x:{w}.4f}' if isinstance(x, float) else f'{"n/a":>{w}}'


# ---- (e) optional: the peer's whole `elk elicit` CLI on the same model, rows and templates -------------------------
def _yaml_str(x: str) -> str:
    "A YAML double-quoted scalar (JSON strings are valid YAML)."
    return json.dumps(x)


def write_peer_inputs(work: Path, data, templates) -> tuple[str, Path]:
    """A local dataset folder the peer's `load_dataset(name)` reads offline (parquet splits + README with
    `dataset_info`), and elk_nb's templates rewritten in the promptsource YAML schema the peer's --template_path reads."""
    name = 'cities_elk_nb'
    ds = work / name
    ds.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for split, rows in (('train', data.train), ('test', data.test)):
        rows.select_columns(['statement', 'label']).to_parquet(str(ds / f'{split}.parquet'))
        sizes[split] = len(rows)
    (ds / 'README.md').write_text(
        '---\ndataset_info:\n  features:\n  - name: statement\n    dtype: string\n  - name: label\n    dtype:\n'
        "      class_label:\n        names:\n          '0': 'false'\n          '1': 'true'\n"
        '  splits:\n' + ''.join(f'  - name: {k}\n    num_examples: {v}\n' for k, v in sizes.items()) +
        'configs:\n- config_name: default\n  data_files:\n' +
        ''.join(f'  - split: {k}\n    path: {k}.parquet\n' for k in sizes) + '---\n')
    tdir = work / 'templates'
    tdir.mkdir(exist_ok=True)
    lines = [f'dataset: {name}', 'label_column: label', 'templates:']
    for i, t in enumerate(templates):
        if t.suffix or t.choices_from_labels or len(t.choices) != 2: raise SystemExit(f'cannot convert template {t.name}')
        tid = f'00000000-0000-4000-8000-{i:012d}'
        lines += [f'  {tid}: !Template',
                  f'    answer_choices: {_yaml_str(" ||| ".join(c.strip() for c in t.choices))}',
                  f'    id: {tid}',
                  f'    jinja: {_yaml_str(t.prompt + " ||| {{ answer_choices[label] }}")}',
                  '    metadata: !TemplateMetadata', '      choices_in_prompt: false', '      languages:', '      - en',
                  '      metrics:', '      - Accuracy', '      original_task: true',
                  f'    name: {t.name}', "    reference: ''"]
    (tdir / 'templates.yaml').write_text('\n'.join(lines) + '\n')
    return name, tdir


def peer_states(cache: Path, layers: list[int]) -> dict:
    "The peer's extracted splits from its datasets cache: rows with text_questions, label and float16 states."
    import datasets as hfds
    out = {}
    for f in sorted((cache / 'generator').rglob('generator-*.arrow')):   # the extracted splits, not the raw data
        split = 'train' if 'train' in f.name else 'test' if any(k in f.name for k in ('test', 'val')) else None
        if split is None: continue
        ds = hfds.Dataset.from_file(str(f))
        num = ds.with_format('numpy')   # the peer stores float16 bits as int16
        hid = {layer: torch.from_numpy(np.asarray(num[f'hidden_{layer}'][:]).astype(np.int16)).view(torch.float16).float()
               for layer in layers}
        out[split] = {'text': ds['text_questions'], 'label': torch.tensor(ds['label']), 'hidden': hid}
    return out


def run_cli(args):
    "Run `elk elicit` on the converted model and elk_nb's rows/templates; compare AUROCs and hidden states."
    import pandas as pd

    from elk_nb.data import load_elk_data
    from elk_nb.models import builtin_model_dir
    from elk_nb.prompts import templates_for
    n = args.cli_examples
    data = load_elk_data(args.data, max_examples=(n, n))
    templates = templates_for(data)
    hs = extract(args.model, args.data, max_examples=(n, n))
    layers = list(hs['train'].layers)
    work = Path(args.keep or tempfile.mkdtemp(prefix='peer_cli_'))
    work.mkdir(parents=True, exist_ok=True)
    name, tdir = write_peer_inputs(work, data, templates)
    model_dir = builtin_model_dir(args.model)
    elk_bin = Path(args.peer_python).with_name('elk')
    cmd = [str(elk_bin), 'elicit', str(model_dir), name, '--template_path', str(tdir.resolve()),
           '--max_examples', str(n), str(n), '--out_dir', str(work / 'out'), '--disable_cache']
    env = {**os.environ, **OFFLINE, 'HF_DATASETS_CACHE': str(work / 'hf_cache')}
    env.pop('PYTHONPATH', None)
    print('running:', ' '.join(cmd), flush=True)
    if not (args.reuse_peer and (work / 'out' / 'eval.csv').exists()):
        with open(work / 'peer_cli.log', 'w') as log:
            rc = subprocess.run(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
        if rc: raise SystemExit(f'elk elicit failed ({rc}); see {work / "peer_cli.log"}')
    # phases from file times: the peer's arrow copy of the raw train split (written when it first loads the data) ->
    # cfg.yaml (written right after "Output directory at", i.e. after extraction) -> eval.csv (every layer fitted)
    mt = lambda f: f.stat().st_mtime
    start = min(mt(f) for f in (work / 'hf_cache' / name).rglob(f'{name}-train.arrow'))
    total, t_split = mt(work / 'out/eval.csv') - start, mt(work / 'out/cfg.yaml') - start
    ev = pd.read_csv(work / 'out' / 'eval.csv'); lr = pd.read_csv(work / 'out' / 'lr_eval.csv')
    full = lambda df: df[df.ensembling == 'full'].set_index('layer')['auroc_estimate']
    pv, pl = full(ev), full(lr)

    # which of elk_nb's rows the peer used (its balanced sampler may drop some), matched by statement text
    peer = peer_states(work / 'hf_cache', layers)
    idx, rel, cos_, rel16 = {}, {}, {}, {}
    for split, rows in (('train', data.train), ('test', data.test)):
        where = {st: i for i, st in enumerate(rows['statement'])}
        idx[split] = [next(i for st, i in where.items() if st in q[0][0]) for q in peer[split]['text']]
        assert torch.equal(peer[split]['label'], hs[split].labels[idx[split]]), 'labels differ'
    for layer in layers:
        a = hs['test'][layer][idx['test']]                                  # elk_nb float32 (m, v, 2, d)
        b = peer['test']['hidden'][layer]                                   # peer float16 -> float32
        nb = a.norm(dim=-1).clamp_min(1e-30)
        rel[layer] = ((a - b).norm(dim=-1) / nb).median(0).values           # (v, 2) median over examples
        cos_[layer] = torch.nn.functional.cosine_similarity(a, b, dim=-1).median(0).values
        rel16[layer] = float(((a - a.half().float()).norm(dim=-1) / nb).median())
    # elk_nb fitted on exactly the rows the peer used
    xtr = hs['train'].stacked()[:, idx['train']].float(); ytr = hs['train'].labels[idx['train']]
    xte = hs['test'].stacked()[:, idx['test']].float(); yte = hs['test'].labels[idx['test']]
    ev_nb = {k: elk_nb_rows(k, xtr, ytr, xte, yte)[0] for k in ('vinc', 'lr')}
    print(f'\npeer CLI: {len(idx["train"])}+{len(idx["test"])} of {n}+{n} rows used, templates '
          f'{[t.name for t in templates]}; wall {total:.0f}s (extraction {t_split:.0f}s, fitting {total - t_split:.0f}s)')
    print('layer | CLI VINC | elk_nb VINC | CLI LR | elk_nb LR | median rel. state diff per template (answer 1) | '
          'median cos | fp16 rounding alone')
    for i, layer in enumerate(layers):
        r = ' '.join(f'{x:.3f}' for x in rel[layer][:, 1].tolist())
        c = ' '.join(f'{x:.3f}' for x in cos_[layer][:, 1].tolist())
        print(f'{layer:5d} | {pv.get(layer, float("nan")):8.4f} | {ev_nb["vinc"][i]["auroc"]:11.4f} | '
              f'{pl.get(layer, float("nan")):6.4f} | {ev_nb["lr"][i]["auroc"]:9.4f} | {r} | {c} | {rel16[layer]:.1e}')
    dv = [abs(pv[layer] - ev_nb['vinc'][i]['auroc']) for i, layer in enumerate(layers) if layer in pv.index]
    dl = [abs(pl[layer] - ev_nb['lr'][i]['auroc']) for i, layer in enumerate(layers) if layer in pl.index]
    print(f'summary: max |Δ| CLI vs elk_nb VINC {max(dv):.4f} (mean {sum(dv) / len(dv):.4f}), '
          f'LR {max(dl):.4f} (mean {sum(dl) / len(dl):.4f})')
    if not args.keep: shutil.rmtree(work, ignore_errors=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--model', default='smollm2-135m')
    ap.add_argument('--data', default='cities')
    ap.add_argument('--max_examples', type=int, nargs=2, default=(200, 200))
    ap.add_argument('--peer_python', default='/work/peer-venv/bin/python')
    ap.add_argument('--out', default=None, help='write all results as JSON here')
    ap.add_argument('--keep', default=None, help='keep the intermediate files in this folder (else a temporary one)')
    ap.add_argument('--reuse_peer', action='store_true', help="reuse the peer's results in the --keep folder if present")
    ap.add_argument('--cli', action='store_true', help="instead: run the peer's whole `elk elicit` on the same rows")
    ap.add_argument('--cli_examples', type=int, default=100, help='train and test examples for --cli')
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.cli: return run_cli(args)

    t0 = time.perf_counter()
    xtr, ytr, xte, yte, layers, names = states(args.model, args.data, *args.max_examples)
    t_extract = time.perf_counter() - t0
    L, n, v, _, d = xtr.shape
    print(f'states: {L} layers, train {n} / test {xte.shape[1]} examples x {v} templates {names} x 2 answers, d={d} '
          f'({t_extract:.0f}s incl. cache)', flush=True)
    norm = Normalizer.fit(xtr)                                 # elk_nb's preprocessing, fitted on train only
    work = Path(args.keep or tempfile.mkdtemp(prefix='peer_vinc_'))
    work.mkdir(parents=True, exist_ok=True)
    src, dst = work / 'states.safetensors', work / 'peer.json'
    save_file({'train_x': xtr.contiguous(), 'test_x': xte.contiguous(), 'train_y': ytr, 'test_y': yte,
               'layers': torch.tensor(layers), 'norm_train_x': norm.transform(xtr).contiguous(),
               'norm_test_x': norm.transform(xte).contiguous(),
               'cent_train_x': (xtr - xtr.mean(1, keepdim=True)).contiguous(),
               'cent_test_x': (xte - xtr.mean(1, keepdim=True)).contiguous()}, str(src))

    t0 = time.perf_counter()
    peer = json.loads(dst.read_text()) if args.reuse_peer and dst.exists() else run_peer(args.peer_python, src, dst)
    t_peer = time.perf_counter() - t0
    ours, secs = {}, {}
    lr_rows, _, secs['lr'] = elk_nb_rows('lr', xtr, ytr, xte, yte)
    ours['lr'] = lr_rows
    # the same with a fixed, weak penalty instead of elk_nb's cross-validated C (the peer's LR has no penalty)
    ours['lr_C1e4'], _, secs['lr_C1e4'] = elk_nb_rows('lr', xtr, ytr, xte, yte, C=1e4)
    have_vinc = 'vinc' in REPORTERS
    cos = [None] * L
    if have_vinc:
        ours['vinc'], vreps, secs['vinc'] = elk_nb_rows('vinc', xtr, ytr, xte, yte)
        pw = peer['weights'].get('vinc_on_elk_nb_norm_f64') or []
        for i, rep in enumerate(vreps):
            w = direction(rep)
            if w is not None and i < len(pw) and pw[i] is not None:
                q = torch.tensor(pw[i], dtype=torch.float64)
                cos[i] = float((w @ q).abs() / (w.norm() * q.norm()))
    else:
        print("elk_nb.reporters has no 'vinc' reporter yet: its columns are n/a", flush=True)

    P = {k: [r['full']['auroc'] for r in rows] for k, rows in peer['rows'].items()}
    E = {k: [r['auroc'] for r in rows] for k, rows in ours.items()}
    EL = {k: [r['auroc_mean_logit'] for r in rows] for k, rows in ours.items()}
    head = ('layer | peer VINC | elk_nb VINC |   |Δ|   | peer VINC (erase_prompts) | peer LR | elk_nb LR |   |Δ|   '
            '| peer VINC on elk_nb-norm (f64) | |Δ| vs elk_nb (mean logit) | |cos| dir')
    print('\nheld-out AUROC, template-averaged (peer: evaluate_preds "full"; elk_nb: roc_auc of mean predict_proba)')
    print(head); print('-' * len(head))
    dv, dl, dn = [], [], []
    diff = lambda p, q: None if p is None or q is None else abs(p - q)
    for i, layer in enumerate(layers):
        ev = E['vinc'][i] if have_vinc else None
        a = diff(P['vinc'][i], ev)
        b = diff(P['lr'][i], E['lr'][i])
        pn = P['vinc_on_elk_nb_norm_f64'][i]
        c = diff(pn, EL['vinc'][i] if have_vinc else None)
        for lst, val in ((dv, a), (dl, b), (dn, c)):
            if val is not None: lst.append(val)
        print(f'{layer:5d} | {fmt(P["vinc"][i], 9)} | {fmt(ev, 11)} | {fmt(a)} | {fmt(P["vinc_erase_prompts"][i], 25)} | '
              f'{fmt(P["lr"][i])} | {fmt(E["lr"][i], 9)} | {fmt(b)} | {fmt(pn, 30)} | {fmt(c, 25)} | '
              f'{fmt(cos[i], 9)}')
    mx = lambda xs: max(xs) if xs else None
    mean = lambda xs: sum(xs) / len(xs) if xs else None
    print(f'\nsummary: max |Δ| VINC {fmt(mx(dv))} (mean {fmt(mean(dv))}, over layers 1..: max {fmt(mx(dv[1:]))}), '
          f'LR {fmt(mx(dl))} (mean {fmt(mean(dl))})')
    if dn:
        pooled = [abs(p['partial']['auroc'] - e['auroc_pooled']) for p, e in
                  zip(peer['rows']['vinc_on_elk_nb_norm_f64'], ours['vinc']) if p['partial']['auroc'] is not None]
        cs = [c for c in cos if c is not None]
        print(f'exact fit: peer EigenFitter (float64) on elk_nb-normalised states vs elk_nb VINC, max |Δ| AUROC '
              f'{mx(dn):.1e} (template-mean log-odds), {mx(pooled):.1e} (pooled over templates); '
              f'max 1 - |cos| of the directions {max(1 - c for c in cs):.1e} over {len(cs)} layers')
    extra = {k: [r['full']['auroc'] for r in rows] for k, rows in peer['rows'].items()}
    print('\nother rows (AUROC "full", layers in order):')
    for k in ('vinc_on_centred', 'vinc_on_elk_nb_norm', 'lr_on_elk_nb_norm'):
        if k in extra: print(f'  peer {k}: ' + ' '.join(fmt(x, 6) for x in extra[k]))
    if 'vinc_on_centred' in extra and have_vinc:
        dc = [abs(a - b) for a, b in zip(extra['vinc_on_centred'][1:], E['vinc'][1:])]
        print(f'  |peer vinc_on_centred - elk_nb VINC| over layers 1..: max {max(dc):.4f}, mean {mean(dc):.4f}')
    dlr = [abs(a - b) for a, b in zip(extra.get('lr_on_elk_nb_norm', []), E['lr_C1e4'])]
    print(f'  |peer lr_on_elk_nb_norm - elk_nb LR (C=1e4)|: max {max(dlr):.4f}, mean {mean(dlr):.4f}; '
          f'|peer LR - elk_nb LR (C=1e4)|: max {max(abs(a - b) for a, b in zip(P["lr"], E["lr_C1e4"])):.4f}')
    for k in ours:
        print(f'  elk_nb {k} mean-logit:  ' + ' '.join(f'{x:.4f}' for x in EL[k]))
        ok = all(abs(r['auroc'] - r['evaluate_reporter']) < 1e-12 for r in ours[k])
        print(f'  elk_nb {k}: evaluate_reporter auroc == roc_auc(mean predict_proba) on every layer: {ok}')
    print(f'\ntimes: extraction/cache {t_extract:.0f}s, peer driver {t_peer:.0f}s (fit+eval: '
          + ', '.join(f'{k} {s:.1f}s' for k, s in peer['seconds'].items()) + '), elk_nb fit_layers: '
          + ', '.join(f'{k} {s:.1f}s' for k, s in secs.items()))
    if not args.keep: shutil.rmtree(work, ignore_errors=True)
    if args.out:
        Path(args.out).write_text(json.dumps({'layers': layers, 'templates': names, 'peer': peer['rows'],
                                              'elk_nb': ours, 'cos': cos, 'seconds': {'peer': peer['seconds'],
                                              'elk_nb': secs}}, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
