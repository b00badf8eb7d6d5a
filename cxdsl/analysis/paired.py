"""Paired intervals: the change between variants of one journey, and its 95% interval.

A difference between two variants of a journey (a scenario minus the baseline, a model with
``p = 0`` minus the model as it is) uses common random numbers: every draw is keyed by
(seed, stream, persona, j), so the same customer meets the same luck in both variants and
most of the noise cancels. The interval of the difference must account for that
correlation, which aggregate tallies alone do not carry.

It is estimated by **batch means over the kernel's blocks**. The kernel simulates the
customers of each persona in blocks of :data:`cxdsl.sim.engine.BLOCK_SIZE` consecutive indices
j, the same blocks for every variant, and different blocks use disjoint, independent draws.
So for a linear combination ``L = Σ_i c_i M_i`` of metric values of several variants (a
delta has c = (1, −1)), with ``M_i = Σ_q a_iq Σ_k X_iqk`` (``X_iqk``: the sum over block k
of persona q of the metric's per-customer quantity: score, promoter − detractor, top-two-box
or converted, times 100 or the persona's value where the metric says so; ``a_iq = w_q/n_q``),
the block terms ``Z_qk = Σ_i c_i a_iq (X_iqk − n_iqk μ_iq)`` are independent across blocks,
and ``Var L ≈ Σ_q v_q`` with ``v_q = K_q/(K_q − 1) Σ_k Z_qk²``. The interval is
``L ± t·se`` with Student's t at the Welch–Satterthwaite degrees of freedom
``(Σ v_q)² / Σ_q v_q²/(K_q − 1)`` (a persona with few blocks that dominates the variance
widens the interval accordingly). A persona with a single block (fewer than 4,097
customers) gives no batch variance; its term falls back to the unpaired variance (the sum of
the variants' variances), which is conservative under common random numbers, whose
correlations are positive.

Why batch means rather than per-customer paired sums: they need nothing from the kernel but
the per-block tallies its deterministic work split already defines (read here through
:func:`cxdsl.sim.engine.iter_chunks`, one block per chunk), they cost no extra simulation, and the
point estimates stay exactly those of single runs. Their price is fewer degrees of freedom
at small N (tens of blocks at 10⁵ customers: t ≈ 2.0 instead of 1.96).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..model import ir
from ..model.metrics import REGISTRY
from ..sim.metrics import Z95, Metric
from .common import (
    AnalysisError,
    Column,
    Point,
)
from .world_points import combine_points

#: Student's t 97.5% quantiles for 1..30 degrees of freedom.
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
         2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
         2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423)


def t975(df: float) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (a table to 30, the
    Cornish–Fisher expansion beyond, within 1e-4; 1.96 for infinite df)."""
    if not math.isfinite(df):
        return Z95
    if df < 1:
        raise ValueError("t quantile needs at least 1 degree of freedom")
    if df <= 30:
        return _T975[int(df) - 1]
    z = Z95
    g1 = (z ** 3 + z) / 4
    g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
    g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
    g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
    return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4

