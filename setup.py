"""Packaging for elk_nb, driven by nbdev's settings.ini.

nbdev's template setup.py imports pkg_resources, which is gone from the setuptools that
pip's isolated builds use; this version parses settings.ini with the standard library only.
"""
from configparser import ConfigParser
import setuptools
import shlex

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini')
cfg = cfg['DEFAULT']

expected = ('version description keywords author author_email license lib_name user '
            'min_python status audience language git_url').split()
missing = [o for o in expected if o not in cfg]
if missing: raise SystemExit(f'settings.ini is missing: {missing}')

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

def _tuple(v): return tuple(int(x) for x in v.split('.'))

lic = licenses[cfg['license']]
min_python = cfg['min_python']
requirements = shlex.split(cfg.get('requirements', ''))
dev_requirements = shlex.split(cfg.get('dev_requirements', ''))

setuptools.setup(
    name=cfg['lib_name'],
    license=lic[0],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title(),
                 'License :: ' + lic[1]]
                + ['Programming Language :: Python :: ' + v for v in py_versions if _tuple(v) >= _tuple(min_python)],
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=['elk_nb', 'elk_nb.*']),
    include_package_data=True,
    package_data={'elk_nb': ['templates/*.yaml']},
    install_requires=requirements,
    extras_require={'dev': dev_requirements, 'offline': ['gguf>=0.10', 'sentencepiece']},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires='>=' + min_python,
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': cfg.get('console_scripts', '').split(),
                  'nbdev': [f'{cfg.get("lib_path")}={cfg.get("lib_path")}._modidx:d']},
    version=cfg['version'], description=cfg['description'], keywords=cfg['keywords'],
    author=cfg['author'], author_email=cfg['author_email'],
)
