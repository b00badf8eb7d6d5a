"""Discrete baselines in the score model: the weights of ``discrete(v1: w1, …)``.

A persona whose baseline is ``discrete(v1: w1, …, vK: wK)`` starts at one of the spec's
values v_i (kept) with weight pi_i (fitted). A respondent of that persona on a branch of
the clamped path (D, A, B) (:mod:`fit_paths`) answers r with probability

    P(r) = sum_i pi_i [round(clamp(v_i + D, A, B)) = r]

a mixture over the baseline's values, each following the path. The weights are
parameterised by a softmax, pi_i = exp(eta_i) / sum_j exp(eta_j) with eta_1 = 0, and
fitted with the impacts (:class:`~cxdsl.data.fit_scores.ScoreModel`). Which answer each
value's path rounds to is fixed at the current estimate (like the atoms of a normal
baseline; one within :data:`~cxdsl.data.fit_paths.EDGE` of a rounding edge keeps the
answer it had), so the likelihood is smooth in eta; with constant impacts it is flat in
the impacts within a rounding interval (the impacts are then informed by the other
personas' answers, or by none).
"""

from __future__ import annotations

import numpy as np

from ..model import ir
from .fit_paths import EDGE


def discrete_values(d: ir.Dist) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, weights) of a ``discrete`` baseline with at least two values of positive
    weight, else None."""
    if not isinstance(d, ir.Discrete):
        return None
    v = np.array(d.values, dtype=float)
    w = np.array(d.weights, dtype=float)
    keep = w > 0
    if keep.sum() < 2:
        return None
    return v[keep], w[keep] / w[keep].sum()


class DiscreteBaselines:
    """The discrete baselines of a score model. ``items``: per discrete persona, (index
    into the model's fitted personas, values float[K], spec weights float[K], slice of
    theta holding eta_2..eta_K); ``mask`` bool[B]: the branches of those personas;
    ``V`` float[Bd, Kmax] their values (nan past K)."""

    def __init__(self, model: ir.Model, personas: np.ndarray, branch_pidx: np.ndarray,
                 start: int):
        self.items = []
        at = start
        for i, q in enumerate(personas):
            found = discrete_values(model.personas[int(q)].baseline)
            if found is None:
                continue
            v, w = found
            self.items.append((i, v, w, slice(at, at + v.size - 1)))
            at += v.size - 1
        self.size = at - start
        disc = np.array([it[0] for it in self.items], dtype=int)
        self.mask = np.isin(branch_pidx, disc)
        K = max((it[1].size for it in self.items), default=1)
        self.V = np.full((int(self.mask.sum()), K), np.nan)
        self.rows = []  # per item: positions among the masked branches
        bp = branch_pidx[self.mask]
        for i, v, _, _ in self.items:
            pos = np.flatnonzero(bp == i)
            self.V[np.ix_(pos, np.arange(v.size))] = v
            self.rows.append(pos)
        self.answers: np.ndarray | None = None
        self.factor: np.ndarray | None = None

    def spec_eta(self) -> np.ndarray:
        return np.concatenate([np.log(w[1:] / w[0]) for _, _, w, _ in self.items]
                              or [np.zeros(0)])

    def weights(self, theta: np.ndarray) -> list[np.ndarray]:
        """Per item, the weights pi float[K] at ``theta``."""
        out = []
        for _, _, _, sl in self.items:
            eta = np.r_[0.0, theta[sl]]
            e = np.exp(eta - eta.max())
            out.append(e / e.sum())
        return out

    def place(self, D: np.ndarray, A: np.ndarray, B: np.ndarray, lo: float, hi: float
              ) -> bool:
        """Fix the answer each value's path rounds to (branches' D, A, B float[B]);
        whether any changed."""
        m = self.mask
        score = np.clip(self.V + D[m, None], A[m, None], B[m, None])
        r = np.clip(np.floor(score + 0.5), lo, hi)
        old = self.answers
        if old is not None:
            near = np.abs(score + 0.5 - np.round(score + 0.5)) < EDGE
            r = np.where(near & (np.abs(old - score) <= 0.5 + EDGE), old, r)
        self.answers = r
        return old is None or bool((np.nan_to_num(old, nan=-1e9)
                                    != np.nan_to_num(r, nan=-1e9)).any())

    def select(self, model: ir.Model, sel: Selection, cell: np.ndarray,
               sums: np.ndarray, means: np.ndarray, lo: float, hi: float) -> None:
        """Fix each value's chance of its branch's pattern of the events whose conditions
        read the score (:class:`Selection`): ``cell`` int[B] the branches' cells,
        ``sums`` float[B, S] their per-stage impact sums, ``means`` float[E, Q] the impact
        means (for the earlier events of a stage, before its clamp)."""
        m = self.mask
        self.factor = selection_factor(model, sel, cell[m], sums[m], means, self.V, lo, hi)

    def terms(self, theta: np.ndarray, answer: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(N, dN, Z, dZ) on the masked branches: N = sum_i pi_i F_i [answer_i = answer]
        and Z = sum_i pi_i F_i (F: :meth:`select`'s factor, 1 without one) float[Bd],
        and their derivatives in the eta block float[Bd, size]; ``answer`` float[Bd] each
        branch's cell's answer. A cell's probability is sum_b w_b N_b / sum_b w_b Z_b."""
        F = self.factor if self.factor is not None else np.where(np.isnan(self.V), 0.0, 1.0)
        H = (self.answers == answer[:, None]) * F
        n = H.shape[0]
        N, Z = np.zeros(n), np.zeros(n)
        dN, dZ = np.zeros((n, self.size)), np.zeros((n, self.size))
        base = self.items[0][3].start if self.items else 0
        for (_, v, _, sl), pi, pos in zip(self.items, self.weights(theta), self.rows):
            cols = np.arange(sl.start - base, sl.stop - base)
            for X, out, dout in ((H, N, dN), (F, Z, dZ)):
                h = X[np.ix_(pos, np.arange(v.size))]
                p = h @ pi
                out[pos] = p
                dout[np.ix_(pos, cols)] = pi[1:] * (h[:, 1:] - p[:, None])
        return N, dN, Z, dZ


