"""Disagreements with pref_voting over every rule both implement (run by hand).

    python benchmarks/voting_agreement.py --profiles 300 --seed 0 [--json FILE]

For each shared rule (``benchmarks/voting.py``'s map), seeded profiles of four kinds, 2 to 5
candidates: impartial culture (one row per voter, 1-15 voters), weighted (1-6 rows, counts
1-50), tie-heavy (reversal pairs and cyclic Latin squares with equal counts) and majority
cycles (a cyclic Latin square plus a minority of noise). Counts the profiles where the winner
sets differ and prints the first such profile per rule. It shows agreement on these draws,
not correctness: both libraries could share a mistake.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np

from sedtheory.social_choice import PreferenceProfile, get_rule


def _shared_methods():
    path = Path(__file__).resolve().parent / "voting.py"
    spec = importlib.util.spec_from_file_location("voting_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pref_voting_methods()


def profiles(seed: int, count: int):
    """``count`` profiles of each kind, seeded."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m = int(rng.integers(2, 6))
        yield "impartial", PreferenceProfile(np.array([rng.permutation(m) for _ in range(int(rng.integers(1, 16)))]))
        k = int(rng.integers(1, 7))
        yield "weighted", PreferenceProfile(np.array([rng.permutation(m) for _ in range(k)]), rng.integers(1, 51, size=k))
        rows, counts = [], []
        for _ in range(int(rng.integers(1, 4))):
            base = rng.permutation(m).tolist()
            group = [[base, base[::-1]], [base[i:] + base[:i] for i in range(m)], [base]][int(rng.integers(3))]
            rows += group
            counts += [int(rng.integers(1, 4))] * len(group)
        yield "tie_heavy", PreferenceProfile(np.array(rows), counts)
        m = max(m, 3)
        order = rng.permutation(m).tolist()
        size = int(rng.integers(3, m + 1))
        cycle, others = order[:size], order[size:]
        weight = int(rng.integers(1, 4))
        rows = [cycle[i:] + cycle[:i] + rng.permutation(others).tolist() for i in range(size)]
        counts = [weight] * size
        budget = (size - 2) * weight - 1
        if budget >= 1:
            rows.append(rng.permutation(m).tolist())
            counts.append(int(rng.integers(1, budget + 1)))
        yield "cycle", PreferenceProfile(np.array(rows), counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=300, help="profiles of each kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    from pref_voting.profiles import Profile

    methods = _shared_methods()
    drawn = list(profiles(args.seed, args.profiles))
    report = {}
    for name in sorted(methods):
        rule, wrong = get_rule(name), []
        for kind, profile in drawn:
            theirs = tuple(int(c) for c in methods[name](Profile(profile.rankings.tolist(), profile.counts.tolist())))
            if rule(profile) != theirs:
                wrong.append((kind, repr(profile), rule(profile), theirs))
        report[name] = {"profiles": len(drawn), "disagreements": len(wrong), "first": wrong[0] if wrong else None}
        print(f"{name:30s} {len(drawn):6d} profiles  {len(wrong):4d} disagreements" + (f"  e.g. {wrong[0]}" if wrong else ""))
    total = sum(r["disagreements"] for r in report.values())
    print(f"{len(report)} shared rules, {len(drawn)} profiles each, {total} disagreements in all")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
