"""One SolverStatus, one result base, one JSON rule (issue 13): every record serialises alike."""

from __future__ import annotations

import enum
import json
import warnings
from fractions import Fraction

import numpy as np
import pytest

import sedtheory as sed
from sedtheory._json import dumps, json_ready
from sedtheory._result import Record, ResultRecord, SolverStatus
from sedtheory.games.examples import common_pool_game
from sedtheory.principal import PrincipalResult, solve_principal_problem
from sedtheory.solvers import SSMNEResult, StackelbergResult


class Colour(enum.Enum):
    RED = "red"


def test_json_ready_rules():
    value = {"nan": float("nan"), "inf": np.inf, "minus": -np.float32(np.inf), "array": np.array([[1.0, np.nan]]),
             "ints": (np.int64(3), 4), "flag": np.bool_(True), "enum": Colour.RED, "status": SolverStatus.OPTIMAL,
             "fraction": Fraction(1, 4), 5: "key", "object": object}
    data = json_ready(value)
    assert data["nan"] is None and data["inf"] is None and data["minus"] is None
    assert data["array"] == [[1.0, None]] and data["ints"] == [3, 4] and data["flag"] is True
    assert data["enum"] == "red" and data["status"] == "optimal" and data["fraction"] == 0.25
    assert data["5"] == "key" and data["object"] == repr(object)
    json.loads(dumps(value))  # strict JSON: allow_nan=False would raise on any NaN left


def test_one_status_and_one_base_for_every_solver_record():
    assert issubclass(StackelbergResult, ResultRecord) and issubclass(SSMNEResult, ResultRecord)
    assert issubclass(PrincipalResult, ResultRecord) and issubclass(sed.Certificate, Record)
    assert sed.SolverStatus is SolverStatus and sed.solvers.SolverStatus is SolverStatus
    principal = solve_principal_problem(lambda P: P.sum(-1), [0.0], "l2", 0.5, candidates=[[0.25]])
    assert principal.status is SolverStatus.OPTIMAL and principal.ok  # a bare string before
    with pytest.raises(sed.ValidationError, match="status: expected one of optimal, .*, got 'done'"):
        PrincipalResult("done", None, 0.0, "enumeration", principal.ball)


def _failed_records():
    """A record of each kind whose value is not finite: no pure follower equilibrium, no
    feasible commitment, a failed grade."""
    pennies = np.zeros((3, 2, 2, 2))
    pennies[1, :] = [[1, 0], [0, 1]]
    pennies[2, :] = [[0, 1], [1, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sed.SolverWarning)
        stackelberg = sed.solve_stackelberg(sed.StackelbergNashGame(pennies))
    principal = solve_principal_problem(lambda P: P.sum(-1), [0.0], "l2", 0.5, candidates=[[3.0]])
    certificate = sed.certify(sed.StackelbergNashGame(pennies), [1, 0], [0, 0])
    return {"stackelberg": (stackelberg, "leader_value"), "principal": (principal, "value"),
            "certificate": (certificate, "epsilon_hat")}


@pytest.mark.parametrize("kind", ["stackelberg", "principal", "certificate"])
def test_a_missing_value_is_null_in_every_record(kind):
    record, key = _failed_records()[kind]
    data = json.loads(json.dumps(record.to_dict(), allow_nan=False))
    assert data[key] is None


def test_ssmne_record_through_the_same_rule():
    result = sed.solve_ssmne(common_pool_game())
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["status"] == "optimal" and isinstance(data["leader_value"], float)
    empty = SSMNEResult(SolverStatus.NO_PURE_EQUILIBRIUM, -np.inf, None, None, None, None, 0.0)
    assert empty.to_dict()["leader_value"] is None and not empty.ok
