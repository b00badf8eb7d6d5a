"""The score model: baselines (mean and spread) and impacts from the survey answers.

A respondent of persona q who answers survey s follows the journey's clamped path
(:mod:`fit_paths`): a baseline draw b ~ normal(mu_q, sigma_q^2) clamped to the scale, then
at the end of each stage up to the survey's the impact means beta_k of the events that
happened there added and the score clamped; the answer is that score rounded. With constant
impacts an answer's probability is exact — the mass of the path's atoms (the draws clamped
at an end) placed on it plus that of its unclamped part, differences of normal
distribution functions — and impacts with a spread enter as weighted branches. The atoms'
answers are fixed while the smooth likelihood is maximised with scipy.optimize over
(mu_q, log sigma_q, beta_g), then fixed again at the estimate (:func:`_maximise`). The
standard errors are the answers' information's (the outer products of the per-answer
scores; the sandwich with the per-row scores when a row answers two surveys, whose answers
share one baseline draw); posteriors are the normals they give (a Laplace approximation
with flat priors). Answers that every (persona, pattern) cell gives alike carry no noise:
the fit is then the limit of the maximum likelihood as sigma -> 0 (least squares on the
answers) with the rounding's own uncertainty (variance 1/12 per cell).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from ..model import ir
from ..model.values import Normal
from .fit_cells import Cells, row_groups
from .fit_groups import FittedValue, Group, group_ref
from .fit_mixture import DiscreteBaselines, Selection, mixture_moments
from .fit_paths import Branches, atom_answers, path, path_slopes

#: The smallest baseline spread the fit considers (score points).
MIN_SD = 0.01
_Z95, _Z90 = 1.959963984540054, 1.6448536269514722
_SQRT2PI = math.sqrt(2 * math.pi)
NOT_IDENTIFIED = "the answers cannot tell it apart from the other values"
#: Why an impact that only discrete baselines' answers inform is kept.
BOUNDED_ONLY = ("only answers of personas with a discrete baseline inform it, and each of "
                "their answers is the rounding of a few exact scores: they bound it, not "
                "estimate it")
#: Why the impact of an event whose condition reads the score is kept.
SELECTED_ON_SCORE = ("its condition reads the score, so who had it depends on the score's "
                     "noise")


def spread(d: ir.Dist) -> float:
    """The standard deviation of a draw of ``d``."""
    if isinstance(d, ir.Normal):
        return float(d.sd)
    if isinstance(d, ir.Uniform):
        return (d.hi - d.lo) / math.sqrt(12)
    if isinstance(d, ir.Triangular):
        a, c, b = d.lo, d.mode, d.hi
        return math.sqrt(max(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18)
    pairs = d.outcomes() or [(d.mean(), 1.0)]
    m = sum(v * w for v, w in pairs)
    return math.sqrt(max(sum(w * (v - m) ** 2 for v, w in pairs), 0.0))


def _pdf(z: np.ndarray) -> np.ndarray:
    out = np.exp(-0.5 * np.where(np.isfinite(z), z, 0.0) ** 2) / _SQRT2PI
    return np.where(np.isfinite(z), out, 0.0)


class ScoreModel:
    """The likelihood over answer cells, on the clamped score path (:mod:`fit_paths`).
    ``groups``: the impact groups (each an event index and its personas); ``free``: which
    are fitted (the others enter at the spec's means)."""

    def __init__(self, model: ir.Model, cells: Cells, groups: list[tuple[int, Group]],
                 free: list[bool], sel: Selection | None = None):
        lo, hi = model.scale
        self.lo, self.hi = float(lo), float(hi)
        self.cells, self.Q = cells, len(model.personas)
        self.lower = np.where(cells.answer <= lo, -np.inf, cells.answer - 0.5)
        self.upper = np.where(cells.answer >= hi, np.inf, cells.answer + 0.5)
        C, S = cells.count.size, len(model.stages)
        stage_of = np.array([model.stage_index(e.stage) for e in model.events], dtype=int)
        fixed = ~np.asarray(free, dtype=bool)
        J = int((~fixed).sum())
        self.design3 = np.zeros((S, C, J))
        self.fixed_sums = np.zeros((C, S))
        self.tau2 = np.zeros(C)
        j = 0
        Q = len(model.personas)
        self.spec_means = np.array([[e.impact[q].mean() for q in range(Q)]
                                    for e in model.events]).reshape(len(model.events), Q)
        self.mean_index = np.full(self.spec_means.shape, -1)
        for (k, g), f in zip(groups, fixed):
            if not f:
                self.mean_index[k, list(g.personas)] = j
            member = (np.isin(cells.persona, g.personas) & (cells.x[:, k] == 1)).astype(float)
            if f:
                spec = float(np.mean([model.events[k].impact[q].mean() for q in g.personas]))
                self.fixed_sums[:, stage_of[k]] += member * spec
            else:
                self.design3[stage_of[k], :, j] += member
                j += 1
        for k, e in enumerate(model.events):
            tau = np.array([spread(d) ** 2 for d in e.impact])
            self.tau2 += cells.x[:, k] * tau[cells.persona]
        self.design = self.design3.sum(axis=0)
        self.offset = self.fixed_sums.sum(axis=1)
        self.branches = Branches(model, cells.persona, cells.x)
        b = self.branches.cell
        self.starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]]) if b.size else b
        self.personas = np.unique(cells.persona)
        self.pidx = np.searchsorted(self.personas, cells.persona)
        self.atoms: tuple[np.ndarray, np.ndarray] | None = None
        self.J, self.model, self.sel = J, model, sel
        self.mix = DiscreteBaselines(model, self.personas, self.pidx[b],
                                     2 * self.personas.size + J)

    @property
    def size(self) -> int:
        return 2 * self.personas.size + self.J + self.mix.size

    def split(self, theta: np.ndarray):
        """(mu, log sigma, beta); a discrete baseline's weights follow beta
        (:mod:`fit_mixture`)."""
        P = self.personas.size
        return theta[:P], theta[P:2 * P], theta[2 * P:2 * P + self.J]

    def stage_sums(self, beta: np.ndarray) -> np.ndarray:
        """float[C, S]: each cell's impact means summed per stage."""
        return self.fixed_sums + np.einsum("tcj,j->ct", self.design3, beta)

    def place_atoms(self, theta: np.ndarray) -> bool:
        """Fix the answers of the paths' atoms at ``theta`` (those near a rounding edge keep
        theirs); whether any changed."""
        beta = self.split(theta)[2]
        br = self.branches
        sums = self.stage_sums(beta)[br.cell] + br.shift
        D, A, B = path(sums, self.lo, self.hi)
        new = atom_answers(A, B, self.lo, self.hi, self.atoms)
        changed = self.atoms is None or any((a != b).any() for a, b in zip(new, self.atoms))
        self.atoms = new
        if self.mix.size:
            changed = self.mix.place(D, A, B, self.lo, self.hi) or changed
            if self.sel is not None:
                means = np.where(self.mean_index >= 0,
                                 beta[np.maximum(self.mean_index, 0)] if beta.size else 0.0,
                                 self.spec_means)
                self.mix.select(self.model, self.sel, br.cell, sums, means, self.lo, self.hi)
        return changed

    def per_cell(self, theta: np.ndarray):
        """(log P, d log P / d theta) per cell: float[C], float[C, K]. A path's answer
        probability is the mass of its atoms placed on that answer (:meth:`place_atoms`)
        plus that of its unclamped part, b + D in [max(A, r − ½), min(B, r + ½))."""
        mu, logsd, beta = self.split(theta)
        br = self.branches
        c = br.cell
        D, A, B, dA, dB = path_slopes(self.stage_sums(beta)[c] + br.shift,
                                      self.design3[:, c], self.lo, self.hi)
        r = self.cells.answer[c]
        tl, tu = self.lower[c], self.upper[c]
        sd = np.exp(logsd)[self.pidx][c]
        m = mu[self.pidx][c]
        n = self.design[c]
        sa, sb = (self.atoms[0] == r).astype(float), (self.atoms[1] == r).astype(float)
        za, zb = (A - D - m) / sd, (B - D - m) / sd
        pa, pb = _pdf(za), _pdf(zb)
        low = np.where(A >= tl, A, tl)
        up = np.where(B <= tu, B, tu)
        dlow = np.where((A >= tl)[:, None], dA, 0.0) - n
        dup = np.where((B <= tu)[:, None], dB, 0.0) - n
        cont = low < up
        zl, zu = (low - D - m) / sd, (up - D - m) / sd
        ql = np.where(cont, _pdf(zl), 0.0)
        qu = np.where(cont, _pdf(zu), 0.0)
        mass = np.where(cont, np.where(zl > 0, special.ndtr(-zl) - special.ndtr(-zu),
                                       special.ndtr(zu) - special.ndtr(zl)), 0.0)
        prob = sa * special.ndtr(za) + sb * special.ndtr(-zb) + mass
        dm = (-sa * pa + sb * pb + ql - qu) / sd
        fin = np.isfinite
        ds = (-sa * pa * np.where(fin(za), za, 0.0) + sb * pb * np.where(fin(zb), zb, 0.0)
              + ql * np.where(fin(zl), zl, 0.0) - qu * np.where(fin(zu), zu, 0.0))
        dbeta = ((sa * pa)[:, None] * (dA - n) - (sb * pb)[:, None] * (dB - n)
                 + qu[:, None] * dup - ql[:, None] * dlow) / sd[:, None]
        w = br.weight
        P = self.personas.size
        at = self.starts
        gmix = None
        if self.mix.size:  # a discrete baseline's branches: the mixture over its values
            m = self.mix.mask
            pm, g, z, gz = self.mix.terms(theta, r[m].astype(float))
            prob, dm, ds, dbeta = prob.copy(), dm.copy(), ds.copy(), dbeta.copy()
            prob[m], dm[m], ds[m], dbeta[m] = pm, 0.0, 0.0, 0.0
            gmix, zfull, gzfull = (np.zeros((prob.size, self.mix.size)), np.ones(prob.size),
                                   np.zeros((prob.size, self.mix.size)))
            gmix[m], zfull[m], gzfull[m] = g, z, gz
        cell_prob = np.add.reduceat(w * prob, at)
        safe = np.maximum(cell_prob, 1e-300)
        C = cell_prob.size
        grad = np.zeros((C, self.size))
        grad[np.arange(C), self.pidx] = np.add.reduceat(w * dm, at) / safe
        grad[np.arange(C), P + self.pidx] = np.add.reduceat(w * ds, at) / safe
        if self.J:
            grad[:, 2 * P:2 * P + self.J] = (np.add.reduceat(dbeta * w[:, None], at)
                                             / safe[:, None])
        if gmix is None:
            return np.log(safe), grad
        # conditional on the cell's pattern and reach: divided by their chance
        zc = np.maximum(np.add.reduceat(w * zfull, at), 1e-300)
        grad[:, 2 * P + self.J:] = (np.add.reduceat(gmix * w[:, None], at) / safe[:, None]
                                    - np.add.reduceat(gzfull * w[:, None], at) / zc[:, None])
        return np.log(safe) - np.log(zc), grad

    def nll(self, theta: np.ndarray):
        logp, grad = self.per_cell(theta)
        w = self.cells.count
        return -float(w @ logp), -(w @ grad)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The information of the answers: the outer products of the per-answer scores,
        Σ_c n_c g_c g_cᵀ (equal in expectation to the Hessian of −log L, and defined where
        a clamp makes the likelihood kink, as it does where an atom sits on an edge)."""
        grad = self.per_cell(theta)[1]
        return (grad * self.cells.count[:, None]).T @ grad

    def covariance(self, theta: np.ndarray) -> np.ndarray:
        """The covariance of the estimates; a parameter along a flat direction of the
        likelihood (answers that cannot tell it, as when they all sit at one end of the
        scale) gets an infinite variance."""
        w, V = np.linalg.eigh(self.hessian(theta))
        flat = w <= 1e-9 * max(float(np.abs(w).max()), 1e-300)
        Hinv = (V[:, ~flat] / w[~flat]) @ V[:, ~flat].T
        groups = row_groups(self.cells.row_cells)
        if groups is not None:
            uniq, count = groups
            grad = self.per_cell(theta)[1]
            rows = np.zeros((uniq.shape[0], theta.size))
            for s in range(uniq.shape[1]):
                ok = uniq[:, s] >= 0
                rows[ok] += grad[uniq[ok, s]]
            B = (rows * count[:, None]).T @ rows
            Hinv = Hinv @ B @ Hinv
        weak = (V[:, flat] ** 2).sum(axis=1) > 1e-6
        Hinv[weak, :] = 0.0
        Hinv[:, weak] = 0.0
        Hinv[weak, weak] = np.inf
        return Hinv


def _noise_free(sm: ScoreModel) -> bool:
    """Whether every (survey, persona, pattern) cell gives a single answer, none at the
    scale's ends, and the spec's impacts have no spread there."""
    c = sm.cells
    key = np.column_stack([c.survey, c.persona, c.x])
    _, inverse = np.unique(key, axis=0, return_inverse=True)
    if np.unique(inverse).size != inverse.size:
        return False
    return bool(np.isfinite(sm.lower).all() and np.isfinite(sm.upper).all()
                and (sm.tau2 == 0).all() and not sm.mix.size)


def _least_squares(sm: ScoreModel) -> tuple[np.ndarray, np.ndarray] | None:
    """The sigma -> 0 fit of noise-free answers: (theta, covariance), or None when the
    answers do not follow the additive model to within the rounding."""
    P = sm.personas.size
    X = np.column_stack([np.eye(P)[sm.pidx], sm.design])
    y = sm.cells.answer - sm.offset
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    if np.abs(X @ coef - y).max() >= 0.5:
        return None
    cov = np.linalg.pinv(X.T @ X) / 12.0
    theta = np.concatenate([coef[:P], np.full(P, -np.inf), coef[P:]])
    full = np.zeros((sm.size, sm.size))
    keep = np.r_[np.arange(P), np.arange(2 * P, sm.size)]
    full[np.ix_(keep, keep)] = cov
    return theta, full


def identifiable(model: ir.Model, cells: Cells, groups: list[tuple[int, Group]]) -> list[bool]:
    """Which impact groups the answers inform: some respondent had the event, and its
    column adds to the rank of the cell design (persona intercepts first)."""
    personas = np.unique(cells.persona)
    X = [(cells.persona == q).astype(float) for q in personas]
    rank = len(X)
    out = []
    for k, g in groups:
        col = (np.isin(cells.persona, g.personas) & (cells.x[:, k] == 1)).astype(float)
        if not col.any():
            out.append(False)
            continue
        trial = np.column_stack(X + [col])
        if np.linalg.matrix_rank(trial) > rank:
            X.append(col)
            rank += 1
            out.append(True)
        else:
            out.append(False)
    return out


def fit_scores(model: ir.Model, cells: Cells, groups: list[tuple[int, Group]],
               kept: dict[int, str] | None = None, plug: ir.Model | None = None
               ) -> tuple[list[FittedValue], dict[tuple[int, int], float]]:
    """The baselines and impacts, and the impact means per (event, persona) (fitted, or the
    spec's) for the funnel's slopes. ``kept``: events whose impacts keep the spec's value
    (entering the latent score as known offsets), each with the reason."""
    kept = kept or {}
    fitting = [(k, g) for k, g in groups if k not in kept]
    free = identifiable(model, cells, fitting) if cells.count.size else [False] * len(fitting)
    free_iter = iter(free)
    free = [False if k in kept else next(free_iter) for k, g in groups]
    means = {(k, q): e.impact[q].mean() for k, e in enumerate(model.events)
             for q in range(len(model.personas))}
    if cells.count.size == 0:
        return _unfitted(model, groups, free, "no survey answers"), means
    sm = ScoreModel(model, cells, groups, free, _selection(model, cells, plug))
    fit = _least_squares(sm) if _noise_free(sm) else None
    if fit is None:
        theta = _maximise(sm, _spec_theta(model, sm, groups, free))
        fit = theta, sm.covariance(theta)
    theta, cov = fit
    out = _values(model, sm, groups, free, theta, cov, means)
    _drop_unbounded(model, out, means, groups)
    index = {e.name: k for k, e in enumerate(model.events)}
    for fv in out:
        if fv.kind == "impact" and index[fv.group.target] in kept:
            fv.note = kept[index[fv.group.target]]
    return out, means


def _selection(model: ir.Model, cells: Cells, plug: ir.Model | None) -> Selection:
    """What selects a discrete baseline's respondents (:class:`~cxdsl.data.fit_mixture.
    Selection`), with the chances, advances and slopes of ``plug`` (None: the spec's)."""
    plug = plug or model
    events = [k for k, e in enumerate(model.events) if _reads_score(e.when)]
    chances = np.array([list(e.p) for e in plug.events], dtype=float).reshape(
        len(model.events), len(model.personas))
    adv = np.array([list(st.advance) for st in plug.stages], dtype=float)
    slope = np.array([list(st.slope) for st in plug.stages], dtype=float)
    edge = (adv <= 0) | (adv >= 1)
    a = np.where(edge, 0.5, adv)
    eta = np.where(edge, np.where(adv >= 1, 50.0, -50.0), np.log(a / (1 - a)))
    stages = np.array([-1 if s.stage is None else model.stage_index(s.stage)
                       for s in model.all_surveys])
    return Selection(model, events, cells.x, cells.persona, stages[cells.survey], chances,
                     eta, np.where(edge, 0.0, slope))


def _reads_score(c) -> bool:
    if isinstance(c, ir.ScoreCmp):
        return True
    if isinstance(c, ir.Not):
        return _reads_score(c.operand)
    return isinstance(c, (ir.And, ir.Or)) and any(_reads_score(o) for o in c.operands)


#: Rounds of placing the atoms and maximising, at most.
ROUNDS = 4


def _spec_theta(model: ir.Model, sm: ScoreModel, groups, free) -> np.ndarray:
    """The spec's values as a parameter vector of ``sm`` (the first placing of the atoms)."""
    mu = [model.personas[q].baseline.mean() for q in sm.personas]
    sd = [math.log(max(spread(model.personas[q].baseline), 0.1)) for q in sm.personas]
    beta = [_spec_impact(model, k, g) for (k, g), f in zip(groups, free) if f]
    return np.concatenate([np.array(mu + sd + beta, dtype=float), sm.mix.spec_eta()])


def _maximise(sm: ScoreModel, theta: np.ndarray) -> np.ndarray:
    """The maximum likelihood: atoms placed at ``theta`` (the spec's values), the smooth
    likelihood maximised (BFGS, analytic gradient), the atoms placed again at the estimate
    while that raises the likelihood and changes them (at most :data:`ROUNDS` times)."""
    P = sm.personas.size
    sm.place_atoms(theta)
    for _ in range(ROUNDS):
        res = optimize.minimize(sm.nll, theta, jac=True, method="BFGS",
                                options={"maxiter": 1000, "gtol": 1e-6})
        theta = res.x.copy()
        theta[P:2 * P] = np.maximum(theta[P:2 * P], math.log(MIN_SD))
        before, kept = sm.nll(theta)[0], sm.atoms
        if not sm.place_atoms(theta):
            break
        if sm.nll(theta)[0] >= before:  # the new placing fits worse: keep the old one
            sm.atoms = kept
            break
    return theta


def _unfitted(model, groups, free, why) -> list[FittedValue]:
    out = []
    for q, persona in enumerate(model.personas):
        g = Group("persona", persona.name, "baseline", (q,))
        ref = ir.PathRef("persona", persona.name, "baseline")
        out.append(FittedValue("baseline", str(ref), g, persona.baseline.mean(), ref, note=why))
        out.append(FittedValue("baseline_sd", f"{ref}.sd", g, spread(persona.baseline),
                               note=why))
    for k, g in groups:
        ref = group_ref(model, g)
        out.append(FittedValue("impact", str(ref), g, _spec_impact(model, k, g), ref,
                               note=why))
    return out


def _spec_impact(model: ir.Model, k: int, g: Group) -> float:
    return float(np.mean([model.events[k].impact[q].mean() for q in g.personas]))


def _exp(x: float) -> float:
    """exp without overflow (a runaway spread is caught by :func:`_drop_unbounded`)."""
    return math.exp(min(float(x), 700.0))


def _drop_unbounded(model: ir.Model, out: list[FittedValue], means, groups) -> None:
    """Mark as not identified what ran off the scale: answers all at one end of it leave a
    baseline's mean (and spread) or an impact free to grow without bound."""
    lo, hi = model.scale
    span = float(hi - lo)
    off = {fv.group.target for fv in out if fv.kind in ("baseline", "baseline_sd")
           and fv.informed and (not lo - span <= fv.fitted <= hi + span
                                if fv.kind == "baseline" else fv.fitted > 5 * span)}
    index = {e.name: k for k, e in enumerate(model.events)}
    for fv in out:
        runaway = (fv.kind in ("baseline", "baseline_sd") and fv.group.target in off) or (
            fv.kind == "impact" and fv.informed and abs(fv.fitted) > 2 * span)
        if runaway:
            fv.fitted = fv.posterior = fv.ci95 = fv.ci90 = None
            fv.note = NOT_IDENTIFIED
            if fv.kind == "impact":
                k = index[fv.group.target]
                for q in fv.group.personas:
                    means[(k, q)] = model.events[k].impact[q].mean()


def _mixture_values(model, sm: ScoreModel, theta, cov, by_path) -> list[FittedValue]:
    """A discrete baseline's values: its mean (a normal posterior, the ``uncertain`` line
    that shifts the discrete form), its spread, and each weight (``baseline_weight``,
    no ``uncertain`` line: the language draws only a baseline's mean), each with its
    delta-method interval; the fitted weights are kept in the mean's ``extra``."""
    out = []
    c = sm.cells
    for (i, v, w, sl), pi in zip(sm.mix.items, sm.mix.weights(theta)):
        q = int(sm.personas[i])
        name = model.personas[q].name
        n = int(c.count[c.persona == q].sum())
        m, se_m, sd, se_sd, cov_pi = mixture_moments(v, pi, cov[sl, sl])
        base = by_path[f"{name}.baseline"]
        _normal_value(base, m, se_m, n)
        base.extra["weights"] = [(float(x), float(p)) for x, p in zip(v, pi)]
        _normal_value(by_path[f"{name}.baseline.sd"], sd, se_sd, n)
        by_path[f"{name}.baseline.sd"].posterior = None
        g = Group("persona", name, "baseline", (q,))
        for x, ws, p, var in zip(v, w, pi, np.diag(cov_pi)):
            fv = FittedValue("baseline_weight", f"{name}.baseline[{_num(x)}]", g, float(ws))
            _normal_value(fv, p, math.sqrt(max(float(var), 0.0)), n)
            fv.posterior = None
            out.append(fv)
    return out


def _only_discrete(sm: ScoreModel, member: np.ndarray) -> bool:
    """Whether every cell in ``member`` (bool[C]) is of a persona with a discrete
    baseline."""
    disc = np.zeros(sm.personas.size, dtype=bool)
    disc[[it[0] for it in sm.mix.items]] = True
    return bool(member.any() and disc[sm.pidx[member]].all())


def _num(x: float) -> str:
    return f"{x:g}"


def _normal_value(fv: FittedValue, mean: float, se: float, rows: int) -> FittedValue:
    if not (math.isfinite(se) and math.isfinite(mean)):
        fv.note = NOT_IDENTIFIED
        return fv
    fv.fitted, fv.posterior, fv.rows = float(mean), Normal(float(mean), float(se)), rows
    fv.note = None
    mean, se = float(mean), float(se)
    fv.ci95 = (mean - _Z95 * se, mean + _Z95 * se)
    fv.ci90 = (mean - _Z90 * se, mean + _Z90 * se)
    return fv


def _values(model, sm: ScoreModel, groups, free, theta, cov, means) -> list[FittedValue]:
    mu, logsd, beta = sm.split(theta)
    P = sm.personas.size
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    out = _unfitted(model, groups, free, "no survey answers")
    by_path = {fv.path: fv for fv in out}
    c = sm.cells
    for i, q in enumerate(sm.personas):
        name = model.personas[q].name
        n = int(c.count[c.persona == q].sum())
        _normal_value(by_path[f"{name}.baseline"], mu[i], se[i], n)
        sd_fv = by_path[f"{name}.baseline.sd"]
        sd_fv.note = None
        if not np.isfinite(se[P + i]) or not by_path[f"{name}.baseline"].informed:
            sd_fv.note = NOT_IDENTIFIED
        elif np.isfinite(logsd[i]):
            s = se[P + i]
            sd_fv.fitted, sd_fv.rows = _exp(logsd[i]), n
            sd_fv.ci95 = (_exp(logsd[i] - _Z95 * s), _exp(logsd[i] + _Z95 * s))
            sd_fv.ci90 = (_exp(logsd[i] - _Z90 * s), _exp(logsd[i] + _Z90 * s))
        else:
            sd_fv.fitted, sd_fv.rows, sd_fv.ci95, sd_fv.ci90 = 0.0, n, (0.0, 0.0), (0.0, 0.0)
    out += _mixture_values(model, sm, theta, cov, by_path)
    j = 0
    for (k, g), ok in zip(groups, free):
        fv = by_path[str(group_ref(model, g))]
        if not ok:
            fv.note = NOT_IDENTIFIED if sm.cells.count.size else fv.note
            continue
        member = np.isin(c.persona, g.personas) & (c.x[:, k] == 1)
        _normal_value(fv, beta[j], se[2 * P + j], int(c.count[member].sum()))
        if not fv.informed and _only_discrete(sm, member):
            fv.note = BOUNDED_ONLY
        if fv.informed:
            for q in g.personas:
                means[(k, q)] = float(beta[j])
        j += 1
    return out


__all__ = ["BOUNDED_ONLY", "MIN_SD", "NOT_IDENTIFIED", "SELECTED_ON_SCORE", "ScoreModel",
           "fit_scores",
           "identifiable", "spread"]
