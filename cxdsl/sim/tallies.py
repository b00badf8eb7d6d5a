"""Raw tallies: what an engine returns and :mod:`cxdsl.sim.metrics` turns into a Result.

Both engines fill the same arrays. For the numba engine they are sums over the simulated
customers of each persona (``n[q]`` customers); for the exact engine they are expectations
per customer (``n[q] == 1`` and every other entry is a probability or an expected value), and
``exact`` is True so intervals have zero width.

Shapes: Q personas, S stages, E events, K = HI - LO + 1 score values.

Surveys are computed from these (:mod:`cxdsl.sim.surveys`): a survey ``at STAGE`` from
``reached``, ``stage_hist``, ``stage_score_sum`` and ``stage_score_sq`` of that stage; a
survey ``at end`` from ``n``, ``hist``, ``score_sum`` and ``score_sq``. Every tally is per
persona, so memory does not grow with the number of customers. Nothing but a survey reads a
stage's histogram, so every engine counts it only at the stages a survey is asked at
(``ir.Model.stages_surveyed``) and leaves the others 0: counting a histogram is a fifth of
the kernel's time on a journey without conditions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Tallies:
    exact: bool
    n: np.ndarray                # [Q] float64: customers of each persona (exact: 1.0)
    weight: np.ndarray           # [Q] float64: each persona's weight in the population
                                 #   (numba: n[q] / N; exact: the normalised share)
    score_sum: np.ndarray        # [Q]   sum of final scores
    score_sq: np.ndarray         # [Q]   sum of squared final scores
    hist: np.ndarray             # [Q,K] customers whose rounded final score is LO + k
    reached: np.ndarray          # [Q,S] customers who reached stage s
    advanced: np.ndarray         # [Q,S] customers who advanced past stage s
    stage_score_sum: np.ndarray  # [Q,S] sum of the score at the end of stage s (reached)
    event_count: np.ndarray      # [Q,E] customers the event happened to
    stage_score_sq: np.ndarray   # [Q,S] sum of the squared score at the end of stage s
    stage_hist: np.ndarray       # [Q,S,K] customers who reached stage s whose rounded score
                                 #   at its end (after its events and the clamp) is LO + k;
                                 #   only at the stages a survey is asked at, else 0

    def __add__(self, other: Tallies) -> Tallies:
        """Sum of two tallies of the same model (chunks, or machines of a cluster)."""
        assert not self.exact and not other.exact
        n = self.n + other.n
        total = n.sum()
        return Tallies(False, n, n / total if total else n,
                       *(getattr(self, f) + getattr(other, f) for f in SUMMED))


class TalliesList(list):
    """Tallies of several points (a list of :class:`Tallies`, in point order) that also
    holds them stacked: ``stacked[field]`` is float64[P, ...], row p the field of point p
    (the engine's own arrays, which each point's Tallies views). A slice keeps both."""

    def __init__(self, items, stacked: dict[str, np.ndarray]):
        super().__init__(items)
        self.stacked = stacked

    def __getitem__(self, i):
        if isinstance(i, slice):
            return TalliesList(super().__getitem__(i),
                               {k: v[i] for k, v in self.stacked.items()})
        return super().__getitem__(i)


#: The fields after ``exact``, ``n`` and ``weight``, in the order Tallies takes them: the
#: ones two tallies of the same model add up.
SUMMED = ("score_sum", "score_sq", "hist", "reached", "advanced", "stage_score_sum",
          "event_count", "stage_score_sq", "stage_hist")


def empty(q: int, s: int, e: int, k: int, exact: bool = False) -> Tallies:
    """All-zero tallies of Q personas, S stages, E events and K score values."""
    z = np.zeros
    return Tallies(exact, z(q), z(q), z(q), z(q), z((q, k)), z((q, s)), z((q, s)),
                   z((q, s)), z((q, e)), z((q, s)), z((q, s, k)))
