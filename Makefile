# Two self-sufficient entry points (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install lint typecheck lock clean notebook

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

# The inspection notebook, run with its outputs (shipped so that it reads without running):
# after editing notebooks/build_notebook.py, or when the model or the shipped data change.
notebook: install
	$(BIN)/python notebooks/build_notebook.py --execute

LINTED := launchcast model service tests benchmarks data notebooks/build_notebook.py

lint: install typecheck
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# mypy cannot follow setuptools' package-dir mapping (model/ is installed as
# launchcast.model), so it reads the package through a tree of links with the installed names.
TYPED := $(VENV)/typecheck
typecheck: install
	rm -rf $(TYPED)/launchcast && mkdir -p $(TYPED)/launchcast
	cp launchcast/__init__.py $(TYPED)/launchcast/
	ln -s $(CURDIR)/model $(CURDIR)/service $(CURDIR)/data $(TYPED)/launchcast/
	cd $(TYPED) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml \
		-p launchcast.model -p launchcast.service

# Re-pin after changing dependencies in pyproject.toml (uv comes with the dev extra).
lock: install
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--no-header --annotation-style line --quiet -o requirements/runtime.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header --annotation-style line --quiet \
		-o requirements/dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache
