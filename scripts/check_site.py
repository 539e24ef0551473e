#!/usr/bin/env python
"""Check the offline docs site (_site/, made by scripts/build_docs.py) in a real browser.

Serves the site on 127.0.0.1 (a free port) and drives Debian's Chromium (/usr/bin/chromium) through Playwright,
blocking and recording every request. Checks that every page loads without console errors, that the sidebar
navigation works, that internal links resolve, that MathJax (served locally) runs, that plots render as images,
that the exported reporters' signatures and docstrings (read from elk_nb.reporters now) are on their page, and that
no page loads or references anything from another host.

Prints `PASS name` / `FAIL name: reason` / `SKIP name: reason` per check and `N passed, N failed, N skipped`;
exits 1 when a check fails.

    python scripts/check_site.py [--site _site] [--screenshot index.png]

Needs `pip install playwright` (no `playwright install`: it uses the system Chromium, `apt-get install chromium`).
"""
from __future__ import annotations

import argparse, functools, http.server, importlib, inspect, json, re, sys, threading
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']
LOCAL_HOSTS = {'127.0.0.1'}
INERT_SCHEMES = ('data:', 'blob:', 'about:', 'mailto:', 'javascript:')
IGNORED_CONSOLE = []  # regexes of console errors that do not matter; none so far


class Results:
    def __init__(self): self.passed = self.failed = self.skipped = 0

    def ok(self, name, detail=''):
        self.passed += 1
        print(f'PASS {name}' + (f' ({detail})' if detail else ''), flush=True)

    def fail(self, name, reason):
        self.failed += 1
        print(f'FAIL {name}: {reason}', flush=True)

    def skip(self, name, reason):
        self.skipped += 1
        print(f'SKIP {name}: {reason}', flush=True)

    def check(self, name, problems, detail=''):
        if problems: self.fail(name, '; '.join(problems[:8]) + (f' (+{len(problems) - 8} more)' if len(problems) > 8 else ''))
        else: self.ok(name, detail)


def serve(site: Path):
    "Serve `site` on 127.0.0.1 at a free port, in a thread. Returns (server, base URL)."
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'


def is_local(url: str) -> bool:
    return url.startswith(INERT_SCHEMES) or urlsplit(url).hostname in LOCAL_HOSTS


# Everything one page tells us, gathered in the browser after it has loaded and MathJax has finished.
PAGE_JS = r"""
async () => {
  let mathjax = null, mathjaxError = null;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; mathjax = MathJax.version; } catch (e) { mathjaxError = String(e); }
  }
  const abs = (el, attr) => { const v = el.getAttribute(attr); try { return new URL(v, document.baseURI).href; } catch (e) { return v; } };
  const refs = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of ['src', 'href', 'srcset', 'action', 'poster', 'data', 'xlink:href']) {
      if (el.hasAttribute(attr)) refs.push(attr === 'srcset' ? el.getAttribute(attr) : abs(el, attr));
    }
    const st = el.getAttribute('style');
    if (st && /url\(/i.test(st)) refs.push(st);
  }
  return {
    title: document.title,
    h1: (document.querySelector('main h1') || {}).innerText || '',
    sidebar: [...document.querySelectorAll('nav#sidebar a[href]')].map(a => ({href: a.href, text: a.innerText.trim()})),
    links: [...document.querySelectorAll('main a[href], nav#TOC a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    images: [...document.querySelectorAll('main img')].map(i => ({src: i.currentSrc || i.src, complete: i.complete,
             width: i.naturalWidth, output: !!i.closest('.jp-OutputArea')})),
    mathjax, mathjaxError,
    formulas: document.querySelectorAll('mjx-container').length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    refs,
  };
}
"""

# The text of the show_doc block that holds element `id`, with typeset math left out.
SECTION_JS = r"""
(id) => {
  const h = document.getElementById(id);
  if (!h) return null;
  const box = h.closest('.jp-OutputArea-output') || h.parentElement;
  const c = box.cloneNode(true);
  c.querySelectorAll('mjx-container, mjx-assistive-mml').forEach(m => m.remove());
  return c.textContent;
}
"""


