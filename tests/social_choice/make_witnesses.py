"""Regenerate the minimal counterexamples in tests/data/witnesses/ (run by hand).

    python tests/social_choice/make_witnesses.py                 # every file
    python tests/social_choice/make_witnesses.py --axiom iia     # only the files of one axiom

For each (rule, axiom, number of candidates) below, search the anonymous profiles of
n = 1, 2, ... voters in the fixed enumeration order of ``enumerate_anonymous_profiles`` and
keep the first violation at the smallest n: minimal in the number of voters. The files are
replayed by ``test_witnesses.py``; a changed rule that no longer violates the axiom there, or
violates it differently, fails that test; ``test_witness_is_minimal_in_voters`` re-runs the
search below the stored size, and at it, with the current finders.

The files cover the classic ranked rules (``CLASSIC``); the rules added in issue 15 keep their
witnesses in ``analysis/axiom_table_witnesses.json`` (written by ``analysis/axiom_table.py``).
IIA uses the complete multi-ballot finder (``iia``; any number of ballots may change), so its
witnesses are minimal for it, on 3 candidates for every rule.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sedtheory.social_choice import (
    ContinuousProfile,
    exhaustive_violations,
    get_axiom,
    get_rule,
)

WITNESS_DIR = Path(__file__).resolve().parents[1] / "data" / "witnesses"

CLASSIC = ("borda", "copeland", "instant_runoff", "instant_runoff_put", "kemeny", "minimax",
           "minimax_pairwise_opposition", "minimax_winning_votes", "plurality", "ranked_pairs", "schulze")

# (rule, axiom, candidates, largest n searched): textbook failures, each with its source
SEARCHES = [
    *[(name, "strategy_proofness", 3, 6) for name in CLASSIC],  # Gibbard (1973), Satterthwaite (1975)
    ("plurality", "condorcet_winner", 3, 6),  # Condorcet (1785)
    ("plurality", "condorcet_loser", 3, 6),  # Borda (1781)
    ("borda", "condorcet_winner", 3, 6),  # Condorcet's critique of Borda
    ("borda", "majority", 3, 6),
    ("instant_runoff", "condorcet_winner", 3, 6),
    ("instant_runoff", "monotonicity", 3, 10),  # Smith (1973); Doron & Kronick (1977)
    ("instant_runoff", "participation", 3, 6),  # Brams & Fishburn (1983), no-show paradox
    ("minimax", "condorcet_loser", 4, 4),  # Simpson-Kramer can elect a Condorcet loser
    ("instant_runoff", "condorcet_loser", 4, 4),  # simultaneous elimination of tied candidates
    # Arrow (1951): every Pareto-efficient, non-dictatorial rule violates IIA
    *[(name, "iia", 3, 6) for name in CLASSIC],
]


def _minimal(rule_name: str, axiom: str, m: int, n_max: int):
    rule = get_rule(rule_name)
    for n in range(1, n_max + 1):
        found = exhaustive_violations(axiom, rule, m, n, first_only=True)
        if found:
            return n, found[0]
    raise RuntimeError(f"no {axiom} violation of {rule_name} with {m} candidates and up to {n_max} voters")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--axiom", default=None, help="regenerate only the files of this axiom (default: all)")
    args = parser.parse_args(argv)
    WITNESS_DIR.mkdir(parents=True, exist_ok=True)
    for rule_name, axiom, m, n_max in SEARCHES:
        if args.axiom is not None and axiom != args.axiom:
            continue
        n, violation = _minimal(rule_name, axiom, m, n_max)
        record = violation.to_dict()
        record["provenance"] = (
            f"tests/social_choice/make_witnesses.py: first violation in the enumeration of anonymous profiles "
            f"of {m} candidates, smallest number of voters n = {n} (none for n < {n})"
        )
        record["n_candidates"], record["minimal_n_voters"] = m, n
        path = WITNESS_DIR / f"{rule_name}__{axiom}.json"
        path.write_text(json.dumps(record, indent=1) + "\n")
        print(f"{path.name}: n = {n}: {violation.detail}")
    if args.axiom not in (None, "strategy_proofness"):
        return
    # Moulin (1980): the mean is manipulable by a single-peaked voter; the smallest example is two voters
    profile = ContinuousProfile([0.2, 0.8])
    violation = get_axiom("strategy_proofness", "continuous").find_violations(get_rule("mean"), profile)[0]
    record = violation.to_dict()
    record["provenance"] = "hand-picked two-voter profile; best misreport by the mean's closed form"
    (WITNESS_DIR / "mean__strategy_proofness.json").write_text(json.dumps(record, indent=1) + "\n")
    print("mean__strategy_proofness.json:", violation.detail)


if __name__ == "__main__":
    main()
