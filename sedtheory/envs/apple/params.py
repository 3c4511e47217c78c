"""Parameters and maps of the Apple Picking Game (paper Section 4, Table 1; rules sheet docs/apple_game.md).

:class:`AppleParams` is the one frozen, validated description of a game: every rule that the
engine (:mod:`sedtheory.envs.apple.engine`), the slow reference
(:mod:`sedtheory.envs.apple.reference`) and the tabular twin (:mod:`sedtheory.envs.apple.tabular`)
read. Each field's docstring gives its provenance: [P] = the paper (Section 4, Table 1,
Appendix A), [MP] = Melting Pot 2.x ``commons_harvest__open``, [S] = a decision of the rules
sheet ``docs/apple_game.md`` where the two sources differ or are silent.

Maps are ASCII art, one string, rows separated by newlines. Legend (:data:`MAP_LEGEND`):

====  =====================================================================
char  meaning
====  =====================================================================
``W``  wall (blocks movement and zap beams; never holds an apple)
``.``  floor (a space `` `` is also floor)
``A``  apple cell, live at reset (an apple regrows only on these cells)
``P``  spawn cell (random start cells and zap respawn cells)
``Q``  inner spawn cell: players ``0 .. #Q − 1`` start on the ``Q`` cells, in uniformly random order
       (Melting Pot's ``insideSpawnPoints`` for its first two players)
====  =====================================================================

The map must be rectangular. Cells outside the map behave like walls for movement and
beams, and are shown in observations as "out of map".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sedtheory._validate import ValidationError, finite_array, nonnegative_scalar, positive_int
from sedtheory.principal.tax import validate_thresholds

MAP_LEGEND: dict[str, str] = {
    "W": "wall",
    ".": "floor",
    " ": "floor",
    "A": "apple cell, live at reset",
    "P": "spawn cell (random starts and zap respawns)",
    "Q": "inner spawn cell (the first players start on the Q cells, in random order)",
}
"""Characters accepted in a map string and what each one means."""


def _default_map() -> str:
    """Melting Pot's ``commons_harvest__open`` map as written out in docs/apple_game.md (World [MP])."""
    height, width = 18, 24
    grid = [["." for _ in range(width)] for _ in range(height)]
    for r in range(height):
        for c in range(width):
            if r in (0, height - 1) or c in (0, width - 1):
                grid[r][c] = "W"
    apples = {
        1: [1, 2, 3, 8, 15, 20, 21, 22],
        2: [1, 2, 7, 8, 9, 14, 15, 16, 21, 22],
        3: [1, *range(6, 11), *range(13, 18), 22],
        4: [7, 8, 9, 14, 15, 16],
        5: [8, 15],
        6: [3, 20],
        7: [2, 3, 4, 19, 20, 21],
        8: [*range(1, 6), *range(18, 23)],
        9: [2, 3, 4, 19, 20, 21],
        10: [3, 20],
    }
    for r, cols in apples.items():
        for c in cols:
            grid[r][c] = "A"
    for r, (lo, hi) in {14: (3, 20), 15: (2, 21), 16: (1, 22)}.items():
        for c in range(lo, hi + 1):
            grid[r][c] = "P"
    grid[7][7] = "Q"
    grid[7][16] = "Q"
    return "\n".join("".join(row) for row in grid)


DEFAULT_MAP: str = _default_map()
"""The 24 × 18 default map: 64 apples, 60 spawn cells, 2 inner spawn cells (docs/apple_game.md, World).
Cell for cell the ``ASCII_MAP`` of Melting Pot 2.4.1's ``commons_harvest__open`` config (spaces
written as ``.``; compared against the installed package when this was written)."""

CORRIDOR_MAP: str = "WWWWWW\nWPAAPW\nWWWWWW"
"""A tiny 1 × 4 corridor (2 apple cells between 2 spawn cells) for the tabular twin."""

FIELD_3X3_MAP: str = "WWWWW\nWPAPW\nWA.AW\nWPAPW\nWWWWW"
"""A tiny 3 × 3 field (4 apple cells, 4 spawn cells) for the tabular twin."""


@dataclass(frozen=True)
class MapLayout:
    """A parsed map. ``walls``, ``apple_cells``, ``spawn_cells`` are boolean ``(H, W)`` arrays;
    ``inner_spawns`` lists ``(row, col)`` of the ``Q`` cells in row-major order."""

    height: int
    width: int
    walls: np.ndarray
    apple_cells: np.ndarray
    spawn_cells: np.ndarray
    inner_spawns: tuple[tuple[int, int], ...]