def metric_quantity(model: ir.Model, metric: str, rows: np.ndarray, persona: str,
                    ratio: tuple[float, float] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(Σx, Σx²) per row of a block table, for the per-customer quantity x of ``metric``.

    A score metric is a ratio over the headline survey's respondents: with ``ratio`` =
    (m, r), its value and the share of customers asked, x is the delta method's
    linearisation ``a (y − m) / r`` (``a`` = 1 for a respondent, ``y`` its answer's
    quantity; see :mod:`cxdsl.sim.surveys`), whose block sums carry the randomness of who
    answers; without it, x = a·y."""
    if metric in REGISTRY and REGISTRY[metric].audience == "survey":
        y1, y2 = _answer_sums(metric, rows)
        if ratio is None:
            return y1, y2
        m, r = ratio
        asked = rows[:, Column.ASKED]
        return (y1 - m * asked) / r, (y2 - 2 * m * y1 + m * m * asked) / (r * r)
    if metric == "conversion":
        return rows[:, Column.CONV], rows[:, Column.CONV]
    if metric == "revenue":
        v = next(p.value for p in model.personas if p.name == persona)
        return v * rows[:, Column.CONV], v * v * rows[:, Column.CONV]
    raise AnalysisError(f"unknown metric {metric!r}")


def _answer_sums(metric: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Σy, Σy²) per block over the respondents, y the answer's quantity of ``metric``."""
    if metric == "nps":
        promoters, detractors = rows[:, Column.PROM], rows[:, Column.DETR]
        return 100 * (promoters - detractors), 1e4 * (promoters + detractors)
    if metric == "csat":
        return 100 * rows[:, Column.TOP2], 1e4 * rows[:, Column.TOP2]
    return rows[:, Column.SCORE], rows[:, Column.SCORE2]


def _ratio(point: Point, metric: str) -> tuple[float, float] | None:
    """(value, share asked) of a score metric of ``point``'s headline survey."""
    if metric not in REGISTRY or REGISTRY[metric].audience != "survey":
        return None
    survey = point.result.headline_survey
    if survey is None:
        return None
    r = survey.overall.metrics["respondents"].value
    return (point.result.metric(metric).value, r) if r else None


def combine(points: Sequence[Point], coeffs: Sequence[float], metric: str) -> Metric:
    """``Σ c_i · metric(point_i)`` with its paired 95% interval (see the module docstring).

    Exact points give a zero-width interval. Points run without blocks (not ``paired``)
    get the unpaired interval (variances added). Forecast points (with worlds) combine
    world by world, with a ``forecast`` (:func:`cxdsl.analysis.world_points.combine_points`)."""
    if any(p.result.worlds is not None for p in points):
        return combine_points(points, coeffs, metric)
    pairs = [(p, float(c)) for p, c in zip(points, coeffs) if c != 0]
    values = [p.result.metric(metric).value for p, _ in pairs]
    if any(v is None for v in values):
        return Metric(None, None, None)
    value = math.fsum(c * v for (_, c), v in zip(pairs, values))
    if all(p.exact for p, _ in pairs):
        return Metric(value, value, value, 0.0)
    if any(p.blocks is None for p, _ in pairs):
        se = math.sqrt(sum((c * (p.result.metric(metric).se or 0.0)) ** 2 for p, c in pairs))
        return Metric(value, value - Z95 * se, value + Z95 * se, se)

    var = 0.0
    df_terms = 0.0  # Σ v_q² / df_q over the personas with a batch variance
    names: list[str] = []
    for p, _ in pairs:
        names += [n for n in p.blocks if n not in names]
    for name in names:
        terms = []  # (c * a, Σx per block, n per block, μ, Σx² total)
        K = 0
        for p, c in pairs:
            rows = p.blocks.get(name)
            if rows is None or len(rows) == 0:
                continue
            q = next(i for i, x in enumerate(p.model.personas) if x.name == name)
            t = p.result.tallies
            n = float(t.n[q])
            wsum = float(sum(t.weight[i] for i in range(len(t.n)) if t.n[i] > 0))
            a = float(t.weight[q]) / wsum / n
            s1, s2 = metric_quantity(p.model, metric, rows, name, _ratio(p, metric))
            terms.append((c * a, s1, rows[:, Column.N], float(s1.sum()) / n, float(s2.sum()), n))
            K = max(K, len(rows))
        if K >= 2:
            z = np.zeros(K)
            for ca, s1, nk, mu, _s2, _n in terms:
                z[: len(s1)] += ca * (s1 - nk * mu)
            v = K / (K - 1) * float(np.dot(z, z))
            var += v
            df_terms += v * v / (K - 1)
        else:  # one block: no batch variance; unpaired (conservative) term
            for ca, _s1, _nk, mu, s2, n in terms:
                v = max(s2 / n - mu * mu, 0.0) * (n / (n - 1) if n > 1 else 1.0)
                var += ca * ca * n * v
    se = math.sqrt(var)
    # Welch–Satterthwaite: the degrees of freedom of a sum of variance estimates
    df = var * var / df_terms if df_terms > 0 else math.inf
    t = t975(max(df, 1.0))
    return Metric(value, value - t * se, value + t * se, se)


def delta(new: Point, old: Point, metric: str) -> Metric:
    """``metric(new) − metric(old)`` with its paired interval."""
    return combine([new, old], [1.0, -1.0], metric)
