# The two commands of the README. Each sets up what it needs, every time it runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test clean

setup:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile -d webapp/translations

run: setup
	$(BIN)/archive run data

test: setup
	bash tests/setup-browser.sh
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance test-artifacts
