"""Run a sweep's trials on Ray core: one task per trial, each trial an ordinary run folder.

Why Ray *core* tasks and not Ray Tune (``docs/sweeps.md`` has the long form): a trial here is
already a complete, checkpointed, bit-exactly resumable program (:class:`~sedtheory.rl.trainer.Trainer`
in its run folder). A task with ``max_retries`` gives exactly the fault tolerance wanted: when
the worker process dies, Ray runs the task again, and the task resumes the run folder from its
last checkpoint. The sweep's own state is the set of run folders: a trial is finished when its
folder says so (``summary.json`` with ``completed: true``), so a sweep started again after
Ctrl-C skips those and resumes the rest. Tune would add a second checkpoint format, its own
trial folders and a results store that duplicate the run folder.

Each task asks for one CPU; the trainer runs torch on one thread (``TrainConfig.torch_threads``),
so ``num_cpus`` trials run side by side. ``ray.init`` starts a local Ray by default, or attaches
to a cluster with ``address``; in both cases the workers import the same ``sedtheory`` the
driver runs (the package folder goes with the job's runtime environment).

Fault injection (``kill``): for drills and tests, a trial can be made to end its own worker
process with ``os._exit`` halfway through a training episode, on its first attempt only (a
marker file in the run folder records that the attempt was made), as a crashed or pre-empted
machine would.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sedtheory._validate import ValidationError
from sedtheory.rl.checkpoint import CHECKPOINT, CONFIG, SUMMARY, load_json, save_json
from sedtheory.rl.config import TrainConfig, config_from_dict, config_to_dict
from sedtheory.rl.run_folder import ATTEMPT_LOCK, is_finished
from sedtheory.scale.spec import TRIALS_DIR, SweepSpec, Trial, trial_record, trials

LOCK = ATTEMPT_LOCK
"""The lock file of a run folder (:func:`run_trial` holds it while it works there)."""

FAULT_MARKER = Path(".fault-injected")
"""Written in a run folder by the attempt that fault injection killed (so the retry lives)."""

SWEEP_FILE = Path("sweep.json")


# --------------------------------------------------------------------------- one trial
def check_folder(run_dir: Path, config: TrainConfig) -> None:
    """Refuse a run folder that holds a run of another configuration."""
    path = run_dir / CONFIG
    if path.exists() and config_from_dict(load_json(path)) != config:
        raise ValidationError(f"run_dir: {run_dir} holds a run with another config (a trial of another sweep?)")


def run_trial(config: dict | TrainConfig, run_dir: Path | str, *, until_updates: int | None = None,
              warm_start: Path | str | None = None, kill_in_episode: int | None = None) -> dict:
    """Train one trial in ``run_dir``: from its last checkpoint if it has one, else from the start.

    This is the body of a sweep's Ray task, and a plain function (it runs anywhere).

    Args:
        config: the trial's configuration (a ``TrainConfig`` or its :func:`config_to_dict` form).
        run_dir: the trial's run folder.
        until_updates: stop at the first episode boundary at or after this many updates
            (default: train to the end); nothing is trained when the run is already there.
        warm_start: a run folder whose players start this run (:meth:`Trainer.warm_start`);
            used only when the run has no checkpoint yet.
        kill_in_episode: fault injection: on the first attempt, end this process with
            ``os._exit(1)`` halfway through training episode ``kill_in_episode`` (1-based,
            counted in this process).

    Returns:
        ``{"update", "completed", "pid", "attempt_resumed"}`` and, when completed, the run's summary.
    """
    config = config if isinstance(config, TrainConfig) else config_from_dict(config)
    run_dir = Path(run_dir)
    with _folder_lock(run_dir):
        return _run_trial_locked(config, run_dir, until_updates, warm_start, kill_in_episode)


@contextlib.contextmanager
def _folder_lock(run_dir: Path):
    """Hold an exclusive ``flock`` on ``run_dir/.lock`` (released when the process ends, even by
    ``os._exit``; the folder is created if need be): a second attempt on the same folder — a
    retry whose predecessor is still stopping after a cancel, or a second sweep on the same
    folder — waits instead of writing beside it. A no-op where ``fcntl`` does not exist (Windows)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(run_dir / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_trial_locked(config: TrainConfig, run_dir: Path, until_updates, warm_start, kill_in_episode) -> dict:
    from sedtheory.rl.trainer import Trainer

    check_folder(run_dir, config)
    if is_finished(run_dir):
        return {**load_json(run_dir / SUMMARY), "pid": os.getpid(), "attempt_resumed": True}
    factory = None
    if kill_in_episode and not (run_dir / FAULT_MARKER).exists():
        from sedtheory.rl.envs import AppleFactory

        factory = _DyingFactory(AppleFactory(config), kill_in_episode, run_dir / FAULT_MARKER)
    resumed = (run_dir / CHECKPOINT).exists()
    if resumed:
        trainer = Trainer.resume(run_dir, factory)
    else:
        trainer = Trainer(config, run_dir, factory)
        if warm_start is not None:
            trainer.warm_start(warm_start)
    if until_updates is not None and trainer.update >= until_updates:
        return {"update": trainer.update, "completed": False, "pid": os.getpid(), "attempt_resumed": resumed}
    summary = trainer.train(max_updates=until_updates)
    return {**summary, "pid": os.getpid(), "attempt_resumed": resumed}


class _DyingFactory:
    """An engine factory whose ``episode``-th engine ends the process halfway through its episode."""

    def __init__(self, inner, episode: int, marker: Path) -> None:
        self.inner, self.episode, self.marker, self.made = inner, episode, marker, 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def make(self, num_games: int, seed: int, types=None):
        env = self.inner.make(num_games, seed, types)
        self.made += 1
        if self.made == self.episode:
            step, steps, half = env.step, [0], self.inner.params.episode_length // 2

            def dying(actions):
                steps[0] += 1
                if steps[0] > half:
                    self.marker.write_text(f"worker {os.getpid()} ended itself in episode {self.made}, step {half}\n")
                    os._exit(1)
                return step(actions)
            env.step = dying
        return env


# --------------------------------------------------------------------------- Ray
LOCAL = "local"
"""The ``address`` that runs every task one after another in this process, without Ray (for a
machine where Ray will not start, and for debugging: tracebacks come straight from the trial)."""
_in_process = False   # set by start_ray(address=LOCAL), cleared by stop_ray

START_ATTEMPTS = 3
"""How many times :func:`start_ray` tries to start a local Ray before it gives up."""
START_PAUSE_S = 10.0
"""Seconds :func:`start_ray` waits between two attempts."""


def start_ray(num_cpus: int | None = None, address: str | None = None) -> bool:
    """Start a local Ray with ``num_cpus`` CPUs (default: all), or attach to ``address``; nothing
    when Ray is already running in this process. Returns whether this call started it.
    ``address="local"`` (:data:`LOCAL`) starts no Ray: :func:`run_tasks` then runs the tasks one
    after another in this process until :func:`stop_ray`.

    A local start that fails (on a busy machine Ray's node can time out while its agents start,
    ray-project/ray#65983) is tried again after :data:`START_PAUSE_S` seconds,
    :data:`START_ATTEMPTS` times in all, then reported as a ``ConnectionError`` (an ``OSError``:
    the CLI prints it in one line) with the last error.

    The job's runtime environment makes the workers import this very ``sedtheory``: on a local
    Ray its folder is put first on ``PYTHONPATH``; on a cluster the package is uploaded
    (``py_modules``), so the cluster needs only the dependencies.
    """
    global _in_process
    if address == LOCAL:
        _in_process = True
        return True
    import ray

    if ray.is_initialized():
        return False
    import sedtheory

    package = Path(sedtheory.__file__).resolve().parent
    if address is None:
        path = os.pathsep.join(p for p in (str(package.parent), os.environ.get("PYTHONPATH", "")) if p)
        runtime_env = {"env_vars": {"PYTHONPATH": path}}
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                ray.init(num_cpus=num_cpus, include_dashboard=False, runtime_env=runtime_env, log_to_driver=True)
                break
            except Exception as error:  # noqa: BLE001 - Ray raises bare Exception when its node times out
                ray.shutdown()
                if attempt == START_ATTEMPTS:
                    raise ConnectionError(f"could not start a local Ray in {START_ATTEMPTS} attempts: {error} (Ray's "
                                          f"node waits a fixed 15 s for its agents, ray-project/ray#65983, which a "
                                          f"busy machine can exceed: start again when the load is lower)") from error
                print(f"starting a local Ray failed ({error}); trying again ({attempt + 1}/{START_ATTEMPTS})",
                      flush=True)
                time.sleep(START_PAUSE_S)
    else:
        ray.init(address=address, runtime_env={"py_modules": [str(package)]}, log_to_driver=True)
    return True


def stop_ray(started: bool) -> None:
    """Undo :func:`start_ray` when it ``started`` something (Ray, or the in-process mode)."""
    global _in_process
    if not started:
        return
    if _in_process:
        _in_process = False
        return
    import ray

    ray.shutdown()


@dataclass
class TaskOutcome:
    """What became of one task: its result, or the error that ended it."""

    name: str
    result: dict | None = None
    error: str | None = None


def run_tasks(tasks: dict[str, tuple], *, function=None, max_retries: int = 3, progress=None, poll_s: float = 1.0,
              cancel_grace_s: float = 20.0) -> dict[str, TaskOutcome]:
    """Run ``function(*args, **kwargs)`` (default :func:`run_trial`) for each ``name: (args, kwargs)``
    as a Ray task (one CPU each), or one after another in this process after
    ``start_ray(address="local")``.

    A worker that dies is retried ``max_retries`` times (Ray re-executes the task, which resumes
    from the run folder's checkpoint); an exception raised by the trial itself is not retried. On
    Ctrl-C the running tasks are cancelled (the trainer then saves its episode-boundary
    checkpoint), and ``KeyboardInterrupt`` is raised again.

    Args:
        progress: called as ``progress(finished_names)`` after every poll.
    """
    if _in_process:
        return _run_in_process(tasks, function or run_trial, progress)
    import ray

    remote = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=False)(function or run_trial)
    refs = {remote.remote(*args, **kwargs): name for name, (args, kwargs) in tasks.items()}
    outcomes: dict[str, TaskOutcome] = {}
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=len(pending), timeout=poll_s)
            for ref in ready:
                name = refs[ref]
                try:
                    outcomes[name] = TaskOutcome(name, result=ray.get(ref))
                except ray.exceptions.RayTaskError as exc:
                    cause = exc.cause if getattr(exc, "cause", None) is not None else exc
                    outcomes[name] = TaskOutcome(name, error=f"{type(cause).__name__}: {cause}")
                except ray.exceptions.RayError as exc:   # worker died more than max_retries times, ...
                    outcomes[name] = TaskOutcome(name, error=f"{type(exc).__name__}: {exc}")
            if progress is not None:
                progress(set(outcomes))
    except KeyboardInterrupt:
        for ref in pending:
            ray.cancel(ref)          # KeyboardInterrupt inside the task: the trainer saves its checkpoint
        ray.wait(pending, num_returns=len(pending), timeout=cancel_grace_s)
        raise
    return outcomes


