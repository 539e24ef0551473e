#!/usr/bin/env python
"""Build the docs site offline: nbs/ -> _proc/ (nbdev's processors) -> _site/ (nbconvert, our template).

The published site is made by Quarto (.github/workflows/deploy.yaml); Quarto cannot be installed everywhere, so this
script makes the same pages without it:

1. Each notebook runs through nbdev's own processors (`nbdev.processors.FilterDefaults`, what `nbdev_proc_nbs` uses:
   frontmatter, show_doc for exported symbols, hidden/exported cells removed, doc links), in a fresh process with
   cwd = the notebook's folder, and is written to `_proc/`. Where the notebook is to be executed, nbdev's
   `exec_show_docs` step is swapped for one that runs every cell `nbdev_test` would run (so plots and tables are
   in the pages), besides the show_doc cells. Executed results are cached under build/docs-cache/.
2. Quarto's cell options become nbconvert tags (`echo: false` -> remove_input, `output: false` -> remove_output,
   `include: false` -> remove_cell); Quarto callouts (`::: {.callout-note}`) become divs.
3. nbconvert renders each page with scripts/docs_template/page.html.j2: sidebar from nbs/sidebar.yml (as nbdev
   generates it), page title and description from the frontmatter, a table of contents, figures as files.
4. Links are made relative (.ipynb/.qmd -> the page's .html; the site's own absolute URLs -> relative); links to
   other hosts lose their href, and nothing that would load from another host is left in a page. MathJax is
   served from the site (npm package `mathjax@3`, installed into build/docs-assets/).

Execution: by default a notebook is executed when it has no saved outputs and its saved outputs are reused
otherwise; --exec executes every notebook, --no-exec none (only exported cells, import-only cells and show_doc
run, for the API docs; pages show saved outputs only). Cells flagged with settings.ini's tst_flags (slow, gpu) are
skipped unless --flags names them.

    python scripts/build_docs.py              # _proc/ and _site/
    python scripts/build_docs.py --proc-only  # only _proc/ (for `quarto render` in CI)
"""
from __future__ import annotations

import argparse, ast, concurrent.futures as cf, hashlib, html, inspect, json, multiprocessing as mp, os, posixpath, re, shutil
import subprocess, sys, time, traceback, warnings
from pathlib import Path
from urllib.parse import urlsplit

from execnb.nbio import read_nb, write_nb
from fastcore.xtras import str2bool
from nbdev.config import get_config
from nbdev.process import NBProcessor
from nbdev.processors import FilterDefaults, _do_eval, exec_show_docs

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = Path(__file__).resolve().parent / 'docs_template'
ASSETS_DIR = ROOT / 'build' / 'docs-assets'      # gitignored (build/): npm's node_modules for MathJax
CACHE_DIR = ROOT / 'build' / 'docs-cache'        # gitignored (build/): executed, processed notebooks
MATHJAX_SPEC = 'mathjax@3.2.2'                   # v3: fonts ship in the package (v4 fetches them from a CDN)
MATHJAX_PARTS = ['tex-mml-chtml.js', 'input', 'output/chtml', 'a11y', 'sre', 'ui']
DOC_RE = r'\.(?:ipynb|qmd)$'


