"""Value of information (``cxdsl voi``): which uncertain value is worth measuring before
deciding (DESIGN.md "Uncertain values"; the formulas in docs/model.md "Value of
information").

The baseline and every scenario (the *options*) are simulated in the same W worlds: the
same draws of the uncertain values and, per world, the same customers (one kernel call,
:func:`cxdsl.sim.engine.simulate_points` with ``world_of``), so per-world results are
paired. From them:

* ``y[w]``: the baseline's metric in world w (the headline, or ``metric``);
* ``nb[w, d]``: option d's value in world w: with a ``volume``, its net money per period,
  ``Δrevenue × volume − running cost`` (the baseline's is 0); without one, the metric;
* ``inb[w, d] = nb[w, d] − nb[w, 0]``: the change against the baseline, d = 1 … D.

Estimators (Strong, Oakley & Brennan 2014, "Estimating multiparameter partial expected
value of perfect information from a probabilistic sensitivity analysis sample: a
nonparametric regression approach", Med Decis Making 34:311–326):

* ``g_i``: a penalised cubic regression spline of a column on the draws ``x_i`` of one
  uncertain value, its smoothness chosen by generalised cross-validation (:func:`smooth`);
* variance share of value i: ``Var_w(g_i(x_iw)) / Var_w(y_w)`` (first-order sensitivity
  index, ``Var(E[Y | X_i]) / Var(Y)``);
* ``EVPPI_i = mean_w max(0, max_d g_id(x_iw)) − max(0, max_d mean_w inb[w, d])``;
* ``EVPI = E[max_d NB_d] − max_d E[NB_d]``: with the exact engine (no simulation noise)
  directly over the worlds, ``mean_w max(0, max_d inb[w, d]) − max(0, max_d mean inb)``;
  with the simulator from a joint regression of each option's ``inb`` on every uncertain
  value (additive penalised splines plus the pairwise products of the values), which
  keeps each world's simulation noise out of the maximum (the direct estimate is biased
  upward by it).

Each figure's ``ci95`` is a percentile bootstrap over the worlds: :data:`BOOTSTRAP`
resamples of the W worlds with replacement, from NumPy's PCG64 seeded with
``[BOOTSTRAP_SEED, run seed]`` (fixed: the same run gives the same intervals); the
estimators are recomputed on every resample with the smoothing chosen on all the worlds,
and each interval is widened where needed to contain the estimate.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from dataclasses import dataclass, field

import numpy as np

from ..model import ir
from ..sim.metrics import compute
from ..sim.simulate import DEFAULT_CUSTOMERS, SimulationError
from .common import AnalysisError, Progress, check_metric, manifest_for, settings_for

#: Bootstrap resamples of the worlds behind every interval.
BOOTSTRAP = 200
#: The bootstrap's fixed seed (with the run's seed): "voi" in ASCII.
BOOTSTRAP_SEED = 0x766F69
#: Cubic B-spline basis functions per uncertain value (at most).
BASIS = 10
#: Smoothing parameters tried by generalised cross-validation, relative to the penalty's
#: median eigenvalue.
LAMBDAS = np.logspace(-6, 10, 49)
#: The best option's share of worlds above which the advice calls the decision clear.
CLEAR = 0.99
#: Default customers per world (with the spec's ``customers`` when that is more): the
#: options are compared world by world, so each world's own simulation noise must be
#: small next to the spread over worlds.
CUSTOMERS_PER_WORLD = 50_000
#: The simulation noise's share of a spread that the suggested run size aims at.
NOISE_TARGET = 0.05


class NothingUncertain(ValueError):
    """The spec declares no ``uncertain`` value: there is nothing to measure (a finding
    about the spec, which the command line reports with exit 1)."""


# ------------------------------------------------------------------- BLAS threads

#: The thread-count functions of the OpenBLAS builds NumPy ships (and plain OpenBLAS).
_BLAS_THREADS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                 ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
                 ("openblas_get_num_threads", "openblas_set_num_threads"))


def _openblas() -> list[tuple]:
    """(get, set) of every OpenBLAS the process has loaded (Linux: read from
    /proc/self/maps); empty elsewhere or when none is found."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()
                     and line.split()[-1].startswith("/")}
    except OSError:
        return []
    out = []
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, put in _BLAS_THREADS:
            if hasattr(lib, get) and hasattr(lib, put):
                out.append((getattr(lib, get), getattr(lib, put)))
                break
    return out


