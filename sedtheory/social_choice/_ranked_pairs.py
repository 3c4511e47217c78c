"""Ranked pairs winners under parallel-universe tie-breaking, without enumerating tie orders.

Ranked pairs (Tideman 1987) locks the majority edges (margin >= 0; both directions of a zero
margin) by decreasing margin, skipping an edge that would close a cycle. Edges of equal
margin form a *group*; under parallel-universe tie-breaking a candidate wins if it tops the
locked order for *some* order of every group (pref_voting's ``ranked_pairs``). Trying every
order costs the product of the groups' factorials; here each candidate ``t`` is decided by
two searches run with growing budgets, each exact in what it concludes:

1. :func:`can_top` -- depth-first over "which undecided edge is locked next", memoised on
   the locked relation. Exact: every order is covered (see its docstring); it answers yes or
   no, or gives up when its budget is spent.
2. :class:`StackSearch` -- Zavist & Tideman (1989): a linear order is a ranked pairs
   outcome iff it is a *stack*. A relaxation of the stack condition that depends only on the
   set of candidates placed so far is searched over sets; failing it proves ``t`` never
   tops; a sequence passing it is run as its own tie-break and proves ``t`` tops if it does.

Before either, a candidate that is split-cycle defeated is dropped (:func:`doomed`;
ranked pairs refines split cycle, Holliday & Pacuit 2023). Deciding whether a candidate
wins under some tie-breaking is NP-complete (Brill & Fischer 2012), so the worst case stays
exponential; tie-heavy profiles of tens of candidates take milliseconds
(``benchmarks/voting.py``).

Relations are bit masks: ``below[x]`` has bit ``y`` set when ``x > y`` is locked or implied
(always transitively closed).
"""

from __future__ import annotations

import numpy as np

Relation = tuple[int, ...]
Group = tuple[int, list[tuple[int, int]]]


class _OverBudget(Exception):
    """A search spent its budget of states without an answer."""


class _Budget:
    def __init__(self, states: int):
        self.left = states

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _OverBudget


def lock(below: Relation, a: int, b: int) -> Relation:
    """Lock ``a > b``: every candidate at or above ``a`` gets everything at or below ``b``.

    The caller checks that ``b > a`` is not implied (the lock would close a cycle).
    """
    under = below[b] | (1 << b)
    return tuple(row | under if (x == a or (row >> a) & 1) else row for x, row in enumerate(below))


def _decided(below: Relation, a: int, b: int) -> bool:
    return bool((below[a] >> b) & 1 or (below[b] >> a) & 1)


def _closure(rows: list[int]) -> list[int]:
    """Transitive closure of bit-mask rows (Warshall 1962)."""
    rows = list(rows)
    for k in range(len(rows)):
        bit, via_k = 1 << k, rows[k]
        for x, row in enumerate(rows):
            if row & bit:
                rows[x] = row | via_k
    return rows


def lock_forced(below: Relation, group: list[tuple[int, int]]) -> tuple[Relation, list[tuple[int, int]]]:
    """Lock every edge of ``group`` that ends up locked whatever the order; return the rest.

    An undecided edge ``a -> b`` is blocked only if ``b > a`` becomes implied, which needs a
    path from ``b`` to ``a`` through the relation and undecided edges of the group. Without
    one it is locked in every order, so locking it now changes no reachable end state.
    Repeated until no edge is forced; returns the relation and the undecided edges left.
    """
    while True:
        undecided = [(a, b) for a, b in group if not _decided(below, a, b)]
        rows = list(below)
        for a, b in undecided:
            rows[a] |= 1 << b
        reach = _closure(rows)
        forced = [(a, b) for a, b in undecided if not (reach[b] >> a) & 1]
        if not forced:
            return below, undecided
        for a, b in forced:
            if not _decided(below, a, b):
                below = lock(below, a, b)


def doomed(below: Relation, groups: list[Group], index: int, target: int) -> bool:
    """Whether some undecided edge ``a -> target`` of group ``index`` or later must get locked.

    An edge ``a -> target`` of margin ``s`` is blocked only if ``target > a`` is implied when
    its turn comes, by the relation and edges of margin >= ``s`` -- none of which may enter
    ``target`` (that would put someone above it). Without such a path from ``target`` to
    ``a`` the edge is locked in every continuation. From the empty relation this is "target
    is split-cycle defeated" (Holliday & Pacuit 2023).
    """
    rows = list(below)
    for _, group in groups[index:]:
        into = []
        for a, b in group:
            if _decided(below, a, b):
                continue
            if b == target:
                into.append(a)
            else:
                rows[a] |= 1 << b
        if into:
            reach = frontier = rows[target]
            while frontier:
                x = (frontier & -frontier).bit_length() - 1
                frontier &= frontier - 1
                new = rows[x] & ~reach
                reach |= new
                frontier |= new
            if any(not (reach >> a) & 1 for a in into):
                return True
    return False


