"""The layers of ``model/`` import one way: record → stats → questions → operations.

Read from the source (every ``import`` statement, at module level or inside a
function), so a lazy import cannot hide a wrong-way dependency.  The shared base
(``errors``, ``storage``, ``defaults``) imports no layer, and nothing under
``model/`` imports ``service``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MODEL = Path(__file__).resolve().parents[2] / "model"
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
