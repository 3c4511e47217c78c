"""``sedtheory sweep``: many training runs (configs × seeds) on Ray, each an ordinary run folder."""

from __future__ import annotations

import time
from pathlib import Path

from sedtheory.cli._app import CommandError, command


def _pairs(option: str, items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"{option}: expected FIELD=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out


def spec_data(spec: Path | None, preset: str | None, seeds: tuple[int, ...], set_: tuple[str, ...],
              grid: tuple[str, ...]) -> dict:
    """The spec as a mapping: the file's (if any) with the command line's options on top
    (``--set`` adds fixed fields, ``--grid`` replaces those fields' grids, ``--seeds`` and
    ``--preset`` replace the file's)."""
    from sedtheory.scale.spec import load_spec

    data = load_spec(spec).to_dict() if spec is not None else {}
    if preset is not None:
        data["preset"] = preset
    if seeds:
        data["seeds"] = list(seeds)
    fixed = _pairs("set", set_)
    if fixed:
        data["set"] = {**data.get("set", {}), **fixed}
    axes = {name: [v for v in value.split(",") if v.strip()] for name, value in _pairs("grid", grid).items()}
    if axes:
        data["grid"] = {**data.get("grid", {}), **axes}
    return data


@command("sweep")
def sweep(spec: Path | None = None, sweep_dir: Path | None = None, preset: str | None = None,
          seeds: tuple[int, ...] = (), set_: tuple[str, ...] = (), grid: tuple[str, ...] = (),
          num_cpus: int | None = None, address: str | None = None, max_retries: int = 3,
          plots: bool = True, progress: bool = True) -> int:
    """Train a grid or random sample of configurations x seeds on Ray; print and save a results table.

    Each trial is an ordinary run folder under SWEEP_DIR/trials/ (resumable with ``sedtheory
    train --resume``, readable by ``sedtheory evaluate``). Running the same command again resumes
    the sweep: finished trials are skipped, the others continue from their checkpoints. A trial
    whose worker process dies is retried from its last checkpoint. Spec files (JSON, TOML or
    YAML; keys preset, seeds, set, grid, random, samples, sample_seed, last_episodes) are
    described in docs/sweeps.md. Example: ``sedtheory sweep --preset tiny --seeds 1 2 3 --grid
    gamma=0.99,0.999 --set total_timesteps=4800``.

    Args:
        spec: sweep spec file (.json, .toml, .yaml); the options below go on top of it.
        sweep_dir: folder of the sweep (default sweeps/sweep-<UTC time>); give it again to resume.
        preset: preset every trial starts from (sedtheory.rl.config.PRESETS).
        seeds: training seeds (each setting runs once per seed).
        set_: fixed settings FIELD=VALUE for every trial (tuples as a/b/c).
        grid: FIELD=V1,V2,... values to combine (tuples as a/b/c).
        num_cpus: CPUs of the local Ray, one trial per CPU (default: all); ignored with --address.
        address: attach to an existing Ray cluster (e.g. ray://host:10001 or auto); "local": no Ray, the trials one after another in this process.
        max_retries: re-runs of a trial whose worker dies (it resumes from its checkpoint).
        plots: write PNG plots with intervals across seeds.
        progress: show a progress bar.
    """
    try:
        if address != "local":
            import ray  # noqa: F401
    except ImportError:
        raise CommandError("sweep: needs Ray; install it with: pip install 'sedtheory[scale]' (or run without Ray: --address local)") from None
    from sedtheory.scale.runner import run_sweep
    from sedtheory.scale.spec import spec_from_dict

    if num_cpus is not None and num_cpus < 1:
        raise CommandError(f"num_cpus: must be >= 1, got {num_cpus}")
    if max_retries < 0:
        raise CommandError(f"max_retries: must be >= 0, got {max_retries}")
    resolved = spec_from_dict(spec_data(spec, preset, seeds, set_, grid))
    folder = sweep_dir or Path("sweeps") / time.strftime("sweep-%Y%m%d-%H%M%S", time.gmtime())
    if plots:
        import matplotlib

        matplotlib.use("Agg")
    print(f"sweep folder: {folder}")
    try:
        result = run_sweep(resolved, folder, num_cpus=num_cpus, address=address, max_retries=max_retries,
                           progress=progress, plots=plots)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished trials are kept; continue with the same command and --sweep-dir {folder}")
        return 130
    ran = len(result.outcomes)
    print(f"{len(result.trials)} trials: {len(result.skipped)} already finished, {ran} run now, "
          f"{len(result.failed)} failed")
    for name, error in result.failed.items():
        print(f"  failed: {name}: {error}")
    print(result.table)
    print("files: " + ", ".join(result.files))
    return 1 if result.failed else 0