def log(*a): print(*a, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Step 1: nbdev's processing (+ execution), one notebook per fresh process
# ---------------------------------------------------------------------------------------------------------------

def _split_flags(s): return {f for f in re.split(r'[|,\s]+', s or '') if f}


def _has_outputs(nb) -> bool:
    return any(c.get('outputs') for c in nb['cells'] if c.get('cell_type') == 'code')


class ExecAll(exec_show_docs):
    "nbdev's exec_show_docs, but running every cell nbdev_test would run, so that outputs are in the page."
    skip: set = set()  # test flags whose cells are not run (settings.ini's tst_flags less --flags)

    def begin(self):
        super().begin()
        self.errors = []

    def __call__(self, cell):
        if not hasattr(self, 'k'): return
        if str2bool(getattr(self.nb, 'frontmatter_', {}).get('skip_exec', False)): return super().__call__(cell)
        if cell.cell_type != 'code' or not cell.source: return
        d = cell.directives_ or {}
        if 'nbdev_export' + '(' in cell.source: return
        if d.get('eval:', [''])[0].lower() == 'false' or self.skip & d.keys(): return
        cell.outputs = []
        self.k.cell(cell)
        # Unlike nbdev_test, go on after a failing cell: the page keeps its traceback and the rest of the
        # notebook (show_doc of later symbols); the build still fails.
        if self.k.exc: self.errors.append(_cell_error(cell, self.k.exc))


class ExecDocs(exec_show_docs):
    """nbdev's exec_show_docs, restricted to what show_doc needs: exported cells, cells of imports only, show_doc.
    nbdev also runs any other cell that has an import in it, out of its context (often slow, and it fails when the
    cell uses names made by cells nbdev skips); those are not run here but noted, as nbdev_docs may stop on them."""
    def begin(self):
        super().begin()
        self.warnings = []

    def __call__(self, cell):
        if not getattr(self.nb, 'has_docs_', None) or not hasattr(self, 'k'): return
        fm = getattr(self.nb, 'frontmatter_', {})
        if str2bool(fm.get('skip_showdoc', False)) or not _do_eval(cell): return
        d = cell.directives_ or {}
        if not (d.keys() & {'export', 'exports', 'exporti', 'exec_doc'} or getattr(cell, 'has_sd', False)
                or _imports_or_show_doc_only(cell.source)):
            self.warnings.append(f'cell {cell.idx_} mixes imports with other code')
            return
        self.k.cell(cell)
        if self.k.exc:
            raise Exception(f"Error in notebook: {fm.get('title', '')} in cell {cell.idx_}:\n{cell.source}") from self.k.exc


def _imports_or_show_doc_only(src: str) -> bool:
    try: tree = ast.parse(src)
    except SyntaxError: return False
    return all(isinstance(t, (ast.Import, ast.ImportFrom)) or (isinstance(t, ast.Expr) and isinstance(t.value, ast.Call)
               and getattr(t.value.func, 'id', None) == 'show_doc') for t in tree.body)


def _cell_error(cell, exc) -> str:
    return f"cell {cell.idx_}: {type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:200]}"


def _process_notebook(job: dict) -> dict:
    "Worker: run nbdev's processors over one notebook (executing it if asked) and write the result to job['dst']."
    t0 = time.time()
    os.chdir(job['root'])
    sys.path.insert(0, job['root'])
    os.environ['IN_TEST'] = '1'  # as nbdev's docs processing and nbdev_test do
    warnings.filterwarnings('ignore', message='Found cells containing imports and other code')  # see ExecDocs
    get_config()  # read settings.ini from the repo root before moving to the notebook's folder
    ExecAll.skip = set(job['skip_flags'])
    src, dst = Path(job['src']), Path(job['dst'])
    ours = ExecAll if job['execute'] else ExecDocs
    proc = NBProcessor(nb=read_nb(src), procs=[ours if p is exec_show_docs else p for p in FilterDefaults().procs()])
    os.chdir(src.parent)
    res = dict(src=job['src'], error=None, warnings=[], executed=job['execute'])
    try: proc.process()
    except Exception as e:  # e.g. an exported cell failing: no page
        res['error'] = '\n'.join(''.join(traceback.format_exception_only(type(e), e)).strip().splitlines()[:3])
        return dict(res, seconds=time.time() - t0)
    ex = next(p for p in proc.procs if isinstance(p, ours))
    errors = getattr(ex, 'errors', [])
    if errors:  # a failing cell still leaves a page, with the traceback in it
        res['error'] = errors[0] + (f' (and {len(errors) - 1} more failing cells)' if len(errors) > 1 else '')
    res['warnings'] = getattr(ex, 'warnings', [])
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_nb(proc.nb, dst)
    return dict(res, seconds=time.time() - t0)


def _cache_key(src: Path, execute: bool, flags: set, lib_files: list[Path]) -> str:
    h = hashlib.sha256()
    h.update(f'{execute}|{sorted(flags)}|'.encode())
    for f in (_process_notebook, _cell_error) + ((ExecAll,) if execute else (ExecDocs, _imports_or_show_doc_only)):
        h.update(inspect.getsource(f).encode())
    for p in [src, ROOT / 'settings.ini'] + lib_files:
        h.update(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p).encode())
        h.update(p.read_bytes() if p.exists() else b'')
    return h.hexdigest()


def _log_warnings(r):
    cells = [m.group(1) for w in r.get('warnings', []) if (m := re.match(r'cell (\d+)', w))]
    if cells:
        log(f"            note: cells {', '.join(cells)} mix imports with other code: not run here; nbdev_docs runs "
            'such cells out of context and may stop on them (keep imports in their own cells)')


