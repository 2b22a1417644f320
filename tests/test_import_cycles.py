"""No import cycles in sim/: every import statement, at module level or inside a function, is an edge.

The engine folders (sim/engine, sim/mechanisms, sim/bargaining) are checked like the rest.
"""

from __future__ import annotations

import ast
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


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of sim that module ``name`` imports anywhere in its text.

    ``from X import y`` is an edge to the submodule ``X.y`` where there is one, else to X;
    relative imports are resolved against the module's package.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
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
    assert "sim.engine.runner" in graph["sim.points"]  # inside a function
    assert "sim.version" in graph["sim.engine.runner"]  # relative, two levels up
    assert "sim.cli.run" in graph["sim.cli"]  # `from . import run`: the submodule
    assert "sim.compare" in graph["sim"]  # under `if TYPE_CHECKING:`


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert list(simple_cycles(graph, ["a", "b", "c"])) == [["a", "b", "c", "a"]]


def test_no_import_cycles():
    cycles = all_cycles()
    listed = "\n".join("  " + " -> ".join(c) for c in cycles)
    assert not cycles, f"{len(cycles)} import cycle(s) in sim/:\n{listed}"
