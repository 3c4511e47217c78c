"""The README's Python examples run as written (each ```python block, then its test_* functions)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.DOTALL).group(1).strip().splitlines()
    assert text.index("```bash") < text.index("\n## "), "the commands must come before any section"
    assert len(first_block) == 2
    assert first_block[0].startswith("pip install -e \".[all]\" && sedtheory ")
    assert first_block[1] == "python -m pytest"
    assert "python -m pytest" in (README.parent / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_block_runs(source, capsys):
    namespace: dict = {}
    exec(compile(source, str(README), "exec"), namespace)
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value):
            value()


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 2
