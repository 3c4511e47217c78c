"""Rule x axiom tables of the ranked, approval and scored voting rules, from exhaustive small-domain checks.

    python analysis/axiom_table.py --out DIR          # three rules, 3 candidates x <= 3 voters: seconds
    python analysis/axiom_table.py --all --max-voters 4 --max-voters-4 2 --out docs \
        --witnesses analysis/axiom_table_witnesses.json            # the table in docs/ (many minutes)

For every registered ranked rule (``--all``; by default a handful) and every ranked axiom,
``small_domain_violations`` checks every anonymous profile of 3 candidates and 1..``--max-voters``
voters, then of 4 candidates and 1..``--max-voters-4`` voters (each finder tries every variant
its axiom names, so the search is complete on that domain). A cell is

* ``x n`` -- violated; the first witness, minimal in the number of voters on the domain (n), is
  stored in the witness file under ``"rule/axiom"`` (replayed by ``tests/social_choice/test_axiom_table.py``);
* ``T`` -- satisfied by a theorem (``THEOREMS`` below, with its source), and no violation on the domain;
* ``ok`` -- no violation on the domain: a proof for these sizes only, not beyond.

    python analysis/axiom_table.py --all --max-voters 4 --max-voters-4 2 --out docs \
        --witnesses analysis/axiom_table_witnesses.json --update clone_independence
                        # re-check some axioms only; every other cell is read back from the witnesses

Approval and scored rules (with ``--all``, or named in ``--rules``) get their own table, against the
axioms of their kind (``sedtheory.social_choice.ballot_axioms``: those axioms read grades, not
rankings), checked by ``ballot_domain_violations`` on ``BALLOT_DOMAINS``: approval ballots (every
subset of the candidates) of 3 candidates and 1..4 voters, then of 4 candidates and 1..2 voters;
score ballots with integer grades 0..2 of 3 candidates and 1..3 voters. Continuous rules get a third
table, against the five continuous axioms, checked by ``grid_violations`` on ``CONTINUOUS_GRID``:
every ordered profile of 1..3 voters with reports in {0, 1/4, 1/2, 3/4, 1}. ``--update`` also
takes a kind (``ranked``, ``approval``, ``scored``, ``continuous``) for every axiom of that kind.

A cell is a function of the witness file alone (a stored witness: ``x n``; else ``T`` or ``ok``), so
``--update`` re-renders the whole table from the stored witnesses of the other axioms, and
``tests/social_choice/test_axiom_table.py`` checks that docs/axiom_table.md is the table its witness
file gives. A theorem contradicted on the domain stops the script with an error. Writes ``axiom_table.md``
under ``--out`` and the witnesses as JSON. Strategy-proofness and participation compare single
outcomes after lexicographic tie-breaking; every other axiom is about the winner sets. The
table does *not* show how often a rule violates an axiom, nor anything about more candidates.
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

from sedtheory.social_choice import (
    BallotMemo,
    MemoisedRule,
    ballot_domain_violations,
    get_rule,
    grid_violations,
    list_axioms,
    list_rules,
    small_domain_violations,
)

DEFAULT_RULES = ("plurality", "borda", "schulze")
KINDS = ("ranked", "approval", "scored", "continuous")
CONTINUOUS_GRID = {"max_voters": 3, "points": 5, "bounds": (0.0, 1.0)}
"""The grid of the continuous table (``grid_violations`` keywords)."""
CONTINUOUS = ("generalized_median", "mean", "median", "trimmed_mean")
BALLOT_DOMAINS = {"approval": ((3, 4), (4, 2)), "scored": ((3, 3),)}
"""(candidates, largest electorate) searched in turn for each ballot kind; scores are 0..``BALLOT_TOP``."""
BALLOT_TOP = 2
GRADE_SUMS = ("approval", "score_voting")  # the winners maximise a sum of grades

CONDORCET_CONSISTENT = (
    "baldwin", "baldwin_put", "benham", "black", "condorcet", "condorcet_irv", "copeland", "copeland_alpha",
    "dodgson", "dodgson_quick", "kemeny", "llull", "minimax", "minimax_pairwise_opposition",
    "minimax_winning_votes", "ranked_pairs", "schulze", "schulze_winning_votes", "schwartz_set",
    "simple_stable_voting", "simplified_dodgson", "smith_irv", "smith_set", "split_cycle", "stable_voting",
    "strict_nanson", "tideman_alternative_schwartz", "tideman_alternative_smith", "uncovered_set",
    "weak_condorcet", "weak_nanson", "woodall", "young")
SMITH_CONSISTENT = (
    "copeland", "kemeny", "ranked_pairs", "schulze", "schwartz_set", "smith_irv", "smith_set", "split_cycle",
    "stable_voting", "tideman_alternative_smith", "uncovered_set", "woodall")
SCORING = ("anti_plurality", "borda", "dowdall", "plurality", "positional", "positive_negative")
MARGIN_BASED = ("borda", "copeland", "kemeny", "llull", "minimax", "ranked_pairs", "schulze", "split_cycle",
                "smith_set", "uncovered_set", "condorcet", "weak_condorcet", "stable_voting", "simple_stable_voting")

# (axiom, rules, source): satisfied in general, not only on the small domain
THEOREMS = [
    ("anonymity", "*", "by definition: every rule reads only the anonymised tallies"),
    ("neutrality", "*", "by definition: no rule refers to a candidate's name (ties are kept, never broken)"),
    ("condorcet_winner", CONDORCET_CONSISTENT, "Fishburn (1977); each rule's definition"),
    ("majority", CONDORCET_CONSISTENT, "a majority's first choice is the Condorcet winner"),
    ("smith", SMITH_CONSISTENT, "Schulze (2011); Tideman (1987); Holliday & Pacuit (2023); Miller (1980)"),
    ("condorcet_loser", SMITH_CONSISTENT, "a Condorcet loser is never in the Smith set"),
    ("mutual_majority", SMITH_CONSISTENT, "a mutual-majority set contains the Smith set"),
    ("majority_loser", SMITH_CONSISTENT, "a majority loser is a Condorcet loser"),
    ("condorcet_loser", ("borda",), "Smith (1973)"),
    ("reinforcement", SCORING, "Young (1975); Smith (1973): scoring rules are consistent"),
    ("homogeneity", SCORING + MARGIN_BASED, "scores and margins scale with the counts"),
    ("neutral_reversal", MARGIN_BASED, "a ranking and its reverse leave every margin unchanged (Saari 1994)"),
    ("positive_participation", SCORING + ("split_cycle",), "Perez (2001); Holliday & Pacuit (2023)"),
    ("negative_participation", SCORING + ("split_cycle",), "Perez (2001); Holliday & Pacuit (2023)"),
    ("clone_independence", ("schulze", "ranked_pairs", "split_cycle", "instant_runoff_put"),
     "Tideman (1987); Schulze (2011); Holliday & Pacuit (2023)"),
    ("later_no_harm", ("plurality", "instant_runoff", "instant_runoff_put"), "Woodall (1997)"),
    ("later_no_help", ("plurality", "instant_runoff", "instant_runoff_put"), "Woodall (1997)"),
    ("reversal_symmetry", ("borda", "schulze", "ranked_pairs", "split_cycle"), "Saari (1994); Schulze (2011)"),
    ("smith_dominated", ("schulze", "ranked_pairs", "split_cycle", "smith_set"), "Schulze (2011); Tideman (2006)"),
    ("condorcet_loser_removal", ("schulze", "ranked_pairs", "split_cycle", "smith_set"), "follows from smith_dominated"),
    # approval and scored rules (axioms of sedtheory.social_choice.ballot_axioms)
    ("pareto", GRADE_SUMS, "a dominating candidate has the larger sum of grades"),
    ("unanimity", GRADE_SUMS, "the unanimous top candidate has the largest sum of grades"),
    ("monotonicity", GRADE_SUMS, "raising a grade raises only that candidate's sum"),
    ("reinforcement", GRADE_SUMS, "sums of grades add over electorates (Young 1975; Fishburn 1978 for approval)"),
    ("homogeneity", GRADE_SUMS, "sums of grades scale with the counts"),
    ("positive_participation", GRADE_SUMS, "the newcomer adds the top grade to x and no more to anyone else"),
    ("negative_participation", GRADE_SUMS, "the newcomer adds the bottom grade to x and no less to anyone else"),
    ("loser_removal", GRADE_SUMS + ("majority_judgment",),
     "each candidate's sum (for majority judgment, its median and gauge: Balinski & Laraki 2011) "
     "reads only its own grades"),
    ("majority", ("approval",), "a majority approving c alone gives c more approvals than anyone else can get"),
    ("condorcet_winner", ("approval",), "for 0/1 grades the pairwise margin of a over b is the difference "
     "of their approval scores"),
    # continuous rules (the five continuous axioms; grid mode)
    ("continuity", CONTINUOUS, "each is a continuous function of the reports (a mean, or an order statistic "
     "of the reports and fixed phantoms)"),
    ("range_respecting", ("mean", "median", "trimmed_mean"), "a mean or an order statistic of the reports"),
    ("strategy_proofness", ("median", "generalized_median"), "Moulin (1980): generalized medians (the lower median: "
     "one phantom at -inf for even n) are strategy-proof for single-peaked voters"),
]


def theorem(rule: str, axiom: str) -> str | None:
    """The source of a theorem saying ``rule`` satisfies ``axiom``, or ``None``."""
    for name, rules, source in THEOREMS:
        if name == axiom and (rules == "*" or rule in rules):
            return source
    return None


def kind_of(rule_name: str) -> str:
    """``ranked``, ``approval``, ``scored`` or ``continuous``: the kind of the registered rule (its axioms)."""
    kind = get_rule(rule_name).kind
    if kind not in KINDS:
        raise SystemExit(f"rule {rule_name!r} is a {kind} rule: the table covers {', '.join(KINDS)} rules")
    return kind


def _memo(rule_name: str):
    rule = get_rule(rule_name)
    if rule.kind == "continuous":  # the grid mode assumes no anonymity: nothing to memoise by
        return rule
    return MemoisedRule(rule) if rule.kind == "ranked" else BallotMemo(rule)


def _grid_search(axiom, rule, _m, n):
    keywords = {**CONTINUOUS_GRID, "max_voters": n}
    return grid_violations(axiom, rule, **keywords)


def check(rule_name: str, axiom: str, max_voters: int, max_voters_4: int, rule=None):
    """``(verdict, witness)``: ``"x"`` with the first witness, else ``"T"`` or ``"ok"``
    (``"contradicted"`` when a theorem's rule violates its axiom: a bug to report).
    Approval and scored rules are checked on ``BALLOT_DOMAINS``, continuous ones on
    ``CONTINUOUS_GRID`` (the voter limits are for ranked rules)."""
    kind = kind_of(rule_name)
    rule = _memo(rule_name) if rule is None else rule
    if kind == "ranked":
        domain, search = ((3, max_voters), (4, max_voters_4)), small_domain_violations
    elif kind == "continuous":
        domain, search = ((None, CONTINUOUS_GRID["max_voters"]),), _grid_search
    else:
        domain, search = BALLOT_DOMAINS[kind], partial(ballot_domain_violations, top=BALLOT_TOP)
    for m, n in domain:
        if n < 1:
            continue
        found = search(axiom, rule, m, n)
        if found:
            if theorem(rule_name, axiom):
                return "contradicted", found[0]
            return "x", found[0]
    return ("T" if theorem(rule_name, axiom) else "ok"), None


def axioms_of(rule_name: str, only=None) -> tuple[str, ...]:
    """The axioms of the rule's kind; with ``only`` (axiom or kind names), those it names."""
    kind = kind_of(rule_name)
    axioms = list_axioms(kind)
    if only is None or kind in only:
        return axioms
    return tuple(a for a in axioms if a in only)


def build(rules, only=None, max_voters: int = 3, max_voters_4: int = 0):
    """``{rule: {axiom: (verdict, witness)}}``, one rule at a time, over the axioms of each
    rule's kind (with ``only``, see :func:`axioms_of`)."""
    table = {}
    for rule in rules:
        start = time.perf_counter()
        memo = _memo(rule)  # winners computed once per profile for all axioms
        table[rule] = {a: check(rule, a, max_voters, max_voters_4, memo) for a in axioms_of(rule, only)}
        print(f"{rule}: {time.perf_counter() - start:.1f} s", flush=True)
    return table


def table_from_witnesses(witnesses: dict, rules):
    """The table as :func:`build` gives it, read back from a witness file's records."""
    from sedtheory.social_choice import AxiomViolation

    table = {}
    for rule in rules:
        table[rule] = {}
        for axiom in axioms_of(rule):
            data = witnesses.get(f"{rule}/{axiom}")
            if data is not None:
                table[rule][axiom] = ("x", AxiomViolation.from_dict(data))
            else:
                table[rule][axiom] = ("T" if theorem(rule, axiom) else "ok", None)
    return table


def _rows(table, rules, axioms) -> list[str]:
    lines = ["| rule | " + " | ".join(f"`{a}`" for a in axioms) + " |", "|---|" + "---|" * len(axioms)]
    for rule in rules:
        row = table[rule]
        cells = [f"x {w.profile.n_voters}" if v == "x" else ("CONTRADICTED" if v == "contradicted" else v)
                 for v, w in (row[a] for a in axioms)]
        lines.append(f"| `{rule}` | " + " | ".join(cells) + " |")
    return lines


def markdown(table, max_voters: int, max_voters_4: int, witness_path: str) -> str:
    ranked = [r for r in table if kind_of(r) == "ranked"]
    ballots = [r for r in table if kind_of(r) in ("approval", "scored")]
    continuous = [r for r in table if kind_of(r) == "continuous"]
    lines = [
        "# Voting rules x axioms",
        "",
        "Generated by `python analysis/axiom_table.py --all --max-voters 4 --max-voters-4 2 --out docs "
        "--witnesses analysis/axiom_table_witnesses.json`",
        f"(every anonymous profile of 3 candidates and 1..{max_voters} voters, then of 4 candidates and "
        f"1..{max_voters_4} voters). Do not edit by hand.",
        "",
        f"- `x n`: violated; a witness with n voters (minimal in voters on the domain) is stored in "
        f"`{witness_path}` under `rule/axiom`;",
        "- `T`: satisfied by a theorem (sources below) and checked on the domain;",
        "- `ok`: no violation anywhere on the domain (a proof for these sizes only).",
        "",
        "Strategy-proofness and participation compare single winners after lexicographic tie-breaking;",
        "every other axiom compares winner sets (all tied winners). Axiom definitions: `sedtheory.social_choice.axioms`",
        "and `sedtheory.social_choice.further_axioms`; rule definitions and tie conventions in each rule's docstring.",
        "",
    ]
    if ranked:
        lines += _rows(table, ranked, list_axioms("ranked"))
    if ballots:
        axioms = sorted({a for r in ballots for a in axioms_of(r)})
        domains = "; ".join(
            f"{kind} ballots: " + ", then ".join(f"{m} candidates and 1..{n} voters" for m, n in BALLOT_DOMAINS[kind])
            for kind in ("approval", "scored"))
        lines += [
            "",
            "## Approval and scored rules",
            "",
            "Which axioms apply to which kind of rule: the ranked axioms above read rankings and apply to ranked",
            "rules only; approval and scored rules are judged by the axioms of `sedtheory.social_choice.ballot_axioms`,",
            "which read grades (0/1 approvals, or scores) -- the same axioms for both kinds, the top and bottom grade",
            "being 1 and 0 for approval ballots; continuous rules have their own five axioms (next section).",
            "Every ballot of the domain is allowed (for approval, the empty and the full one too).",
            f"Domain: every anonymous profile of {domains}, scores being the integer grades 0..{BALLOT_TOP}.",
            "",
            *_rows(table, ballots, axioms),
        ]
    if continuous:
        grid = CONTINUOUS_GRID
        lines += [
            "",
            "## Continuous rules",
            "",
            "Continuous rules (one number per voter, d = 1) are judged by the five continuous axioms of",
            "`sedtheory.social_choice.axioms`, in the complete grid forms of `grid_violations`: every ordered profile of",
            f"1..{grid['max_voters']} voters with reports among {grid['points']} equally spaced values of "
            f"[{grid['bounds'][0]:g}, {grid['bounds'][1]:g}]. Strategy-proofness",
            "there means: no voter whose peak is its grid report gains by another grid report (utility -|outcome - peak|);",
            "continuity: no jump above 1e-3 as one report sweeps the interval (complete for rules monotone in each report).",
            "`x n`: a violation with n voters, stored like the others.",
            "",
            *_rows(table, continuous, list_axioms("continuous")),
        ]
    lines += ["", "## Theorems used", ""]
    for axiom, rules, source in THEOREMS:
        shown = "every rule" if rules == "*" else ", ".join(f"`{r}`" for r in rules)
        lines.append(f"- `{axiom}`: {shown} -- {source}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for axiom_table.md (and the witnesses by default)")
    parser.add_argument("--all", action="store_true",
                        help="every registered ranked, approval and scored rule (minutes), not the default three")
    parser.add_argument("--rules", nargs="*", default=None, help="rule names (default: a handful; --all for every one)")
    parser.add_argument("--max-voters", type=int, default=3, help="largest electorate with 3 candidates")
    parser.add_argument("--max-voters-4", type=int, default=0, help="largest electorate with 4 candidates (0: skip)")
    parser.add_argument("--witnesses", type=Path, default=None, help="witness JSON path (default OUT/axiom_table_witnesses.json)")
    parser.add_argument("--update", nargs="+", default=None, metavar="AXIOM_OR_KIND",
                        help="re-check only these axioms (or every axiom of these kinds); read every other cell "
                             "back from the existing witness file")
    parser.add_argument("--seed", type=int, default=0, help="unused: the checks are exhaustive, not random")
    args = parser.parse_args(argv)
    rules = tuple(r for kind in KINDS for r in list_rules(kind)) if args.all else tuple(args.rules or DEFAULT_RULES)
    for rule in rules:
        kind_of(rule)
    start = time.perf_counter()
    witness_path = args.witnesses or args.out / "axiom_table_witnesses.json"
    if args.update:
        known = set(KINDS) | {a for kind in KINDS for a in list_axioms(kind)}
        unknown = sorted(set(args.update) - known)
        if unknown:
            raise SystemExit(f"--update: unknown axiom(s) or kind(s) {unknown}")
        if not witness_path.exists():
            raise SystemExit(f"--update needs an existing witness file; {witness_path} is missing")
        table = table_from_witnesses(json.loads(witness_path.read_text()), rules)
        fresh = build(rules, set(args.update), args.max_voters, args.max_voters_4)
        for rule in rules:
            table[rule].update(fresh[rule])
    else:
        table = build(rules, None, args.max_voters, args.max_voters_4)
    args.out.mkdir(parents=True, exist_ok=True)
    witnesses = {f"{r}/{a}": w.to_dict() for r, row in table.items() for a, (v, w) in row.items() if w is not None}
    witness_path.parent.mkdir(parents=True, exist_ok=True)
    witness_path.write_text(json.dumps(witnesses, indent=1, sort_keys=True) + "\n")
    (args.out / "axiom_table.md").write_text(markdown(table, args.max_voters, args.max_voters_4, str(witness_path)))
    cells = sum(len(row) for row in table.values())
    print(f"{len(rules)} rules, {cells} cells in {time.perf_counter() - start:.1f} s; "
          f"{len(witnesses)} violations -> {witness_path}")
    contradicted = [f"{r}/{a}: {w.detail}" for r, row in table.items() for a, (v, w) in row.items() if v == "contradicted"]
    if contradicted:
        raise SystemExit("theorems contradicted on the domain (see the witnesses):\n" + "\n".join(contradicted))


if __name__ == "__main__":
    main()
