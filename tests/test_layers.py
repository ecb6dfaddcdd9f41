"""The package's layering (docs/architecture.md): every import goes to the same layer or a
lower one, and nothing imports in a cycle. Function-level imports count too."""

from __future__ import annotations

import ast
from pathlib import Path

import autype_guard

PACKAGE = Path(autype_guard.__file__).parent

# Top to bottom; a module may import modules of its own layer or of any layer below.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__main__", "quickscan", "cli", "options"),
    ("fixes",),
    ("__init__", "api"),
    ("run", "parallel", "treepool", "baseline", "verify"),
    ("sources",),
    ("engine", "binaries"),
    (
        "rules",
        "scanners",
        "context",
        "suppress",
        "exposure",
        "autype_context",
        "dataflow",
        "report",
    ),
    ("applicability", "suggest", "config", "keys", "prefilter", "testing"),
    (
        "classify",
        "globs",
        "paths",
        "textio",
        "gitrun",
        "progress",
        "netdeadline",
        "shard",
        "processes",
    ),
    ("model", "version", "filenames", "lazy_regex", "forked"),
)


def _layer(module: str) -> int:
    head = module.split(".")[0]
    for rank, names in enumerate(LAYERS):
        if head in names:
            return rank
    raise AssertionError(f"autype_guard.{module} has no layer: add it to LAYERS")


def _imports() -> dict[str, set[str]]:
    """module (dotted, relative to the package) -> the package modules it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        package = parts[:-1]
        if parts[-1] != "__init__":
            module = ".".join(parts)
        else:
            module = ".".join(package) or "__init__"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
                for alias in node.names:  # a name may be a module: `from .sources import git`
                    found.add(".".join([*target, alias.name]))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                for name in names:
                    if name.startswith("autype_guard."):
                        found.add(name[len("autype_guard.") :])
        graph[module] = found
    # Names imported from a module stand for that module.
    return {
        module: {t if t in graph else t.rsplit(".", 1)[0] for t in found} - {module}
        for module, found in graph.items()
    }


def test_the_import_graph_sees_relative_and_function_level_imports() -> None:
    graph = _imports()
    assert {"engine", "sources.blobs", "sources.chunks"} <= graph["sources.files"]
    assert "sources.git" in graph["run"]  # imported inside a function


def test_every_import_goes_to_its_own_layer_or_below() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in _imports().items()
        for target in targets
        if _layer(target) < _layer(module)
    ]
    assert upward == []


def test_reporters_import_neither_the_engine_nor_the_rules() -> None:
    bad = [
        f"{module} -> {target}"
        for module, targets in _imports().items()
        if module.startswith("report")
        for target in targets
        if target.split(".")[0] in ("engine", "rules", "run", "sources", "api")
    ]
    assert bad == []


def test_there_are_no_import_cycles() -> None:
    graph = _imports()

    state: dict[str, str] = {}
    cycles: list[str] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target in graph and target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
