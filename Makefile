# Two commands from a fresh clone: `make run` and `make test`. Both need only python3 (3.11+).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint chromium lock fuzz soak bench bench-targets scale wrk haproxy clean

# Installs the versions in constraints.txt (what the suite was last run with).
# Quiet unless it fails: pip's output goes to .venv/install.log, shown only on an error.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing dependencies (log: $(VENV)/install.log) ..."
	@{ $(PY) -m pip install --disable-pip-version-check --upgrade pip && \
	   $(PY) -m pip install --disable-pip-version-check -c constraints.txt -e '.[dev]'; \
	 } > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m app serve

# The suite in TEST_PROCESSES processes (pytest-xdist), each with its own database server (3 on
# 2 cores was no faster).
TEST_PROCESSES ?= 2
test: lint chromium
	$(PY) -m pytest -n $(TEST_PROCESSES)

# The console's browser tests (tests/console) drive Debian's Chromium through Playwright, never
# a browser Playwright downloads. Installed with apt-get when missing; elsewhere, say what to do.
CHROMIUM_PATH ?= /usr/bin/chromium
export CHROMIUM_PATH
chromium:
	@test -x "$(CHROMIUM_PATH)" || { \
	  echo "Chromium is missing at $(CHROMIUM_PATH) (the console's browser tests need it): installing the Debian package chromium with apt-get"; \
	  command -v apt-get >/dev/null && \
	  { $(SUDO) apt-get install -y chromium || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }; }; \
	  test -x "$(CHROMIUM_PATH)" || { \
	    echo "Could not install Chromium. Install it (Debian/Ubuntu: apt-get install chromium; elsewhere Chromium or Chrome from your system's packages) and run: make test CHROMIUM_PATH=/path/to/chromium"; \
	    exit 1; }; }

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy app

# Re-resolves the dependencies from pyproject.toml in a scratch venv and pins the result.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv

# A longer schema-fuzzing run than the one in `make test`.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(PY) -m pytest tests/system/test_fuzz.py

# The example flow from many clients against the service in production mode (not in `make test`).
DURATION ?= 60
CLIENTS ?= 20
soak: $(STAMP)
	$(PY) -m bench.soak --duration $(DURATION) --clients $(CLIENTS)

# Throughput and latency per endpoint (tickets spread over 90 days), then the lists again for
# each of BENCH_HISTORIES (when the dense scope's tickets were made; SCOPE_TICKETS of them),
# then the targets of issue 21 (bench/targets.py: create p99 and req/s with 1 and 2 workers and
# behind HAProxy, commit-to-feed delay, django-helpdesk's list, detail and create in the same
# session); not in `make test`. BENCH_ARGS and TARGETS_ARGS pass options; `make bench-targets`
# runs the last part alone. Fails if any part does.
WORKERS ?= 2
SCOPE_TICKETS ?= 2000
BENCH_HISTORIES ?= burst burst-week-ago import
bench: $(STAMP) wrk haproxy
	@failed=0; \
	 $(PY) -m bench.run --workers $(WORKERS) --scope-tickets $(SCOPE_TICKETS) $(BENCH_ARGS) || failed=1; \
	 for history in $(BENCH_HISTORIES); do \
	   $(PY) -m bench.run --workers $(WORKERS) --scope-tickets $(SCOPE_TICKETS) --lists \
	     --history $$history --tickets 2000 --customers 50 \
	     --output bench/results/latest-$$history.json $(BENCH_ARGS) || failed=1; \
	 done; \
	 $(PY) -m bench.targets $(TARGETS_ARGS) || failed=1; exit $$failed

bench-targets: $(STAMP) wrk haproxy
	$(PY) -m bench.targets $(TARGETS_ARGS)

# The service behind HAProxy on one database: create req/s and p50/p99 with 1, 2 and 3
# instances, write-to-stream delay across instances, a gap-free feed (not in `make test`).
scale: $(STAMP) haproxy
	$(PY) -m bench.scale $(SCALE_ARGS)

# The Debian packages wrk and haproxy, installed when missing (apt-get, with sudo unless root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
wrk haproxy:
	@command -v $@ >/dev/null || { \
	  echo "$@ is not installed: installing the Debian package $@ with apt-get"; \
	  $(SUDO) apt-get install -y $@ || \
	  { $(SUDO) apt-get update && $(SUDO) apt-get install -y $@; }; }

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
