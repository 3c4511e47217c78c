"""The files of sedtheory.envs.apple import each other without a cycle (issue #13: env.py and
render.py imported each other). Every import counts, function-level ones included."""

import ast
from pathlib import Path

import sedtheory.envs.apple as apple

PACKAGE = Path(apple.__file__).parent
PREFIX = "sedtheory.envs.apple."


def _edges() -> dict[str, set[str]]:
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    edges = {m: set() for m in modules}
    for module in modules:
        for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name.startswith(PREFIX) and name[len(PREFIX):].split(".")[0] in modules:
                    edges[module].add(name[len(PREFIX):].split(".")[0])
    return edges


def _cycle(edges):
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                return path + [node, nxt]
            if nxt not in state:
                found = visit(nxt, path + [node])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start, [])
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"env": {"render"}, "render": {"env"}}) == ["env", "render", "env"]


def test_no_file_cycle_in_the_apple_package():
    edges = _edges()
    assert "render" in edges["env"] and "env" not in edges["render"]   # render draws; env uses it
    assert _cycle(edges) is None, _cycle(edges)