def _run_in_process(tasks: dict[str, tuple], function, progress) -> dict[str, TaskOutcome]:
    """:func:`run_tasks` without Ray: one task after another; an exception ends only its own task."""
    outcomes: dict[str, TaskOutcome] = {}
    for name, (args, kwargs) in tasks.items():
        try:
            outcomes[name] = TaskOutcome(name, result=function(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - reported per task, as Ray reports a task's error
            outcomes[name] = TaskOutcome(name, error=f"{type(exc).__name__}: {exc}")
        if progress is not None:
            progress(set(outcomes))
    return outcomes


# --------------------------------------------------------------------------- the sweep
@dataclass
class SweepResult:
    """The outcome of :func:`run_sweep`.

    Attributes:
        trials: every trial of the spec.
        skipped: names of trials that were finished before this call.
        outcomes: what became of the trials run in this call.
        trial_rows, group_rows: the per-trial and per-setting results (:mod:`sedtheory.scale.results`).
        table: the aggregated table as text.
        files: files written (CSV, plots).
    """

    trials: list[Trial]
    skipped: list[str] = field(default_factory=list)
    outcomes: dict[str, TaskOutcome] = field(default_factory=dict)
    trial_rows: list[dict] = field(default_factory=list)
    group_rows: list[dict] = field(default_factory=list)
    table: str = ""
    files: list[str] = field(default_factory=list)

    @property
    def failed(self) -> dict[str, str]:
        """Trial name → error, for the trials that did not finish."""
        return {name: o.error for name, o in self.outcomes.items() if o.error is not None}


def prepare_sweep_folder(spec: SweepSpec, sweep_dir: Path) -> list[Trial]:
    """Expand ``spec`` into trials and record it in ``sweep_dir/sweep.json``; refuse a folder
    that holds another sweep."""
    all_trials = trials(spec)
    record = {"spec": spec.to_dict(), "trials": [trial_record(t) for t in all_trials]}
    path = sweep_dir / SWEEP_FILE
    if path.exists():
        if load_json(path)["spec"] != record["spec"]:
            raise ValidationError(f"sweep_dir: {sweep_dir} holds another sweep (its {SWEEP_FILE} has another spec); "
                                  "pick a new folder or run that sweep's spec")
    sweep_dir.mkdir(parents=True, exist_ok=True)
    save_json(path, record)
    for trial in all_trials:
        check_folder(sweep_dir / TRIALS_DIR / trial.name, trial.config)
    return all_trials


def run_sweep(spec: SweepSpec, sweep_dir: Path | str, *, num_cpus: int | None = None, address: str | None = None,
              max_retries: int = 3, progress: bool = True, plots: bool = True,
              kill: dict[str, int] | None = None) -> SweepResult:
    """Run every unfinished trial of ``spec`` on Ray, then aggregate all of them.

    Trials are written to ``sweep_dir/trials/<name>/`` (ordinary run folders); calling again with
    the same spec and folder resumes: finished trials are skipped, the others continue from their
    checkpoints. At the end ``results.csv`` (one row per setting, intervals across seeds),
    ``trials.csv`` (one row per trial) and, with ``plots``, PNGs under ``plots/`` are written.

    Args:
        num_cpus: CPUs of the local Ray (default: all of the machine); ignored with ``address``.
        address: attach to this Ray cluster instead of starting a local one; ``"local"``
            (:data:`LOCAL`): no Ray, the trials run one after another in this process.
        max_retries: re-executions of a trial whose worker died.
        progress: show a progress bar of the updates done across trials.
        kill: fault injection, trial name → training episode in which its first attempt dies
            (see the module docstring).
    """
    from sedtheory.scale.results import aggregate, write_results

    sweep_dir = Path(sweep_dir).resolve()
    all_trials = prepare_sweep_folder(spec, sweep_dir)
    unknown = sorted(set(kill or {}) - {t.name for t in all_trials})
    if unknown:
        raise ValidationError(f"kill: no trial named {unknown[0]!r}")
    if kill and address == LOCAL:
        raise ValidationError("kill: fault injection ends the worker process, which with address='local' is this one")
    result = SweepResult(all_trials)
    todo = []
    for trial in all_trials:
        if is_finished(sweep_dir / TRIALS_DIR / trial.name):
            result.skipped.append(trial.name)
        else:
            todo.append(trial)
    if todo:
        tasks = {t.name: ((config_to_dict(t.config), str(sweep_dir / TRIALS_DIR / t.name)),
                          {"kill_in_episode": (kill or {}).get(t.name)}) for t in todo}
        started = start_ray(num_cpus, address)
        bar = _ProgressBar(all_trials, sweep_dir, enabled=progress)
        try:
            result.outcomes = run_tasks(tasks, max_retries=max_retries, progress=bar.refresh)
        finally:
            bar.close()
            stop_ray(started)
    result.trial_rows, result.group_rows, result.table = aggregate(all_trials, sweep_dir, spec)
    result.files = write_results(result, sweep_dir, spec, plots=plots)
    return result


class _ProgressBar:
    """Updates done, summed over trials (read from the run folders' ``metrics.csv``)."""

    def __init__(self, all_trials: list[Trial], sweep_dir: Path, enabled: bool) -> None:
        from tqdm import tqdm

        self.trials, self.sweep_dir = all_trials, sweep_dir
        self.total = sum(t.config.num_updates for t in all_trials)
        self.bar = tqdm(total=self.total, unit="update", desc="sweep", disable=not enabled, dynamic_ncols=True)
        self.started = time.perf_counter()
        self.refresh(set())

    def _updates(self, trial: Trial) -> int:
        run_dir = self.sweep_dir / TRIALS_DIR / trial.name
        if is_finished(run_dir):
            return trial.config.num_updates
        try:
            with open(run_dir / "metrics.csv", "rb") as stream:
                return max(sum(1 for _ in stream) - 1, 0)
        except OSError:
            return 0

    def refresh(self, finished: set[str]) -> None:
        done = sum(min(self._updates(t), t.config.num_updates) for t in self.trials)
        complete = sum(is_finished(self.sweep_dir / TRIALS_DIR / t.name) for t in self.trials)
        self.bar.n = done
        self.bar.set_postfix({"trials done": f"{complete}/{len(self.trials)}"}, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()