class Selection:
    """What the score-reading events of each cell say about its baseline: ``events``
    (indices of the events whose conditions read the score), ``x`` int8[C, E] the cells'
    patterns, ``persona`` int[C], ``survey_stage`` int[C] (the stage of the cell's
    survey, −1 for one at the end, whose respondents' reach is not known: no factor),
    ``p`` float[E, Q] the events' chances, ``eta`` and ``slope`` float[S, Q] the stages'
    logit advance and slope (0 and 0 where advance is 0 or 1), all plugged in."""

    def __init__(self, model: ir.Model, events: list[int], x: np.ndarray,
                 persona: np.ndarray, survey_stage: np.ndarray, p: np.ndarray,
                 eta: np.ndarray, slope: np.ndarray):
        self.events, self.x, self.persona = events, x, persona
        self.survey_stage, self.p = survey_stage, p
        self.eta, self.slope = eta, slope


def holds(c, x: np.ndarray, names: dict[str, int], score: np.ndarray) -> np.ndarray:
    """bool[n]: condition ``c`` on rows with event bits ``x`` int8[n, E] (``names``: event
    name -> column) and running scores ``score`` float[n]."""
    if c is None:
        return np.ones(score.shape, dtype=bool)
    if isinstance(c, ir.Ref):
        return x[:, names[c.event]] == 1
    if isinstance(c, ir.ScoreCmp):
        v = c.value
        return {"<": score < v, "<=": score <= v, ">": score > v, ">=": score >= v,
                "==": score == v, "!=": score != v}[c.op]
    if isinstance(c, ir.Not):
        return ~holds(c.operand, x, names, score)
    parts = [holds(o, x, names, score) for o in c.operands]
    return np.logical_and.reduce(parts) if isinstance(c, ir.And) else np.logical_or.reduce(parts)


