"""Rules read off the pairwise majority margins, registered by name.

``margins[a, b]`` is the number of voters ranking ``a`` above ``b`` minus the reverse; ``a``
*beats* ``b`` when it is positive. Every rule returns all tied winners; counts weight every
ballot row. Where pref_voting 1.x (Holliday & Pacuit) has the rule, its conventions are
kept so the two can be cross-checked.

==============================  ==============================================================
``condorcet``                   the Condorcet winner, else every candidate
``weak_condorcet``              the candidates beaten by nobody, else every candidate
``smith_set``                   smallest set beating everyone outside it (Smith 1973)
``schwartz_set``                union of the minimal undominated sets (Schwartz 1972)
``uncovered_set``               candidates nobody covers (Gillies 1959; Miller 1980)
``copeland_alpha``              wins + alpha x ties (Copeland 1951 is alpha = 1/2; Faliszewski
                                et al. 2009), exact for any rational or float alpha
``llull``                       Copeland-alpha with alpha = 1 (Llull, 13th c.)
``split_cycle``                 undefeated when a defeat must beat the strongest path back
                                (Holliday & Pacuit 2023)
``stable_voting``               Holliday & Pacuit (2023b): the split-cycle undefeated ``a``
                                with the largest margin over some ``b`` such that ``a`` wins
                                without ``b``, recursively
``simple_stable_voting``        the same without the split-cycle filter
``schulze_winning_votes``       beat path with each defeat measured by its winning votes
                                (Schulze 2011); equals margins on complete strict ballots
``black``                       the Condorcet winner, else Borda (Black 1958)
``simplified_dodgson``          the Condorcet winner, else the smallest sum of margins against
                                (Tideman 2006's approximation of Dodgson)
``dodgson_quick``               smallest sum over rivals of the voters that must be won over,
                                floor(margin/2) + 1 (McCabe-Dansted, Pritchard & Slinko 2008)
``dodgson``                     Dodgson (1876): fewest swaps of adjacent candidates on ballots
                                making the candidate a Condorcet winner (exact integer programme,
                                Bartholdi, Tovey & Trick 1989)
``young``                       Young (1977): the largest number of voters among whom the
                                candidate loses to nobody (exact integer programme)
==============================  ==============================================================
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from sedtheory._validate import ValidationError
from sedtheory.social_choice._tallies import (
    schwartz_set as _schwartz,
    smith_set as _smith,
    split_cycle_undefeated,
    split_cycle_undefeated_lists,
    strongest_paths,
    uncovered_set as _uncovered,
)
from sedtheory.social_choice.profiles import PreferenceProfile
from sedtheory.social_choice.ranked_rules import borda
from sedtheory.social_choice.registry import voting_rule


def _everyone(profile: PreferenceProfile) -> tuple[int, ...]:
    return tuple(range(profile.n_candidates))


@voting_rule("condorcet")
def condorcet(profile: PreferenceProfile) -> tuple[int, ...]:
    """Condorcet rule: the Condorcet winner if there is one, else all candidates tie."""
    winner = profile.condorcet_winner()
    return (winner,) if winner is not None else _everyone(profile)


@voting_rule("weak_condorcet")
def weak_condorcet(profile: PreferenceProfile) -> tuple[int, ...]:
    """Weak Condorcet rule: the candidates no one beats, else all candidates tie."""
    support = profile.majority_matrix.tolist()  # m x m as lists: cheaper than numpy at these sizes
    m = len(support)
    unbeaten = tuple(c for c in range(m) if all(support[c][d] >= support[d][c] for d in range(m)))
    return unbeaten or _everyone(profile)


@voting_rule("smith_set")
def smith_set(profile: PreferenceProfile) -> tuple[int, ...]:
    """Smith set: the smallest set of candidates each of whom beats every candidate outside it."""
    return _smith(profile.margins)


@voting_rule("schwartz_set")
def schwartz_set(profile: PreferenceProfile) -> tuple[int, ...]:
    """Schwartz set: the union of the minimal sets that no outside candidate beats."""
    return _schwartz(profile.margins)


@voting_rule("uncovered_set")
def uncovered_set(profile: PreferenceProfile) -> tuple[int, ...]:
    """Uncovered set (Gillies): y covers x if y beats x and all that beat y beat x; the uncovered win."""
    return _uncovered(profile.margins)


def copeland_alpha_scores(profile: PreferenceProfile, alpha=Fraction(1, 2)) -> list[Fraction]:
    """``(m,)`` exact Copeland-alpha scores: pairwise wins + ``alpha`` x pairwise ties."""
    try:
        alpha = Fraction(alpha)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(f"alpha: expected a finite number in [0, 1], got {alpha!r}") from None
    if not 0 <= alpha <= 1:
        raise ValidationError(f"alpha: expected a number in [0, 1], got {float(alpha)}")
    margins = profile.margins
    wins = (margins > 0).sum(axis=1)
    ties = (margins == 0).sum(axis=1) - 1  # the diagonal is not a tie
    return [int(w) + alpha * int(t) for w, t in zip(wins, ties)]


@voting_rule("copeland_alpha")
def copeland_alpha(profile: PreferenceProfile, alpha=Fraction(1, 2)) -> tuple[int, ...]:
    """Copeland-alpha: most pairwise wins + alpha x ties (alpha in [0, 1]; 1/2 is Copeland, 1 Llull)."""
    scores = copeland_alpha_scores(profile, alpha)
    best = max(scores)
    return tuple(c for c, s in enumerate(scores) if s == best)


@voting_rule("llull")
def llull(profile: PreferenceProfile) -> tuple[int, ...]:
    """Llull: most pairwise wins plus ties (Copeland-alpha with alpha = 1).

    Wins plus ties of ``c`` = the rivals ``c`` does not lose to; counted on the support matrix
    as Python lists (integers: the same scores as ``copeland_alpha`` with ``alpha = 1``)."""
    support = profile.majority_matrix.tolist()
    m = len(support)
    scores = [sum(support[c][d] >= support[d][c] for d in range(m)) for c in range(m)]  # includes d = c
    best = max(scores)
    return tuple(c for c in range(m) if scores[c] == best)


@voting_rule("split_cycle")
def split_cycle(profile: PreferenceProfile) -> tuple[int, ...]:
    """Split cycle: a defeats b when margin(a, b) > 0 exceeds the strongest path from b to a; undefeated win."""
    return split_cycle_undefeated(profile.margins)


def _stable(margins: np.ndarray, filtered: bool) -> tuple[int, ...]:
    """Stable voting (``filtered``) or simple stable voting, recursively on candidate subsets.

    SV(S) = S when |S| = 1; otherwise go through the matches (a, b) of S by decreasing
    margin(a, b) and take, at the first margin where any qualifies, every ``a`` (split-cycle
    undefeated in S when ``filtered``) that wins SV(S - {b}). Memoised on S (a bit mask);
    the margins are read as Python lists (m is small; numpy calls cost more than they save).
    (A Condorcet-winner check on every subset was measured slower on tie-heavy profiles than
    the recursion it saves; the rules check the whole profile once.) Tested against the plain
    recursion of the definition.
    """
    m = margins.shape[0]
    values = margins.tolist()
    # every match once, by decreasing (margin, a, b), with the bits of a and b; a subset's
    # matches keep this order
    ordered = [(v, a, b, 1 << a, 1 << b) for v, a, b in
               sorted(((values[a][b], a, b) for a in range(m) for b in range(m) if a != b), reverse=True)]
    memo: dict[int, frozenset[int]] = {}  # a dict, not lru_cache: building a cache per call costs more

    def compute(members: int) -> frozenset[int]:
        alive = [c for c in range(m) if (members >> c) & 1]
        if len(alive) == 1:
            return frozenset(alive)
        if filtered:
            allowed = split_cycle_undefeated_lists(values, alive)
            if len(allowed) == 1:  # stable voting refines split cycle (Holliday & Pacuit 2023b)
                return frozenset(allowed)
            allowed_bits = sum(1 << a for a in allowed)
        else:
            allowed_bits = members
        found: list[int] = []
        level = None
        for strength, a, b, a_bit, b_bit in ordered:
            if level is not None and strength < level:
                break
            if not allowed_bits & a_bit or not members & b_bit or a in found:
                continue
            smaller = members ^ b_bit
            sub = memo.get(smaller)
            if sub is None:
                sub = memo[smaller] = compute(smaller)
            if a in sub:
                found.append(a)
                level = strength
        return frozenset(found)

    return tuple(sorted(compute((1 << m) - 1)))


@voting_rule("stable_voting")
def stable_voting(profile: PreferenceProfile) -> tuple[int, ...]:
    """Stable voting: the split-cycle undefeated a with the largest margin over some b such that a wins without b."""
    winner = profile.condorcet_winner()
    return (winner,) if winner is not None else _stable(profile.margins, filtered=True)


@voting_rule("simple_stable_voting")
def simple_stable_voting(profile: PreferenceProfile) -> tuple[int, ...]:
    """Simple stable voting: the a with the largest margin over some b such that a wins without b.

    Condorcet consistent (Holliday & Pacuit 2023b), so a Condorcet winner is returned without
    the recursion. By induction on |S|: a Condorcet winner w of S is the Condorcet winner of
    every subset containing it, hence its only SSV winner; so a match (x, y) with x != w can
    qualify only when y = w, at the negative margin(x, w), while w qualifies with a positive
    margin over any b (it wins S - {b}); w alone is reached first. The cross-check against
    pref_voting covers the shortcut."""
    winner = profile.condorcet_winner()
    return (winner,) if winner is not None else _stable(profile.margins, filtered=False)


@voting_rule("schulze_winning_votes")
def schulze_winning_votes(profile: PreferenceProfile) -> tuple[int, ...]:
    """Schulze (beat path) measuring each defeat by the number of voters on the winning side."""
    support = np.where(profile.margins > 0, profile.majority_matrix, 0)
    paths = strongest_paths(support)
    beaten = (paths.T > paths).any(axis=1)
    return tuple(int(c) for c in np.flatnonzero(~beaten))


@voting_rule("black")
def black(profile: PreferenceProfile) -> tuple[int, ...]:
    """Black: the Condorcet winner if there is one, else the Borda winners."""
    winner = profile.condorcet_winner()
    return (winner,) if winner is not None else borda(profile)


@voting_rule("simplified_dodgson")
def simplified_dodgson(profile: PreferenceProfile) -> tuple[int, ...]:
    """Simplified Dodgson (Tideman 2006): the Condorcet winner, else the smallest sum of margins against."""
    winner = profile.condorcet_winner()
    if winner is not None:
        return (winner,)
    against = np.where(profile.margins > 0, profile.margins, 0).sum(axis=0)
    return tuple(int(c) for c in np.flatnonzero(against == against.min()))


def dodgson_deficits(profile: PreferenceProfile) -> np.ndarray:
    """``(m, m)``: ``[b, c]`` voters that must move ``c`` above ``b`` for ``c`` to beat ``b``:
    ``floor(margin(b, c) / 2) + 1`` when ``margin(b, c) >= 0`` (each such move changes the
    margin by 2), else 0; the diagonal is 0."""
    margins = profile.margins
    deficits = np.where(margins >= 0, margins // 2 + 1, 0)
    np.fill_diagonal(deficits, 0)
    return deficits


@voting_rule("dodgson_quick")
def dodgson_quick(profile: PreferenceProfile) -> tuple[int, ...]:
    """Dodgson Quick: the smallest sum over rivals b of floor(margin(b, c) / 2) + 1 (rivals c does not beat)."""
    scores = dodgson_deficits(profile).sum(axis=0)
    return tuple(int(c) for c in np.flatnonzero(scores == scores.min()))


def _integer_optimum(objective, matrix, lower, upper, bounds) -> int:
    """Exact optimum of a small integer programme min objective @ x, lower <= matrix @ x <= upper."""
    result = milp(objective, integrality=np.ones(len(objective)), bounds=bounds,
                  constraints=LinearConstraint(matrix, lower, upper), options={"mip_rel_gap": 0})
    if result.status != 0:  # pragma: no cover - every programme built here is feasible and bounded
        raise RuntimeError(f"integer programme not solved: {result.message}")
    return int(round(result.fun))


def dodgson_scores(profile: PreferenceProfile) -> np.ndarray:
    """``(m,)`` Dodgson scores: the fewest swaps of adjacent candidates making each a Condorcet winner.

    For candidate ``c``: ``y[r, k]`` voters of ballot row ``r`` move ``c`` up exactly ``k``
    places (passing the ``k`` candidates just above it). Minimise ``sum k y[r, k]`` subject to
    ``sum_k y[r, k] <= count[r]`` and, for each rival ``b``, the voters moving ``c`` past ``b``
    being at least ``floor(margin(b, c)/2) + 1`` (Bartholdi, Tovey & Trick 1989). Solved
    exactly by HiGHS through :func:`scipy.optimize.milp`.
    """
    compact = profile.anonymized
    deficits = dodgson_deficits(compact)
    m = compact.n_candidates
    scores = np.zeros(m, dtype=np.int64)
    for c in range(m):
        rivals = np.flatnonzero(deficits[:, c] > 0)
        if rivals.size == 0:
            continue
        variables = [(r, k) for r in range(compact.n_rows) for k in range(1, int(compact.positions[r, c]) + 1)]
        rows = []
        for r in range(compact.n_rows):  # at most count[r] voters of row r move
            rows.append([1.0 if v[0] == r else 0.0 for v in variables])
        for b in rivals:  # moving c up k places in row r passes b iff b is among those k
            rows.append([1.0 if compact.positions[r, b] >= compact.positions[r, c] - k
                         and compact.positions[r, b] < compact.positions[r, c] else 0.0 for r, k in variables])
        lower = np.concatenate([np.full(compact.n_rows, -np.inf), deficits[rivals, c]])
        upper = np.concatenate([compact.counts, np.full(rivals.size, np.inf)])
        objective = np.array([k for _, k in variables], dtype=float)
        scores[c] = _integer_optimum(objective, np.array(rows), lower, upper, Bounds(0, np.inf))
    return scores


@voting_rule("dodgson")
def dodgson(profile: PreferenceProfile) -> tuple[int, ...]:
    """Dodgson: fewest swaps of adjacent candidates on the ballots making the candidate a Condorcet winner.

    A Condorcet winner has score 0 and every other candidate at least 1, so it is returned
    without solving the integer programmes."""
    winner = profile.condorcet_winner()
    if winner is not None:
        return (winner,)
    scores = dodgson_scores(profile)
    return tuple(int(c) for c in np.flatnonzero(scores == scores.min()))


def young_scores(profile: PreferenceProfile) -> np.ndarray:
    """``(m,)`` Young scores: the most voters one can keep so that the candidate loses to nobody.

    For candidate ``c``: keep ``x[r]`` of the ``count[r]`` voters of row ``r``; maximise
    ``sum x[r]`` subject to, for each rival ``b``, (kept voters with c above b) - (kept
    voters with b above c) >= 0 (Young 1977, weak Condorcet winner). Exact integer programme.
    """
    compact = profile.anonymized
    m, k = compact.n_candidates, compact.n_rows
    scores = np.zeros(m, dtype=np.int64)
    for c in range(m):
        rivals = [b for b in range(m) if b != c]
        if not rivals:
            scores[c] = compact.n_voters
            continue
        sign = np.array([[1.0 if compact.positions[r, c] < compact.positions[r, b] else -1.0 for r in range(k)]
                         for b in rivals])
        scores[c] = -_integer_optimum(-np.ones(k), sign, np.zeros(len(rivals)), np.full(len(rivals), np.inf),
                                      Bounds(np.zeros(k), compact.counts.astype(float)))
    return scores


@voting_rule("young")
def young(profile: PreferenceProfile) -> tuple[int, ...]:
    """Young: the candidates that lose to nobody in the largest sub-electorate.

    Weak Condorcet winners keep the whole electorate (the largest possible score), so when
    there are any they are the winners, found without solving the integer programmes."""
    unbeaten = np.flatnonzero((profile.margins >= 0).all(axis=1))
    if unbeaten.size:
        return tuple(int(c) for c in unbeaten)
    scores = young_scores(profile)
    return tuple(int(c) for c in np.flatnonzero(scores == scores.max()))
