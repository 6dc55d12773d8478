# Two commands from a fresh clone: `make run` and `make test`. Both need only python3 (3.11+).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint fuzz soak bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m app serve

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy app

# A longer schema-fuzzing run than the one in `make test`.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(PY) -m pytest tests/test_fuzz.py

# The example flow from many clients against the service in production mode (not in `make test`).
DURATION ?= 60
CLIENTS ?= 20
soak: $(STAMP)
	$(PY) -m bench.soak --duration $(DURATION) --clients $(CLIENTS)

# Throughput and latency per endpoint (not in `make test`); e.g. make bench WORKERS=2.
WORKERS ?= 1
bench: $(STAMP)
	$(PY) -m bench.run --workers $(WORKERS) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