class LastGroup:
    """Which candidates can top the end of the last (weakest) group of equal-margin edges.

    At the last group every pair still undecided has its edge in the group (an edge of an
    earlier group is decided when that group ends), so the group ends in a *linear* order T.
    T is reachable from the relation S iff T extends S and each consecutive pair of T is in S
    or an undecided edge of the group: the closure of S and T's group edges must contain each
    consecutive pair, and nothing lies between two consecutive candidates to imply one. So a
    candidate can top T iff a Hamiltonian path from it through those edges extends S -- a
    search memoised on (placed set, last candidate), as in Held & Karp (1962).
    """

    def __init__(self, below: Relation, group: list[tuple[int, int]], priority: list[int]):
        m = len(below)
        self.full, self.priority = (1 << m) - 1, priority
        self.next = list(below)
        for a, b in group:
            if not (below[b] >> a) & 1:
                self.next[a] |= 1 << b
        self.above = [sum(1 << x for x in range(m) if (below[x] >> v) & 1) for v in range(m)]
        self._done: dict[tuple[int, int], bool] = {}

    def can_top(self, target: int, budget: _Budget) -> bool:
        return self.above[target] == 0 and self._completes(1 << target, target, budget)

    def _completes(self, placed: int, last: int, budget: _Budget) -> bool:
        if placed == self.full:
            return True
        key = (placed, last)
        if key not in self._done:
            budget.spend()
            options = self.next[last] & ~placed
            result = any((options >> v) & 1 and self.above[v] & ~placed == 0
                         and self._completes(placed | (1 << v), v, budget) for v in self.priority)
            self._done[key] = result
        return self._done[key]


def can_top(groups: list[Group], target: int, m: int, last_groups: dict[Relation, LastGroup],
            budget: _Budget, priority: list[int] | None = None) -> bool:
    """Whether some order of the equal-margin edges locks a relation with ``target`` on top.

    Within a group, whatever the order, the edges that change the relation are exactly those
    still *undecided* (neither they nor their reverse implied) when their turn comes, and the
    group ends when none is undecided. The end relations a group can reach depend only on the
    relation it starts from (T is reachable iff it decides every edge of the group and is the
    closure of the start and the group's edges that T contains), so the search runs over
    "which undecided edge is locked next", memoised on the relation, with these cuts:

    * forced edges (:func:`lock_forced`) are locked without branching;
    * a branch dies when someone is above ``target`` (locks are never undone) or when an
      edge into ``target`` can no longer be blocked (:func:`doomed`);
    * the last group is decided by :class:`LastGroup` (shared through ``last_groups``); when
      it is the zero-margin group it holds both directions of every undecided pair, so any
      linear extension is reachable and ``target`` tops iff nobody is above it.

    ``priority`` orders the candidates tried next in the last group (strongest first finds
    an order sooner; any order gives the same answer). Raises ``_OverBudget`` when
    ``budget`` states were expanded without an answer.
    """
    bit = 1 << target
    seen: set[tuple[int, Relation]] = set()
    stack = [(0, tuple([0] * m))]
    while stack:
        index, below = stack.pop()
        if any(row & bit for row in below):
            continue
        if index == len(groups) or groups[index][0] == 0:
            return True
        if index == len(groups) - 1:
            if below not in last_groups:
                last_groups[below] = LastGroup(below, groups[index][1], priority or list(range(m)))
            if last_groups[below].can_top(target, budget):
                return True
            continue
        if (index, below) in seen:
            continue
        seen.add((index, below))
        budget.spend()
        below, undecided = lock_forced(below, groups[index][1])
        if any(row & bit for row in below) or doomed(below, groups, index, target):
            continue
        if not undecided:
            stack.append((index + 1, below))
            continue
        under = below[target] | bit
        # popped first: edges out of the target, then out of candidates already below it
        # (they block edges into the target later), then the rest
        choices = [((a == target) + ((under >> a) & 1), lock(below, a, b)) for a, b in undecided if b != target]
        choices.sort(key=lambda choice: choice[0])
        stack.extend((index, locked) for _, locked in choices)
    return False


