"""The import structure of sedtheory: DESIGN.md's layer table, the torch and Ray boundaries, no cycles.

Every module of ``sedtheory/`` is read as source (its AST; nothing is imported or run), and each
import becomes an edge: module level, inside a function (lazy), or a module named by a string
(``importlib.import_module`` tables such as ``_LAZY`` and ``COMMAND_MODULES``: lazy too).
Imports under ``if TYPE_CHECKING:`` count for the layers only, as they never run.

Layers, lowest first (DESIGN.md "Layout", with the two rows issue 13 adds: ``evaluation``, the
grading primitives below solvers and graders, and ``drivers``, the loops above them). A module
imports only from its own layer or lower ones:

====  =========================  ==============================================================
rank  layer                      packages and modules
====  =========================  ==============================================================
0     base                       sedtheory._validate, sedtheory._json, sedtheory._result
1     games                      sedtheory.games
2     social choice, principal   sedtheory.social_choice, sedtheory.principal
3     evaluation                 sedtheory.evaluation
4     solvers, equilibrium       sedtheory.solvers, sedtheory.equilibrium
5     drivers                    sedtheory.drivers
6     theory facade              sedtheory (its __init__ only), sedtheory.testing
7     envs                       sedtheory.envs
8     rl                         sedtheory.rl
9     scale                      sedtheory.scale (Ray sweeps, when the package exists)
10    cli                        sedtheory.cli, sedtheory.__main__
====  =========================  ==============================================================

Within rank 4, graders never import the solvers they grade: ``solvers`` imports nothing from
``equilibrium``, and ``equilibrium`` imports a solver only where a certificate's leader gap
needs a named exact method (``GRADER_USES_SOLVER``). Ranks 0-6 are the theory side: they never
import torch or Ray, not even lazily. ``sedtheory.cli`` and ``sedtheory.rl.config`` (the command
line's configuration) reach no torch through their module-level imports, parent packages
included. Ray is imported only by ``sedtheory.scale`` and ``sedtheory.cli``, inside functions.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sedtheory"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("sedtheory._validate", "sedtheory._json", "sedtheory._result")),
    ("games", ("sedtheory.games",)),
    ("social choice and principal", ("sedtheory.social_choice", "sedtheory.principal")),
    ("evaluation", ("sedtheory.evaluation",)),
    ("solvers and equilibrium", ("sedtheory.solvers", "sedtheory.equilibrium")),
    ("drivers", ("sedtheory.drivers",)),
    ("theory facade", ("sedtheory", "sedtheory.testing")),
    ("envs", ("sedtheory.envs",)),
    ("rl", ("sedtheory.rl",)),
    ("scale", ("sedtheory.scale",)),
    ("cli", ("sedtheory.cli", "sedtheory.__main__")),
)
THEORY_RANK = 6  # ranks 0..6: the theory side (no torch, no Ray)

GRADER_USES_SOLVER = {
    # certify_ssmne's leader gap: the leader optimum over Φ x BR^δ by the named exact method
    ("sedtheory.equilibrium.markov", "sedtheory.solvers.markov_ssmne"),
}

KNOWN_PENDING: dict[tuple[str, str], str] = {}
"""Import edges excused while a cycle they close is being removed elsewhere: none today (the last
three, axioms <-> manipulation and registry <-> its rule modules, went with issue 13)."""

TORCH_FREE_ROOTS = ("sedtheory.cli", "sedtheory.rl.config")
RAY_ALLOWED = ("sedtheory.scale", "sedtheory.cli")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str  # a sedtheory module, or a third-party top-level name ("torch", "ray", ...)
    lazy: bool  # inside a function, or named by a string
    typing_only: bool  # under `if TYPE_CHECKING:`
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str:
    """The sedtheory module an import of ``name`` loads (the longest existing prefix)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return parts[0]


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        self.module, self.is_package = module, is_package
        self.edges: list[Edge] = []
        self.depth = 0
        self.typing = 0

    def _add(self, target: str, line: int, lazy: bool | None = None) -> None:
        lazy = self.depth > 0 if lazy is None else lazy
        self.edges.append(Edge(self.module, target, lazy, self.typing > 0, line))

    def visit_FunctionDef(self, node) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        test = ast.unparse(node.test)
        if test in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            self.typing += 1
            for child in node.body:
                self.visit(child)
            self.typing -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(_resolve(alias.name) if alias.name.startswith("sedtheory") else alias.name.split(".")[0],
                      node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        if not base.startswith("sedtheory"):
            self._add(base.split(".")[0], node.lineno)
            return
        for alias in node.names:  # `from pkg import submodule` loads the submodule
            self._add(_resolve(f"{base}.{alias.name}"), node.lineno)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in MODULES and node.value != self.module:
            self._add(node.value, node.lineno, lazy=True)  # a module named for importlib


def _edges() -> list[Edge]:
    edges = []
    for module, path in MODULES.items():
        visitor = _Imports(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        edges.extend(visitor.edges)
    return edges


EDGES = _edges()
INTERNAL = [e for e in EDGES if e.target in MODULES and e.target != e.source]


def _rank(module: str) -> int:
    for rank, (_, members) in enumerate(LAYERS):
        for prefix in members:
            if module == prefix or (prefix != "sedtheory" and module.startswith(prefix + ".")):
                return rank
    raise AssertionError(f"{module} is in no layer of the table in tests/test_layers.py: add it")


def _where(edge: Edge) -> str:
    kind = "lazy " if edge.lazy else ""
    return f"{MODULES[edge.source].relative_to(PACKAGE.parent)}:{edge.line} {kind}import of {edge.target}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan 1972), each sorted."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _runtime_graph(excused=frozenset()) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for edge in INTERNAL:
        if not edge.typing_only and (edge.source, edge.target) not in excused:
            graph.setdefault(edge.source, set()).add(edge.target)
    return graph


# --- the table itself --------------------------------------------------------------------------

def test_every_module_has_a_layer_and_the_reader_sees_the_known_edges():
    for module in MODULES:
        _rank(module)
    pairs = {(e.source, e.target) for e in INTERNAL}
    # spot checks that the reader resolves module-level, lazy and importlib-named imports
    assert ("sedtheory.equilibrium.certify", "sedtheory.equilibrium.leader_optimum") in pairs
    assert ("sedtheory.drivers.sed_rounds", "sedtheory.solvers.markov_ssmne") in pairs
    assert ("sedtheory.cli", "sedtheory.cli.solve") in pairs  # COMMAND_MODULES, loaded by importlib
    assert any(e.target == "torch" for e in EDGES if e.source == "sedtheory.envs.apple.engine")


# --- layers ------------------------------------------------------------------------------------

def test_no_module_imports_a_higher_layer():
    wrong = sorted({f"{_where(e)}: layer {LAYERS[_rank(e.source)][0]!r} imports layer {LAYERS[_rank(e.target)][0]!r}"
                    for e in INTERNAL if _rank(e.target) > _rank(e.source)})
    assert not wrong, "\n".join(wrong)


def test_graders_never_import_the_solvers_they_grade():
    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    wrong = [_where(e) for e in INTERNAL if package(e.source) == "sedtheory.solvers"
             and package(e.target) == "sedtheory.equilibrium"]
    wrong += [_where(e) for e in INTERNAL if package(e.source) == "sedtheory.equilibrium"
              and package(e.target) == "sedtheory.solvers" and (e.source, e.target) not in GRADER_USES_SOLVER]
    assert not wrong, "solvers and graders import each other:\n" + "\n".join(sorted(set(wrong)))


# --- torch and Ray -----------------------------------------------------------------------------

def test_the_theory_side_never_imports_torch_or_ray():
    wrong = [_where(e) for e in EDGES if e.target in ("torch", "ray") and _rank(e.source) <= THEORY_RANK]
    assert not wrong, "\n".join(wrong)


def _module_level_closure(root: str) -> set[str]:
    """Modules a plain ``import root`` runs: module-level imports and every parent package's __init__."""
    seen, todo = set(), [root]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:end]) for end in range(1, len(parts)))  # parent packages run first
        todo.extend(e.target for e in INTERNAL if e.source == module and not e.lazy and not e.typing_only)
    return seen


