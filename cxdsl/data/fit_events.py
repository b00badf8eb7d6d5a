"""Counting estimators: persona shares and each event's ``p``.

Both are conjugate with a uniform prior (docs/model.md "Fitting a spec to data"):

* shares: Dirichlet(1 + n_1, …, 1 + n_Q) over the persona counts n_q of the N rows used, so
  share_q ~ beta(1 + n_q, Q − 1 + N − n_q);
* an event's ``p`` for a group of personas: among the rows of those personas that reached
  the event's stage and for which its condition held (read from the event columns), k of
  n had it happen: p ~ beta(1 + k, 1 + n − k).

A condition on ``score`` is not observable from a row (the running score is latent); such
an event's ``p`` keeps the spec's value, with a note.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv

from ..model import ir
from ..model.values import Beta
from .fit_groups import FittedValue, Group, group_ref
from .table import UNKNOWN, RespondentTable

#: Why an event's ``p`` is not fitted when its condition reads the score.
SCORE_CONDITION = "its condition reads the score, which a row does not show"
#: Why a value has no estimate.
NO_ROWS = "no rows inform it"
#: Why an event's values are kept when the table has no column for it.
NO_COLUMN = ("the table has no column for it (the answers after it are fitted as though "
             "it happened to nobody)")


def event_columns(table: RespondentTable) -> tuple[bool, ...]:
    """Per event, whether the table has its column."""
    return table.has_event or (True,) * len(table.events)


def beta_value(kind: str, path: str, group: Group, spec: float, ref: ir.PathRef | None,
               a: float, b: float, rows: int) -> FittedValue:
    """A fitted probability with posterior beta(a, b)."""
    a, b = float(a), float(b)
    lo95, hi95, lo90, hi90 = (float(x) for x in betaincinv(a, b, [0.025, 0.975, 0.05, 0.95]))
    # a posterior whose density is highest at 0 or 1 (no successes, or no failures): the
    # interval reaches that end, so a spec value of 0% or 100% is not flagged for it
    if b <= 1 < a:
        lo95, lo90 = (float(x) for x in betaincinv(a, b, [0.05, 0.1]))
        hi95, hi90 = 1.0, 1.0
    elif a <= 1 < b:
        hi95, hi90 = (float(x) for x in betaincinv(a, b, [0.95, 0.9]))
        lo95, lo90 = 0.0, 0.0
    return FittedValue(kind, path, group, spec, ref, a / (a + b), Beta(a, b),
                       (lo95, hi95), (lo90, hi90), int(rows))


def condition(c: ir.Cond | None, table: RespondentTable
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """(holds, known) bool[n] of condition ``c`` on every row, in three-valued logic (an
    unknown event cell makes the result unknown unless the other operands decide it);
    None when the condition reads the score."""
    n = table.rows
    if c is None:
        return np.ones(n, dtype=bool), np.ones(n, dtype=bool)
    if isinstance(c, ir.ScoreCmp):
        return None
    if isinstance(c, ir.Ref):
        col = table.happened[:, table.events.index(c.event)]
        return col == 1, col != UNKNOWN
    if isinstance(c, ir.Not):
        inner = condition(c.operand, table)
        return None if inner is None else (~inner[0], inner[1])
    parts = [condition(o, table) for o in c.operands]
    if any(p is None for p in parts):
        return None
    if isinstance(c, ir.And):
        false = np.zeros(n, dtype=bool)
        for v, k in parts:
            false |= k & ~v
        true = np.logical_and.reduce([v & k for v, k in parts])
        return true, true | false
    true = np.zeros(n, dtype=bool)
    for v, k in parts:
        true |= k & v
    false = np.logical_and.reduce([k & ~v for v, k in parts])
    return true, true | false


def reads_score(c: ir.Cond | None) -> bool:
    """Whether condition ``c`` compares the score."""
    if c is None or isinstance(c, ir.Ref):
        return False
    if isinstance(c, ir.ScoreCmp):
        return True
    if isinstance(c, ir.Not):
        return reads_score(c.operand)
    return any(reads_score(o) for o in c.operands)


def persona_mask(table: RespondentTable, personas: tuple[int, ...]) -> np.ndarray:
    return np.isin(table.persona, np.asarray(personas, dtype=table.persona.dtype))


def fit_shares(model: ir.Model, table: RespondentTable, use: np.ndarray) -> list[FittedValue]:
    """Each persona's share (none for a one-persona journey, whose share is 1)."""
    Q = len(model.personas)
    if Q < 2:
        return []
    counts = np.bincount(table.persona[use], minlength=Q)
    N = int(counts.sum())
    out = []
    for q, persona in enumerate(model.personas):
        g = Group("persona", persona.name, "share", (q,))
        ref = ir.PathRef("persona", persona.name, "share")
        if N == 0:
            out.append(FittedValue("share", str(ref), g, persona.share, ref, note=NO_ROWS))
            continue
        out.append(beta_value("share", str(ref), g, persona.share, ref,
                              1 + counts[q], Q - 1 + N - counts[q], N))
    return out


def fit_event_p(model: ir.Model, table: RespondentTable, use: np.ndarray, event: ir.Event,
                group: Group) -> FittedValue:
    """The ``p`` of ``event`` for the personas of ``group``."""
    k_index = table.events.index(event.name)
    ref = group_ref(model, group)
    spec = float(np.mean([event.p[q] for q in group.personas]))
    fv = FittedValue("p", str(ref), group, spec, ref)
    if not event_columns(table)[k_index]:
        fv.note = NO_COLUMN
        return fv
    cond = condition(event.when, table)
    if cond is None:
        fv.note = SCORE_CONDITION
        return fv
    holds, known = cond
    stage = model.stage_index(event.stage)
    col = table.happened[:, k_index]
    rows = (use & persona_mask(table, group.personas) & (table.reached != UNKNOWN)
            & (table.reached >= stage) & known & holds & (col != UNKNOWN))
    n = int(rows.sum())
    if n == 0:
        fv.note = NO_ROWS
        return fv
    k = int((col[rows] == 1).sum())
    return beta_value("p", str(ref), group, spec, ref, 1 + k, 1 + n - k, n)


__all__ = ["NO_COLUMN", "NO_ROWS", "SCORE_CONDITION", "beta_value", "condition",
           "event_columns", "fit_event_p", "fit_shares", "persona_mask", "reads_score"]
