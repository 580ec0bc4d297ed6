"""The house rules of src/qa, checked on the code itself: packages in pipeline order, small modules and
functions, no cycles, one definition per public name."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "qa"
# Pipeline order: a package may import only the packages before it (and the top-level modules).
ORDER = ["text", "tables", "corpus", "embed", "index", "search", "tableqa", "answer", "serve"]
TOP_LEVEL_ALLOWED = {"records", "settings", "lru"}


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        name = ".".join(("qa", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


MODULES = _modules()


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (ROOT / parts[1]).is_dir()) else None


def _imports(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qa":
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "qa")
    return out


def test_the_packages_are_the_pipeline_and_each_has_a_docstring() -> None:
    packages = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists())
    assert sorted(packages) == sorted(ORDER)
    for name in packages:
        assert ast.get_docstring(MODULES[f"qa.{name}"]), f"qa/{name}/__init__.py has no docstring"


def test_few_modules_stay_at_the_top() -> None:
    top = [m for m in MODULES if m.count(".") == 1 and _package(m) is None]
    assert len(top) <= 8, top


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_says_what_it_is_for_and_stays_small(module: str) -> None:
    tree = MODULES[module]
    assert ast.get_docstring(tree), f"{module} has no module docstring"
    assert (tree.body[-1].end_lineno or 0) <= 400, f"{module} is over 400 lines"


def test_functions_are_short() -> None:
    lengths = sorted((node.end_lineno or 0) - node.lineno + 1 for tree in MODULES.values() for node in ast.walk(tree)
                     if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))
    assert lengths[int(0.9 * len(lengths))] <= 30
    assert lengths[-1] <= 60


def test_packages_import_only_packages_before_them() -> None:
    for module, tree in MODULES.items():
        own = _package(module)
        if own is None:
            continue
        for target in _imports(tree):
            other = _package(target)
            if other is None:
                assert target == "qa" or target.split(".")[1] in TOP_LEVEL_ALLOWED, f"{module} imports {target}"
            elif other != own:
                assert ORDER.index(other) < ORDER.index(own), f"{module} ({own}) imports {target} ({other})"


def test_no_import_cycles_between_modules() -> None:
    graph = {m: {t for t in _imports(tree) if t in MODULES and t != m} for m, tree in MODULES.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            assert state.get(nxt) != 1, f"import cycle: {' -> '.join([*path, nxt])}"
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])


def test_no_public_name_is_defined_in_two_modules() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for module, tree in MODULES.items():
        for node in tree.body:
            public = not node.name.startswith("_") if hasattr(node, "name") else False
            if public and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                where[node.name].append(module)
    twice = {name: mods for name, mods in where.items() if len(mods) > 1}
    assert not twice, twice
