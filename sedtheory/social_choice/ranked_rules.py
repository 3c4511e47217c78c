"""Voting rules on ranked ballots (and approval ballots), registered by name.

Every rule takes a :class:`~sedtheory.social_choice.profiles.PreferenceProfile` and returns
*all* tied winners as a sorted tuple. Where a rule has variants, the default is the variant of
pref_voting 1.x (Holliday & Pacuit), so that results can be cross-checked:

==============================  ==============================================================
``plurality``                   most first places
``borda``                       ``m - 1 - rank`` points per ballot (Borda 1781)
``copeland``                    wins minus losses in pairwise majority contests (Copeland 1951)
``minimax``                     smallest largest pairwise defeat, measured by **margins**
                                (Simpson 1969, Kramer 1977); ``minimax_winning_votes`` measures
                                a defeat by the winner's support, ``minimax_pairwise_opposition``
                                by the largest support against the candidate
``instant_runoff``              repeatedly eliminate **all** candidates tied for the fewest first
                                places until one has a strict majority (pref_voting's default);
                                ``instant_runoff_put``: parallel-universe tie-breaking, one
                                tied candidate eliminated at a time, every possible order
``schulze``                     beat-path / strongest paths by margins (Schulze 2011)
``ranked_pairs``                lock in majority edges by decreasing margin, skipping cycles;
                                ties among equal margins broken in every possible way and all
                                resulting winners returned (Tideman 1987; parallel-universe
                                tie-breaking as in pref_voting)
``kemeny``                      tops of all Kemeny-Young rankings (maximum total margin); exact
                                by enumerating the ``m!`` rankings, refused for ``m > 8``
``approval``                    most approvals (:class:`ApprovalProfile`; use
                                ``ApprovalProfile.k_approval`` for k-approval from rankings)
==============================  ==============================================================
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.social_choice._ranked_pairs import ranked_pairs_winners
from sedtheory.social_choice._tallies import _strongest_paths_lists, _strongest_paths_numpy, strongest_paths  # noqa: F401
from sedtheory.social_choice._tallies import EliminationTally, extremes
from sedtheory.social_choice.profiles import ApprovalProfile, PreferenceProfile
from sedtheory.social_choice.registry import voting_rule

KEMENY_MAX_CANDIDATES = 8
"""Kemeny is exact by enumerating all m! rankings; larger m is refused."""


def _argmax_set(scores: np.ndarray) -> tuple[int, ...]:
    return tuple(np.flatnonzero(scores == scores.max()).tolist())


def _argmin_set(scores: np.ndarray) -> tuple[int, ...]:
    return tuple(np.flatnonzero(scores == scores.min()).tolist())


# ------------------------------------------------------------------ scoring rules
@voting_rule("plurality")
def plurality(profile: PreferenceProfile) -> tuple[int, ...]:
    """Plurality: the candidates ranked first by the most voters."""
    return _argmax_set(profile.plurality_scores)


@voting_rule("borda")
def borda(profile: PreferenceProfile) -> tuple[int, ...]:
    """Borda count: a ballot gives m-1 points to its first choice, ..., 0 to its last."""
    return _argmax_set(profile.borda_scores)


@voting_rule("approval", kind="approval")
def approval(profile: ApprovalProfile) -> tuple[int, ...]:
    """Approval voting: the candidates approved by the most voters."""
    return _argmax_set(profile.approval_scores)


# ------------------------------------------------------------ majority-graph rules
@voting_rule("copeland")
def copeland(profile: PreferenceProfile) -> tuple[int, ...]:
    """Copeland: pairwise wins minus pairwise losses (a pairwise tie counts 0)."""
    return _argmax_set(np.sign(profile.margins).sum(axis=1))  # wins - losses


def minimax_scores(profile: PreferenceProfile, variant: str = "margins") -> np.ndarray:
    """``(m,)`` largest pairwise defeat of each candidate (0 when undefeated).

    ``variant``: ``"margins"`` (pref_voting default), ``"winning_votes"`` (support of the
    majority beating the candidate) or ``"pairwise_opposition"`` (largest support of any
    candidate over it, defeat or not).
    """
    support, margins = profile.majority_matrix, profile.margins
    if variant == "margins":
        strength = np.where(margins > 0, margins, 0)
    elif variant == "winning_votes":
        strength = np.where(margins > 0, support, 0)
    elif variant == "pairwise_opposition":
        strength = support.copy()
    else:
        raise ValidationError(f"variant: expected 'margins', 'winning_votes' or 'pairwise_opposition', got {variant!r}")
    np.fill_diagonal(strength, 0)
    return strength.max(axis=0)  # column c: strengths of the candidates over c


@voting_rule("minimax")
def minimax(profile: PreferenceProfile) -> tuple[int, ...]:
    """Minimax (Simpson-Kramer): the smallest largest pairwise defeat, by margins."""
    return _argmin_set(minimax_scores(profile, "margins"))


@voting_rule("minimax_winning_votes")
def minimax_winning_votes(profile: PreferenceProfile) -> tuple[int, ...]:
    """Minimax measuring each defeat by the support of the winning side (winning votes)."""
    return _argmin_set(minimax_scores(profile, "winning_votes"))


@voting_rule("minimax_pairwise_opposition")
def minimax_pairwise_opposition(profile: PreferenceProfile) -> tuple[int, ...]:
    """Minimax measuring by the largest support of any candidate over the candidate."""
    return _argmin_set(minimax_scores(profile, "pairwise_opposition"))


@voting_rule("schulze")
def schulze(profile: PreferenceProfile) -> tuple[int, ...]:
    """Schulze (beat path): candidates whose strongest paths are never beaten (Schulze 2011)."""
    paths = strongest_paths(profile.margins)
    beaten = (paths.T > paths).any(axis=1)  # a is beaten if some b has path(b,a) > path(a,b)
    return tuple(int(c) for c in np.flatnonzero(~beaten))


# ----------------------------------------------------------------- ranked pairs
@voting_rule("ranked_pairs")
def ranked_pairs(profile: PreferenceProfile) -> tuple[int, ...]:
    """Ranked Pairs (Tideman 1987) with parallel-universe tie-breaking among equal margins.

    Edges with margin >= 0 (both directions for a zero margin, as in pref_voting) are locked
    by decreasing margin, skipping any that would close a cycle; a candidate wins if it tops
    the locked order for *some* order of the equal-margin edges (parallel universes, as
    pref_voting's ``ranked_pairs``). Without ties this is the plain procedure. With ties, the
    orders are not enumerated: each candidate is decided by a search over lock-in choices
    and a stack search (:mod:`sedtheory.social_choice._ranked_pairs`). Worst case
    exponential: deciding whether a candidate wins under some tie-breaking is NP-complete
    (Brill & Fischer 2012).
    """
    condorcet = profile.condorcet_winner()
    if condorcet is not None:
        return (condorcet,)
    return ranked_pairs_winners(profile.margins)


# ----------------------------------------------------------------------- kemeny
@functools.lru_cache(maxsize=None)
def _ranking_pairs(m: int) -> tuple[np.ndarray, np.ndarray]:
    perms = np.array(list(itertools.permutations(range(m))), dtype=np.int64).reshape(-1, m)
    positions = np.argsort(perms, axis=1)
    above = positions[:, :, None] < positions[:, None, :]  # (m!, m, m): a above b
    return perms, above.reshape(len(perms), m * m)


def kemeny_rankings(profile: PreferenceProfile) -> tuple[np.ndarray, int]:
    """All Kemeny-Young rankings ``(r, m)`` and their total margin score.

    A Kemeny ranking maximises the sum of the margins ``margins[a, b]`` over the pairs it
    puts ``a`` above ``b`` (equivalently minimises the total Kendall tau distance to the
    ballots; Kemeny 1959, Young & Levenglick 1978). Exact: all ``m!`` rankings are scored.
    """
    m = profile.n_candidates
    if m > KEMENY_MAX_CANDIDATES:
        raise ValidationError(
            f"profile: kemeny enumerates all m! rankings and is refused for m > {KEMENY_MAX_CANDIDATES} (got m = {m})"
        )
    perms, above = _ranking_pairs(m)
    scores = above.astype(np.int64) @ profile.margins.ravel()
    best = scores.max()
    return perms[scores == best], int(best)


@voting_rule("kemeny")
def kemeny(profile: PreferenceProfile) -> tuple[int, ...]:
    """Kemeny-Young: the first candidates of all rankings of maximum total margin (m <= 8)."""
    rankings, _ = kemeny_rankings(profile)
    return tuple(int(c) for c in np.unique(rankings[:, 0]))


# ---------------------------------------------------------------- instant runoff
def irv_among(tally: EliminationTally, alive: list[bool]) -> tuple[int, ...]:
    """Instant runoff (all candidates tied for fewest first places removed together) among the
    ``alive`` candidates; ``alive`` is updated in place. A strict majority of all voters wins."""
    majority = tally.n_voters // 2 + 1
    while True:
        scores = tally.firsts(alive)
        top = max(scores)
        if top >= majority:
            return tuple(c for c, s in enumerate(scores) if s == top)
        lowest = extremes(scores, alive, lowest=True)
        if len(lowest) == sum(alive):
            return tuple(lowest)
        for c in lowest:
            alive[c] = False


@voting_rule("instant_runoff")
def instant_runoff(profile: PreferenceProfile) -> tuple[int, ...]:
    """Instant runoff: eliminate all candidates tied for fewest first places until a strict majority."""
    return irv_among(EliminationTally(profile), [True] * profile.n_candidates)


@voting_rule("instant_runoff_put")
def instant_runoff_put(profile: PreferenceProfile) -> tuple[int, ...]:
    """Instant runoff with parallel-universe tie-breaking: winners over all elimination orders."""
    tally = EliminationTally(profile)
    m = tally.m
    majority = tally.n_voters // 2 + 1

    memo: dict[int, frozenset[int]] = {}  # a dict, not lru_cache: building a cache per call costs more

    def winners(bits: int) -> frozenset[int]:
        found = memo.get(bits)
        if found is None:
            found = memo[bits] = compute(bits)
        return found

    def compute(bits: int) -> frozenset[int]:  # bit c set: candidate c still in the race
        alive = [(bits >> c) & 1 == 1 for c in range(m)]
        if bits & (bits - 1) == 0:  # one candidate left
            return frozenset(c for c in range(m) if alive[c])
        scores = tally.firsts(alive)
        top = max(scores)
        if top >= majority:
            return frozenset(c for c, s in enumerate(scores) if s == top)
        for c in range(m):  # zero-score candidates go first in every order
            if alive[c] and scores[c] == 0:
                alive[c] = False
                bits &= ~(1 << c)
        result: frozenset[int] = frozenset()
        for candidate in extremes(scores, alive, lowest=True):
            result |= winners(bits & ~(1 << candidate))
        return result

    return tuple(sorted(winners((1 << m) - 1)))