@contextlib.contextmanager
def one_blas_thread():
    """Run the estimators with OpenBLAS on one thread, restored afterwards. Their
    matrices are at most a few dozen columns wide: threads cost more to wake than the
    arithmetic (tens of times more on a busy machine) and change no result."""
    libs = _openblas()
    before = [get() for get, _ in libs]
    for _, put in libs:
        put(1)
    try:
        yield
    finally:
        for (_, put), n in zip(libs, before):
            put(n)


# -------------------------------------------------------------------- the smoother


@dataclass(frozen=True)
class Basis:
    """A regression basis over the worlds: ``X`` float64[W, p] and its roughness penalty
    ``S`` float64[p, p] (positive semi-definite; linear functions are unpenalised)."""

    X: np.ndarray
    S: np.ndarray

    def rows(self, idx: np.ndarray) -> Basis:
        return Basis(self.X[idx], self.S)


def spline_basis(x: np.ndarray, k: int = BASIS) -> Basis:
    """The basis of one uncertain value's draws ``x`` float64[W]: a value with at most
    ``k`` distinct draws (a ``discrete`` one) gets one indicator column per value and no
    penalty (the fit is the mean per value); otherwise ``k`` cubic B-splines on knots at
    quantiles of ``x``, penalised by the integral of the squared second derivative (a
    cubic smoothing spline's penalty, exact by two-point Gauss quadrature per interval)."""
    from scipy.interpolate import BSpline  # lazy: scipy, only the estimators need it

    distinct = np.unique(x)
    if len(distinct) <= k:
        X = (x[:, None] == distinct[None, :]).astype(np.float64)
        return Basis(X, np.zeros((len(distinct), len(distinct))))
    lo, hi = float(distinct[0]), float(distinct[-1])
    z = (x - lo) / (hi - lo)
    inner = np.unique(np.quantile(z, np.linspace(0, 1, k - 2)[1:-1]))
    knots = np.concatenate([[0.0] * 4, inner, [1.0] * 4])
    n = len(knots) - 4
    spline = BSpline(knots, np.eye(n), 3, extrapolate=False)
    X = np.nan_to_num(spline(np.clip(z, 0.0, 1.0)))
    second = spline.derivative(2)
    edges = np.unique(knots)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    g = 1.0 / math.sqrt(3.0)
    points = np.concatenate([mid - g * half, mid + g * half])
    weights = np.concatenate([half, half])
    D2 = np.nan_to_num(second(points))
    return Basis(X, (D2 * weights[:, None]).T @ D2)


def joint_basis(bases: list[Basis], draws: np.ndarray) -> Basis:
    """Every value's spline basis side by side, plus the pairwise products of the
    standardised draws (unpenalised): the regression on all uncertain values at once."""
    Xs = [b.X for b in bases]
    std = draws.std(axis=0)
    z = (draws - draws.mean(axis=0)) / np.where(std > 0, std, 1.0)
    U = draws.shape[1]
    pairs = [z[:, i] * z[:, j] for i in range(U) for j in range(i + 1, U)]
    if pairs:
        Xs.append(np.stack(pairs, axis=1))
    p = sum(X.shape[1] for X in Xs)
    S = np.zeros((p, p))
    at = 0
    for b in bases:
        m = b.S.shape[0]
        S[at:at + m, at:at + m] = b.S
        at += m
    return Basis(np.hstack(Xs), S)