@pytest.mark.parametrize("root", [m for m in MODULES if m.startswith(TORCH_FREE_ROOTS)])
def test_the_command_line_and_run_config_load_without_torch(root):
    reached = _module_level_closure(root)
    wrong = [_where(e) for e in EDGES if e.source in reached and e.target == "torch" and not e.lazy
             and not e.typing_only]
    assert not wrong, f"importing {root} imports torch:\n" + "\n".join(wrong)


def test_ray_only_in_scale_and_cli_and_only_lazily():
    wrong = [_where(e) for e in EDGES if e.target == "ray"
             and (not e.source.startswith(RAY_ALLOWED) or not e.lazy)]
    assert not wrong, "\n".join(wrong)


# --- cycles ------------------------------------------------------------------------------------

def test_no_package_cycles():
    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    graph: dict[str, set[str]] = {}
    for edge in INTERNAL:
        if not edge.typing_only and package(edge.source) != package(edge.target):
            graph.setdefault(package(edge.source), set()).add(package(edge.target))
    assert _cycles(graph) == []


def test_no_file_cycles():
    cycles = _cycles(_runtime_graph(frozenset(KNOWN_PENDING)))
    assert not cycles, "import cycles between files:\n" + "\n".join(" <-> ".join(c) for c in cycles)