def parse_map(text: str) -> MapLayout:
    """Parse an ASCII map (see :data:`MAP_LEGEND`); raise :class:`ValidationError` naming the problem."""
    if not isinstance(text, str) or not text.strip("\n"):
        raise ValidationError("map_ascii: expected a non-empty string")
    rows = text.strip("\n").split("\n")
    width = len(rows[0])
    for r, row in enumerate(rows):
        if len(row) != width:
            raise ValidationError(f"map_ascii: row {r} has {len(row)} characters, row 0 has {width} (map must be rectangular)")
        for c, ch in enumerate(row):
            if ch not in MAP_LEGEND:
                raise ValidationError(
                    f"map_ascii: unknown character {ch!r} at row {r}, column {c} (legend: {''.join(sorted(MAP_LEGEND))!r})"
                )
    chars = np.array([list(row) for row in rows])
    inner = tuple((int(r), int(c)) for r, c in np.argwhere(chars == "Q"))
    return MapLayout(
        height=len(rows), width=width, walls=chars == "W", apple_cells=chars == "A",
        spawn_cells=chars == "P", inner_spawns=inner,
    )


def _help(text: str):
    return field(metadata={"help": text})


@dataclass(frozen=True)
class AppleParams:
    """All rules of one Apple Picking Game. Frozen; validated at construction.

    Every field below documents its source ([P] paper, [MP] Melting Pot, [S] rules-sheet decision).
    Derived sizes are properties (``n_brackets``, ``n_actions``, ``obs_shape``, ...).
    """

    n_players: int = field(default=7, metadata={"help": "number of players n [P] Table 1 'Number of Agents 7'"})
    episode_length: int = field(default=1000, metadata={"help": "steps per episode, fixed [P] Table 1 'Episode Length 1000'"})
    tax_period: int = field(default=50, metadata={"help": "steps per tax period [P] Table 1 'Tax Period 50'"})
    tax_thresholds: tuple[float, ...] = field(
        default=(0.0, 10.0, 20.0, 10000.0),
        metadata={"help": "bracket thresholds tau_0=0 < tau_1 < ... (apples per period) [P] Table 1 brackets "
                          "[(1,10),(11,20),(21,10000)] written as tau=(0,10,20,10000)"},
    )
    regrowth_probs: tuple[float, ...] = field(
        default=(0.0, 0.0025, 0.005, 0.025),
        metadata={"help": "regrowth probability p(min(k, len-1)) for k live apples within regrowth_radius "
                          "[MP] table (k>=3 -> 0.025); [P] Table 1 lists the same numbers in reverse order"},
    )
    regrowth_radius: float = field(default=2.0, metadata={"help": "Euclidean radius of the regrowth neighbourhood [P] App. A 'circular radius of 2'"})
    window_forward: int = field(default=9, metadata={"help": "cells seen ahead [P] Table 1 'Forward: 9' / [MP]"})
    window_backward: int = field(default=1, metadata={"help": "cells seen behind [P] Table 1 'Backward: 1' / [MP]"})
    window_left: int = field(default=5, metadata={"help": "cells seen to the left [P] Table 1 'Left: 5' / [MP]"})
    window_right: int = field(default=5, metadata={"help": "cells seen to the right [P] Table 1 'Right: 5' / [MP]"})
    zap: bool = field(default=False, metadata={"help": "enable the zap action (8 actions) [S]: off, as in the paper's runs; [MP] has it on"})
    zap_length: int = field(default=3, metadata={"help": "forward beam length L; rays shifted by o have length L-|o| [MP] Zapper beamLength=3"})
    zap_radius: int = field(default=1, metadata={"help": "beam radius r: rays at lateral offsets -r..r plus side rays of length r [MP] Zapper beamRadius=1"})
    zap_removal_steps: int = field(default=4, metadata={"help": "steps a zapped player stays off the map [MP] Zapper framesTillRespawn=4"})
    zap_cooldown: int = field(default=2, metadata={"help": "steps after a zap during which the zapper cannot zap [MP] Zapper cooldownTime=2"})
    map_ascii: str = field(default=DEFAULT_MAP, metadata={"help": "the map as ASCII art (legend in sedtheory.envs.apple.params.MAP_LEGEND) [MP] commons_harvest__open"})

    def __post_init__(self) -> None:
        self._check_ints()
        self._check_thresholds()
        self._check_probs()
        layout = self.layout
        if self.window_forward + 1 + self.window_backward > max(layout.height, layout.width) or \
                self.window_left + 1 + self.window_right > max(layout.height, layout.width):
            raise ValidationError(
                f"window: a {self.window_forward + 1 + self.window_backward} x "
                f"{self.window_left + 1 + self.window_right} window is larger than the "
                f"{layout.height} x {layout.width} map"
            )
        n_inner = min(len(layout.inner_spawns), self.n_players)
        n_random = self.n_players - n_inner
        if n_random > 0 and int(layout.spawn_cells.sum()) < n_random:
            raise ValidationError(
                f"map_ascii: {self.n_players} players need {n_random} spawn cells 'P' "
                f"(besides {n_inner} inner 'Q'), the map has {int(layout.spawn_cells.sum())}"
            )
        if self.zap and not layout.spawn_cells.any():
            raise ValidationError("map_ascii: zap=True needs at least one spawn cell 'P' for respawns")

    def _check_ints(self) -> None:
        for name, minimum in (("n_players", 1), ("episode_length", 1), ("tax_period", 1),
                              ("window_forward", 0), ("window_backward", 0), ("window_left", 0),
                              ("window_right", 0), ("zap_length", 1), ("zap_radius", 0),
                              ("zap_removal_steps", 1), ("zap_cooldown", 0)):
            positive_int(name, getattr(self, name), minimum=minimum)
        if not isinstance(self.zap, bool):
            raise ValidationError(f"zap: expected a bool, got {self.zap!r}")

    def _check_thresholds(self) -> None:
        """The shared check of the principal's tax map (:func:`sedtheory.principal.tax.validate_thresholds`:
        starts at 0, strictly increasing, finite but for a last ``+inf``), its error named by this field."""
        try:
            validate_thresholds(self.tax_thresholds)
        except ValidationError as exc:
            raise ValidationError(f"tax_thresholds: {str(exc).split(': ', 1)[-1]}") from None

    def _check_probs(self) -> None:
        p = finite_array("regrowth_probs", self.regrowth_probs, ndim=1)
        if p.size < 1 or np.any(p < 0) or np.any(p > 1):
            raise ValidationError(f"regrowth_probs: need at least one probability, each in [0, 1], got {self.regrowth_probs!r}")
        if isinstance(self.regrowth_radius, bool):
            raise ValidationError(f"regrowth_radius: expected a number, got {self.regrowth_radius!r}")
        nonnegative_scalar("regrowth_radius", self.regrowth_radius)

    # ---- derived sizes -------------------------------------------------------------------
    @cached_property
    def layout(self) -> MapLayout:
        """The parsed map (raises :class:`ValidationError` for a bad map)."""
        return parse_map(self.map_ascii)

    @property
    def height(self) -> int:
        """Map rows H, walls included (18 by default)."""
        return self.layout.height

    @property
    def width(self) -> int:
        """Map columns W, walls included (24 by default)."""
        return self.layout.width

    @property
    def n_apple_cells(self) -> int:
        """Number A of apple cells ``A`` on the map (64 by default)."""
        return int(self.layout.apple_cells.sum())

    @property
    def n_brackets(self) -> int:
        """Number of tax brackets, ``len(tax_thresholds) - 1`` (3 by default)."""
        return len(self.tax_thresholds) - 1

    @property
    def n_actions(self) -> int:
        """7 (no-op, forward, backward, step left, step right, turn left, turn right), 8 with zap."""
        return 8 if self.zap else 7

    @property
    def window(self) -> dict[str, int]:
        """The observation window extents ``{"forward", "backward", "left", "right"}`` (9, 1, 5, 5)."""
        return {"forward": self.window_forward, "backward": self.window_backward,
                "left": self.window_left, "right": self.window_right}

    @property
    def window_shape(self) -> tuple[int, int]:
        """``(forward + 1 + backward, left + 1 + right)`` = (11, 11) by default."""
        return (self.window_forward + 1 + self.window_backward, self.window_left + 1 + self.window_right)

    @property
    def obs_channels(self) -> int:
        """Player observation channels; see :data:`sedtheory.envs.apple.engine.OBS_CHANNEL_NAMES`."""
        return 10 + self.n_players

    @property
    def obs_shape(self) -> tuple[int, int, int]:
        """``(obs_channels, *window_shape)``."""
        return (self.obs_channels, *self.window_shape)

    @property
    def principal_obs_channels(self) -> int:
        """See :data:`sedtheory.envs.apple.engine.PRINCIPAL_CHANNEL_NAMES`: 9 map channels + one per player."""
        return 9 + self.n_players

    @property
    def principal_obs_shape(self) -> tuple[int, int, int]:
        """``(principal_obs_channels, height, width)``."""
        return (self.principal_obs_channels, self.height, self.width)


__all__ = ["AppleParams", "CORRIDOR_MAP", "DEFAULT_MAP", "FIELD_3X3_MAP", "MAP_LEGEND", "MapLayout", "parse_map"]