def process_all(docs: list[Path], nbs: Path, proc: Path, mode: str, run_flags: set, jobs: int, use_cache: bool):
    cfg = get_config()
    skip_flags = sorted(_split_flags(cfg.get('tst_flags', '')) - run_flags)
    lib_files = sorted(Path(cfg.lib_path).rglob('*.py'))
    todo, results = [], []
    for src in docs:
        dst = proc / src.relative_to(nbs)
        if src.suffix != '.ipynb':
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
            continue
        nbj = json.loads(src.read_text(encoding='utf-8'))
        execute = mode == 'exec' or (mode == 'auto' and not _has_outputs(nbj))
        key = _cache_key(src, execute, set(skip_flags), lib_files)
        cached = CACHE_DIR / (src.relative_to(nbs).as_posix().replace('/', '__') + ('.exec' if execute else '.docs') + '.ipynb')
        meta = cached.with_suffix('.json')
        m = json.loads(meta.read_text()) if use_cache and meta.exists() and cached.exists() else {}
        if m.get('key') == key:  # same notebook, library and settings: same page (a failure is remembered too)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(cached, dst)
            results.append(dict(src=str(src), error=m.get('error'), warnings=m.get('warnings', []), seconds=0.0,
                                executed=execute, cached=True))
            continue
        dst.unlink(missing_ok=True)  # never render a stale page if this notebook fails now
        todo.append(dict(src=str(src), dst=str(dst), execute=execute, skip_flags=skip_flags, root=str(ROOT),
                         key=key, cached=str(cached)))
    if todo:
        ctx = mp.get_context('spawn')  # a fresh interpreter per notebook, as nbdev_proc_nbs does
        with cf.ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=ctx,
                                    max_tasks_per_child=1) as ex:
            futs = {ex.submit(_process_notebook, j): j for j in todo}
            for f in cf.as_completed(futs):
                j = futs[f]
                try: r = f.result()
                except Exception as e:
                    r = dict(src=j['src'], error=f'worker died: {e!r}', warnings=[], seconds=0.0, executed=j['execute'])
                r['cached'] = False
                if use_cache and Path(j['dst']).exists():
                    CACHE_DIR.mkdir(parents=True, exist_ok=True)
                    tmp = Path(j['cached'] + '.tmp')
                    shutil.copy2(j['dst'], tmp)
                    os.replace(tmp, j['cached'])
                    Path(j['cached']).with_suffix('.json').write_text(json.dumps({'key': j['key'], 'error': r['error'],
                                                                                'warnings': r['warnings']}))
                results.append(r)
                state = 'ERROR' if r['error'] else ('executed' if r['executed'] else 'processed')
                log(f"  {state:9s} {Path(r['src']).relative_to(nbs)}  {r['seconds']:.1f}s"
                    + (f"\n            {r['error']}" if r['error'] else ''))
                _log_warnings(r)
    for r in results:
        if r.get('cached'):
            log(f"  cached    {Path(r['src']).relative_to(nbs)}" + (f"  (failed: {r['error']})" if r['error'] else ''))
            _log_warnings(r)
    return results


def copy_support_files(nbs: Path, proc: Path):
    "Copy what else lives in nbs/ (_quarto.yml, nbdev.yml, sidebar.yml, styles.css, images) into _proc, as proc_nbs does."
    for s in nbs.rglob('*'):
        rel = s.relative_to(nbs)
        if not s.is_file() or s.suffix in ('.ipynb', '.qmd') or any(p.startswith('.') or p in ('_proc', '_docs', '_site')
                                                                      for p in rel.parts): continue
        d = proc / rel
        d.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(s, d)


# ---------------------------------------------------------------------------------------------------------------
# Sidebar and page list
# ---------------------------------------------------------------------------------------------------------------

def sidebar_yaml(nbs: Path, is_repo_nbs: bool) -> dict:
    "The sidebar as nbdev makes it (nbdev_sidebar); written to nbs/sidebar.yml as nbdev_docs does unless custom."
    import io, contextlib, yaml
    from nbdev.quarto import nbdev_sidebar
    custom = str2bool(get_config().get('custom_sidebar', False))
    yml_path = nbs / 'sidebar.yml'
    if custom and yml_path.exists(): return yaml.safe_load(yml_path.read_text())
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf): nbdev_sidebar.__wrapped__(path=nbs, printit=True, force=True, file_glob=None, file_re=DOC_RE)
    text = buf.getvalue()
    if is_repo_nbs and not custom and (not yml_path.exists() or yml_path.read_text() != text):
        yml_path.write_text(text)
    return yaml.safe_load(text)


