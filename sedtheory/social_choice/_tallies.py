"""Tallies on a subset of the candidates and facts of the majority graph, shared by the rules.

The majority-graph functions take the ``(m, m)`` margins and an optional boolean mask
``alive`` ``(m,)`` of the candidates still in the race. The elimination rules (Hare, Coombs,
Baldwin, Nanson, ...) remove candidates from every ballot (the rest keep their order) and
recount: :class:`EliminationTally` counts first and last places among the ``alive``
candidates, and the ``*_support`` functions read Borda scores, Condorcet winners and the
Smith/Schwartz sets off the support matrix given as Python lists. At the sizes of a ranked
ballot (m up to about 10) a Python loop over m values is cheaper than a numpy call, so
candidate-level work is done on lists; ballot-level work is numpy unless there are few rows.
"""

from __future__ import annotations

import numpy as np

from sedtheory.social_choice.profiles import PreferenceProfile


def reach(edges: np.ndarray) -> np.ndarray:
    """``(m, m)`` transitive closure of a boolean relation (Warshall 1962)."""
    closure = edges.copy()
    for k in range(closure.shape[0]):
        closure |= closure[:, k, None] & closure[k, None, :]
    return closure


def smith_set(margins: np.ndarray, alive: np.ndarray | None = None) -> tuple[int, ...]:
    """Smith set (Smith 1973; Good 1971's top cycle): the smallest non-empty set of candidates
    each beating every candidate outside it by a majority. Equivalently, those that reach
    every candidate through edges of margin >= 0."""
    members = np.arange(margins.shape[0]) if alive is None else np.flatnonzero(alive)
    sub = margins[np.ix_(members, members)]
    closure = reach(sub >= 0)
    return tuple(int(c) for c in members[closure.all(axis=1)])


def schwartz_set(margins: np.ndarray, alive: np.ndarray | None = None) -> tuple[int, ...]:
    """Schwartz set (Schwartz 1972, GOCHA): the union of the minimal sets that no outside
    candidate beats; ``x`` is in it iff every ``y`` reaching ``x`` through majority wins is
    reached back by ``x``."""
    members = np.arange(margins.shape[0]) if alive is None else np.flatnonzero(alive)
    sub = margins[np.ix_(members, members)]
    closure = reach(sub > 0)
    np.fill_diagonal(closure, True)
    unmatched = closure.T & ~closure  # [x, y]: y reaches x but x does not reach y
    return tuple(int(c) for c in members[~unmatched.any(axis=1)])


def uncovered_set(margins: np.ndarray) -> tuple[int, ...]:
    """Uncovered set (Gillies 1959; Miller 1980): ``y`` covers ``x`` when ``y`` beats ``x`` and
    every candidate beating ``y`` also beats ``x``; the winners are those nobody covers."""
    beats = margins > 0
    # covers[y, x]: beats[y, x] and the beaters of y (column y) are among the beaters of x
    beaters_within = ~(beats[:, :, None] & ~beats[:, None, :]).any(axis=0)  # [y, x]
    covered = (beats & beaters_within).any(axis=0)
    return tuple(int(c) for c in np.flatnonzero(~covered))


def split_cycle_undefeated(margins: np.ndarray, alive: np.ndarray | None = None) -> tuple[int, ...]:
    """Split cycle (Holliday & Pacuit 2023): ``a`` defeats ``b`` when ``margin(a, b) > 0`` exceeds
    the strength (smallest margin) of the strongest path from ``b`` back to ``a``; the
    winners are the undefeated candidates of ``alive``."""
    members = np.arange(margins.shape[0]) if alive is None else np.flatnonzero(alive)
    sub = margins[np.ix_(members, members)]
    paths = strongest_paths(sub)
    defeated = ((sub > 0) & (sub > paths.T)).any(axis=0)  # [a, b]: a defeats b; column b
    return tuple(int(c) for c in members[~defeated])


