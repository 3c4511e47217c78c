"""Job 3 of DESIGN.md: every notebook in notebooks/ and every script in analysis/ runs end to end
and uses only the public API.

* Each ``notebooks/*.ipynb`` is executed with nbclient (a fresh ``python3`` kernel, figures
  shown inline as Jupyter shows them, a per-cell timeout); any cell error fails the test, and
  so does a warning printed to the notebook's stderr, or a figure that a cell draws with pyplot
  and does not show in its output (a notebook that switches to the Agg back end draws figures
  that nobody sees).
* Each ``analysis/*.py`` is run as ``python -W error analysis/NAME.py --out TMP`` (the
  convention of ``analysis/README.md``) and must exit with status 0 and write something.
* A static check: every ``sedtheory`` import in a notebook or analysis script names ``sedtheory``
  or one of its sub-packages (not a module inside one), no ``_private`` name, and only names the
  package lists in ``__all__``.

New notebooks and scripts are picked up automatically (the test is parametrised by globbing).
"""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCRIPTS = sorted((ROOT / "analysis").glob("*.py"))
CELL_TIMEOUT_S = 120
SCRIPT_TIMEOUT_S = 120


def _ids(paths):
    return [path.name for path in paths]


def _notebook_source(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    # IPython magics and shell escapes are not Python: blank them out for the parser
    lines = [line if not line.lstrip().startswith(("%", "!")) else "" for cell in cells for line in cell.splitlines()]
    return "\n".join(lines)


def _sedtheory_imports(source: str):
    """Yield ``(module, names)`` for every import of sedtheory in ``source``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sedtheory":
                    yield alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sedtheory":
            yield node.module, tuple(alias.name for alias in node.names)


def _public_api_problems(source: str) -> list[str]:
    problems = []
    for module, names in _sedtheory_imports(source):
        parts = module.split(".")
        if any(part.startswith("_") for part in parts):
            problems.append(f"{module}: private module")
            continue
        try:
            imported = importlib.import_module(module)
        except ImportError as exc:
            problems.append(f"{module}: cannot be imported ({exc})")
            continue
        if len(parts) > 2 or not hasattr(imported, "__path__"):
            problems.append(f"{module}: import from the package or a sub-package, not from a module inside it")
        public = getattr(imported, "__all__", None)
        for name in names:
            if name.startswith("_") or (public is not None and name != "*" and name not in public):
                problems.append(f"{module}.{name}: not in the public API (__all__)")
    return problems


def test_infrastructure_finds_the_notebooks_and_scripts():
    assert NOTEBOOKS, "notebooks/ has no .ipynb file"
    assert SCRIPTS, "analysis/ has no .py script"


def test_public_api_checker_catches_violations():
    bad = (
        "from sedtheory._validate import finite_array\n"
        "from sedtheory.principal.tax import bracket_tax\n"
        "from sedtheory.principal import validate_thresholds_typo\n"
        "import sedtheory.principal.divergence\n"
        "from sedtheory.no_such_package import anything\n"
    )
    problems = _public_api_problems(bad)
    assert len(problems) == 5, problems
    assert problems[-1].startswith("sedtheory.no_such_package: cannot be imported"), problems
    assert _public_api_problems("import sedtheory as sed\nfrom sedtheory.principal import bracket_tax\n") == []


@pytest.mark.parametrize("path", NOTEBOOKS + SCRIPTS, ids=_ids(NOTEBOOKS + SCRIPTS))
def test_uses_only_the_public_api(path):
    source = _notebook_source(path) if path.suffix == ".ipynb" else path.read_text()
    assert _public_api_problems(source) == []


# A first cell that counts the figures pyplot creates (plt.figure, and plt.subplots through it),
# and a probe after every code cell that reports and resets the count.
_COUNT_FIGURES = """\
import matplotlib.pyplot as _sed_plt
_sed_created = []
def _sed_counting_figure(*args, _sed_figure=_sed_plt.figure, **kwargs):
    fig = _sed_figure(*args, **kwargs)
    _sed_created.append(fig)
    return fig
_sed_plt.figure = _sed_counting_figure
"""
_PROBE = 'print("__figures_created__", len(_sed_created)); _sed_created.clear()'


def _execute(notebook, cwd: Path):
    """Execute ``notebook`` in a fresh kernel with figures shown inline (as Jupyter shows them);
    returns ``[(cell index, figures created, figures shown)]`` per code cell."""
    cells = [nbformat.v4.new_code_cell(_COUNT_FIGURES)]
    origin = []
    for index, cell in enumerate(notebook.cells):
        cells.append(cell)
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(_PROBE))
            origin.append((index, len(cells) - 2, len(cells) - 1))
    probed = nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata)
    client = NotebookClient(probed, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    counts = []
    for index, cell_at, probe_at in origin:
        shown = sum("image/png" in out.get("data", {}) for out in probed.cells[cell_at].get("outputs", [])
                    if out.get("output_type") in ("display_data", "execute_result"))
        text = "".join(out.get("text", "") for out in probed.cells[probe_at].get("outputs", []))
        created = int(text.split("__figures_created__")[1].split()[0])
        counts.append((index, created, shown))
        for out in probed.cells[cell_at].get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                assert "Warning" not in out["text"], f"cell {index} printed a warning:\n{out['text']}"
    return counts


def _unshown(counts) -> list[str]:
    return [f"cell {i}: drew {created} figure(s), showed {shown}" for i, created, shown in counts if shown < created]


@pytest.fixture
def inline_figures(monkeypatch):
    # Jupyter's own back end (the kernel inherits the environment): a figure left open at the end
    # of a cell is shown in its output, as a user sees it
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def test_the_figure_check_catches_a_notebook_that_hides_its_figures(tmp_path, inline_figures):
    hidden = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('import matplotlib\nmatplotlib.use("Agg")\nimport matplotlib.pyplot as plt'),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.plot([0, 1])"),
        nbformat.v4.new_code_cell("plt.figure()\nplt.plot([1, 0])"),
    ])
    assert _unshown(_execute(hidden, tmp_path)) == ["cell 1: drew 1 figure(s), showed 0",
                                                    "cell 2: drew 1 figure(s), showed 0"]
    shown = nbformat.v4.new_notebook(cells=hidden.cells[1:])
    shown.cells.insert(0, nbformat.v4.new_code_cell("import matplotlib.pyplot as plt"))
    counts = _execute(shown, tmp_path)
    assert _unshown(counts) == [] and sum(c[1] for c in counts) == 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes_and_shows_every_figure_it_draws(path, inline_figures):
    counts = _execute(nbformat.read(path, as_version=4), path.parent)
    assert _unshown(counts) == []


@pytest.mark.parametrize("path", SCRIPTS, ids=_ids(SCRIPTS))
def test_analysis_script_runs(path, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    completed = subprocess.run(
        [sys.executable, "-W", "error", str(path), "--out", str(tmp_path)],  # warnings are errors
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert any(tmp_path.iterdir()), "the script wrote nothing under --out"