def _flatten_sidebar(contents, out=None):
    out = [] if out is None else out
    for c in contents or []:
        if isinstance(c, str): out.append(c)
        elif isinstance(c, dict):
            if c.get('href'): out.append(c['href'])
            _flatten_sidebar(c.get('contents'), out)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Step 2: Quarto -> nbconvert
# ---------------------------------------------------------------------------------------------------------------

_re_fm = re.compile(r'^---\s*\n(.*?\S.*?)\n---\s*$', re.DOTALL)
_re_cell_opt = re.compile(r'^\s*#\s*\|\s*([\w-]+)\s*(?::\s*(.*?))?\s*$')
_re_div_open = re.compile(r'^\s*(:{3,})\s*(?:\{([^}]*)\}|([\w-]+))\s*$')
_re_div_close = re.compile(r'^\s*:{3,}\s*$')
_re_link_attrs = re.compile(r'(!?\[[^\]]*\]\([^)]*\))\{[^}]*\}')  # [text](url){target="_blank"}, ![](x.png){width=50%}
_CALLOUTS = {'note': 'Note', 'tip': 'Tip', 'warning': 'Warning', 'caution': 'Caution', 'important': 'Important'}


def _div_html(attrs: str) -> str:
    classes = re.findall(r'(?:^|\s)\.([\w-]+)', attrs)
    ids = re.findall(r'(?:^|\s)#([\w-]+)', attrs)
    kv = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
    title = ''
    kinds = [c[len('callout-'):] for c in classes if c.startswith('callout-')]
    if kinds:
        classes = ['callout'] + classes
        title = kv.get('title', _CALLOUTS.get(kinds[0], kinds[0].title()))
    a = f' class="{" ".join(classes)}"' if classes else ''
    if ids: a += f' id="{ids[0]}"'
    return f'<div{a}>' + (f'\n<div class="callout-title">{html.escape(title)}</div>' if title else '')


def quarto_markdown(src: str) -> str:
    "Pandoc/Quarto markdown extensions that mistune lacks: fenced divs (callouts), link and image attributes."
    out, in_code = [], False
    for line in src.split('\n'):
        if line.lstrip().startswith(('```', '~~~')): in_code = not in_code
        if not in_code:
            m = _re_div_open.match(line)
            if m:
                out += [_div_html(m.group(2) or '.' + m.group(3)), '']
                continue
            if _re_div_close.match(line):
                out += ['', '</div>']
                continue
            line = _re_link_attrs.sub(r'\1', line)
        out.append(line)
    return '\n'.join(out)


def quarto_to_nbconvert(nb) -> dict:
    "Take the frontmatter out of a processed notebook and turn Quarto cell options into nbconvert tags. Returns it."
    import yaml
    fm, cells = {}, []
    for cell in nb.cells:
        if cell.cell_type == 'raw':
            m = _re_fm.match(cell.source.strip())
            if m and not fm:
                fm = yaml.safe_load(m.group(1)) or {}
                continue
        if cell.cell_type == 'markdown':
            if cell.source.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            cell.source = quarto_markdown(cell.source)
        if cell.cell_type == 'code':
            lines = cell.source.split('\n')
            opts, i = {}, 0
            while i < len(lines) and (_re_cell_opt.match(lines[i]) or (opts and not lines[i].strip())):
                m = _re_cell_opt.match(lines[i])
                if m: opts[m.group(1)] = (m.group(2) or '').strip().strip('"\'')
                i += 1
            cell.source = '\n'.join(lines[i:]).strip('\n')
            low = {k: v.lower() for k, v in opts.items()}
            if low.get('include') == 'false' or 'hide' in opts: continue
            tags = set(cell.metadata.get('tags', []))
            if low.get('echo') == 'false' or not cell.source.strip(): tags.add('remove_input')
            if low.get('output') == 'false': tags.add('remove_output')
            if low.get('code-fold') in ('true', 'show'):
                tags.add('code-fold')
                cell.metadata['code_summary'] = opts.get('code-summary', 'Code')
            if low.get('warning') == 'false':
                cell.outputs = [o for o in cell.get('outputs', []) if o.get('name') != 'stderr']
            for o in cell.get('outputs', []):
                d = o.get('data')
                if d and 'text/markdown' in d: d['text/markdown'] = quarto_markdown(d['text/markdown'])  # show_doc
                # no widget manager offline: fall back to the text form
                if d and 'application/vnd.jupyter.widget-view+json' in d and len(d) > 1:
                    del d['application/vnd.jupyter.widget-view+json']
            if 'remove_input' in tags and (not cell.get('outputs') or 'remove_output' in tags): continue
            cell.metadata['tags'] = sorted(tags)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop('widgets', None)
    return fm