def norm(s: str) -> str:
    "Text for comparison: no markdown emphasis/backticks/math, whitespace collapsed."
    s = re.sub(r'\$\$.*?\$\$|\$[^$]*\$', ' ', s, flags=re.S)
    s = re.sub(r'[`*]', '', s)
    return re.sub(r'\s+', ' ', s).strip()


def quarto_slug(text: str) -> str:
    s = re.sub(r'[^\w\s.-]', '', text.strip().lower())
    return re.sub(r'^[^a-z]+', '', re.sub(r'\s+', '-', s))


def check_reporters(res: Results, pages: dict, browser_page, base: str, site: Path):
    name = 'reporters-api'
    if not (ROOT / 'elk_nb' / 'reporters.py').exists():
        return res.skip(name, 'elk_nb/reporters.py does not exist yet')
    sys.path.insert(0, str(ROOT))
    try:
        mod = importlib.import_module('elk_nb.reporters')
    except Exception as e:
        return res.fail(name, f'cannot import elk_nb.reporters: {type(e).__name__}: {e}')
    syms = [(n, getattr(mod, n)) for n in getattr(mod, '__all__', []) if hasattr(mod, n)]
    syms = [(n, o) for n, o in syms if (inspect.isclass(o) or inspect.isfunction(o))
            and getattr(o, '__module__', '') == mod.__name__]
    if not syms: return res.fail(name, 'elk_nb.reporters exports no class or function (__all__)')
    try: modidx = importlib.import_module('elk_nb._modidx').d['syms'].get('elk_nb.reporters', {})
    except Exception: modidx = {}
    problems, shown = [], []
    for n, o in syms:
        doc_link = modidx.get(f'elk_nb.reporters.{n}', (f'reporters.html#{quarto_slug(n)}',))[0]
        href, _, anchor = doc_link.partition('#')
        url = base + href
        if url not in pages:
            problems.append(f'{n}: its page {href} is not in the site'); continue
        if browser_page.url != url:
            browser_page.goto(url, wait_until='load')
            browser_page.evaluate('async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }')
        text = browser_page.evaluate(SECTION_JS, anchor or quarto_slug(n))
        if text is None:
            problems.append(f'{n}: no #{anchor} on {href}'); continue
        text = norm(text)
        if n not in text: problems.append(f'{n}: name not shown on {href}')
        doc = inspect.getdoc(o) or ''
        if not doc.strip(): problems.append(f'{n}: has no docstring')
        else:
            first = norm(doc.strip().split('\n\n')[0])
            if first and first not in text: problems.append(f'{n}: docstring "{first[:60]}" not shown on {href}#{anchor}')
        try: params = [p for p in inspect.signature(o).parameters if p not in ('self', 'cls')]
        except (TypeError, ValueError): params = []
        missing = [p for p in params if p not in text]
        if missing: problems.append(f'{n}: signature on {href} lacks {missing}')
        shown.append(n)
    res.check(name, problems, f'{len(shown)} symbols with signature and docstring on the page: {", ".join(shown[:6])}'
              + (' ...' if len(shown) > 6 else ''))


