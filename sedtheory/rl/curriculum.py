"""Two-phase curriculum with tax annealing (Zheng et al. 2022, "The AI Economist", Sec. 4;
paper Appendix A: "bounding the maximum tax percentage that can be set").

Phase one (first ``phase_one_fraction`` of the updates): no tax, the principal is idle and
untrained, the players learn the game. Phase two: the principal acts and learns; every rate
it sets is capped at ``cap(u)``, which rises linearly from ``initial_rate_cap`` to 1 over the
next ``anneal_fraction`` of the updates and stays at 1 afterwards (the paper's code anneals
over the first 2 % of episodes).
"""

from __future__ import annotations


def rate_cap(update: int, num_updates: int, phase_one_fraction: float, anneal_fraction: float,
             initial_cap: float) -> float:
    """The cap on every tax rate during update ``update`` (0 in phase one).

    Linear from ``initial_cap`` at the first phase-two update to 1.0 after
    ``anneal_fraction * num_updates`` updates; 1.0 when ``anneal_fraction`` is 0.
    """
    start = int(round(phase_one_fraction * num_updates))
    if update < start:
        return 0.0
    length = anneal_fraction * num_updates
    if length <= 0:
        return 1.0
    progress = min(1.0, (update - start) / length)
    return float(initial_cap + (1.0 - initial_cap) * progress)


def entropy_coefficient(update: int, num_updates: int, phase_one_fraction: float, anneal_fraction: float,
                        initial: float, final: float) -> float:
    """The principal's entropy coefficient during update ``update`` (the AI Economist anneals its
    planner's from 2.0 to 0.125, Zheng et al. 2022, so that the planner keeps exploring while
    the agents adapt to its early schedules).

    ``initial`` up to the first phase-two update, then linear to ``final`` over
    ``anneal_fraction * num_updates`` updates, ``final`` afterwards; ``initial`` throughout when
    ``anneal_fraction`` is 0.
    """
    length = anneal_fraction * num_updates
    if length <= 0:
        return float(initial)
    start = int(round(phase_one_fraction * num_updates))
    progress = min(1.0, max(0.0, (update - start) / length))
    return float(initial + (final - initial) * progress)
