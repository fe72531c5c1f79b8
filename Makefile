# Two self-sufficient entry points (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install lint clean

$(BIN)/launchcast: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/launchcast

run: install
	$(BIN)/launchcast serve --fit-if-missing

test: install
	$(BIN)/python -m pytest -q -n 2

lint: install
	$(BIN)/ruff check model service tests benchmarks
	$(BIN)/ruff format --check model service tests benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache
