"""The house's import direction, checked from the source: no import cycle,
knowledge and evidence import no driver, no suite imports another suite,
product code imports neither the suites nor the emulators in fixtures/.
Every import counts, a deferred one inside a function too."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("harness", "testsuites", "fixtures")
# The lab side: what talks to processes, sockets and instruments.
LAB_SIDE = ("harness.drivers", "harness.instruments", "harness.peers", "harness.lab", "harness.plugin",
            "harness.context", "harness.cellular_lab", "fixtures", "testsuites")
# Pure layers: judged knowledge, verdicts, evidence, value types.
PURE = ("harness.ipv6", "harness.cellular", "harness.identity", "harness.data", "harness.values",
        "harness.evidence", "harness.verdict", "harness.observations", "harness.clauses", "harness.malformed",
        "harness.errors", "harness.policy", "harness.secid", "harness.access")
# The collector gathers each resource's evidence slice: it reads the campaign context.
PURE_EXCEPTIONS = {("harness.evidence.collector", "harness.context")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (names resolved to the module that defines them)."""
    sources = {module_name(p): p for top in PACKAGES for p in (REPO / top).rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in sources.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            imported |= {resolve(n) for n in names if n.split(".")[0] in PACKAGES}
        graph[module] = {m for m in imported if m and m != module}
    return graph


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_knowledge_and_evidence_import_no_driver():
    graph = import_graph()
    wrong = {(module, imported) for module, imports in graph.items() if within(module, PURE)
             for imported in imports if within(imported, LAB_SIDE)} - PURE_EXCEPTIONS
    assert wrong == set()


def test_no_suite_imports_another_suite():
    graph = import_graph()
    wrong = {(module, imported) for module, imports in graph.items() if module.startswith("testsuites.")
             for imported in imports
             if imported.startswith("testsuites.") and imported.split(".")[1] != module.split(".")[1]}
    assert wrong == set()


def test_suites_use_the_plugin_only_through_its_fixtures():
    graph = import_graph()
    assert {module for module, imports in graph.items()
            if module.startswith("testsuites.") and "harness.plugin" in imports} == set()


def test_product_code_imports_neither_suites_nor_emulators():
    graph = import_graph()
    wrong = {(module, imported) for module, imports in graph.items() if module.startswith("harness.")
             for imported in imports if within(imported, ("testsuites", "fixtures"))}
    assert wrong == set()


def test_suites_read_no_plugin_stash_key():
    """The campaign's state reaches a suite through fixtures (`campaign`, `dut`, `cellular`)."""
    readers = set()
    for path in (REPO / "testsuites").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and any(alias.name.endswith("_KEY") for alias in node.names):
                readers.add(module_name(path))
    assert readers == set()
