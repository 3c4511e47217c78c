"""Hypothesis strategies for property-testing voting rules and small games.

Needs ``hypothesis`` (the ``dev`` extra: ``pip install sedtheory[dev]``); the rest of
sedtheory does not import this module. Every strategy returns a validated sedtheory object:

* :func:`preference_profiles` -- :class:`~sedtheory.social_choice.PreferenceProfile` of strict
  rankings (impartial culture: each voter's ranking drawn independently);
* :func:`single_peaked_profiles` -- ranked profiles single-peaked on the axis 0 < 1 < ... < m-1
  (Black 1948): each ballot starts at a peak and grows one step left or right;
* :func:`weighted_profiles` -- ranked profiles as ballot rows with counts (repeated rows and
  zero counts allowed), the form large electorates take;
* :func:`tie_heavy_profiles` -- few ballot types in symmetric groups (a ranking with its
  reverse, cyclic Latin squares, equal counts): the profiles where tie conventions matter;
* :func:`condorcet_cycle_profiles` -- profiles whose majority relation has a cycle (so no
  Condorcet winner), built from a cyclic Latin square plus a minority of noise ballots;
* :func:`continuous_profiles` -- :class:`~sedtheory.social_choice.ContinuousProfile` reports
  in a box (the paper's σ ∈ [0, 1] by default);
* :func:`approval_profiles`, :func:`scored_profiles` -- approval ballots (any subset, the empty
  and the full one included) and integer score ballots ``0..top`` (declared as the grades), as
  rows with counts, for the axioms of ``sedtheory.social_choice.ballot_axioms``;
* :func:`normal_form_games`, :func:`stackelberg_games` -- small games with integer payoffs.

Example: property-test your own rule in a few lines::

    from hypothesis import given
    from sedtheory.social_choice import get_axiom
    from sedtheory.testing.strategies import preference_profiles

    def my_rule(profile):                     # your rule: profile -> sorted tuple of winners
        scores = profile.borda_scores + 2 * profile.plurality_scores
        return tuple(int(c) for c in (scores == scores.max()).nonzero()[0])

    @given(preference_profiles(n_candidates=(3, 5), n_voters=(1, 9)))
    def test_my_rule_is_pareto_efficient(profile):
        assert get_axiom("pareto").find_violations(my_rule, profile) == []
"""

from __future__ import annotations

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised only without the dev extra
    raise ImportError(
        "sedtheory.testing.strategies needs hypothesis; install the dev extra: pip install 'sedtheory[dev]'"
    ) from exc

import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.games.normal_form import NormalFormGame, StackelbergNashGame
from sedtheory.social_choice.profiles import ApprovalProfile, ContinuousProfile, PreferenceProfile, ScoredProfile

__all__ = [
    "approval_profiles",
    "condorcet_cycle_profiles",
    "continuous_profiles",
    "normal_form_games",
    "preference_profiles",
    "scored_profiles",
    "single_peaked_profiles",
    "stackelberg_games",
    "tie_heavy_profiles",
    "weighted_profiles",
]


def _sizes(field: str, value, minimum: int) -> st.SearchStrategy[int]:
    """An int, an inclusive ``(low, high)`` range or a strategy -> a strategy of ints."""
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < minimum:
            raise ValidationError(f"{field}: must be >= {minimum}, got {value}")
        return st.just(int(value))
    try:
        low, high = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: expected an int, a (low, high) pair or a strategy, got {value!r}") from None
    if not minimum <= low <= high:
        raise ValidationError(f"{field}: need {minimum} <= low <= high, got ({low}, {high})")
    return st.integers(low, high)


def preference_profiles(n_candidates=(2, 5), n_voters=(1, 9)) -> st.SearchStrategy[PreferenceProfile]:
    """Profiles of strict rankings, one ballot row per voter (impartial culture).

    Args:
        n_candidates: an int, an inclusive ``(low, high)`` range or a strategy of ints (>= 1).
        n_voters: the same for the number of voters (>= 1).
    """
    return _ranked_profiles(_sizes("n_candidates", n_candidates, 1), _sizes("n_voters", n_voters, 1), False)


