"""``sedtheory design``: the principal's commit-then-respond search over fixed tax schedules, on Ray."""

from __future__ import annotations

import time
from pathlib import Path

from sedtheory.cli._app import CommandError, command


@command("design")
def design(spec: Path, design_dir: Path | None = None, base: tuple[str, ...] = (), num_cpus: int | None = None,
           address: str | None = None, max_retries: int = 3) -> int:
    """Choose a tax schedule: train players under each pre-registered fixed schedule, halve, report.

    Players are trained once without tax (phase one), then under each candidate schedule
    (warm-started from phase one), and successive halving drops poor candidates early; the
    chosen schedule is reported on held-out evaluation seeds against no tax, a random candidate
    and the grid's best, with paired 95% intervals and an estimated (epsilon, delta)
    certificate. Running the same command again resumes. The spec file's keys are those of
    sedtheory.scale.design.DesignSpec (docs/sweeps.md has an example). One spec serves several
    electorates: ``--base selfishness=0.2/0.2/0.2/0.2/0.2/0.2/0.2`` changes the players' types.

    Args:
        spec: design spec file (.json, .toml, .yaml).
        design_dir: folder of the design (default designs/design-<UTC time>); give it again to resume.
        base: FIELD=VALUE settings on top of the spec's base (tuples as a/b/c).
        num_cpus: CPUs of the local Ray, one run per CPU (default: all); ignored with --address.
        address: attach to an existing Ray cluster; "local": no Ray, the runs one after another in this process.
        max_retries: re-runs of a task whose worker dies (it resumes from its checkpoint).
    """
    try:
        if address != "local":
            import ray  # noqa: F401
    except ImportError:
        raise CommandError("design: needs Ray; install it with: pip install 'sedtheory[scale]' (or run without Ray: --address local)") from None
    from sedtheory.cli.sweep import _pairs
    from sedtheory.scale.design import design_spec_from_dict, run_design
    from sedtheory.scale.spec import read_spec_file

    if num_cpus is not None and num_cpus < 1:
        raise CommandError(f"num_cpus: must be >= 1, got {num_cpus}")
    if max_retries < 0:
        raise CommandError(f"max_retries: must be >= 0, got {max_retries}")
    data = read_spec_file(spec, "design")
    if base:
        if not isinstance(data, dict) or not isinstance(data.get("base", {}), dict):
            raise CommandError("base: the spec file's base must be a mapping to add --base settings")
        data = {**data, "base": {**data.get("base", {}), **_pairs("base", base)}}
    resolved = design_spec_from_dict(data)
    folder = design_dir or Path("designs") / time.strftime("design-%Y%m%d-%H%M%S", time.gmtime())
    print(f"design folder: {folder}")
    try:
        result = run_design(resolved, folder, num_cpus=num_cpus, address=address, max_retries=max_retries)
    except KeyboardInterrupt:
        print(f"\ninterrupted: continue with the same command and --design-dir {folder}")
        return 130
    except RuntimeError as exc:
        raise CommandError(str(exc)) from None
    print(result.table)
    print("files: " + ", ".join(result.files))
    return 0