def strongest_paths(margins: np.ndarray) -> np.ndarray:
    """``(m, m)`` strength of the strongest path ``a -> b`` through positive-margin edges.

    Floyd-Warshall on the widest-path semiring (max, min), as in Schulze (2011), Section 2.3;
    ``-inf`` where there is no path (and on the diagonal). For m <= 12 the triple loop runs on Python lists (fewer
    numpy calls, faster at these sizes); beyond, each intermediate k is one numpy update.
    Both paths are tested equal.
    """
    margins = np.asarray(margins)
    if margins.shape[0] <= 12:
        return _strongest_paths_lists(margins)
    return _strongest_paths_numpy(margins)


def _strongest_paths_numpy(margins: np.ndarray) -> np.ndarray:
    strength = np.where(margins > 0, margins, -np.inf).astype(float)
    np.fill_diagonal(strength, -np.inf)
    through = np.empty_like(strength)
    for k in range(strength.shape[0]):
        np.minimum(strength[:, k, None], strength[k], out=through)
        np.maximum(strength, through, out=strength)
    np.fill_diagonal(strength, -np.inf)  # paths from a candidate to itself are not used
    return strength


def _strongest_paths_lists(margins: np.ndarray) -> np.ndarray:
    m = margins.shape[0]
    return np.array(widest_paths(margins.tolist()), dtype=float).reshape(m, m)


def widest_paths(rows: list[list]) -> list[list[float]]:
    """:func:`strongest_paths` on an ``m x m`` margin matrix given as Python lists (returns lists)."""
    m = len(rows)
    none = float("-inf")
    strength = [[w if (w > 0 and i != j) else none for j, w in enumerate(row)] for i, row in enumerate(rows)]
    for k in range(m):
        via_k = strength[k]
        for i in range(m):
            to_k = strength[i][k]
            if i == k or to_k == none:
                continue
            row = strength[i]
            for j in range(m):
                through = to_k if to_k < via_k[j] else via_k[j]
                if through > row[j] and j != i:
                    row[j] = through
    return strength


def split_cycle_undefeated_lists(margins: list[list], members: list[int]) -> list[int]:
    """:func:`split_cycle_undefeated` on margins given as Python lists, among ``members`` (a
    sorted list of candidates); Python lists are faster than numpy for the small subsets
    that stable voting visits. Tested equal to the numpy version."""
    sub = [[margins[a][b] for b in members] for a in members]
    paths = widest_paths(sub)
    size = len(members)
    return [members[b] for b in range(size)
            if not any(sub[a][b] > 0 and sub[a][b] > paths[b][a] for a in range(size))]


def pair_winners(matrix, pairs, support: bool = False) -> tuple[int, ...]:
    """Winners of majority contests between the given pairs (both win a tied contest).

    ``matrix``: the ``(m, m)`` margins (array or nested lists), or with ``support=True`` the
    support matrix (``a`` beats ``b`` when ``matrix[a][b] > matrix[b][a]``)."""
    winners = set()
    for a, b in pairs:
        margin = matrix[a][b] - matrix[b][a] if support else matrix[a][b]
        if margin >= 0:
            winners.add(int(a))
        if margin <= 0:
            winners.add(int(b))
    return tuple(sorted(winners))


SMALL_ROWS = 24
"""Up to this many distinct ballot rows, elimination tallies loop over Python lists; beyond,
one numpy pass over the rows per round (both tested equal)."""


