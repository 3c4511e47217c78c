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
