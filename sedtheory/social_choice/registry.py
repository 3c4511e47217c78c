"""A registry of voting rules and the separate, explicit tie-breaking step.

Rules are small functions registered with :func:`voting_rule` (the pattern of pref_voting's
``@vm`` decorator, Holliday & Pacuit). A ranked, approval or scored rule returns *all* tied winners as
a sorted tuple of candidate indices; a continuous rule returns the aggregated value (a float
for d = 1, an ``(d,)`` array otherwise). Turning a set of tied winners into one winner is a
separate step, :func:`break_ties`, so that every tie is visible to the caller.

The built-in rules live in modules above this one (``ranked_rules``, ``continuous_rules``,
...) that register themselves on import; the package ``sedtheory.social_choice`` imports
them all, so the registry is full whenever any part of the package has been imported.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import numpy as np

from sedtheory._validate import ValidationError
from sedtheory.social_choice.profiles import ApprovalProfile, ContinuousProfile, PreferenceProfile, ScoredProfile

__all__ = ["VotingRule", "break_ties", "get_rule", "list_rules", "voting_rule"]

RuleKind = Literal["ranked", "approval", "scored", "continuous"]
_KINDS = ("ranked", "approval", "scored", "continuous")
_RULES: dict[str, "VotingRule"] = {}


@dataclass(frozen=True)
class VotingRule:
    """A named voting rule.

    Args:
        name: registry name (``get_rule(name)``).
        kind: ``"ranked"`` (takes a :class:`PreferenceProfile`), ``"approval"`` (an
            :class:`ApprovalProfile`), ``"scored"`` (a :class:`ScoredProfile`) or
            ``"continuous"`` (a :class:`ContinuousProfile`).
        func: ``func(profile, **params)``.
        params: keyword parameters bound to this instance (for example phantoms).
        summary: one line saying what the rule does and where it comes from.
    """

    name: str
    kind: RuleKind
    func: Callable[..., Any] = field(repr=False)
    params: dict = field(default_factory=dict)
    summary: str = ""

    def __call__(self, profile):
        """Winners (sorted tuple) for ranked/approval/scored rules; the aggregate for continuous ones.

        A continuous rule also accepts a raw ``(n,)`` or ``(n, d)`` array of reports, read
        (and validated) as a :class:`ContinuousProfile`.
        """
        expected = _PROFILE_TYPES[self.kind]
        if self.kind == "continuous" and not isinstance(profile, expected):
            profile = expected(profile)  # an (n,) or (n, d) array of reports, validated
        if not isinstance(profile, expected):
            raise ValidationError(
                f"profile: rule {self.name!r} needs a {expected.__name__}, got {type(profile).__name__}"
            )
        return self.func(profile, **self.params)

    def with_params(self, **params) -> "VotingRule":
        """The same rule with some keyword parameters bound.

        Raises:
            ValidationError: naming a parameter the rule's function does not take.
        """
        accepted = _keyword_parameters(self.func)
        if accepted is not None:
            unknown = sorted(set(params) - accepted)
            if unknown:
                takes = ", ".join(sorted(accepted)) or "none"
                raise ValidationError(f"params: rule {self.name!r} has no parameter {unknown[0]!r} (it takes: {takes})")
        return VotingRule(self.name, self.kind, self.func, {**self.params, **params}, self.summary)


def _keyword_parameters(func: Callable[..., Any]) -> set[str] | None:
    """Names ``func`` accepts after its profile argument; ``None`` when it takes ``**kwargs``."""
    parameters = list(inspect.signature(func).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


_PROFILE_TYPES: dict[str, type] = {"ranked": PreferenceProfile, "approval": ApprovalProfile,
                                   "scored": ScoredProfile, "continuous": ContinuousProfile}


def voting_rule(name: str, kind: RuleKind = "ranked") -> Callable[[Callable[..., Any]], VotingRule]:
    """Decorator: register ``func`` under ``name``; returns the :class:`VotingRule`.

    The first line of the function's docstring becomes the rule's summary.
    """
    if kind not in _KINDS:
        raise ValidationError(f"kind: expected one of {_KINDS}, got {kind!r}")

    def decorate(func: Callable[..., Any]) -> VotingRule:
        if name in _RULES:
            raise ValidationError(f"name: a voting rule called {name!r} is already registered")
        summary = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        rule = VotingRule(name, kind, func, {}, summary)
        _RULES[name] = rule
        return rule

    return decorate


def get_rule(name: str, **params) -> VotingRule:
    """The registered rule ``name``, with optional keyword parameters bound.

    Raises:
        ValidationError: naming the unknown rule and listing the registered ones.
    """
    if name not in _RULES:
        raise ValidationError(f"rule: unknown voting rule {name!r}; registered: {', '.join(sorted(_RULES))}")
    rule = _RULES[name]
    return rule.with_params(**params) if params else rule


def list_rules(kind: RuleKind | None = None) -> tuple[str, ...]:
    """Sorted names of the registered rules, optionally only those of one ``kind``."""
    if kind is not None and kind not in _KINDS:
        raise ValidationError(f"kind: expected one of {_KINDS}, got {kind!r}")
    return tuple(sorted(n for n, r in _RULES.items() if kind is None or r.kind == kind))


def break_ties(winners, method: Literal["lexicographic", "random"] = "lexicographic", *,
               seed: int | np.random.Generator | None = None, order=None) -> int:
    """Pick one winner from a tuple of tied winners.

    Args:
        winners: non-empty sequence of candidate indices (as returned by a rule).
        method: ``"lexicographic"``: the first winner in ``order`` (default: the smallest
            index); ``"random"``: uniformly at random with ``seed`` (required: an int or a
            ``numpy.random.Generator``; same seed, same pick).
        order: optional priority list of candidates for ``"lexicographic"`` (first = highest).
    """
    winners = tuple(int(w) for w in winners)
    if not winners:
        raise ValidationError("winners: empty; a rule always returns at least one winner")
    if method == "lexicographic":
        if order is None:
            return min(winners)
        rank = {int(c): i for i, c in enumerate(order)}
        missing = [w for w in winners if w not in rank]
        if missing:
            raise ValidationError(f"order: does not rank the winners {missing}")
        return min(winners, key=rank.__getitem__)
    if method == "random":
        if seed is None:
            raise ValidationError("seed: random tie-breaking needs an explicit seed or numpy Generator")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return sorted(winners)[int(rng.integers(len(winners)))]
    raise ValidationError(f"method: expected 'lexicographic' or 'random', got {method!r}")