def qmd_to_notebook(path: Path):
    "A .qmd page: frontmatter + markdown (its code chunks are shown, not run)."
    import nbformat
    text = path.read_text(encoding='utf-8')
    m = re.match(r'^---\s*\n(.*?)\n---\s*\n', text, re.DOTALL)
    nb = nbformat.v4.new_notebook()
    if m:
        nb.cells.append(nbformat.v4.new_raw_cell(f'---\n{m.group(1)}\n---'))
        text = text[m.end():]
    text = re.sub(r'^```\{(\w+)[^}]*\}', r'```\1', text, flags=re.MULTILINE)
    nb.cells.append(nbformat.v4.new_markdown_cell(text))
    return nb


# ---------------------------------------------------------------------------------------------------------------
# Step 3/4: render and post-process
# ---------------------------------------------------------------------------------------------------------------

def quarto_slug(text: str) -> str:
    "Pandoc's auto_identifiers, which Quarto (and so nbdev's doc links) use."
    s = re.sub(r'[^\w\s.-]', '', text.strip().lower())
    s = re.sub(r'\s+', '-', s)
    s = re.sub(r'^[^a-z]+', '', s)
    return s or 'section'


def _rel(target: str, page: str) -> str:
    "Relative URL from site page `page` to site path `target` (both posix paths relative to the site root)."
    return posixpath.relpath(target, posixpath.dirname(page) or '.')


