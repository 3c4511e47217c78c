import dataclasses
from pathlib import Path
from typing import Annotated, Literal

import pytest

from sedtheory.cli import main
from sedtheory.cli._app import CommandError, Positional, _REGISTRY, command, given_fields


@dataclasses.dataclass(frozen=True)
class _Config:
    steps: int = dataclasses.field(default=3, metadata={"help": "number of steps"})
    rate: float = 0.5
    fast: bool = False
    mode: Literal["a", "b"] = "a"


@pytest.fixture
def registered():
    calls = {}

    @command("zz-test run")
    def run(path: Path, config: _Config, repeat: int = 1) -> int:
        """Run a test command.

        Args:
            path: where.
            repeat: how often.
        """
        if repeat < 0:
            raise CommandError("repeat: must be >= 0")
        calls["args"] = (path, config, repeat)
        return 0

    yield calls
    del _REGISTRY[("zz-test", "run")]


def test_generated_options_reach_the_function(registered):
    assert main(["zz-test", "run", "x.json", "--steps", "7", "--fast", "--mode", "b", "--repeat", "2"]) == 0
    path, config, repeat = registered["args"]
    assert path == Path("x.json") and repeat == 2
    assert config == _Config(steps=7, rate=0.5, fast=True, mode="b")


def test_user_error_is_one_line(registered, capsys):
    assert main(["zz-test", "run", "x", "--repeat", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "sedtheory: error: repeat: must be >= 0"


def test_help_on_every_subcommand(registered, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["zz-test", "run", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "number of steps" in out and "how often" in out


def test_version_command(capsys):
    assert main(["version"]) == 0
    assert capsys.readouterr().out.startswith("sedtheory ")


def test_optional_positional_and_trailing_underscore_flag():
    seen = {}

    @command("zz-test opt")
    def opt(name: Annotated[str | None, Positional()] = None, list_: bool = False) -> int:
        """Optional positional."""
        seen["args"] = (name, list_)
        return 0

    try:
        assert main(["zz-test", "opt"]) == 0 and seen["args"] == (None, False)
        assert main(["zz-test", "opt", "x", "--list"]) == 0 and seen["args"] == ("x", True)
    finally:
        del _REGISTRY[("zz-test", "opt")]


def test_given_fields_tell_an_explicit_default_from_an_omitted_option():
    seen = {}

    @command("zz-test given")
    def given(config: _Config) -> int:
        """Record the explicitly given fields."""
        seen["given"] = given_fields(config)
        seen["config"] = config
        return 0

    try:
        assert main(["zz-test", "given", "--steps", "3", "--no-fast"]) == 0  # both equal their defaults
        assert seen["given"] == {"steps", "fast"} and seen["config"] == _Config()
        assert main(["zz-test", "given"]) == 0
        assert seen["given"] == frozenset()
        assert given_fields(seen["config"]) is None  # only known while the command runs
    finally:
        del _REGISTRY[("zz-test", "given")]


@dataclasses.dataclass(frozen=True)
class _Checked:
    steps: int = 10
    block: int = 5

    def __post_init__(self):
        if self.steps % self.block:
            raise ValueError("steps: must be a multiple of block")


def test_a_builder_applies_a_preset_before_the_fields_are_validated():
    # `train --preset tiny --total-timesteps 1200` is valid for the preset, not for the defaults
    seen = {}

    def from_preset(arguments, fields):
        base = {"small": {"block": 3}}.get(arguments["preset"], {})
        return _Checked(**{**base, **fields})

    @command("zz-build run", build={"config": from_preset})
    def run(config: _Checked, preset: str = "default") -> int:
        seen["config"], seen["given"] = config, given_fields(config)
        return 0

    try:
        assert main(["zz-build", "run", "--preset", "small", "--steps", "9"]) == 0   # 9 % 5 != 0, 9 % 3 == 0
        assert seen["config"] == _Checked(steps=9, block=3) and seen["given"] == {"steps"}
    finally:
        del _REGISTRY[("zz-build", "run")]


@pytest.mark.parametrize("error, expected", [
    (FileExistsError(17, "File exists", "out/evaluation"), "File exists: out/evaluation"),
    (NotADirectoryError(20, "Not a directory", "run/x"), "Not a directory: run/x"),
    (OSError(28, "No space left on device"), "No space left on device"),
])
def test_file_system_errors_are_one_line(capsys, error, expected):
    @command("zz-os run")
    def run() -> int:
        raise error

    try:
        assert main(["zz-os", "run"]) == 2
        assert capsys.readouterr().err == f"sedtheory: error: {expected}\n"
    finally:
        del _REGISTRY[("zz-os", "run")]


def test_require_extra_points_to_the_extra(monkeypatch):
    import sys

    from sedtheory.cli._app import require_extra
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(CommandError, match=r"train: needs torch, which is not installed; install the 'rl' extra: "
                                           r"pip install 'sedtheory\[rl\]'"):
        require_extra("torch", "rl", "train")


def test_python_dash_m_sedtheory_runs_the_cli():
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "sedtheory", "version"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("sedtheory ")