def selection_factor(model: ir.Model, sel: Selection, cell: np.ndarray, sums: np.ndarray,
                     means: np.ndarray, V: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """float[B, K]: per branch (cell ``cell``, per-stage impact sums ``sums``) and baseline
    value ``V`` float[B, K], the chance of the branch's pattern of the score-reading
    events and of its reaching the survey's stage: per such event before the answer, p
    or 1 − p where its condition held on the running score, 1 or 0 (as it did not or did
    happen) where it did not; per stage before the survey's, the chance of advancing,
    logistic(eta + slope × (score − score₀)) (its score depends on the value where a
    clamp binds)."""
    out = _reach(sel, cell, sums, V, lo, hi)
    names = {e.name: k for k, e in enumerate(model.events)}
    stage_of = np.array([model.stage_index(e.stage) for e in model.events])
    x, q, last = sel.x[cell], sel.persona[cell], sel.survey_stage[cell]
    for k in sel.events:
        t = stage_of[k]
        on = last >= t
        if not on.any():
            continue
        s = np.clip(V, lo, hi)
        for u in range(t):
            s = np.clip(s + sums[:, u, None], lo, hi)
        for j in range(k):
            if stage_of[j] == t:
                s = s + (x[:, j] * means[j, q])[:, None]
        ok = np.stack([holds(model.events[k].when, x, names, s[:, i])
                       for i in range(V.shape[1])], axis=1)
        had = (x[:, k] == 1)[:, None]
        p = sel.p[k, q][:, None]
        f = np.where(ok, np.where(had, p, 1 - p), np.where(had, 0.0, 1.0))
        out = np.where(on[:, None], out * f, out)
    return out


def _reach(sel: Selection, cell: np.ndarray, sums: np.ndarray, V: np.ndarray, lo: float,
           hi: float) -> np.ndarray:
    """float[B, K]: the chance of advancing through every stage before the survey's."""
    q, last = sel.persona[cell], sel.survey_stage[cell]
    s0 = np.clip(V, lo, hi)
    s = s0
    out = np.ones(V.shape)
    for u in range(max(int(last.max(initial=-1)), 0)):
        s = np.clip(s + sums[:, u, None], lo, hi)
        eta, b = sel.eta[u, q][:, None], sel.slope[u, q][:, None]
        a = 1.0 / (1.0 + np.exp(-(eta + b * (s - s0))))
        out = np.where((last > u)[:, None], out * a, out)
    return out


def mixture_moments(v: np.ndarray, pi: np.ndarray, cov_eta: np.ndarray
                    ) -> tuple[float, float, float, float, np.ndarray]:
    """(mean, se of the mean, sd, se of the sd, covariance float[K, K] of the weights) of
    a discrete baseline with values ``v`` and weights ``pi``, the eta covariance
    ``cov_eta`` float[K−1, K−1] carried by the delta method."""
    J = (np.diag(pi) - np.outer(pi, pi))[:, 1:]  # d pi / d eta_2..K
    cov_pi = J @ cov_eta @ J.T
    m = float(v @ pi)
    sd = float(np.sqrt(max(float(pi @ (v - m) ** 2), 0.0)))
    se_m = float(np.sqrt(max(float(v @ cov_pi @ v), 0.0)))
    g = (v ** 2 - 2 * m * v) / (2 * sd) if sd > 0 else np.zeros_like(v)
    se_sd = float(np.sqrt(max(float(g @ cov_pi @ g), 0.0)))
    return m, se_m, sd, se_sd, cov_pi


__all__ = ["DiscreteBaselines", "Selection", "discrete_values", "holds", "mixture_moments",
           "selection_factor"]