def main(argv=None):
    ap = argparse.ArgumentParser(description='Check the offline docs site in Chromium.')
    ap.add_argument('--site', type=Path, default=ROOT / '_site')
    ap.add_argument('--screenshot', type=Path, help='save a full-page PNG of the index page here')
    ap.add_argument('--chromium', default='/usr/bin/chromium')
    args = ap.parse_args(argv)
    res = Results()
    site = args.site.resolve()
    files = sorted(p for p in site.rglob('*.html') if 'assets' not in p.relative_to(site).parts) if site.exists() else []
    if not (site / 'index.html').exists():
        res.fail('site', f'{site}/index.html does not exist: run python scripts/build_docs.py')
        print(f'{res.passed} passed, {res.failed} failed'); return 1
    res.ok('site', f'{len(files)} pages in {site}')
    manifest = json.loads((site / '_build.json').read_text()) if (site / '_build.json').exists() else {}

    from playwright.sync_api import sync_playwright
    srv, base = serve(site)
    requests, failed_loads = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            ctx = browser.new_context(viewport={'width': 1280, 'height': 900}, service_workers='block')
            ctx.on('request', lambda r: requests.append(r.url))
            # Nothing leaves this machine: requests to other hosts are recorded above and then aborted.
            ctx.route('**/*', lambda route: route.continue_() if is_local(route.request.url) else route.abort())
            ctx.on('response', lambda r: failed_loads.append(f'{r.status} {r.url}') if r.status >= 400 else None)
            ctx.on('requestfailed', lambda r: failed_loads.append(f'{r.failure} {r.url}') if is_local(r.url) else None)

            # -- every page loads --------------------------------------------------------------------------
            pages = {}
            page = ctx.new_page()
            for f in files:
                rel = f.relative_to(site).as_posix()
                url = base + rel
                console = []
                on_console = lambda m: console.append(m.text) if m.type == 'error' else None
                on_error = lambda e: console.append(f'uncaught {e}')
                page.on('console', on_console)
                page.on('pageerror', on_error)
                n_failed = len(failed_loads)
                resp = page.goto(url, wait_until='load')
                page.wait_for_load_state('networkidle')
                info = page.evaluate(PAGE_JS)
                page.remove_listener('console', on_console)
                page.remove_listener('pageerror', on_error)
                info['status'] = resp.status if resp else None
                pages[url] = info
                problems = []
                if info['status'] != 200: problems.append(f'HTTP {info["status"]}')
                problems += [f'console error: {c[:200]}' for c in console if not any(re.search(p, c) for p in IGNORED_CONSOLE)]
                problems += [f'failed to load {x}' for x in failed_loads[n_failed:]]
                if not info['title'].strip(): problems.append('no <title>')
                if not info['h1'].strip(): problems.append('no <h1> title')
                if info['mathErrors']: problems.append(f'{info["mathErrors"]} MathJax errors')
                res.check(f'load {rel}', problems, f'"{info["h1"]}"')

            # -- MathJax is there (locally) on every page ---------------------------------------------------
            bad = [f'{urlsplit(u).path}: {i["mathjaxError"] or "MathJax did not start"}' for u, i in pages.items() if not i['mathjax']]
            res.check('mathjax', bad, f'MathJax {next(iter(pages.values()))["mathjax"]}; '
                      f'{sum(i["formulas"] for i in pages.values())} formulas typeset')

            # -- navigation ----------------------------------------------------------------------------------
            index = pages[base + 'index.html']
            problems = []
            nav = index['sidebar']
            if not nav: problems.append('the index page has no sidebar links')
            targets = {urldefrag(a['href'])[0] for a in nav}
            for a in nav:
                u = urldefrag(a['href'])[0]
                if u not in pages: problems.append(f'sidebar link "{a["text"]}" -> {a["href"]} is not a page of the site')
                elif pages[u]['status'] != 200: problems.append(f'sidebar link "{a["text"]}" -> HTTP {pages[u]["status"]}')
            for u, i in pages.items():
                if {urldefrag(a['href'])[0] for a in i['sidebar']} != targets:
                    problems.append(f'{urlsplit(u).path} has a different sidebar')
            missing = [urlsplit(u).path for u in pages if u not in targets]
            if missing: problems.append(f'pages not in the sidebar: {missing}')
            # click through the sidebar as a person would
            page.goto(base + 'index.html', wait_until='load')
            for a in nav:
                page.goto(base + 'index.html', wait_until='load')
                link = page.locator('nav#sidebar').get_by_role('link', name=a['text'], exact=True).first
                link.click()
                page.wait_for_load_state('load')
                got = urldefrag(page.url)[0]
                h1 = page.locator('main h1').first.inner_text() if page.locator('main h1').count() else ''
                if got != urldefrag(a['href'])[0]: problems.append(f'clicking "{a["text"]}" went to {got}')
                elif h1.strip() != a['text']: problems.append(f'clicking "{a["text"]}" opened a page titled "{h1}"')
            res.check('navigation', problems, f'{len(nav)} sidebar links, clicked through from the index page')

            # -- internal links and their #anchors -----------------------------------------------------------
            problems, n = [], 0
            for u, i in pages.items():
                for l in i['links']:
                    if not l.startswith(base): continue
                    n += 1
                    target, frag = urldefrag(l)
                    if target in pages:
                        if frag and frag not in pages[target]['ids']:
                            problems.append(f'{urlsplit(u).path} -> {urlsplit(l).path}#{frag}: no such anchor')
                    elif not (site / urlsplit(target).path.lstrip('/')).is_file():
                        problems.append(f'{urlsplit(u).path} -> {urlsplit(l).path}: no such file')
            res.check('internal-links', sorted(set(problems)), f'{n} links')

            # -- plots render as images ----------------------------------------------------------------------
            expected = {base + p['href']: p['images'] for p in manifest.get('pages', [])}
            plot_pages = {u for u, i in pages.items() if any(im['output'] for im in i['images'])} | \
                         {u for u, k in expected.items() if k}
            if not plot_pages:
                res.skip('plots', 'no notebook output in the site has an image (no plots yet, or built with --no-exec)')
            else:
                problems, n = [], 0
                for u in sorted(plot_pages):
                    imgs = [im for im in pages.get(u, {}).get('images', []) if im['output']]
                    if len(imgs) < expected.get(u, 0):
                        problems.append(f'{urlsplit(u).path}: {len(imgs)} of {expected[u]} plots in the page')
                    for im in imgs:
                        n += 1
                        if not im['complete'] or im['width'] <= 0:
                            problems.append(f'{urlsplit(u).path}: image {im["src"][:80]} did not render')
                res.check('plots', problems, f'{n} images rendered on {len(plot_pages)} page(s): '
                          + ', '.join(urlsplit(u).path.lstrip('/') for u in sorted(plot_pages)))

            # -- the reporters' API --------------------------------------------------------------------------
            check_reporters(res, pages, page, base, site)

            # -- nothing from another host -------------------------------------------------------------------
            outside = sorted({r for r in requests if not is_local(r)})
            res.check('offline-requests', [f'requested {r}' for r in outside], f'{len(requests)} requests, all to 127.0.0.1')
            refs = []
            for u, i in pages.items():
                for r in i['refs']:
                    urls = re.findall(r'(?:https?:)?//[^\s,)"\']+', r) if ('url(' in r or ',' in r) else [r]
                    refs += [f'{urlsplit(u).path} references {x}' for x in urls if not is_local(x) and '//' in x]
            raw_re = re.compile(r'''(?:\b(?:src|href|action|poster|data|srcset)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)(?:https?:)?//(?!127\.0\.0\.1)''', re.I)
            for f in files + sorted(site.rglob('*.css')):
                for m in raw_re.finditer(f.read_text(encoding='utf-8', errors='replace')):
                    refs.append(f'{f.relative_to(site)}: {m.group(0)}...')
            res.check('offline-references', sorted(set(refs)), 'no page or stylesheet points at another host')

            if args.screenshot:
                page.set_viewport_size({'width': 1280, 'height': 900})
                page.goto(base + 'index.html', wait_until='load')
                page.wait_for_load_state('networkidle')
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.screenshot), full_page=True)
                print(f'screenshot of index.html saved to {args.screenshot}', flush=True)
            browser.close()
    finally:
        srv.shutdown()
    tail = f', {res.skipped} skipped' if res.skipped else ''
    print(f'{res.passed} passed, {res.failed} failed{tail}')
    return 1 if res.failed else 0


if __name__ == '__main__':
    sys.exit(main())
