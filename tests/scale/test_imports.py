"""Ray is imported only inside sedtheory.scale's functions: importing the package, its modules
and the command line never loads it (the theory side and `sedtheory train` work without Ray)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_scale_and_the_cli_does_not_import_ray():
    code = ("import sys, sedtheory, sedtheory.scale, sedtheory.scale.runner, sedtheory.scale.design, "
            "sedtheory.scale.results; from sedtheory.cli import build_parser; build_parser(); "
            "assert 'ray' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_spec_validation_needs_neither_ray_nor_torch():
    code = ("import sys; from sedtheory.scale import spec_from_dict, trials; "
            "trials(spec_from_dict({'preset': 'tiny', 'grid': {'gamma': [0.9, 0.99]}})); "
            "assert 'ray' not in sys.modules and 'torch' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