@st.composite
def _ranked_profiles(draw, m_strategy, n_strategy, single_peaked: bool) -> PreferenceProfile:
    m, n = draw(m_strategy), draw(n_strategy)
    if single_peaked:
        ballots = [draw(_single_peaked_ranking(m)) for _ in range(n)]
    else:
        ballots = [draw(st.permutations(list(range(m)))) for _ in range(n)]
    return PreferenceProfile(np.array(ballots, dtype=np.int64).reshape(n, m))


@st.composite
def _single_peaked_ranking(draw, m: int) -> list[int]:
    peak = draw(st.integers(0, m - 1))
    ranking, left, right = [peak], peak - 1, peak + 1
    while left >= 0 or right < m:
        go_left = right >= m or (left >= 0 and draw(st.booleans()))
        if go_left:
            ranking.append(left)
            left -= 1
        else:
            ranking.append(right)
            right += 1
    return ranking


def single_peaked_profiles(n_candidates=(2, 5), n_voters=(1, 9)) -> st.SearchStrategy[PreferenceProfile]:
    """Ranked profiles single-peaked with respect to the candidate order 0 < 1 < ... < m-1.

    Every voter's ranking starts at its peak and each next candidate is the nearest unranked
    one on the left or on the right, so preferences fall away from the peak on both sides.
    """
    return _ranked_profiles(_sizes("n_candidates", n_candidates, 1), _sizes("n_voters", n_voters, 1), True)


def weighted_profiles(n_candidates=(2, 5), n_rows=(1, 6), max_count=1000, *,
                      allow_zero_counts: bool = True) -> st.SearchStrategy[PreferenceProfile]:
    """Ranked profiles as ballot rows with counts: rows may repeat and counts reach ``max_count``.

    Args:
        n_candidates: an int, an inclusive ``(low, high)`` range or a strategy of ints (>= 1).
        n_rows: the same for the number of ballot rows (>= 1).
        max_count: largest count of one row (>= 1).
        allow_zero_counts: rows with count 0 may appear (at least one voter in total always).
    """
    if isinstance(max_count, bool) or not isinstance(max_count, (int, np.integer)) or max_count < 1:
        raise ValidationError(f"max_count: expected an int >= 1, got {max_count!r}")
    return _weighted_profiles(_sizes("n_candidates", n_candidates, 1), _sizes("n_rows", n_rows, 1),
                              int(max_count), bool(allow_zero_counts))


@st.composite
def _weighted_profiles(draw, m_strategy, k_strategy, max_count: int, zeros: bool) -> PreferenceProfile:
    m, k = draw(m_strategy), draw(k_strategy)
    distinct = draw(st.lists(st.permutations(list(range(m))), min_size=1, max_size=k))
    rows = [distinct[draw(st.integers(0, len(distinct) - 1))] for _ in range(k)]  # repeats allowed
    counts = draw(st.lists(st.integers(0 if zeros else 1, max_count), min_size=k, max_size=k))
    if sum(counts) == 0:
        counts[draw(st.integers(0, k - 1))] = draw(st.integers(1, max_count))
    return PreferenceProfile(np.array(rows, dtype=np.int64).reshape(k, m), counts)


def tie_heavy_profiles(n_candidates=(2, 5), max_multiplier=3) -> st.SearchStrategy[PreferenceProfile]:
    """Ranked profiles built from symmetric groups of ballots, so that many tallies tie.

    Each profile is the union of one to three groups, each group with one multiplier (1 to
    ``max_multiplier``): a single ranking; a ranking and its reverse (every margin cancels);
    or the ``m`` rotations of a ranking (a cyclic Latin square: every plurality, Borda and
    positional score ties). Rules with tie conventions differ most on these profiles.
    """
    if isinstance(max_multiplier, bool) or not isinstance(max_multiplier, (int, np.integer)) or max_multiplier < 1:
        raise ValidationError(f"max_multiplier: expected an int >= 1, got {max_multiplier!r}")
    return _tie_heavy_profiles(_sizes("n_candidates", n_candidates, 1), int(max_multiplier))


