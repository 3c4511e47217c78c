"""Voting-rule speed, side by side with pref_voting (run by hand: ``python benchmarks/voting.py``).

Profiles: impartial culture (every voter's ranking uniform over the 5! rankings), one ballot
row per voter, seeded, 10^3 and 10^5 voters x 5 candidates. Both libraries get the same
``(n, 5)`` array with unit counts.

Columns (best of ``--repeat`` runs, milliseconds):
  sed cold   -- ``PreferenceProfile(ballots)`` (validation + tallies) **and** the rule: the
                whole cost from a raw ballot array
  sed rule   -- like for like with pref_voting: the profile is built outside the timing and,
                as pref_voting's ``Profile`` does at construction, its pairwise support
                matrix is computed outside the timing too; plurality/Borda scores, ballot
                merging and everything else are inside (a fresh profile per repetition)
  sed warm   -- the rule on a profile whose tallies are all cached already
  pv rule    -- pref_voting's rule on a pre-built ``pref_voting.profiles.Profile``; its
                construction (outside the timing) already computes its pairwise tally
                matrix, so this time **excludes** pref_voting's tally caching
  pv build   -- pref_voting's ``Profile(...)`` construction, for reference
  x (rule)   -- pv rule / sed rule (like for like)
  x (cold)   -- pv rule / sed cold (our full cost from raw ballots against only
                pref_voting's rule call: the conservative ratio)
Every timed pair is checked to return the same winners before timing.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from sedtheory.social_choice import PreferenceProfile, get_rule

RULES = ["plurality", "borda", "copeland", "instant_runoff", "schulze"]
"""The rules timed by default (``--rules all``: every rule pref_voting also implements)."""


def _best_ms(func, repeat: int) -> float:
    func()  # warm-up (numba compilation in pref_voting, imports, caches)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return 1e3 * best


def pref_voting_methods():
    """Our registry name -> pref_voting's method, for every ranked rule both implement
    (ranked pairs and Kemeny are left out: pref_voting's are exponential in ties / m). The one
    table of shared rules: the cross-check tests and ``voting_agreement.py`` read it too."""
    from pref_voting import c1_methods as c1
    from pref_voting import combined_methods as cm
    from pref_voting import iterative_methods as im
    from pref_voting import margin_based_methods as mb
    from pref_voting import other_methods as om
    from pref_voting import scoring_methods as sm

    return {
        "plurality": sm.plurality, "borda": sm.borda, "copeland": c1.copeland, "instant_runoff": im.instant_runoff,
        "instant_runoff_put": im.instant_runoff_put, "schulze": mb.beat_path, "minimax": mb.minimax,
        "minimax_winning_votes": mb.minimax_support,
        "anti_plurality": sm.anti_plurality, "dowdall": sm.dowdall, "positive_negative": sm.positive_negative_voting,
        "bucklin": om.bucklin, "simplified_bucklin": om.simplified_bucklin,
        "coombs": im.coombs, "coombs_put": im.coombs_put, "baldwin": im.baldwin, "baldwin_put": im.baldwin_put,
        "strict_nanson": im.strict_nanson, "weak_nanson": im.weak_nanson, "benham": im.benham,
        "plurality_with_runoff": im.plurality_with_runoff_put,
        "bottom_two_runoff_irv": im.bottom_two_runoff_instant_runoff,
        "tideman_alternative_smith": im.tideman_alternative_smith,
        "tideman_alternative_schwartz": im.tideman_alternative_gocha,
        "woodall": im.woodall, "smith_irv": cm.smith_irv, "condorcet_irv": cm.condorcet_irv,
        "condorcet": c1.condorcet, "weak_condorcet": c1.weak_condorcet, "smith_set": c1.top_cycle,
        "schwartz_set": c1.gocha, "uncovered_set": c1.uc_gill, "llull": c1.llull, "split_cycle": mb.split_cycle,
        "stable_voting": mb.stable_voting, "simple_stable_voting": mb.simple_stable_voting,
        "schulze_winning_votes": lambda p: mb.beat_path(p, strength_function=p.support),
        "black": cm.blacks, "simplified_dodgson": mb.simplified_dodgson,
    }


def _best_ms_fresh(rule, ballots, repeat: int) -> float:
    """Best time of ``rule(profile)``, each call on its own fresh profile (built beforehand,
    outside the timing) whose support matrix, and only that, is precomputed -- what
    pref_voting's Profile computes at construction."""
    support = PreferenceProfile(ballots).majority_matrix
    profiles = []
    for _ in range(repeat + 1):
        profile = PreferenceProfile(ballots)
        profile.__dict__["majority_matrix"] = support  # the cached_property slot
        profiles.append(profile)
    times = []
    for profile in profiles:
        start = time.perf_counter()
        rule(profile)
        times.append(time.perf_counter() - start)
    return 1e3 * min(times[1:])  # the first call is a warm-up


def run(n_voters_list, n_candidates: int, repeat: int, seed: int, rules=None) -> list[dict]:
    from pref_voting.profiles import Profile

    theirs = pref_voting_methods()
    rules = RULES if rules is None else rules
    rows = []
    rng = np.random.default_rng(seed)
    for n in n_voters_list:
        ballots = rng.permuted(np.tile(np.arange(n_candidates), (n, 1)), axis=1)
        start = time.perf_counter()
        pv_profile = Profile(ballots)
        pv_build = 1e3 * (time.perf_counter() - start)
        warm = PreferenceProfile(ballots)
        for name in rules:
            rule = get_rule(name)
            ours = rule(warm)
            assert ours == tuple(int(c) for c in theirs[name](pv_profile)), (name, n)
            cold = _best_ms(lambda: rule(PreferenceProfile(ballots)), repeat)
            fresh = _best_ms_fresh(rule, ballots, repeat)
            hot = _best_ms(lambda: rule(warm), repeat)
            pv = _best_ms(lambda: theirs[name](pv_profile), repeat)
            rows.append({"rule": name, "n": n, "sed_cold": cold, "sed_rule": fresh, "sed_warm": hot, "pv_rule": pv,
                         "pv_build": pv_build})
    return rows


def tie_heavy_profiles(seed: int = 0, count: int = 8, n_candidates: int = 6) -> list[PreferenceProfile]:
    """The issue-14 example (two opposite ballots: every pair tied) and seeded profiles of two
    to four ballot types with even counts and no Condorcet winner: many zero and equal margins."""
    rng = np.random.default_rng(seed)
    profiles = [PreferenceProfile([[4, 3, 1, 5, 2, 0], [0, 2, 5, 1, 3, 4]], [1, 1])]
    while len(profiles) < count:
        rows = np.array([rng.permutation(n_candidates) for _ in range(int(rng.integers(2, 5)))])
        profile = PreferenceProfile(rows, 2 * rng.integers(1, 3, size=len(rows)))
        if profile.condorcet_winner() is None:
            profiles.append(profile)
    return profiles


def run_tie_heavy(repeat: int, seed: int = 0) -> list[dict]:
    """Ranked pairs on tie-heavy profiles against pref_voting's stack algorithm (its default
    tries every order of the tied margins: (2k)! orders for k tied pairs, not timed here)."""
    from pref_voting.margin_based_methods import ranked_pairs as pv_ranked_pairs
    from pref_voting.profiles import Profile

    rule = get_rule("ranked_pairs")
    rows = []
    for index, profile in enumerate(tie_heavy_profiles(seed)):
        pv_profile = Profile(profile.rankings.tolist(), profile.counts.tolist())
        theirs = tuple(int(c) for c in pv_ranked_pairs(pv_profile, algorithm="from_stacks"))
        assert rule(profile) == theirs, (index, profile)
        ours = _best_ms(lambda: rule(PreferenceProfile(profile.rankings, profile.counts)), repeat)
        pv = _best_ms(lambda: pv_ranked_pairs(pv_profile, algorithm="from_stacks"), max(1, repeat // 5))
        rows.append({"rule": "ranked_pairs", "profile": index, "n_candidates": profile.n_candidates,
                     "winners": list(theirs), "sed_cold": ours, "pv_rule": pv})
    return rows


def run_all_tie_heavy(rules, repeat: int, seed: int = 0) -> list[dict]:
    """Every rule on the tie-heavy profiles above: ``sed_cold`` includes building and validating
    the profile, ``sed_warm`` reuses a built one with its tallies cached (as pref_voting's
    ``Profile`` caches its tallies at construction, outside ``pv_rule``)."""
    from pref_voting.profiles import Profile

    theirs = pref_voting_methods()
    rows = []
    for name in rules:
        rule, total_ours, total_warm, total_pv = get_rule(name), 0.0, 0.0, 0.0
        for profile in tie_heavy_profiles(seed):
            pv_profile = Profile(profile.rankings.tolist(), profile.counts.tolist())
            assert rule(profile) == tuple(int(c) for c in theirs[name](pv_profile)), (name, profile)
            total_ours += _best_ms(lambda: rule(PreferenceProfile(profile.rankings, profile.counts)), repeat)
            total_warm += _best_ms(lambda: rule(profile), repeat)
            total_pv += _best_ms(lambda: theirs[name](pv_profile), repeat)
        rows.append({"rule": name, "sed_cold": total_ours, "sed_warm": total_warm, "pv_rule": total_pv})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--candidates", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rules", nargs="+", default=RULES, help="rule names, or 'all' for every shared rule")
    parser.add_argument("--json", default=None, help="also write every row to this JSON file")
    args = parser.parse_args()
    rules = sorted(pref_voting_methods()) if args.rules == ["all"] else args.rules
    import pref_voting

    print(f"python {platform.python_version()}, numpy {np.__version__}, pref_voting {pref_voting.__version__ if hasattr(pref_voting, '__version__') else '?'}")
    print("times in ms, best of", args.repeat)
    print(f"{'rule':16s} {'voters':>7s} {'sed cold':>9s} {'sed rule':>9s} {'sed warm':>9s} {'pv rule':>9s} "
          f"{'pv build':>9s} {'x (rule)':>9s} {'x (cold)':>9s}")
    results = {"voters": run(args.voters, args.candidates, args.repeat, args.seed, rules)}
    for row in results["voters"]:
        print(f"{row['rule']:16s} {row['n']:7d} {row['sed_cold']:9.3f} {row['sed_rule']:9.4f} {row['sed_warm']:9.4f} "
              f"{row['pv_rule']:9.3f} {row['pv_build']:9.1f} {row['pv_rule'] / row['sed_rule']:8.1f}x "
              f"{row['pv_rule'] / row['sed_cold']:8.1f}x")
    print("\nevery rule on the 8 tie-heavy profiles (sum of best times), ms; x = pv / sed warm, pv / sed cold")
    results["tie_heavy"] = run_all_tie_heavy(rules, args.repeat, args.seed)
    for row in results["tie_heavy"]:
        print(f"{row['rule']:28s} sed cold {row['sed_cold']:8.3f}  sed warm {row['sed_warm']:8.3f}  pv {row['pv_rule']:8.3f}"
              f"  {row['pv_rule'] / row['sed_warm']:6.1f}x {row['pv_rule'] / row['sed_cold']:6.1f}x")
    print("\nranked pairs on tie-heavy profiles (pv = pref_voting from_stacks), ms")
    results["ranked_pairs_tie_heavy"] = run_tie_heavy(args.repeat, args.seed)
    if args.json:
        import json

        with open(args.json, "w") as handle:
            json.dump({"python": platform.python_version(), "numpy": np.__version__, **results}, handle, indent=1)
    for row in results["ranked_pairs_tie_heavy"]:
        print(f"profile {row['profile']}  m={row['n_candidates']}  winners {row['winners']}  sed {row['sed_cold']:9.3f}  "
              f"pv {row['pv_rule']:9.1f}  {row['pv_rule'] / row['sed_cold']:8.0f}x")


if __name__ == "__main__":
    main()
