"""The layers of ``model/`` import one way: record → stats → questions → operations.

Read from the source (every ``import`` statement, at module level or inside a
function), so a lazy import cannot hide a wrong-way dependency.  The shared base
(``errors``, ``storage``, ``defaults``) imports no layer, and nothing under
``model/`` imports ``service``.  Inside a layer too, and across ``service/``: no two
modules import each other, however indirectly, and no module imports another's private
(``_``) name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "model"
#: The folders whose modules must form no import cycle, and their installed names.
PACKAGES = {"model": "launchcast.model", "service": "launchcast.service"}
LAYERS = ("record", "stats", "questions", "operations")
BASE = ("errors", "storage", "defaults")


def _layer(module: str) -> str | None:
    """``launchcast.model.stats.fit`` → ``stats``; a base module → ``base``; else None."""
    parts = module.split(".")
    if parts[:2] != ["launchcast", "model"] or len(parts) < 3:
        return None
    return "base" if parts[2] in BASE else parts[2]


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from launchcast.model import record`` names the layer in the imported name
            if node.module == "launchcast.model":
                found += [(node.lineno, f"launchcast.model.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, f"<relative import level {node.level}>"))
    return found


def _allowed(layer: str) -> set[str]:
    if layer == "base":
        return {"base"}
    return {"base", *LAYERS[: LAYERS.index(layer) + 1]}


def _sources() -> list[Path]:
    return sorted(p for p in MODEL.rglob("*.py") if "migrations" not in p.parts or p.name == "__init__.py")


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(MODEL)))
def test_every_module_imports_only_its_own_layer_and_those_below(path: Path) -> None:
    relative = path.relative_to(MODEL).parts
    own = relative[0] if len(relative) > 1 else ("base" if path.stem in BASE else "top")
    assert own in (*LAYERS, "base", "top"), f"{path}: a module outside the four layers and the base"
    wrong = []
    for line, module in _imports(path):
        assert not module.startswith("<relative"), f"{path}:{line}: relative import (spell it out)"
        assert not module.startswith("launchcast.service"), f"{path}:{line}: model imports service"
        target = _layer(module)
        if target is None or own == "top":
            continue
        if target not in _allowed(own):
            wrong.append(f"{path.relative_to(MODEL)}:{line} ({own}) imports {module} ({target})")
    assert not wrong, "wrong-way imports:\n" + "\n".join(wrong)


def test_the_model_folder_holds_only_the_layers_and_the_base() -> None:
    top = {p.stem for p in MODEL.glob("*.py")} - {"__init__"}
    folders = {p.name for p in MODEL.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert top == set(BASE)
    assert folders == set(LAYERS)


def test_the_check_sees_a_wrong_way_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from launchcast.model.operations import registry\n")
    assert _imports(bad) == [(2, "launchcast.model.operations")]
    assert _layer("launchcast.model.operations") == "operations"
    assert "operations" not in _allowed("stats")


def _modules(root: Path, packages: dict[str, str]) -> dict[str, Path]:
    """Every module of ``packages`` (folders under ``root``) by its installed name."""
    found = {}
    for folder, prefix in packages.items():
        for path in (root / folder).rglob("*.py"):
            parts = list(path.relative_to(root / folder).with_suffix("").parts)
            name = ".".join([prefix, *(parts[:-1] if parts[-1] == "__init__" else parts)])
            found[name] = path
    return found


def _dependencies(modules: dict[str, Path]) -> tuple[dict[str, set[str]], list[str]]:
    """Which module imports which (``from package import module`` names the module), and every
    import of another module's private name."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    private = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module in modules:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    graph[name].add(submodule if submodule in modules else node.module)
                    if submodule not in modules and alias.name.startswith("_"):
                        private.append(
                            f"{path.relative_to(path.parents[1])}:{node.lineno} {node.module}.{alias.name}"
                        )
    return graph, private


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_import_each_other_and_no_private_name_is_imported() -> None:
    graph, private = _dependencies(_modules(REPO, PACKAGES))
    assert not _cycles(graph), f"import cycles: {_cycles(graph)}"
    assert not private, "private names imported from another module:\n" + "\n".join(private)


def test_the_check_sees_a_cycle_and_a_private_import(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    from launchcast.pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("from launchcast.pkg.a import _helper\n")
    graph, private = _dependencies(_modules(tmp_path, {"pkg": "launchcast.pkg"}))
    assert _cycles(graph) == [["launchcast.pkg.a", "launchcast.pkg.b"]]
    assert private == ["pkg/b.py:1 launchcast.pkg.a._helper"]


def test_pymc_pytensor_and_nutpie_are_imported_by_one_module() -> None:
    """The inference backend apart from the model (as bambi and prophet keep theirs)."""
    backends = ("pymc", "pytensor", "nutpie")
    importers = {
        str(path.relative_to(REPO))
        for path in _modules(REPO, PACKAGES).values()
        for _, module in _imports(path)
        if module.split(".")[0] in backends
    }
    assert importers == {"model/stats/hierarchical/_backend.py"}