class Site:
    def __init__(self, nbs: Path, out: Path, pages: list[dict], sidebar: dict, cfg):
        self.nbs, self.out, self.pages, self.cfg = nbs, out, pages, cfg
        self.sidebar = sidebar
        self.by_src = {p['src']: p for p in pages}
        self.site_url = (cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')).rstrip('/')
        self.external = []  # (page, url) whose links/loads were removed
        self.to_copy = {}   # site path -> source file (images etc. referenced from markdown)

    # -- sidebar ---------------------------------------------------------------------------------------------
    def sidebar_html(self, page: dict) -> str:
        def item(src):
            p = self.by_src.get(posixpath.normpath(src))
            if p is None: return ''
            cls = ' class="active" aria-current="page"' if p is page else ''
            return f'<li><a href="{html.escape(_rel(p["href"], page["href"]))}"{cls}>{html.escape(p["title"])}</a></li>'
        def walk(contents):
            res = []
            for c in contents or []:
                if isinstance(c, str): res.append(item(c))
                elif isinstance(c, dict):
                    head = html.escape(str(c.get('section', '')))
                    if c.get('href') and posixpath.normpath(c['href']) in self.by_src:
                        p = self.by_src[posixpath.normpath(c['href'])]
                        head = f'<a href="{html.escape(_rel(p["href"], page["href"]))}">{head}</a>'
                    res.append(f'<li class="sidebar-section">{head}<ul>{"".join(walk(c.get("contents")))}</ul></li>')
            return res
        listed = set(map(posixpath.normpath, _flatten_sidebar(self.sidebar.get('website', {}).get('sidebar', {}).get('contents'))))
        items = walk(self.sidebar.get('website', {}).get('sidebar', {}).get('contents'))
        # pages that the sidebar does not list (e.g. the generated index) still get an entry at the top
        extra = [item(p['src']) for p in self.pages if p['src'] not in listed and p['href'] == 'index.html']
        return '<ul class="sidebar-list">' + ''.join(extra + items) + '</ul>'

    # -- links -----------------------------------------------------------------------------------------------
    def resolve(self, url: str, page: dict) -> str | None:
        "New value for a link/resource URL in `page`; None to drop it (another host)."
        if not url or url.startswith(('#', 'data:', 'mailto:', 'javascript:', 'blob:')): return url
        parts = urlsplit(url)
        if parts.scheme or url.startswith('//'):
            if self.site_url and url.startswith(self.site_url + '/'):
                rest = url[len(self.site_url) + 1:]
                path, _, frag = rest.partition('#')
                return _rel(path or 'index.html', page['href']) + (f'#{frag}' if frag else '')
            if parts.hostname in ('127.0.0.1', 'localhost'): return url
            return None
        path, frag = parts.path, parts.fragment
        if not path: return url
        src_dir = posixpath.dirname(page['src'])
        target = posixpath.normpath(posixpath.join(src_dir, path))
        if target in self.by_src: new = self.by_src[target]['href']
        elif re.search(r'\.(ipynb|qmd|md)$', target): new = re.sub(r'\.(ipynb|qmd|md)$', '.html', target)
        else:
            new = target
            f = self.nbs / target
            if page.get('from_nbs') and f.is_file() and not (self.out / target).exists(): self.to_copy[target] = f
        return _rel(new, page['href']) + (f'#{frag}' if frag else '') + (f'?{parts.query}' if parts.query else '')

    def postprocess(self, html_text: str, page: dict) -> str:
        from bs4 import BeautifulSoup
        soup = BeautifulSoup(html_text, 'html.parser')
        main = soup.find('main')
        # headings: Quarto's ids (nbdev's doc links point at them), unique, and the table of contents
        seen, toc = set(), []
        for h in main.find_all(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']):
            if h.parent and h.parent.get('id') == 'title-block-header': continue
            for a in h.find_all('a', class_='anchor-link'): a.decompose()
            text = h.get_text(' ', strip=True)
            base = slug = quarto_slug(text)
            n = 0
            while slug in seen:
                n += 1
                slug = f'{base}-{n}'
            seen.add(slug)
            h['id'] = slug
            a = soup.new_tag('a', attrs={'class': 'anchor-link', 'href': f'#{slug}'})
            a.string = '¶'
            h.append(a)
            if h.name in ('h2', 'h3'): toc.append((h.name, slug, text))
        nav = soup.find('nav', id='TOC')
        if nav is not None and toc:
            items = ''.join(f'<li class="toc-{n}"><a href="#{s}">{html.escape(t)}</a></li>' for n, s, t in toc)
            nav.append(BeautifulSoup(f'<h2>On this page</h2><ul>{items}</ul>', 'html.parser'))
        # links and resources
        for tag, attr in (('a', 'href'), ('area', 'href'), ('link', 'href'), ('img', 'src'), ('script', 'src'),
                          ('iframe', 'src'), ('source', 'src'), ('video', 'src'), ('audio', 'src'),
                          ('embed', 'src'), ('track', 'src'), ('video', 'poster'), ('form', 'action'),
                          ('object', 'data'), ('input', 'src')):
            for el in soup.find_all(tag, attrs={attr: True}):
                old = el[attr]
                new = self.resolve(old, page)
                if new == old: continue
                if new is not None:
                    el[attr] = new
                    continue
                self.external.append((page['href'], old))
                if tag == 'a':  # keep the words, drop the way out
                    if el.get_text(strip=True).lower() == 'source': el.decompose()  # nbdev's GitHub source link
                    else:
                        el.name = 'span'
                        del el[attr]
                        for k in ('target', 'rel'): el.attrs.pop(k, None)
                        el['class'] = el.get('class', []) + ['external-link']
                elif tag == 'img' and el.get('alt'): el.replace_with(el['alt'])
                else: el.decompose()
        for el in soup.find_all(srcset=True):
            self.external.append((page['href'], el['srcset']))
            del el['srcset']
        for el in soup.find_all(style=re.compile(r'url\(\s*["\']?(?:https?:)?//', re.I)):
            self.external.append((page['href'], el['style']))
            el['style'] = re.sub(r'url\([^)]*\)', 'none', el['style'])
        for st in soup.find_all('style'):
            if st.string and re.search(r'@import|url\(\s*["\']?(?:https?:)?//', st.string):
                st.string = re.sub(r'@import[^;]*;', '', re.sub(r'url\(\s*["\']?(?:https?:)?//[^)]*\)', 'none', st.string))
        return str(soup)


def make_exporter():
    from traitlets.config import Config
    from nbconvert import HTMLExporter
    c = Config()
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {'remove_cell'}
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.remove_all_outputs_tags = {'remove_output'}
    c.ExtractOutputPreprocessor.enabled = True
    return HTMLExporter(config=c, template_name='lab', template_file='page.html.j2',
                        extra_template_paths=[str(TEMPLATE_DIR)])


def ensure_mathjax(skip_install: bool) -> Path | None:
    mj = ASSETS_DIR / 'node_modules' / 'mathjax' / 'es5'
    if not (mj / 'tex-mml-chtml.js').exists() and not skip_install and shutil.which('npm'):
        ASSETS_DIR.mkdir(parents=True, exist_ok=True)
        log(f'installing {MATHJAX_SPEC} with npm into {ASSETS_DIR.relative_to(ROOT)}/')
        subprocess.run(['npm', 'install', '--prefix', str(ASSETS_DIR), '--no-audit', '--no-fund', '--no-save',
                        '--no-package-lock', MATHJAX_SPEC], check=False, stdout=subprocess.DEVNULL)
    return mj if (mj / 'tex-mml-chtml.js').exists() else None


def write_assets(out: Path, nbs: Path, exporter, pygments_css: str, mathjax: Path | None):
    "assets/site.css (JupyterLab's nbconvert CSS, pygments, ours, nbs/styles.css) and MathJax."
    a = out / 'assets'
    a.mkdir(parents=True, exist_ok=True)
    lab = next(Path(d) / 'static' for d in exporter.template_paths if (Path(d) / 'static' / 'index.css').exists())
    css = [(lab / 'index.css').read_text(), (lab / 'theme-light.css').read_text(), pygments_css,
           (TEMPLATE_DIR / 'site.css').read_text()]
    if (nbs / 'styles.css').exists(): css.append('/* nbs/styles.css */\n' + (nbs / 'styles.css').read_text())
    (a / 'site.css').write_text('\n'.join(css))
    if mathjax:
        for part in MATHJAX_PARTS:
            s, d = mathjax / part, a / 'mathjax' / part
            d.parent.mkdir(parents=True, exist_ok=True)
            if s.is_dir(): shutil.copytree(s, d, dirs_exist_ok=True)
            else: shutil.copy2(s, d)


def index_notebook(pages: list[dict]):
    "The front page while there is no index.ipynb: the pages with their descriptions."
    import nbformat
    from nbconvert.filters.markdown import markdown2html_mistune
    def md(s): return re.sub(r'^<p>|</p>\s*$', '', markdown2html_mistune(s).strip())
    items = '\n'.join(f'<dt><a href="{html.escape(p["href"])}">{html.escape(p["title"])}</a></dt>'
                      + (f'<dd>{md(p["description"])}</dd>' if p.get('description') else '')
                      for p in pages)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(
        f'<dl class="page-index">\n{items}\n</dl>\n\n*(This page is generated: `nbs/index.ipynb` does not exist yet.)*'))
    return nb


# ---------------------------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--exec', dest='mode', action='store_const', const='exec',
                   help='execute every notebook (default: only those without saved outputs)')
    g.add_argument('--no-exec', dest='mode', action='store_const', const='none',
                   help='execute no notebook (only exported and import-only cells run, for show_doc)')
    ap.add_argument('--flags', default='', help='test flags whose cells to run too, e.g. "slow" (as nbdev_test --flags)')
    ap.add_argument('--nbs', type=Path, help="notebook folder (default: settings.ini's nbs_path)")
    ap.add_argument('--proc', type=Path, default=ROOT / '_proc', help='processed notebooks (default: _proc/)')
    ap.add_argument('--out', type=Path, default=ROOT / '_site', help='site folder (default: _site/)')
    ap.add_argument('--jobs', type=int, default=min(2, os.cpu_count() or 1), help='notebooks processed at once')
    ap.add_argument('--no-cache', action='store_true', help='ignore build/docs-cache/')
    ap.add_argument('--proc-only', action='store_true', help='stop after _proc/ (for `quarto render`)')
    ap.add_argument('--allow-errors', action='store_true', help='exit 0 even if a notebook fails')
    ap.add_argument('--no-npm', action='store_true', help='do not install MathJax with npm if it is missing')
    args = ap.parse_args(argv)
    mode = args.mode or 'auto'
    t_start = time.time()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from nbdev.doclinks import nbglob
    cfg = get_config()
    nbs = (args.nbs or cfg.nbs_path).resolve()
    out, proc = args.out.resolve(), args.proc.resolve()

    # -- 1. sidebar (as nbdev_docs makes it) and nbdev's processing ---------------------------------------
    sidebar = sidebar_yaml(nbs, nbs == Path(cfg.nbs_path).resolve())
    found = [Path(p) for p in nbglob(nbs, file_glob=None, file_re=DOC_RE)]
    order = [posixpath.normpath(s) for s in _flatten_sidebar(sidebar.get('website', {}).get('sidebar', {}).get('contents'))]
    rank = {s: i for i, s in enumerate(order)}
    docs = sorted(found, key=lambda p: (rank.get(p.relative_to(nbs).as_posix(), len(rank)), p.as_posix()))
    log(f'{len(docs)} pages from {nbs}; execution: {mode}' + (f', flags {args.flags}' if args.flags else ''))
    t0 = time.time()
    proc.mkdir(parents=True, exist_ok=True)
    copy_support_files(nbs, proc)
    results = process_all(docs, nbs, proc, mode, _split_flags(args.flags), args.jobs, not args.no_cache)
    t_proc = time.time() - t0
    errors = [r for r in results if r['error']]
    log(f'processed {len(results)} notebooks into {proc.relative_to(ROOT) if proc.is_relative_to(ROOT) else proc}/ '
        f'in {t_proc:.1f}s')
    if args.proc_only:
        log(f'{len(errors)} notebook(s) failed' if errors else 'done')
        return 1 if errors and not args.allow_errors else 0

    # -- 2/3. render ----------------------------------------------------------------------------------------
    t0 = time.time()
    import nbformat
    pages = []
    for src in docs:
        rel = src.relative_to(nbs).as_posix()
        p = proc / rel
        if not p.exists(): continue  # failed before it could be written; reported above
        nb = read_nb(p) if src.suffix == '.ipynb' else qmd_to_notebook(p)
        nb = nbformat.reads(json.dumps(nb), as_version=4)  # execnb's AttrDicts (lines as lists) -> nbformat nodes
        fm = quarto_to_nbconvert(nb)
        out_name = fm.get('output-file') or Path(rel).stem + '.html'  # nbdev's FrontmatterProc sets output-file
        href = posixpath.join(posixpath.dirname(rel), out_name) if posixpath.dirname(rel) else out_name
        pages.append(dict(src=rel, href=href, nb=nb, title=str(fm.get('title') or Path(rel).stem),
                          description=str(fm.get('description') or ''), from_nbs=True))
    if not any(p['href'] == 'index.html' for p in pages):
        pages.insert(0, dict(src='<index>', href='index.html', nb=index_notebook(pages), title=cfg.get('title', cfg.lib_name),
                             description=cfg.get('description', ''), from_nbs=False))
    site = Site(nbs, out, pages, sidebar, cfg)
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    exporter = make_exporter()
    from nbconvert.filters.markdown import markdown2html_mistune
    pyg_css, manifest = '', []
    for page in pages:
        stem = posixpath.splitext(page['href'])[0]
        res = {'output_files_dir': posixpath.basename(stem) + '_files', 'metadata': {'name': posixpath.basename(stem)},
               'site': dict(title=page['title'], description=page['description'],
                            description_html=markdown2html_mistune(page['description']) if page['description'] else '',
                            site_title=cfg.get('title', cfg.lib_name), site_description=cfg.get('description', ''),
                            root='../' * page['href'].count('/'), sidebar_html=site.sidebar_html(page))}
        body, resources = exporter.from_notebook_node(page['nb'], resources=res)
        if not pyg_css: pyg_css = '\n'.join(resources.get('inlining', {}).get('css', []))
        body = site.postprocess(body, page)
        dest = out / page['href']
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(body, encoding='utf-8')
        n_img = 0
        for fname, data in (resources.get('outputs') or {}).items():
            f = dest.parent / fname
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(data)
            n_img += fname.endswith(('.png', '.jpg', '.jpeg', '.svg', '.gif'))
        manifest.append(dict(src=page['src'], href=page['href'], title=page['title'], images=n_img))
    for target, f in site.to_copy.items():
        (out / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, out / target)
    mathjax = ensure_mathjax(args.no_npm)
    if mathjax is None: log('WARNING: MathJax not found (npm install failed?); math will show as TeX source')
    write_assets(out, nbs, exporter, pyg_css, mathjax)
    (out / '.nojekyll').write_text('')
    (out / '_build.json').write_text(json.dumps(dict(
        pages=manifest, execution=mode, errors=[dict(src=r['src'], error=r['error']) for r in errors],
        removed_external=[dict(page=p, url=u) for p, u in site.external]), indent=1))
    t_render = time.time() - t0
    if site.external:
        log(f'removed {len(site.external)} link(s) to other hosts, e.g. {site.external[0][1]} on {site.external[0][0]}')
    log(f'rendered {len(pages)} pages into {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/ in {t_render:.1f}s; '
        f'total {time.time() - t_start:.1f}s')
    if errors:
        log(f'{len(errors)} notebook(s) failed:')
        for r in errors: log(f"  {Path(r['src']).relative_to(nbs)}: {r['error']}")
        return 0 if args.allow_errors else 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
