"""Scale-out on Ray: sweeps over training configurations × seeds, and the principal's outer loop.

The only package of ``sedtheory`` that uses Ray, and only inside functions (``import
sedtheory.scale`` works without it; running a sweep needs ``pip install sedtheory[scale]``).
Every trial is an ordinary run folder of ``sedtheory train``. Guide: ``docs/sweeps.md``.

* :mod:`~sedtheory.scale.spec`: sweep specifications (grid / seeded random sample × seeds) → trials.
* :mod:`~sedtheory.scale.runner`: trials as Ray core tasks, retried from their checkpoints.
* :mod:`~sedtheory.scale.results`: the aggregated table, CSV and plots.
* :mod:`~sedtheory.scale.design`: commit-then-respond search over fixed tax schedules with
  successive halving, and its (ε̂, δ̂) certificate.
"""

from __future__ import annotations

import importlib

from sedtheory.scale.spec import SweepSpec, Trial, coerce_value, load_spec, spec_from_dict, trials

_LAZY = {
    "run_sweep": "sedtheory.scale.runner",
    "run_trial": "sedtheory.scale.runner",
    "start_ray": "sedtheory.scale.runner",
    "is_finished": "sedtheory.rl.run_folder",
    "SweepResult": "sedtheory.scale.runner",
    "aggregate": "sedtheory.scale.results",
    "DesignSpec": "sedtheory.scale.design",
    "run_design": "sedtheory.scale.design",
    "load_design_spec": "sedtheory.scale.design",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sedtheory.scale' has no attribute {name!r}")


__all__ = ["SweepSpec", "Trial", "coerce_value", "load_spec", "spec_from_dict", "trials", *sorted(_LAZY)]
