"""The modules of sedtheory.social_choice import each other without cycles (issue 13).

Every import counts, at module level or inside a function (a function-level import hides an
edge, it does not remove it). The package ``__init__`` is left out: it imports every module
to offer the public API and to register the built-in rules, and no module imports it.
"""

import ast
from pathlib import Path

import sedtheory.social_choice as package

FOLDER = Path(package.__file__).parent
PREFIX = "sedtheory.social_choice."


def _edges() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(FOLDER.glob("*.py")):
        if path.name == "__init__.py":
            continue
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "sedtheory.social_choice":  # `from sedtheory.social_choice import x`
                    targets.update(f"{PREFIX}{alias.name}" for alias in node.names)
                elif node.module.startswith(PREFIX):
                    targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name.startswith(PREFIX))
        graph[PREFIX + path.stem] = {t for t in targets if (FOLDER / f"{t.removeprefix(PREFIX)}.py").exists()}
    return graph


def _cycle(graph):
    """One import cycle as a list of modules, or None (depth-first search, three colours)."""
    colour, stack = {}, []

    def visit(node):
        colour[node] = "grey"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt) == "grey":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in colour and (found := visit(nxt)):
                return found
        stack.pop()
        colour[node] = "black"
        return None

    for node in sorted(graph):
        if node not in colour and (found := visit(node)):
            return found
    return None


def test_no_import_cycles_between_social_choice_modules():
    graph = _edges()
    assert PREFIX + "axioms" in graph and PREFIX + "manipulation" in graph
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_manipulation_sits_above_axioms_and_misreport_below_both():
    graph = _edges()
    assert PREFIX + "axioms" in graph[PREFIX + "manipulation"]
    assert PREFIX + "misreport" in graph[PREFIX + "axioms"]
    assert PREFIX + "manipulation" not in graph[PREFIX + "axioms"]
