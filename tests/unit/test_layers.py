"""The module graph of `app/`: no import circles, and the event log at the bottom."""

import ast
from pathlib import Path

from app.settings import ROOT_DIR

APP = ROOT_DIR / "app"
# What the event log itself may import: the ground it stands on, nothing above it.
LOG_MODULES = ("app.events.service", "app.events.models", "app.events.names")
LOG_GROUND = {"app", "app.clock", "app.db", "app.errors", "app.types"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every app module and the app modules it imports, at any depth of its code."""
    modules = {_module_name(path): path for path in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                graph[name] |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if full in modules:
                        graph[name].add(full)
                    elif node.module in modules:
                        graph[name].add(node.module)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_app_has_no_import_circle() -> None:
    assert circles(import_graph()) == []


def test_a_planted_circle_would_be_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_the_event_log_imports_no_domain_above_it() -> None:
    graph = import_graph()
    above = {
        module: sorted(target for target in graph[module] if target not in LOG_GROUND)
        for module in LOG_MODULES
    }
    allowed = {
        module: [t for t in targets if t.startswith("app.events.")]
        for module, targets in above.items()
    }
    assert above == allowed