def smooth(basis: Basis, Y: np.ndarray, fixed: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """(fitted float64[W, C], the index into :data:`LAMBDAS` of each column's λ, int[C])
    of the penalised least-squares fit ``min |y − Xβ|² + λ βᵀSβ`` of each column of ``Y``
    float64[W, C], each with its own λ chosen by generalised cross-validation,
    ``GCV(λ) = W · RSS(λ) / (W − tr H(λ))²`` — or the λ indices ``fixed``.

    Computed in the basis that diagonalises both terms (Demmler–Reinsch): with
    XᵀX = V Σ² Vᵀ (rank r) and ``Σ⁻¹VᵀSVΣ⁻¹ = E Λ Eᵀ``, T = V Σ⁻¹ E makes ``Q = X T``
    orthonormal and the fit is ``Q diag(1 / (1 + λΛ)) Qᵀ y``, so every λ costs O(r) per
    column. The products are einsum loops rather than threaded BLAS: the matrices are
    small, and thread start-up would cost more than the arithmetic."""
    W = Y.shape[0]
    X = basis.X
    s2, V = np.linalg.eigh(np.einsum("wi,wj->ij", X, X))
    top = s2.max() if len(s2) else 0.0
    keep = s2 > top * 1e-12 if top > 0 else np.zeros(len(s2), dtype=bool)
    none = np.zeros(Y.shape[1], dtype=np.int64)
    if not keep.any():
        return np.zeros_like(Y), none
    A = V[:, keep] / np.sqrt(s2[keep])
    lam, E = np.linalg.eigh(A.T @ basis.S @ A)
    lam = np.clip(lam, 0.0, None)
    T = A @ E
    z = T.T @ np.einsum("wi,wc->ic", X, Y)
    positive = lam[lam > lam.max() * 1e-12] if lam.max() > 0 else lam[:0]
    if not len(positive):
        return np.einsum("wi,ic->wc", X, T @ z), none
    shrink = 1.0 / (1.0 + np.outer(LAMBDAS / np.median(positive), lam))  # [G, r]
    if fixed is None:
        trace = shrink.sum(axis=1)
        rss = (Y * Y).sum(axis=0)[None, :] - (shrink * (2 - shrink)) @ (z * z)
        room = W - trace
        gcv = np.where(room[:, None] > 0.5, W * np.maximum(rss, 0.0)
                       / np.maximum(room, 0.5)[:, None] ** 2, np.inf)
        fixed = np.argmin(gcv, axis=0)
    return np.einsum("wi,ic->wc", X, T @ (shrink[fixed].T * z)), fixed


# ---------------------------------------------------------------------- estimators


def variance_share(fitted: np.ndarray, y: np.ndarray) -> float:
    """``Var(fitted) / Var(y)``: the first-order share (0 when y does not vary)."""
    total = float(np.var(y))
    return min(float(np.var(fitted)) / total, 1.0) if total > 0 else 0.0


def expected_best(inb: np.ndarray) -> float:
    """``mean_w max(0, max_d inb[w, d]) − max(0, max_d mean_w inb[w, d])``: the value of
    choosing per world over choosing once (the baseline is the implicit 0 column)."""
    per_world = np.maximum(inb.max(axis=1), 0.0).mean()
    once = max(float(inb.mean(axis=0).max()), 0.0)
    return max(float(per_world) - once, 0.0)


@dataclass
class Figures:
    """One estimate of every figure from a set of worlds: variance shares [U], EVPPIs [U]
    (None without options), the EVPI, and each option's expected value [D + 1]."""

    shares: np.ndarray
    evppi: np.ndarray | None
    evpi: float | None
    expected: np.ndarray | None
    #: the smoothing chosen: per basis, then the joint regression's (indices of LAMBDAS)
    lambdas: list = field(default_factory=list)


def estimate(bases: list[Basis], joint: Basis | None, y: np.ndarray,
             inb: np.ndarray | None, nb0: np.ndarray | None, direct: bool,
             lambdas: list | None = None) -> Figures:
    """Every figure from the worlds' bases, baseline metric ``y`` [W], changes ``inb``
    [W, D] and baseline values ``nb0`` [W] (None without options). ``direct``: the EVPI
    straight from the worlds (noise-free values), else from the joint regression.
    ``lambdas``: the smoothing of an earlier estimate to reuse (else chosen by GCV)."""
    U = len(bases)
    shares = np.zeros(U)
    evppi = None if inb is None else np.zeros(U)
    chosen = []
    for i, b in enumerate(bases):
        cols = y[:, None] if inb is None else np.column_stack([y, inb])
        fitted, lam = smooth(b, cols, None if lambdas is None else lambdas[i])
        chosen.append(lam)
        shares[i] = variance_share(fitted[:, 0], y)
        if inb is not None:
            evppi[i] = expected_best(fitted[:, 1:])
    if inb is None:
        return Figures(shares, None, None, None, chosen)
    if direct or joint is None:
        evpi = expected_best(inb)
    else:
        fitted, lam = smooth(joint, inb, None if lambdas is None else lambdas[U])
        chosen.append(lam)
        evpi = expected_best(fitted)
    base = float(nb0.mean())
    expected = np.concatenate([[base], base + inb.mean(axis=0)])
    return Figures(shares, evppi, evpi, expected, chosen)


def bootstrap(bases: list[Basis], joint: Basis | None, y: np.ndarray,
              inb: np.ndarray | None, nb0: np.ndarray | None, direct: bool,
              resamples: int, seed: int, lambdas: list) -> list[Figures]:
    """:func:`estimate` on ``resamples`` bootstrap resamples of the worlds, with the
    smoothing ``lambdas`` chosen on all of them (cross-validation on a resample, whose
    worlds repeat, would choose too rough a fit)."""
    rng = np.random.Generator(np.random.PCG64([BOOTSTRAP_SEED, abs(int(seed))]))
    W = len(y)
    out = []
    for _ in range(resamples):
        idx = rng.integers(0, W, W)
        out.append(estimate([b.rows(idx) for b in bases],
                            None if joint is None else joint.rows(idx), y[idx],
                            None if inb is None else inb[idx],
                            None if nb0 is None else nb0[idx], direct, lambdas))
    return out


# ------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Figure:
    """An estimate and its bootstrap 95% interval."""

    value: float
    lo: float
    hi: float

    def to_dict(self) -> dict:
        return {"value": self.value, "ci95": [self.lo, self.hi]}


def _figure(value: float, samples: list[float]) -> Figure:
    if not samples:
        return Figure(value, value, value)
    lo, hi = np.percentile(np.asarray(samples, dtype=np.float64), [2.5, 97.5])
    return Figure(float(value), float(min(lo, value)), float(max(hi, value)))


@dataclass
class ValueInfo:
    """One uncertain value: its path, variance share and EVPPI (None without options)."""

    path: str
    variance_share: Figure
    evppi: Figure | None

    def to_dict(self) -> dict:
        return {"path": self.path, "variance_share": self.variance_share.to_dict(),
                "evppi": None if self.evppi is None else self.evppi.to_dict()}


@dataclass
class OptionValue:
    """One option of the decision: ``baseline`` or a scenario, its expected value (net
    money per period, or the metric) and the share of worlds where it is the best."""

    name: str
    expected: Figure
    p_best: float

    def to_dict(self) -> dict:
        return {"name": self.name, "expected": self.expected.to_dict(),
                "p_best": self.p_best}


@dataclass
class VoiResult:
    """The value of information of a spec's uncertain values. ``decision``: ``"net"``
    (money per period of the volume), the metric's name, or None without scenarios;
    ``values`` sorted by EVPPI (then variance share), largest first."""

    manifest: dict
    model: ir.Model = field(repr=False)
    metric: str
    decision: str | None
    worlds: int
    evpi: Figure | None
    values: list[ValueInfo]
    options: list[OptionValue]
    noise: dict | None
    note: str | None

    @property
    def best(self) -> OptionValue | None:
        return max(self.options, key=lambda o: o.expected.value, default=None)

    def to_dict(self) -> dict:
        out = {"manifest": dict(self.manifest), "metric": self.metric,
               "decision": self.decision, "worlds": self.worlds,
               "evpi": None if self.evpi is None else self.evpi.to_dict(),
               "values": [v.to_dict() for v in self.values],
               "options": [o.to_dict() for o in self.options],
               "noise": self.noise, "note": self.note}
        if self.decision == "net":
            out["volume"] = self.model.volume
            out["period"] = self.model.period
        return out


# ------------------------------------------------------------------------ the run


def _structure(m: ir.Model) -> tuple:
    """What one kernel call's points must share (only numbers may vary)."""
    return (tuple(m.scale), tuple(p.name for p in m.personas),
            tuple(s.name for s in m.stages),
            tuple((e.name, e.stage, e.when) for e in m.events))


def simulate_options(model: ir.Model, draws: np.ndarray, options: list[str | None],
                     engine: str, customers: int, seed: int, threads=None,
                     progress: Progress | None = None) -> list[list]:
    """The per-world Results of every option (None: the baseline), ``[option][world]``.
    Options of one structure run in one kernel call over options × worlds, each world's
    customers shared by its options; a scenario that adds or removes events runs in a
    call of its own, whose world w has the same customers when the shares are the same
    (customer indices depend on the world and the shares alone). The exact engine runs
    once per model."""
    from ..sim.worlds import world_models  # lazy: the kernel's random streams (numba)

    per_option = [world_models(model, draws, name) for name in options]
    W = len(draws)
    if engine == "exact":
        from ..sim.exact import exact_tallies  # lazy: numba

        return [[compute(exact_tallies(m), m, {}) for m in ms] for ms in per_option]
    from ..sim import engine as numba_engine  # lazy: compiles or loads the kernel

    groups: dict[tuple, list[int]] = {}
    for o, ms in enumerate(per_option):
        groups.setdefault(_structure(ms[0]), []).append(o)
    out: list[list] = [[] for _ in options]
    total = customers * len(options)
    done = 0
    for members in groups.values():
        report = None
        if progress is not None:
            def report(d, _t, base=done):
                progress(base + d, total)
        flat = [m for o in members for m in per_option[o]]
        tallies = numba_engine.simulate_points(
            flat, customers, seed, threads=threads, progress=report,
            world_of=[w for _ in members for w in range(W)])
        for k, o in enumerate(members):
            out[o] = [compute(t, m, {}) for t, m in zip(tallies[k * W:(k + 1) * W],
                                                       per_option[o])]
        done += customers * len(members)
    return out


def _values(results: list, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """(value, se) float64[W] of ``metric`` over worlds (NaN where undefined)."""
    ms = [r.metric(metric) for r in results]
    return (np.array([np.nan if m.value is None else m.value for m in ms]),
            np.array([np.nan if m.se is None else m.se for m in ms]))


def option_values(model: ir.Model, options: list[str | None], results: list[list],
                  metric: str) -> tuple[str, np.ndarray]:
    """(decision, nb float64[W, D + 1]): each option's value per world."""
    if model.volume is None:
        return metric, np.column_stack([_values(r, metric)[0] for r in results])
    revenue = [_values(r, "revenue")[0] for r in results]
    cols = [np.zeros_like(revenue[0])]
    for name, rev in zip(options[1:], revenue[1:]):
        running = ir.scenario_costs(model, name)[1]
        cols.append((rev - revenue[0]) * model.volume - running)
    return "net", np.column_stack(cols)


def voi(model: ir.Model, metric: str | None = None, *, worlds: int | None = None,
        engine: str = "numba", customers: int | None = None, seed: int | None = None,
        threads: int | None = None, spec_sha: str | None = None,
        progress: Progress | None = None, resamples: int = BOOTSTRAP) -> VoiResult:
    """The value of information of ``model``'s uncertain values (see the module's
    docstring). ``metric``: the headline whose variance is shared out (default the
    spec's), also the decision's value without a ``volume``. ``customers``: the total,
    split evenly over the worlds; every option simulates the same ones.

    Raises :class:`NothingUncertain` for a spec without ``uncertain`` values and
    :class:`AnalysisError` for bad arguments."""
    from ..sim.worlds import WorldsError, world_draws, worlds_for  # lazy: numba

    if not model.uncertain:
        raise NothingUncertain("the spec declares no uncertain values: there is nothing to "
                               "measure")
    metric = check_metric(model, metric)
    try:
        W = worlds_for(model, worlds)
    except WorldsError as exc:
        raise AnalysisError(str(exc)) from None
    if customers is None and engine != "exact":
        customers = max(model.customers or DEFAULT_CUSTOMERS, W * CUSTOMERS_PER_WORLD)
    s = settings_for(model, engine=engine, customers=customers, seed=seed, threads=threads)
    if not s.exact and s.customers < W:
        raise AnalysisError(f"{W:,} worlds need at least {W:,} customers, got "
                            f"{s.customers:,}")
    if W < 3:
        raise AnalysisError(f"the value of information needs at least 3 worlds, got {W}")
    man = manifest_for(s, spec_sha, None)
    man["worlds"] = W
    draws = world_draws(model, W, s.seed)
    options = [None] + [sc.name for sc in model.scenarios]
    try:
        results = simulate_options(model, draws, options, s.engine, s.customers, s.seed,
                                   s.threads, progress)
    except SimulationError as exc:
        raise AnalysisError(str(exc)) from None
    y, se = _values(results[0], metric)
    decision, nb = option_values(model, options, results, metric)
    with one_blas_thread():
        return _analyse(model, man, metric, decision if model.scenarios else None, draws,
                        y, se, nb if model.scenarios else None, options, s.exact,
                        resamples, s.seed)


def _analyse(model, man, metric, decision, draws, y, se, nb, options, exact, resamples,
             seed) -> VoiResult:
    """The figures and their intervals from the per-world values."""
    ok = np.isfinite(y) & (np.isfinite(nb).all(axis=1) if nb is not None else True)
    W = len(y)
    note = None
    if ok.sum() < 3:
        raise AnalysisError(f"{metric} is undefined in all but {int(ok.sum())} of the {W} "
                            "worlds (no respondents): choose another --metric or run more "
                            "customers")
    if ok.sum() < W:
        note = (f"{metric} is undefined in {W - int(ok.sum())} of the {W} worlds (no "
                "respondents); they are left out")
    draws, y, se = draws[ok], y[ok], se[ok]
    bases = [spline_basis(draws[:, u]) for u in range(draws.shape[1])]
    inb = nb0 = joint = None
    if nb is not None:
        nb = nb[ok]
        nb0, inb = nb[:, 0], nb[:, 1:] - nb[:, :1]
        if not exact:
            joint = joint_basis(bases, draws)
    else:
        note = ((note + "; ") if note else "") + NO_SCENARIOS
    point = estimate(bases, joint, y, inb, nb0, exact)
    boot = bootstrap(bases, joint, y, inb, nb0, exact, resamples, seed, point.lambdas)
    values = []
    for u, line in enumerate(model.uncertain):
        share = _figure(point.shares[u], [b.shares[u] for b in boot])
        ev = None if point.evppi is None else _figure(point.evppi[u],
                                                      [b.evppi[u] for b in boot])
        values.append(ValueInfo(str(line.path), share, ev))
    order = {v.path: i for i, v in enumerate(values)}
    values.sort(key=lambda v: (-(v.evppi.value if v.evppi else 0.0),
                               -v.variance_share.value, order[v.path]))
    evpi = opts = None
    noise = _noise(y, se, exact, inb, joint, man.get("customers"))
    if nb is not None:
        evpi = _figure(point.evpi, [b.evpi for b in boot])
        fitted = inb if joint is None else smooth(joint, inb)[0]
        best = np.argmax(np.column_stack([np.zeros(len(y)), fitted]), axis=1)
        opts = [OptionValue("baseline" if name is None else name,
                            _figure(point.expected[d], [b.expected[d] for b in boot]),
                            float(np.mean(best == d)))
                for d, name in enumerate(options)]
    return VoiResult(man, model, metric, decision, W, evpi, values, opts or [], noise, note)


NO_SCENARIOS = ("the spec has no scenarios, so there is no decision for information to "
                "improve: evpi and evppi are null; the variance shares say which value "
                "moves the forecast most")


def _noise(y, se, exact, inb, joint, customers) -> dict | None:
    """The simulation noise in the worlds' values: ``metric``: its share of the spread of
    ``y`` (mean se² / Var y); ``decision``: the joint regression's residual share of the
    spread of the options' changes (noise, and what the regression misses);
    ``customers``: the run size that brings the larger of the two to
    :data:`NOISE_TARGET` (noise variance falls as 1 / customers), None when it is
    already there. None for the exact engine."""
    if exact:
        return None
    spread = float(np.var(y, ddof=1))
    noise_var = float(np.nanmean(se ** 2)) if np.isfinite(se).any() else 0.0
    share = min(noise_var / spread, 1.0) if spread > 0 else (1.0 if noise_var > 0 else 0.0)
    out = {"metric": share, "decision": None, "customers": None}
    if inb is not None and joint is not None:
        total = float(((inb - inb.mean(axis=0)) ** 2).sum())
        resid = float(((inb - smooth(joint, inb)[0]) ** 2).sum())
        out["decision"] = min(resid / total, 1.0) if total > 0 else 0.0
    worst = max(share, out["decision"] or 0.0)
    if NOISE_TARGET < worst < 1.0 and customers:
        need = customers * worst / (1 - worst) * (1 - NOISE_TARGET) / NOISE_TARGET
        digits = max(0, int(math.floor(math.log10(need))) - 1)
        out["customers"] = int(math.ceil(need / 10 ** digits) * 10 ** digits)
    return out


__all__ = ["voi", "VoiResult", "ValueInfo", "OptionValue", "Figure", "NothingUncertain",
           "Basis", "spline_basis", "joint_basis", "smooth", "variance_share",
           "expected_best", "estimate", "bootstrap", "BOOTSTRAP", "BOOTSTRAP_SEED", "BASIS",
           "CUSTOMERS_PER_WORLD", "one_blas_thread"]