@st.composite
def _tie_heavy_profiles(draw, m_strategy, max_multiplier: int) -> PreferenceProfile:
    m = draw(m_strategy)
    rows, counts = [], []
    for _ in range(draw(st.integers(1, 3))):
        base = draw(st.permutations(list(range(m))))
        shape = draw(st.sampled_from(["single", "reversal", "rotations"]))
        group = {"single": [base], "reversal": [base, base[::-1]],
                 "rotations": [base[i:] + base[:i] for i in range(m)]}[shape]
        multiplier = draw(st.integers(1, max_multiplier))
        rows.extend(group)
        counts.extend([multiplier] * len(group))
    return PreferenceProfile(np.array(rows, dtype=np.int64).reshape(len(rows), m), counts)


def condorcet_cycle_profiles(n_candidates=(3, 6), cycle_weight=(1, 5), noise_rows=(0, 3)) -> st.SearchStrategy[PreferenceProfile]:
    """Ranked profiles whose strict majority relation has a cycle (no Condorcet winner).

    Construction: ``k >= 3`` of the candidates in a random order ``c_0, ..., c_{k-1}``; the
    ``k`` rotations of that order, each with count ``w`` (from ``cycle_weight``) and the other
    candidates below in a random order per ballot. There ``c_i`` beats ``c_{i+1}`` (and
    ``c_{k-1}`` beats ``c_0``) by ``(k - 2) w`` and every cycle member beats every other
    candidate by ``k w``. Up to ``noise_rows`` random ballots with fewer than ``(k - 2) w``
    voters in all are added, too few to undo any of those majorities.
    """
    return _cycle_profiles(_sizes("n_candidates", n_candidates, 3), _sizes("cycle_weight", cycle_weight, 1),
                           _sizes("noise_rows", noise_rows, 0))


@st.composite
def _cycle_profiles(draw, m_strategy, w_strategy, noise_strategy) -> PreferenceProfile:
    m, w = draw(m_strategy), draw(w_strategy)
    k = draw(st.integers(3, m))
    order = draw(st.permutations(list(range(m))))
    cycle, others = order[:k], order[k:]
    rows = [cycle[i:] + cycle[:i] + list(draw(st.permutations(others))) for i in range(k)]
    counts = [w] * k
    budget = (k - 2) * w - 1  # noise voters in all: strictly fewer than the smallest cycle margin
    for _ in range(draw(noise_strategy)):
        if budget < 1:
            break
        count = draw(st.integers(1, budget))
        rows.append(list(draw(st.permutations(list(range(m))))))
        counts.append(count)
        budget -= count
    return PreferenceProfile(np.array(rows, dtype=np.int64).reshape(len(rows), m), counts)


def continuous_profiles(n_voters=(1, 9), dimension=1, bounds=(0.0, 1.0)) -> st.SearchStrategy[ContinuousProfile]:
    """Continuous reports ``(n, d)`` with every coordinate in ``bounds`` (finite floats).

    Args:
        n_voters: an int, an inclusive range or a strategy (>= 1).
        dimension: the same for d (>= 1).
        bounds: ``(low, high)`` range of every coordinate (σ ∈ [0, 1] by default).
    """
    low, high = (float(b) for b in bounds)
    if not low <= high:
        raise ValidationError(f"bounds: lower bound {low} exceeds upper bound {high}")
    return _continuous_profiles(_sizes("n_voters", n_voters, 1), _sizes("dimension", dimension, 1), low, high)


@st.composite
def _continuous_profiles(draw, n_strategy, d_strategy, low: float, high: float) -> ContinuousProfile:
    n, d = draw(n_strategy), draw(d_strategy)
    values = st.floats(low, high, allow_nan=False, allow_infinity=False)
    reports = draw(st.lists(st.lists(values, min_size=d, max_size=d), min_size=n, max_size=n))
    return ContinuousProfile(np.array(reports, dtype=float).reshape(n, d))


