# Two self-sufficient entry points (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install lint lock clean

# Pinned dependencies from the lock (the image uses requirements/runtime.lock), then the
# project itself in editable mode, so a change to the code needs no reinstall.
$(BIN)/launchcast: pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/launchcast

run: install
	$(BIN)/launchcast serve --fit-if-missing

test: install
	$(BIN)/python -m pytest -q -n 2

lint: install
	$(BIN)/ruff check launchcast model service tests benchmarks data
	$(BIN)/ruff format --check launchcast model service tests benchmarks data

# Re-pin after changing dependencies in pyproject.toml (uv comes with the dev extra).
lock: install
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--no-header --annotation-style line --quiet -o requirements/runtime.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header --annotation-style line --quiet \
		-o requirements/dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache
