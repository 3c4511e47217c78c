"""Ranked pairs with parallel-universe tie-breaking: the search against literal enumeration.

The oracle below tries every order of every group of equal-margin edges (the definition:
Tideman 1987, with ties broken in every possible way as in pref_voting's ``ranked_pairs``),
locking with a plain reachability test. It is exponential, so it runs on small profiles;
pref_voting's stack-based ``ranked_pairs(algorithm="from_stacks")`` (Zavist & Tideman 1989:
a candidate wins iff it tops some stack) checks larger tie-heavy ones in
``test_pref_voting_crosscheck.py``.
"""

import itertools
import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sedtheory.social_choice import PreferenceProfile, get_rule

RANKED_PAIRS = get_rule("ranked_pairs")


def _reaches(edges: set, start: int, goal: int) -> bool:
    todo, seen = [start], {start}
    while todo:
        x = todo.pop()
        if x == goal:
            return True
        for a, b in edges:
            if a == x and b not in seen:
                seen.add(b)
                todo.append(b)
    return False


def _groups(profile):
    m, margins = profile.n_candidates, profile.margins
    edges = [(a, b) for a in range(m) for b in range(m) if a != b and margins[a, b] >= 0]
    strengths = sorted({int(margins[e]) for e in edges}, reverse=True)
    return [[e for e in edges if margins[e] == s] for s in strengths]


def _orders(groups):
    return math.prod(math.factorial(len(g)) for g in groups)


def ranked_pairs_by_enumeration(profile) -> tuple[int, ...]:
    """Every tie-breaking order, literally: lock each edge unless it closes a cycle."""
    m = profile.n_candidates
    tops = set()
    for order in itertools.product(*(itertools.permutations(g) for g in _groups(profile))):
        locked: set = set()
        for a, b in itertools.chain.from_iterable(order):
            if not _reaches(locked, b, a):
                locked.add((a, b))
        tops.update(c for c in range(m) if not any(b == c for _, b in locked))
    return tuple(sorted(tops))


@st.composite
def small_tied_profiles(draw):
    m = draw(st.integers(2, 5))
    k = draw(st.integers(1, 4))
    rows = [draw(st.permutations(list(range(m)))) for _ in range(k)]
    counts = draw(st.lists(st.integers(1, 3), min_size=k, max_size=k))
    return PreferenceProfile(np.array(rows).reshape(k, m), counts)


@given(small_tied_profiles())
@settings(max_examples=150)
def test_search_equals_enumerating_every_tie_breaking_order(profile):
    assume(_orders(_groups(profile)) <= 1440)
    assert RANKED_PAIRS(profile) == ranked_pairs_by_enumeration(profile)


def test_hand_checked_cycles():
    # ballots 0>1>2 x2, 1>2>0, 2>0>1: margins 0>1 by 2, 1>2 by 2, 0-2 tied. Both margin-2
    # edges lock in either order (0>1>2); the tie is then decided: winner 0 alone.
    profile = PreferenceProfile([[0, 1, 2], [1, 2, 0], [2, 0, 1]], [2, 1, 1])
    assert profile.margins[0, 1] == 2 and profile.margins[1, 2] == 2 and profile.margins[2, 0] == 0
    assert ranked_pairs_by_enumeration(profile) == RANKED_PAIRS(profile) == (0,)
    # the three-voter Condorcet cycle: three edges of margin 1; whichever is locked last is
    # skipped, and each of the three orders of the last edge gives another top: all win
    cycle = PreferenceProfile([[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    assert ranked_pairs_by_enumeration(cycle) == RANKED_PAIRS(cycle) == (0, 1, 2)


def test_fully_tied_six_candidates_is_fast_and_all_win():
    # issue 14: two opposite ballots tie every pair; every linear order is a ranked pairs
    # outcome, so all six win (the old enumeration took 22-35 s here)
    profile = PreferenceProfile([[4, 3, 1, 5, 2, 0], [0, 2, 5, 1, 3, 4]], [1, 1])
    assert RANKED_PAIRS(profile) == tuple(range(6))


# ------------------------------------------------- each search on its own, against the oracle
@given(small_tied_profiles())
@settings(max_examples=60)
def test_each_search_alone_is_exact_where_it_answers(profile):
    from sedtheory.social_choice import _ranked_pairs as rp

    assume(_orders(_groups(profile)) <= 1440)
    truth = set(ranked_pairs_by_enumeration(profile))
    m = profile.n_candidates
    groups = rp.edge_groups(profile.margins)
    stacks = rp.StackSearch(profile.margins, list(range(m)))
    for target in range(m):
        # the lock-in search decides every candidate by itself
        assert rp.can_top(groups, target, m, {}, rp._Budget(10**6)) == (target in truth)
        # split-cycle defeat and a failed stack search only ever rule out losers
        empty = tuple([0] * m)
        if rp.doomed(empty, groups, 0, target):
            assert target not in truth
        order = stacks.order_from(target, rp._Budget(10**6))
        if order is None:
            assert target not in truth
        elif rp.top_with_order(groups, order) == target:
            assert target in truth


def test_budgets_hand_over_between_the_searches(monkeypatch):
    # a budget of one state forces every round to give up at least once before answering
    from sedtheory.social_choice import _ranked_pairs as rp

    monkeypatch.setattr(rp, "FIRST_BUDGET", 1)
    profile = PreferenceProfile([[1, 0, 4, 2, 3], [0, 4, 2, 1, 3], [4, 3, 0, 2, 1], [4, 1, 0, 2, 3]], [1, 2, 2, 1])
    assert _orders(_groups(profile)) == 1440
    assert RANKED_PAIRS(profile) == ranked_pairs_by_enumeration(profile) == (0, 4)
