"""Metrics of a run: one CSV row per update (fixed columns) and TensorBoard scalars.

On resume, rows written after the checkpoint being resumed (an interrupted run may have
logged a few) are dropped, and TensorBoard events past it are purged, so the logs of a
resumed run match those of an uninterrupted one.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from sedtheory.rl.checkpoint import METRICS


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)


class MetricsLog:
    """Append-only metrics writer.

    Args:
        run_dir: the run folder.
        columns: CSV header (first column ``update``).
        start_update: rows with ``update > start_update`` already on disk are dropped.
        start_step: TensorBoard events at ``global_step > start_step`` are purged when resuming
            (the checkpoint's own update was logged at ``start_step`` and is kept).
        tensorboard: also write TensorBoard events under ``run_dir/tb``.
        resumed: continuing a checkpoint (events past it are purged even when it is the update-0 one).
    """

    def __init__(self, run_dir: Path, columns: tuple[str, ...], start_update: int, start_step: int,
                 tensorboard: bool, resumed: bool = False) -> None:
        self.path, self.columns = Path(run_dir) / METRICS, columns
        kept = self._kept_rows(start_update)
        self.stream = open(self.path, "w", newline="")
        self.writer = csv.writer(self.stream)
        self.writer.writerow(columns)
        self.writer.writerows(kept)
        self.stream.flush()
        self.tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.tb = SummaryWriter(str(Path(run_dir) / "tb"), purge_step=start_step + 1 if start_update or resumed else None)

    def _kept_rows(self, start_update: int) -> list[list[str]]:
        if not self.path.exists() or start_update == 0:
            return []
        with open(self.path, newline="") as stream:
            rows = list(csv.reader(stream))
        if not rows or tuple(rows[0]) != self.columns:
            return []
        return [r for r in rows[1:] if r and int(r[0]) <= start_update]

    def write(self, row: dict) -> None:
        """Write one update's metrics (missing columns stay blank)."""
        self.writer.writerow([_cell(row.get(c)) for c in self.columns])
        self.stream.flush()
        if self.tb is not None:
            step = int(row["global_step"])
            for key, value in row.items():
                if "/" in key and value is not None and not (isinstance(value, float) and math.isnan(value)):
                    self.tb.add_scalar(key, value, step)

    def close(self) -> None:
        self.stream.close()
        if self.tb is not None:
            self.tb.close()


def read_metrics(run_dir: Path) -> dict[str, list[float]]:
    """``metrics.csv`` as columns of floats (NaN for blank cells)."""
    with open(Path(run_dir) / METRICS, newline="") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1:]
    return {name: [float(r[i]) if r[i] != "" else float("nan") for r in body] for i, name in enumerate(header)}
