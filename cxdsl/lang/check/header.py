"""Pass: the header. The statements given at most once (journey, scale, customers, seed,
goal), and the values of scale, customers and seed."""

from __future__ import annotations

from .. import ast
from .. import messages as msg
from . import values
from .context import Context

#: Largest score scale accepted (the distribution has one entry per integer score).
MAX_SCALE_WIDTH = 1000
#: Most customers in one run (the CLI enforces the same bound).
MAX_CUSTOMERS = 10**12
#: Bounds of each end of the scale.
_SCALE_BOUND = 10**6

_SINGLE = (("journey", ast.Journey), ("scale", ast.Scale), ("customers", ast.Customers),
           ("seed", ast.Seed), ("goal", ast.Goal))


def run(ctx: Context) -> None:
    for what, kind in _SINGLE:
        items = ctx.statements_of(kind)
        for extra in items[1:]:
            ctx.err("E209", msg.given_more_than_once(what, items[0].span.path,
                                                     items[0].span.line),
                    extra.span, msg.KEEP_ONE_HINT)
        ctx.header[what] = items[0] if items else None
    scale_st = ctx.header["scale"]
    if scale_st is not None:
        lo = values.integer(ctx, scale_st.lo, msg.SCALE_LOW, -_SCALE_BOUND, _SCALE_BOUND)
        hi = values.integer(ctx, scale_st.hi, msg.SCALE_HIGH, -_SCALE_BOUND, _SCALE_BOUND)
        if lo is not None and hi is not None:
            if lo >= hi:
                ctx.err("E305", msg.empty_scale(lo, hi), scale_st.span,
                        msg.EMPTY_SCALE_HINT)
            elif hi - lo > MAX_SCALE_WIDTH:
                ctx.err("E305", msg.wide_scale(lo, hi, MAX_SCALE_WIDTH), scale_st.span)
            else:
                ctx.scale = (lo, hi)
    customers_st, seed_st = ctx.header["customers"], ctx.header["seed"]
    ctx.customers = (values.integer(ctx, customers_st.count, msg.CUSTOMERS, 1, MAX_CUSTOMERS)
                     if customers_st else None)
    ctx.seed = (values.integer(ctx, seed_st.value, msg.SEED, 0, 2**63 - 1)
                if seed_st else None)
