# The README's two commands, `make run` and `make test` (lint and the whole suite, side by side),
# and two for developers:
#   make check   lint, types and the fast tests (not slow, browser or perf): the lane to run while working
#   make lock    resolve pyproject.toml's ranges afresh into requirements/*.lock, then run `make test`
# .venv is installed from requirements/run.lock (run) or requirements/test.lock (test, check),
# and only when a lock or pyproject.toml changed since the last install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FAST := not slow and not browser and not perf
WORKERS := $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard webapp/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test suite check lint lock install-run install-test clean

run: install-run $(CATALOGUES)
	exec $(BIN)/archive run data

test: install-test $(CATALOGUES)
	bash tests/setup-debian.sh
	$(MAKE) --no-print-directory -j2 lint suite

# the whole suite, one worker more than the CPUs: many tests wait on a browser, a server, a spawned
# command or a lockout's clock, and the extra worker keeps the CPUs busy meanwhile; a worker that
# runs out of tests takes some from another's queue (worksteal), so none idles at the end
suite:
	$(BIN)/python -m pytest -n $(WORKERS) --dist worksteal --durations=15

check: install-test $(CATALOGUES) lint
	bash tests/setup-debian.sh packages
	$(BIN)/python -m pytest -n auto -m "$(FAST)"

lint:
	$(BIN)/ruff check .
	$(BIN)/mypy

lock:
	PYTHON=$(PYTHON) bash requirements/lock.sh
	$(MAKE) --no-print-directory test

install-run:
	@PYTHON=$(PYTHON) VENV=$(VENV) bash requirements/install.sh run

install-test:
	@PYTHON=$(PYTHON) VENV=$(VENV) bash requirements/install.sh test

%.mo: %.po
	$(BIN)/pybabel --quiet compile -i $< -o $@

clean:
	rm -rf $(VENV) instance test-artifacts