class EliminationTally:
    """First and last places among the candidates still in the race, round after round.

    Built once per rule call on the anonymised profile (``k`` distinct rows with counts). With
    ``alive`` a list of ``m`` booleans, :meth:`firsts` and :meth:`lasts` give the ``m`` counts
    (Python ints; 0 for eliminated candidates). Few rows (``k <= SMALL_ROWS``: tie-heavy and
    small profiles) are scanned as Python lists; many rows by a masked ``argmin``/``argmax``
    of the ``(k, m)`` positions and one weighted ``bincount``. Candidate-level work (m values)
    is left to the rules, on Python lists: at these sizes a numpy call costs more than the loop.
    """

    __slots__ = ("m", "n_voters", "_rows", "_counts", "_positions", "_weights")

    def __init__(self, profile: PreferenceProfile) -> None:
        compact = profile.anonymized
        self.m = compact.n_candidates
        if compact.n_rows <= SMALL_ROWS:
            self._rows = compact.rankings.tolist()
            self._counts = compact.counts.tolist()
            self._positions = None
            self.n_voters = sum(self._counts)
        else:
            self._positions = compact.positions
            self._weights = compact.counts.astype(np.float64)  # bincount sums: exact below 2^53
            self.n_voters = int(compact.counts.sum())

    def firsts(self, alive: list[bool]) -> list[int]:
        """``(m,)`` first places among the ``alive`` candidates."""
        if self._positions is None:
            scores = [0] * self.m
            for row, count in zip(self._rows, self._counts):
                for c in row:
                    if alive[c]:
                        scores[c] += count
                        break
            return scores
        first = np.where(alive, self._positions, self.m).argmin(axis=1)
        return np.bincount(first, weights=self._weights, minlength=self.m).astype(np.int64).tolist()

    def lasts(self, alive: list[bool]) -> list[int]:
        """``(m,)`` last places among the ``alive`` candidates."""
        if self._positions is None:
            scores = [0] * self.m
            for row, count in zip(self._rows, self._counts):
                for c in reversed(row):
                    if alive[c]:
                        scores[c] += count
                        break
            return scores
        last = np.where(alive, self._positions, -1).argmax(axis=1)
        return np.bincount(last, weights=self._weights, minlength=self.m).astype(np.int64).tolist()


def extremes(scores: list, alive: list[bool], lowest: bool) -> list[int]:
    """The alive candidates with the lowest (or highest) score, in index order."""
    values = [s for s, a in zip(scores, alive) if a]
    target = min(values) if lowest else max(values)
    return [c for c, (s, a) in enumerate(zip(scores, alive)) if a and s == target]


def borda_among_support(support: list[list], alive: list[bool]) -> list[int]:
    """``(m,)`` Borda scores in the profile restricted to ``alive`` (0 for the others), read off
    the support matrix as lists: a ballot gives ``c`` one point per alive candidate below it,
    so the score is ``sum(support[c][d] for alive d != c)`` (no pass over the ballots)."""
    members = [d for d, a in enumerate(alive) if a]
    return [sum(row[d] for d in members if d != c) if alive[c] else 0 for c, row in enumerate(support)]


def condorcet_winner_support(support: list[list], members: list[int]) -> int | None:
    """The member beating every other member by a strict majority (support matrix as lists), or ``None``."""
    champion = members[0]
    for rival in members[1:]:
        if support[rival][champion] > support[champion][rival]:
            champion = rival
    row = support[champion]
    if all(row[d] > support[d][champion] for d in members if d != champion):
        return champion
    return None


def _closure_bits(edges: list[int]) -> list[int]:
    """Transitive closure (Warshall 1962) of a relation given as one bit mask per candidate."""
    reach = list(edges)
    for k in range(len(reach)):
        bit = 1 << k
        through = reach[k]
        for i in range(len(reach)):
            if reach[i] & bit:
                reach[i] |= through
    return reach


def smith_set_support(support: list[list], alive: list[bool]) -> list[int]:
    """:func:`smith_set` among the ``alive`` candidates, on the support matrix as Python lists:
    the members reaching every member through edges ``support[a][b] >= support[b][a]``."""
    members = [c for c, a in enumerate(alive) if a]
    everyone = sum(1 << c for c in members)
    edges = [0] * len(alive)
    for a in members:
        row = support[a]
        edges[a] = sum(1 << b for b in members if row[b] >= support[b][a]) | (1 << a)
    reach = _closure_bits(edges)
    return [c for c in members if reach[c] & everyone == everyone]


def schwartz_set_support(support: list[list], alive: list[bool]) -> list[int]:
    """:func:`schwartz_set` among the ``alive`` candidates, on the support matrix as Python lists:
    ``x`` is in it iff every member reaching ``x`` by majority wins is reached back by ``x``."""
    members = [c for c, a in enumerate(alive) if a]
    edges = [0] * len(alive)
    for a in members:
        row = support[a]
        edges[a] = sum(1 << b for b in members if row[b] > support[b][a]) | (1 << a)
    reach = _closure_bits(edges)
    return [x for x in members
            if not any((reach[y] >> x) & 1 and not (reach[x] >> y) & 1 for y in members)]
