# Two commands on a fresh machine: `make run` (the assistant) and `make test` (the tests).
PYTHON ?= python3
VENV   ?= .venv
# Where pip finds the pinned CPU build of torch. Empty: pip's usual indexes (on this project's
# machine, its local wheel cache). Elsewhere: TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
TORCH_INDEX_URL ?=
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run ingest test eval bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required, found " + sys.version.split()[0] + "; run make PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: the pinned CPU build, so nothing later pulls a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0 $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL))
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install  ## console chat, or the Telegram bot when TELEGRAM_BOT_TOKEN is set
	$(PY) -m bot

ingest: install
	$(PY) ingest.py

test: install
	$(PY) -m pytest

eval: install
	$(PY) -m bot eval

bench: install  ## speed and memory against baselines (about 10 minutes)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) bench/benchmark.py

clean:
	rm -rf $(VENV) data .pytest_cache
