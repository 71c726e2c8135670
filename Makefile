# Two commands on a fresh machine: `make run` (the assistant) and `make test` (the tests).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run ingest test eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: the pinned CPU build, so nothing later pulls a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
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