class StackSearch:
    """Candidates that can start a relaxed stack, searched over the sets placed from the top.

    Zavist & Tideman (1989): a linear order L is a ranked pairs outcome for some tie-breaking
    iff for every ``a`` above ``b`` with ``margin(b, a) = s >= 0`` there is a path from ``a``
    *down* L to ``b`` whose every step has margin >= s (L is a stack). Building L from the
    top and placing ``b`` below the set P already placed, such a path runs inside P + {b}.
    Asking only for *some* path inside P + {b} depends on P alone, so "can P be completed"
    is memoised on P (the memo survives a spent budget). This relaxes the stack condition:
    a candidate that cannot start a sequence never wins; a sequence found need not be a
    stack, so it is checked by :func:`top_with_order`.
    """

    def __init__(self, margins: np.ndarray, priority: list[int]):
        m = margins.shape[0]
        self.m, self.full, self.margins, self.priority = m, (1 << m) - 1, margins.tolist(), priority
        levels = sorted({int(v) for v in margins.ravel() if v >= 0})
        self.out = {s: [sum(1 << y for y in range(m) if y != x and self.margins[x][y] >= s) for x in range(m)]
                    for s in levels}
        self.done: dict[int, bool] = {}

    def _fits(self, placed: int, b: int) -> bool:
        """Every placed ``a`` with margin(b, a) = s >= 0 reaches ``b`` inside ``placed`` by steps >= s."""
        needs: dict[int, int] = {}
        for a in range(self.m):
            if (placed >> a) & 1 and self.margins[b][a] >= 0:
                needs[self.margins[b][a]] = needs.get(self.margins[b][a], 0) | (1 << a)
        for s, sources in needs.items():
            out = self.out[s]
            reached = frontier = sum(1 << x for x in range(self.m) if (out[x] >> b) & 1) & placed
            while frontier:  # backwards: the placed candidates with a step into what is reached
                frontier = sum(1 << x for x in range(self.m)
                               if (placed >> x) & 1 and not (reached >> x) & 1 and out[x] & reached)
                reached |= frontier
            if sources & ~reached:
                return False
        return True

    def _completes(self, placed: int, budget: _Budget) -> bool:
        if placed == self.full:
            return True
        if placed not in self.done:
            budget.spend()
            self.done[placed] = any(not (placed >> b) & 1 and self._fits(placed, b)
                                    and self._completes(placed | (1 << b), budget) for b in self.priority)
        return self.done[placed]

    def order_from(self, top: int, budget: _Budget) -> list[int] | None:
        """A placement sequence starting at ``top``, or ``None`` when there is none."""
        placed, order = 1 << top, [top]
        if not self._completes(placed, budget):
            return None
        while placed != self.full:
            b = next(b for b in self.priority if not (placed >> b) & 1 and self._fits(placed, b)
                     and self._completes(placed | (1 << b), budget))
            placed |= 1 << b
            order.append(b)
        return order


def top_with_order(groups: list[Group], order: list[int]) -> int:
    """The top of ranked pairs whose tie-break takes the edges agreeing with ``order`` first."""
    position = {c: i for i, c in enumerate(order)}
    below = tuple([0] * len(order))
    for _, group in groups:
        for a, b in sorted(group, key=lambda e: position[e[0]] > position[e[1]]):
            if not _decided(below, a, b):
                below = lock(below, a, b)
    return next(c for c in range(len(order)) if not any((row >> c) & 1 for row in below))


def edge_groups(margins: np.ndarray) -> list[Group]:
    """The edges of margin >= 0 grouped by margin, strongest first: ``[(margin, edges), ...]``."""
    m = margins.shape[0]
    edges = [(a, b) for a in range(m) for b in range(m) if a != b and margins[a, b] >= 0]
    strengths = sorted({int(margins[a, b]) for a, b in edges}, reverse=True)
    return [(s, [e for e in edges if margins[e] == s]) for s in strengths]


FIRST_BUDGET = 2_000
"""States each search may expand in the first round; the budget grows 4x per round."""


def ranked_pairs_winners(margins: np.ndarray) -> tuple[int, ...]:
    """All candidates that top ranked pairs for some tie-breaking (``margins``: ``(m, m)``).

    Per candidate: dropped if split-cycle defeated; else :func:`can_top` and the stack
    search take turns with budgets 2000, 8000, ... states until one of them answers. Both
    try candidates in Borda order (sum of margins, best first), which finds orders sooner.
    """
    margins = np.asarray(margins)
    m = margins.shape[0]
    groups = edge_groups(margins)
    priority = sorted(range(m), key=lambda c: -int(margins[c].sum()))  # Borda order, best first
    stacks = StackSearch(margins, priority)
    last_groups: dict[Relation, LastGroup] = {}
    empty = tuple([0] * m)
    winners = []
    for target in range(m):
        if not doomed(empty, groups, 0, target) and _decide(groups, target, m, stacks, last_groups, priority):
            winners.append(target)
    return tuple(winners)


def _decide(groups, target, m, stacks, last_groups, priority) -> bool:
    budget = FIRST_BUDGET
    while True:
        try:
            return can_top(groups, target, m, last_groups, _Budget(budget), priority)
        except _OverBudget:
            pass
        try:
            order = stacks.order_from(target, _Budget(budget))
            if order is None:
                return False
            if top_with_order(groups, order) == target:
                return True
        except _OverBudget:
            pass
        budget *= 4
