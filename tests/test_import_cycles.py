"""No import cycles in sim/, and a tree that shows its layers.

Every import that runs is an edge: at module level or inside a function, relative or absolute,
and ``importlib.import_module("...")`` with the module named by a string (sim/__init__ resolves
its public names that way). Imports under ``if TYPE_CHECKING:`` never run: they name a class
for an annotation, so they are not edges (the report reads ``Results``, which imports the
report when asked to save one).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
MAX_LISTED = 500  # cycles listed at most (a tangle can have very many)


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module under sim/ (packages by their __init__)."""
    out = {}
    for path in sorted(SIM.rglob("*.py")):
        parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _owner(dotted: str, known: dict[str, Path]) -> str | None:
    """The module of ``dotted`` (itself, or its longest prefix that is a module of sim)."""
    parts = dotted.split(".")
    while parts:
        name = ".".join(parts)
        if name in known:
            return name
        parts.pop()
    return None


_DOTTED = re.compile(r"\.*[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*|\.+")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _running(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` (which never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def _resolve_string(text: str, package: str, known: dict[str, Path]) -> str | None:
    """The sim module a string names for ``import_module`` (relative to ``package``), if any."""
    if text.startswith("."):
        level = len(text) - len(text.lstrip("."))
        parts = package.split(".")
        base = ".".join(parts[: len(parts) - (level - 1)])
        rest = text.lstrip(".")
        text = f"{base}.{rest}" if rest else base
    return text if text in known and text.startswith("sim") else None


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of sim that module ``name`` imports when it runs.

    ``from X import y`` is an edge to the submodule ``X.y`` where there is one, else to X;
    relative imports are resolved against the module's package. In a module that calls
    ``import_module``, every string that names a module of sim is an edge too.
    """
    text = path.read_text(encoding="utf-8")
    dynamic = "import_module(" in text
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str | None] = set()
    for node in _running(ast.parse(text, str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if dynamic and _DOTTED.fullmatch(node.value):
                found.add(_resolve_string(node.value, package, known))
        elif isinstance(node, ast.Import):
            found.update(_owner(a.name, known) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for a in node.names:
                sub = f"{target}.{a.name}"
                found.add(sub if sub in known else _owner(target, known))
    return {m for m in found if m is not None and m != name}


def import_graph() -> dict[str, set[str]]:
    known = module_files()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def simple_cycles(graph: dict[str, set[str]], nodes: list[str]) -> Iterator[list[str]]:
    """Every elementary cycle among ``nodes``, each once, starting at its smallest module."""
    inside = set(nodes)
    for start in nodes:
        allowed = {n for n in inside if n >= start}
        path = [start]
        todo = [iter(sorted(graph[start] & allowed))]
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                todo.pop()
                path.pop()
            elif nxt == start:
                yield [*path, start]
            elif nxt not in path:
                path.append(nxt)
                todo.append(iter(sorted(graph[nxt] & allowed)))


def all_cycles() -> list[list[str]]:
    graph = import_graph()
    cycles: list[list[str]] = []
    for comp in strongly_connected(graph):
        for c in simple_cycles(graph, comp):
            cycles.append(c)
            if len(cycles) >= MAX_LISTED:
                return cycles
    return cycles


def test_graph_sees_every_kind_of_import():
    graph = import_graph()
    assert "sim.studies.runner" in graph["sim.studies.points"]  # inside a function
    assert "sim.version" in graph["sim.model.engine.tables"]  # relative, three levels up
    assert "sim.cli.run" in graph["sim.cli"]  # `from . import run`: the submodule
    assert "sim.studies.compare" in graph["sim"]  # import_module(".studies.compare", "sim")
    assert "sim.output.report.run" in graph["sim.output.results"]  # inside a method
    # under `if TYPE_CHECKING:` (an annotation, never imported): not an edge
    assert "sim.output.results" not in graph["sim.output.report.run"]


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert list(simple_cycles(graph, ["a", "b", "c"])) == [["a", "b", "c", "a"]]


def test_no_import_cycles():
    cycles = all_cycles()
    listed = "\n".join("  " + " -> ".join(c) for c in cycles)
    assert not cycles, f"{len(cycles)} import cycle(s) in sim/:\n{listed}"


# The layers, lowest first: a module may import its own layer and the layers below it.
# errors and version sit under everything; the package root (sim/__init__) and __main__ on top.
LAYERS = ["errors", "version", "io", "model", "output", "studies", "cli", "__main__", "sim"]


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_layers_import_only_downwards():
    graph = import_graph()
    rank = {name: i for i, name in enumerate(LAYERS)}
    upward = sorted(
        f"{m} -> {d}"
        for m, deps in graph.items()
        for d in deps
        if rank[_layer(d)] > rank[_layer(m)]
    )
    assert not upward, "imports against the layers:\n  " + "\n  ".join(upward)


def test_the_tree_shows_the_layers():
    loose = sorted(p.name for p in SIM.glob("*.py"))
    folders = sorted(p.name for p in SIM.iterdir() if (p / "__init__.py").is_file())
    assert len(loose) <= 8, loose
    assert set(folders) == {"cli", "io", "model", "output", "studies"}
    assert {_layer(m) for m in module_files()} <= set(LAYERS)


def test_no_private_name_is_imported_from_another_module():
    found = []
    for name, path in module_files().items():
        for node in _running(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom):
                found += [
                    f"{name}: from {'.' * node.level}{node.module or ''} import {a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert not found, "\n".join(found)


MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400


def test_functions_and_modules_stay_short():
    """No function over 60 lines (numba kernels aside) and no module over 400 lines in sim/."""
    long = []
    for name, path in module_files().items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text, str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                kernel = any("njit" in ast.unparse(d) for d in node.decorator_list)
                if size > MAX_FUNCTION_LINES and not kernel:
                    long.append(f"{name}.{node.name}: {size} lines")
    assert not long, "\n".join(long)
