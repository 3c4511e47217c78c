"""The docstring examples of the graders and of MechanismDesignProblem run as written."""

import doctest
import importlib

import pytest

MODULES = ["sedtheory.equilibrium.best_response", "sedtheory.equilibrium.certify", "sedtheory.games.mechanism"]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    # import_module: the package re-exports a function named `certify` over the submodule attribute
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
