"""Published voting examples shared by the rule tests and the pref_voting cross-checks."""

from sedtheory.social_choice import PreferenceProfile

# Tennessee capital example (Wikipedia, "Condorcet method", "Instant-runoff voting" and "Borda
# count" articles): 42 % Memphis > Nashville > Chattanooga > Knoxville, 26 % Nashville >
# Chattanooga > Knoxville > Memphis, 15 % Chattanooga > Knoxville > Nashville > Memphis, 17 %
# Knoxville > Chattanooga > Nashville > Memphis. Published outcomes: plurality Memphis, Borda
# Nashville, instant runoff Knoxville, every Condorcet method Nashville (the Condorcet winner).
MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE = range(4)
TENNESSEE = PreferenceProfile([[0, 1, 2, 3], [1, 2, 3, 0], [2, 3, 1, 0], [3, 2, 1, 0]], [42, 26, 15, 17])
TENNESSEE_WINNERS = {
    "plurality": MEMPHIS, "borda": NASHVILLE, "instant_runoff": KNOXVILLE, "instant_runoff_put": KNOXVILLE,
    "copeland": NASHVILLE, "minimax": NASHVILLE, "minimax_winning_votes": NASHVILLE,
    "minimax_pairwise_opposition": NASHVILLE, "schulze": NASHVILLE, "ranked_pairs": NASHVILLE, "kemeny": NASHVILLE,
}

# Schulze's own Example 1 (45 voters, 5 candidates; M. Schulze, "Schulze method examples", the
# worked example also in the Wikipedia article "Schulze method"): ballots, the table d of
# pairwise support, the table p of strongest-path strengths (winning votes), and winner E.
A, B, C, D, E = range(5)
SCHULZE = PreferenceProfile(
    [[A, C, B, E, D], [A, D, E, C, B], [B, E, D, A, C], [C, A, B, E, D],
     [C, A, E, B, D], [C, B, A, D, E], [D, C, E, B, A], [E, B, A, D, C]],
    [5, 5, 8, 3, 7, 2, 7, 8],
)
SCHULZE_D = [[0, 20, 26, 30, 22], [25, 0, 16, 33, 18], [19, 29, 0, 17, 24], [15, 12, 28, 0, 14], [23, 27, 21, 31, 0]]
SCHULZE_P = [[0, 28, 28, 30, 24], [25, 0, 28, 33, 24], [25, 29, 0, 29, 24], [25, 28, 28, 0, 24], [25, 28, 28, 31, 0]]


# Deliberately broken continuous rules, each violating one axiom (the axiom tests check that the
# finders catch them): a jump at mean 0.5 (continuity), the first voter's report (anonymity),
# above every report (range respecting; unanimity).
def step_rule(profile):
    return 1.0 if profile.reports.mean() > 0.5 else 0.0


def first_voter(profile):
    return float(profile.reports[0, 0])


def overshoot(profile):
    return float(profile.reports.max() + 0.1)
