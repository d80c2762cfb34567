# The README's two commands, `make run` and `make test`, and two for developers:
#   make check   lint, types and the fast tests (not slow, browser or perf): the lane to run while working
#   make lock    resolve pyproject.toml's ranges afresh into requirements/*.lock, then run `make test`
# .venv is installed from requirements/run.lock (run) or requirements/test.lock (test, check),
# and only when a lock or pyproject.toml changed since the last install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FAST := not slow and not browser and not perf
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard webapp/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test check lint lock install-run install-test clean

run: install-run $(CATALOGUES)
	exec $(BIN)/archive run data

test: install-test $(CATALOGUES)
	bash tests/setup-debian.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -n auto --durations=15

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