def approval_profiles(n_candidates=(2, 5), n_rows=(1, 6), max_count=5) -> st.SearchStrategy[ApprovalProfile]:
    """Approval ballots ``(k, m)`` with counts in ``1..max_count`` (repeated rows allowed).

    Args:
        n_candidates: an int, an inclusive range or a strategy (>= 1).
        n_rows: the same for the number of ballot rows k (>= 1).
        max_count: largest count of one row (>= 1).
    """
    return _ballot_profiles(_sizes("n_candidates", n_candidates, 1), _sizes("n_rows", n_rows, 1),
                            _sizes("max_count", max_count, 1), None)


def scored_profiles(n_candidates=(2, 5), n_rows=(1, 6), max_count=5, top=2) -> st.SearchStrategy[ScoredProfile]:
    """Score ballots ``(k, m)`` of integer grades ``0..top``, declared as ``grades=(0, top)``.

    Args:
        n_candidates, n_rows, max_count: as for :func:`approval_profiles`.
        top: the highest grade (>= 1).
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValidationError(f"top: expected an integer >= 1, got {top!r}")
    return _ballot_profiles(_sizes("n_candidates", n_candidates, 1), _sizes("n_rows", n_rows, 1),
                            _sizes("max_count", max_count, 1), int(top))


@st.composite
def _ballot_profiles(draw, m_strategy, k_strategy, count_strategy, top):
    m, k, largest = draw(m_strategy), draw(k_strategy), draw(count_strategy)
    grade = st.integers(0, 1 if top is None else top)
    rows = draw(st.lists(st.lists(grade, min_size=m, max_size=m), min_size=k, max_size=k))
    counts = draw(st.lists(st.integers(1, largest), min_size=k, max_size=k))
    if top is None:
        return ApprovalProfile(np.array(rows, dtype=bool).reshape(k, m), counts)
    return ScoredProfile(np.array(rows, dtype=float).reshape(k, m), counts, (0, top))


def normal_form_games(n_players=2, n_actions=(1, 3), payoff_range=(-5, 5)) -> st.SearchStrategy[NormalFormGame]:
    """Small normal-form games with integer payoffs ``(n_players, *n_actions)``.

    Args:
        n_players: an int, an inclusive range or a strategy (>= 1).
        n_actions: per-player number of actions (an int, a range or a strategy, >= 1).
        payoff_range: inclusive integer range of the payoffs.
    """
    low, high = (int(v) for v in payoff_range)
    if low > high:
        raise ValidationError(f"payoff_range: lower end {low} exceeds upper end {high}")
    return _games(_sizes("n_players", n_players, 1), _sizes("n_actions", n_actions, 1), low, high, 0)


def stackelberg_games(n_followers=1, n_actions=(1, 3), payoff_range=(-5, 5)) -> st.SearchStrategy[StackelbergNashGame]:
    """Small Stackelberg–Nash games (Definition 2.1): leader = player 0, integer payoffs.

    Args:
        n_followers: an int, an inclusive range or a strategy (>= 1).
        n_actions: per-player number of actions (leader included).
        payoff_range: inclusive integer range of the payoffs.
    """
    low, high = (int(v) for v in payoff_range)
    if low > high:
        raise ValidationError(f"payoff_range: lower end {low} exceeds upper end {high}")
    return _games(_sizes("n_followers", n_followers, 1), _sizes("n_actions", n_actions, 1), low, high, 1)


@st.composite
def _games(draw, count_strategy, action_strategy, low: int, high: int, leaders: int):
    players = draw(count_strategy) + leaders
    actions = tuple(draw(action_strategy) for _ in range(players))
    size = players * int(np.prod(actions))
    values = draw(st.lists(st.integers(low, high), min_size=size, max_size=size))
    payoffs = np.array(values, dtype=float).reshape((players, *actions))
    return StackelbergNashGame(payoffs) if leaders else NormalFormGame(payoffs)
