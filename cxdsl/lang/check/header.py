"""Pass: the header. The statements given at most once (journey, scale, customers, seed,
volume, goal), and the values of scale, customers, seed and volume."""

from __future__ import annotations

from ...model import ir
from .. import ast
from .. import messages as msg
from ..diagnostics import did_you_mean
from . import values
from .context import Context

#: Largest score scale accepted (the distribution has one entry per integer score).
MAX_SCALE_WIDTH = 1000
#: Most customers in one run (the CLI enforces the same bound).
MAX_CUSTOMERS = 10**12
#: Bounds of each end of the scale.
_SCALE_BOUND = 10**6
#: Largest volume accepted: customers per period. A million times the world's population
#: leaves room for any business while money figures stay far from float overflow.
MAX_VOLUME = 1e15

_SINGLE = (("journey", ast.Journey), ("scale", ast.Scale), ("customers", ast.Customers),
           ("seed", ast.Seed), ("volume", ast.Volume), ("goal", ast.Goal))


def run(ctx: Context) -> None:
    for what, kind in _SINGLE:
        items = ctx.statements_of(kind)
        for extra in items[1:]:
            ctx.err("E209", msg.GIVEN_MORE_THAN_ONCE.format(what=what, path=items[0].span.path,
                                                            line=items[0].span.line),
                    extra.span, msg.KEEP_ONE_HINT)
        ctx.header[what] = items[0] if items else None
    scale_st = ctx.header["scale"]
    if scale_st is not None:
        lo = values.integer(ctx, scale_st.lo, msg.SCALE_LOW, -_SCALE_BOUND, _SCALE_BOUND)
        hi = values.integer(ctx, scale_st.hi, msg.SCALE_HIGH, -_SCALE_BOUND, _SCALE_BOUND)
        if lo is not None and hi is not None:
            if lo >= hi:
                ctx.err("E305", msg.EMPTY_SCALE.format(lo=lo, hi=hi), scale_st.span,
                        msg.EMPTY_SCALE_HINT)
            elif hi - lo > MAX_SCALE_WIDTH:
                ctx.err("E305", msg.WIDE_SCALE.format(lo=lo, hi=hi, width=MAX_SCALE_WIDTH),
                        scale_st.span)
            else:
                ctx.scale = (lo, hi)
    customers_st, seed_st = ctx.header["customers"], ctx.header["seed"]
    ctx.customers = (values.integer(ctx, customers_st.count, msg.CUSTOMERS, 1, MAX_CUSTOMERS)
                     if customers_st else None)
    ctx.seed = (values.integer(ctx, seed_st.value, msg.SEED, 0, 2**63 - 1)
                if seed_st else None)
    if ctx.header["volume"] is not None:
        _volume(ctx, ctx.header["volume"])


def _volume(ctx: Context, st: ast.Volume) -> None:
    count = values.plain(ctx, st.count, msg.VOLUME, msg.CUSTOMERS_PER_PERIOD)
    if count is not None and count <= 0:
        ctx.err("E302", msg.VOLUME_NOT_POSITIVE.format(raw=st.count.raw), st.count.span,
                msg.VOLUME_POSITIVE_HINT)
    elif count is not None and count > MAX_VOLUME:
        ctx.err("E302", msg.VOLUME_TOO_LARGE.format(raw=st.count.raw, limit=MAX_VOLUME),
                st.count.span, msg.VOLUME_LIMIT_HINT.format(limit=MAX_VOLUME))
    else:
        ctx.volume = count
    if st.period is None:
        return
    if st.period.text in ir.PERIODS:
        ctx.period = st.period.text
    else:
        ctx.err("E210", msg.UNKNOWN_PERIOD.format(word=st.period.text), st.period.span,
                did_you_mean(st.period.text, ir.PERIODS) or msg.periods_hint(ir.PERIODS))
