"""The simulator's kernel: one table-driven numba function and everything it compiles in.

The kernel is compiled once (``cache=True``) for every journey: a journey is data
(:class:`cxdsl.sim.lower.Tables`), never code. It runs DESIGN.md "Meaning" for every
customer, in parallel (``prange``) over *blocks* of :data:`BLOCK_SIZE` customers. Within a
block it works on :data:`LANES` customers at a time, stage by stage and event by event, with
the customers still in the journey kept contiguous: each step is a branch-free loop over
them (random decisions become 0/1 values), which the compiler vectorises. Fixed
probabilities are compared as integers (:func:`cxdsl.sim.rng.below_threshold`) and the
logistic advance is decided from a table of bounds, falling back to the formula near the
boundary — every decision is the one the plain formula gives, which
:func:`cxdsl.sim.reference.simulate_reference` checks bit for bit.

Why everything lives in this file: numba keys a cached compilation on the source file of
the function compiled (its modification time and size), not on the functions and globals
it inlines or freezes in as constants. So every constant and jitted helper the kernel reads
— the table codes (``KIND_*``, ``OP_*``, ``CMP_*``, ``MODE_*``, ``EV_*``), the block and
lane sizes, the logistic grid, and the jitted forms of the random number generator of
:mod:`cxdsl.sim.rng` — is defined here, and any edit to them is an edit to this file, which
invalidates the cache. :mod:`cxdsl.sim.lower` and :mod:`cxdsl.sim.rng` import them from
here (rng re-exports its jitted forms for its known-answer tests); a test checks that every
global a cached function of the package compiles in is defined in its own module.

The wrapper that validates, allocates, chunks and tallies is :mod:`cxdsl.sim.engine`.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import binding as llvm_binding
from llvmlite import ir as llir
from numba.core import cgutils, types
from numba.extending import intrinsic, register_jitable

# ------------------------------------------------------------------ table codes

#: Distribution kinds of ``Tables.dist_kind`` (the forms are listed in :mod:`cxdsl.sim.lower`).
KIND_CONST, KIND_NORMAL, KIND_UNIFORM, KIND_TRIANGULAR, KIND_DISCRETE = range(5)
#: The code of each branch by the name a value form gives as its ``kernel_kind``.
KIND_CODES = {"const": KIND_CONST, "normal": KIND_NORMAL, "uniform": KIND_UNIFORM,
              "triangular": KIND_TRIANGULAR, "discrete": KIND_DISCRETE}
#: Condition program ops of ``Tables.cond_op``.
OP_EVENT, OP_SCORE, OP_NOT, OP_AND, OP_OR = range(5)
#: Score comparisons, the ``cond_arg`` of an ``OP_SCORE``.
CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQ, CMP_NE = range(6)

# How a decision with a fixed probability is taken (events' occurrence, stages' advance).
MODE_NEVER, MODE_ALWAYS, MODE_THRESHOLD, MODE_LOGISTIC = range(4)
# Columns of the packed event table ``ev_int`` (int64[P,Q,E,5], events in processing order)
EV_EVENT, EV_MODE, EV_COND_FIRST, EV_COND_END, EV_DIST = range(5)
# Columns of ``ev_u64`` (uint64[P,Q,E,3])
EV_THRESHOLD, EV_KEY_OCCURS, EV_KEY_IMPACT = range(3)

#: Customers per block: the unit of parallel work and of float summation. Part of the
#: determinism contract — changing it changes the last bits of the score sums.
BLOCK_SIZE = 4096
#: Customers a block works on together (lanes). Each stage and event is a loop over the
#: customers still in the journey, kept contiguous (compacted after every stage), without
#: data-dependent branches: the random decisions that would mispredict one customer at a
#: time become 0/1 values, and the loops vectorise. Results do not depend on it (every float
#: sum still runs in customer order).
LANES = 256

#: Accumulators of every float sum of a block: sum w takes the values at positions
#: k ≡ w (mod SUM_LANES) of each loop, in order, and a block's total is their pairwise sum
#: ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)). Part of the determinism contract (the
#: reference engine sums the same way): eight independent chains run as one vector, where a
#: single running sum waits for each add in turn.
SUM_LANES = 8

_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_NOT_ONE = np.uint64(0xFFFFFFFFFFFFFFFE)
_LOW6 = np.uint64(63)


# ------------------------------------------------- random numbers (see cxdsl.sim.rng)

GAMMA = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, odd: SplitMix64's Weyl increment
MIX_M1 = 0xBF58476D1CE4E5B9
MIX_M2 = 0x94D049BB133111EB
TWO_POW_M52 = 2.0 ** -52

# uint64 constants for the jitted code (numba types Python ints > 2**63 as uint64 anyway,
# but explicit np.uint64 keeps every intermediate unsigned: no silent float promotion).
_GAMMA_U = np.uint64(GAMMA)
_M1_U = np.uint64(MIX_M1)
_M2_U = np.uint64(MIX_M2)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S12 = np.uint64(12)


@numba.njit(inline="always", cache=True)
def mix64_nb(z):
    """SplitMix64's output function (uint64 in, uint64 out; arithmetic wraps mod 2**64)."""
    z = numba.uint64(z)
    z = (z ^ (z >> _S30)) * _M1_U
    z = (z ^ (z >> _S27)) * _M2_U
    return z ^ (z >> _S31)


@numba.njit(inline="always", cache=True)
def customer_hash_nb(j):
    """The hash of customer index ``j`` (int64 ≥ 0) within its persona, as uint64."""
    return mix64_nb(numba.uint64(j + 1) * _GAMMA_U)


@numba.njit(inline="always", cache=True)
def draw_u64_nb(key, h, sub):
    """64-bit draw ``sub`` (small int) of stream ``key`` for customer hash ``h``."""
    return mix64_nb((numba.uint64(key) ^ numba.uint64(h))
                    + numba.uint64(sub + 1) * _GAMMA_U)


@numba.njit(inline="always", cache=True)
def unit_nb(x):
    """The uniform float64 strictly inside (0, 1) of a 64-bit word (its top 52 bits)."""
    # x >> 12 < 2**52 fits int64: a signed conversion is one instruction
    return (float(numba.int64(x >> _S12)) + 0.5) * TWO_POW_M52


@numba.njit(inline="always", cache=True)
def uniform_nb(key, h, sub):
    """A uniform float64 strictly inside (0, 1) from draw ``sub`` of stream ``key``."""
    return unit_nb(draw_u64_nb(key, h, sub))



@register_jitable(inline="always")
def ppnd16_central(q: float) -> float:
    """:func:`ppnd16` of ``p = q + 0.5`` for ``|q| <= 0.425`` (its central region, 85% of
    draws): one rational function, no ``log``, no branch — the kernel computes it for every
    lane and fixes the tails in a pass of their own. Plain Python and jittable alike."""
    r = 0.180625 - q * q
    num = (((((((2.5090809287301226727e+3 * r
                 + 3.3430575583588128105e+4) * r
                + 6.7265770927008700853e+4) * r
               + 4.5921953931549871457e+4) * r
              + 1.3731693765509461125e+4) * r
             + 1.9715909503065514427e+3) * r
            + 1.3314166789178437745e+2) * r
           + 3.3871328727963666080e+0) * q
    den = (((((((5.2264952788528545610e+3 * r
                 + 2.8729085735721942674e+4) * r
                + 3.9307895800092710610e+4) * r
               + 2.1213794301586595867e+4) * r
              + 5.3941960214247511077e+3) * r
             + 6.8718700749205790830e+2) * r
            + 4.2313330701600911252e+1) * r
           + 1.0)
    return num / den


def ppnd16(p: float) -> float:
    """The standard normal quantile of p in (0, 1): Wichura's algorithm AS 241 (PPND16,
    relative accuracy about 1e-16), with the coefficients and the order of operations of
    Python's ``statistics.NormalDist.inv_cdf``, whose results it reproduces bit for bit.

    Written once and compiled twice (``ppnd16_nb`` is its numba form), so the kernel and the
    Python reference compute the same doubles: one uniform per normal, and in the central
    85% of draws no call to ``log``/``cos`` at all — rational functions pipeline well."""
    q = p - 0.5
    if abs(q) <= 0.425:
        return ppnd16_central(q)
    r = p if q <= 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r = r - 1.6
        num = (((((((7.74545014278341407640e-4 * r
                     + 2.27238449892691845833e-2) * r
                    + 2.41780725177450611770e-1) * r
                   + 1.27045825245236838258e+0) * r
                  + 3.64784832476320460504e+0) * r
                 + 5.76949722146069140550e+0) * r
                + 4.63033784615654529590e+0) * r
               + 1.42343711074968357734e+0)
        den = (((((((1.05075007164441684324e-9 * r
                     + 5.47593808499534494600e-4) * r
                    + 1.51986665636164571966e-2) * r
                   + 1.48103976427480074590e-1) * r
                  + 6.89767334985100004550e-1) * r
                 + 1.67638483018380384940e+0) * r
                + 2.05319162663775882187e+0) * r
               + 1.0)
    else:
        r = r - 5.0
        num = (((((((2.01033439929228813265e-7 * r
                     + 2.71155556874348757815e-5) * r
                    + 1.24266094738807843860e-3) * r
                   + 2.65321895265761230930e-2) * r
                  + 2.96560571828504891230e-1) * r
                 + 1.78482653991729133580e+0) * r
                + 5.46378491116411436990e+0) * r
               + 6.65790464350110377720e+0)
        den = (((((((2.04426310338993978564e-15 * r
                     + 1.42151175831644588870e-7) * r
                    + 1.84631831751005468180e-5) * r
                   + 7.86869131145613259100e-4) * r
                  + 1.48753612908506148525e-2) * r
                 + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r
               + 1.0)
    x = num / den
    return -x if q < 0.0 else x


ppnd16_nb = numba.njit(inline="always", cache=True)(ppnd16)


# ------------------------------------------------------------------- the logistic


@numba.njit(inline="always", cache=True)
def logistic_nb(x):
    """1 / (1 + e^-x) without overflow. Its ``py_func`` is the same formula in Python, which
    the exact and reference engines and the grid below use."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


logistic = logistic_nb.py_func



# The logistic advance without an exp for almost every customer: logistic is increasing, so
# for x in [x_i, x_i+1] of a fine grid, logistic(x) lies between the grid values (less or
# more a margin far wider than the rounding of logistic). A uniform outside that band is
# decided by the grid; one inside it (at most 0.4% of them: the band is at most 0.25/64
# wide), or an x off the grid, by logistic_nb itself — the same decision as computing
# the logistic every time, at a fraction of the cost. (The margin, 1e-12, also covers the
# rounding of the cell index: x is placed in its cell to within ~1e-14.)
_GRID_LO = -40.0
_GRID_PER_UNIT = 64.0
_GRID_CELLS = 80 * 64
_GRID = np.array([logistic(_GRID_LO + i / _GRID_PER_UNIT) for i in range(_GRID_CELLS + 1)])
_GRID_MARGIN = 1e-12
# a uniform below _GRID_BELOW[cell] advances, one not below _GRID_ABOVE[cell] does not
# (each entry is the double the kernel computed as _GRID[cell] -/+ the margin: the same)
_GRID_BELOW = _GRID[:-1] - _GRID_MARGIN
_GRID_ABOVE = _GRID[1:] + _GRID_MARGIN


# ------------------------------------------------------------- compaction of the lanes

# Whether the compiler's vector compress is one instruction here (AVX-512: vcompresspd /
# vpcompressq), which makes the compress path of _compact the fast one. Elsewhere LLVM
# expands the same intrinsic into scalar code, correct but slower than the portable loop,
# so the choice is one of speed only: both paths give the same arrays (tested).
_FEATURES = numba.config.CPU_FEATURES or llvm_binding.get_host_cpu_features().flatten()
COMPRESS = "+avx512f" in _FEATURES.split(",")


@intrinsic
def compress8(typingctx, arr, src, dst, mask):
    """``arr[dst : dst + 8] = [arr[src + w] for w in 0..7 if mask >> w & 1] + [0, …]`` for a
    1-D contiguous float64/uint64/int64 array, ``dst <= src`` (in place, read before
    written): LLVM's ``vector.compress`` on 8 lanes. ``arr`` must extend to ``src + 8`` and
    ``dst + 8``."""
    if not (isinstance(arr, types.Array) and arr.ndim == 1 and arr.layout == "C"
            and arr.dtype in (types.float64, types.uint64, types.int64)):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        src, dst, mask = (context.cast(builder, v, t, types.int64)
                              for v, t in zip(args[1:], signature.args[1:]))
        elem = context.get_value_type(signature.args[0].dtype)
        vec = llir.VectorType(elem, 8)
        bits = llir.VectorType(llir.IntType(1), 8)
        name = "v8f64" if isinstance(elem, llir.DoubleType) else "v8i64"
        fn = cgutils.get_or_insert_function(
            builder.module, llir.FunctionType(vec, [vec, bits, vec]),
            "llvm.experimental.vector.compress." + name)
        value = builder.load(builder.bitcast(builder.gep(ary.data, [src]), vec.as_pointer()),
                             align=8)
        m = builder.bitcast(builder.trunc(mask, llir.IntType(8)), bits)
        out = builder.call(fn, [value, m, llir.Constant(vec, None)])
        builder.store(out, builder.bitcast(builder.gep(ary.data, [dst]), vec.as_pointer()),
                      align=8)
        return context.get_dummy_value()

    return types.void(arr, src, dst, mask), codegen


@numba.njit(inline="always", cache=True)
def compact_portable(n, keep, lane, lane_hash, score, score0, flags, flag_words):
    """Drop the positions ``k < n`` with ``keep[k] == 0`` from ``lane``, ``lane_hash``,
    ``score``, ``score0`` and the ``flag_words`` rows of ``flags`` (row w at ``w·LANES``),
    preserving order; returns how many stay. A copy to position ``kept <= k`` then
    ``kept += keep[k]``: no branch (a dropped position's copy is overwritten)."""
    kept = 0
    for k in range(n):
        lane[kept] = lane[k]
        lane_hash[kept] = lane_hash[k]
        score[kept] = score[k]
        score0[kept] = score0[k]
        for w in range(flag_words):
            flags[w * LANES + kept] = flags[w * LANES + k]
        kept += numba.int64(keep[k])
    return kept


@numba.njit(inline="always", cache=True)
def compact_compress(n, keep, lane, lane_hash, score, score0, flags, flag_words):
    """:func:`compact_portable`, 8 positions at a time with :func:`compress8` (``keep``
    must be 0 from ``n`` to the next multiple of 8; arrays hold LANES positions)."""
    kept = 0
    for g in range(0, n, 8):
        mask = 0
        count = 0
        for w in range(8):
            b = numba.int64(keep[g + w])
            mask |= b << w
            count += b
        compress8(lane, g, kept, mask)
        compress8(lane_hash, g, kept, mask)
        compress8(score, g, kept, mask)
        compress8(score0, g, kept, mask)
        for w in range(flag_words):
            compress8(flags, w * LANES + g, w * LANES + kept, mask)
        kept += count
    return kept


# ------------------------------------------------------------------- the kernel


@numba.njit(inline="always", cache=True)
def _draws(d, key, count, hh, vals, tmp, dist_kind, dist_param, dist_first, dist_count,
           discrete_value, discrete_cum):
    """``vals[t]`` = a draw of pooled distribution ``d`` from stream ``key`` for the
    customer of hash ``hh[t]``, ``t < count`` (``tmp``: int64 scratch of that length). The
    forms are listed in :mod:`cxdsl.sim.lower`; the kind is switched on once, outside the
    loops, and each loop is straight-line code over all ``t`` (rare cases in a pass of
    their own), so the compiler vectorises it."""
    kind = dist_kind[d]
    a = dist_param[d, 0]
    b = dist_param[d, 1]
    if kind == KIND_CONST:
        for t in range(count):
            vals[t] = a
    elif kind == KIND_UNIFORM:
        for t in range(count):
            vals[t] = a + (b - a) * uniform_nb(key, hh[t], 0)
    elif kind == KIND_NORMAL:
        tails = 0
        for t in range(count):  # the central region for everyone ...
            q = uniform_nb(key, hh[t], 0) - 0.5
            vals[t] = a + b * ppnd16_central(q)
            tail = 0 if abs(q) <= 0.425 else 1
            tmp[t] = tail
            tails += tail
        if tails:  # ... then the 15% in the tails, with ppnd16 itself
            for t in range(count):
                if tmp[t]:
                    vals[t] = a + b * ppnd16_nb(uniform_nb(key, hh[t], 0))
    elif kind == KIND_TRIANGULAR:
        hi = dist_param[d, 2]
        split = dist_param[d, 3]
        span = hi - a
        for t in range(count):
            u = uniform_nb(key, hh[t], 0)
            # both halves of the inverse CDF blended by a 0/1 weight rather than a branch
            # on the random u; one weight is 0 and the other 1: exactly the chosen half
            w = 1.0 if u < split else 0.0
            root = math.sqrt(w * (u * span * (b - a)) + (1.0 - w) * ((1.0 - u) * span * (hi - b)))
            vals[t] = w * (a + root) + (1.0 - w) * (hi - root)
    else:
        # the first i with u < cum[i] (the last if none) is first + the number of i before
        # the last with u >= cum[i]: cum is non-decreasing, so those i come first
        first = dist_first[d]
        for t in range(count):
            vals[t] = uniform_nb(key, hh[t], 0)
            tmp[t] = first
        for i in range(first, first + dist_count[d] - 1):
            c = discrete_cum[i]
            for t in range(count):
                tmp[t] += 0 if vals[t] < c else 1
        for t in range(count):
            vals[t] = discrete_value[tmp[t]]


@numba.njit(inline="always", cache=True)
def _holds(c0, c1, n, score, flags, stack, ok, cond_op, cond_arg, cond_value):
    """Evaluate the postfix condition program ``[c0, c1)`` for the first ``n`` positions:
    on exit ``ok[k]`` is 1 where it holds for (``score[k]``, the flags of position k),
    else 0; returns how many hold.

    Each position's boolean stack lives in the bits of ``stack[k]`` (top = bit 0); the
    program is the outer loop, so the inner loops have no data-dependent branches."""
    for k in range(n):
        stack[k] = _ZERO
    for i in range(c0, c1):
        op = cond_op[i]
        if op == OP_EVENT:
            e = cond_arg[i]
            fw = flags[(e >> 6) * LANES:]  # a view: indexing it by k >= 0 vectorises
            bit = numba.uint64(e) & _LOW6
            for k in range(n):
                stack[k] = (stack[k] << _ONE) | ((fw[k] >> bit) & _ONE)
        elif op == OP_SCORE:
            v = cond_value[i]
            cmp = cond_arg[i]
            for k in range(n):
                x = score[k]
                if cmp == CMP_LT:
                    b = x < v
                elif cmp == CMP_LE:
                    b = x <= v
                elif cmp == CMP_GT:
                    b = x > v
                elif cmp == CMP_GE:
                    b = x >= v
                elif cmp == CMP_EQ:
                    b = x == v
                else:
                    b = x != v
                stack[k] = (stack[k] << _ONE) | (_ONE if b else _ZERO)
        elif op == OP_NOT:
            for k in range(n):
                stack[k] ^= _ONE
        elif op == OP_AND:  # pop b (bit 0), then a (bit 1): push a and b — keep bit 0
            # of x >> 1 (that is a) only where b is 1
            for k in range(n):
                x = stack[k]
                stack[k] = (x >> _ONE) & (x | _NOT_ONE)
        else:  # OP_OR
            for k in range(n):
                x = stack[k]
                stack[k] = (x >> _ONE) | (x & _ONE)
    held = 0
    for k in range(n):
        o = stack[k] & _ONE
        ok[k] = o
        held += numba.int64(o)
    return held


@numba.njit(inline="always", cache=True)
def _event(idx, n, ev_i, ev_u, ev_v, score, flags, lane_hash, ok, hits, hh, vals, tmp,
           stack, cond_op, cond_arg, cond_value, dist_kind, dist_param, dist_first,
           dist_count, discrete_value, discrete_cum):
    """Run event row ``idx`` for the first ``n`` positions (condition, occurrence, flag,
    impact); returns how many it happened to. The occurrence is drawn only where the
    condition holds: for everyone when most hold, else for a list of those who do."""
    mode = ev_i[idx, EV_MODE]
    if mode == MODE_NEVER:
        return 0
    c0 = ev_i[idx, EV_COND_FIRST]
    c1 = ev_i[idx, EV_COND_END]
    e = ev_i[idx, EV_EVENT]
    fw = flags[(e >> 6) * LANES:]  # this event's row, as a view (row + k would not vectorise)
    bit = numba.uint64(e) & _LOW6
    d = ev_i[idx, EV_DIST]
    v = ev_v[idx]
    key = ev_u[idx, EV_KEY_OCCURS]
    threshold = ev_u[idx, EV_THRESHOLD]
    happened = 0
    if c1 == c0 and mode == MODE_THRESHOLD and d < 0:
        # the commonest event, in one loop: draw, flag, count, add (uniform < p decided on
        # the integer draw, rng.below_threshold; a constant impact needs no draw)
        for k in range(n):
            o = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
            fw[k] |= o << bit
            happened += numba.int64(o)
            x = score[k]
            score[k] = x + v if o != _ZERO else x
        return happened
    if c1 > c0:
        held = _holds(c0, c1, n, score, flags, stack, ok, cond_op, cond_arg, cond_value)
        if held == 0:
            return 0
        if mode == MODE_THRESHOLD and 4 * held < n:
            m = 0
            for k in range(n):
                hits[m] = k
                m += numba.int64(ok[k])
            for t in range(m):
                k = hits[t]
                ok[k] = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
        elif mode == MODE_THRESHOLD:
            for k in range(n):
                ok[k] &= _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
    elif mode == MODE_THRESHOLD:
        for k in range(n):
            ok[k] = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
    else:
        for k in range(n):
            ok[k] = _ONE
    for k in range(n):
        o = ok[k]
        fw[k] |= o << bit
        happened += numba.int64(o)
        x = score[k]
        score[k] = x + v if o != _ZERO else x  # v is 0.0 for a drawn impact: x unchanged
    if d < 0 or happened == 0:
        return happened
    key = ev_u[idx, EV_KEY_IMPACT]
    if 2 * happened >= n:  # draw for everyone, add where it happened
        _draws(d, key, n, lane_hash, vals, tmp, dist_kind, dist_param, dist_first,
               dist_count, discrete_value, discrete_cum)
        for k in range(n):
            x = score[k]
            score[k] = x + vals[k] if ok[k] != _ZERO else x
    else:  # list the positions it happened to, draw for those only
        m = 0
        for k in range(n):
            hits[m] = k
            m += numba.int64(ok[k])
        for t in range(m):
            hh[t] = lane_hash[hits[t]]
        _draws(d, key, m, hh, vals, tmp, dist_kind, dist_param, dist_first, dist_count,
               discrete_value, discrete_cum)
        for t in range(m):
            k = hits[t]
            score[k] = score[k] + vals[t]
    return happened


@numba.njit(inline="always", cache=True)
def _advance(mode, key, threshold, logit, slope, n, score, score0, lane_hash, ok, tmp):
    """Decide which of the first ``n`` positions advance past a stage whose advance is
    taken by ``mode`` (MODE_NEVER, MODE_THRESHOLD or MODE_LOGISTIC; MODE_ALWAYS needs no
    decision): ``ok[k]`` = 1 to advance, else 0. ``key`` (uint64): the stage's advance
    stream; ``threshold`` (uint64): the bound of MODE_THRESHOLD; ``logit``, ``slope``:
    MODE_LOGISTIC's probability is ``logistic(logit + slope · (score[k] - score0[k]))``.
    ``tmp``: int64 scratch."""
    if mode == MODE_NEVER:
        for k in range(n):
            ok[k] = _ZERO
    elif mode == MODE_THRESHOLD:
        for k in range(n):
            ok[k] = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
    else:
        # every position decided on the grid, with a 0/1 flag where it is too close to call
        # or off the grid ...
        undecided = 0
        for k in range(n):
            x = logit + slope * (score[k] - score0[k])
            u = uniform_nb(key, lane_hash[k], 0)
            g = (x - _GRID_LO) * _GRID_PER_UNIT
            on_grid = (g >= 0.0) & (g < _GRID_CELLS)
            cell = numba.uint64(min(max(g, 0.0), _GRID_CELLS - 1.0))
            below_low = u < _GRID_BELOW[cell]
            below_high = u < _GRID_ABOVE[cell]
            ok[k] = _ONE if below_low else _ZERO
            flag = 0 if on_grid & (below_low == below_high) else 1
            tmp[k] = flag
            undecided += flag
        # ... then those decided by logistic_nb itself, in a pass of their own (inside the
        # first one the exp would be computed for every position)
        if undecided:
            for k in range(n):
                if tmp[k]:
                    x = logit + slope * (score[k] - score0[k])
                    u = uniform_nb(key, lane_hash[k], 0)
                    ok[k] = _ONE if u < logistic_nb(x) else _ZERO


@numba.njit(inline="always", cache=True)
def _sum8(x, n, sa, qa):
    """``sa[k % 8] += x[k]`` and ``qa[k % 8] += x[k]²`` for ``k < n``, each accumulator in
    k order (see :data:`SUM_LANES`); the eight run in registers, as one vector."""
    s0, s1, s2, s3, s4, s5, s6, s7 = sa[0], sa[1], sa[2], sa[3], sa[4], sa[5], sa[6], sa[7]
    q0, q1, q2, q3, q4, q5, q6, q7 = qa[0], qa[1], qa[2], qa[3], qa[4], qa[5], qa[6], qa[7]
    m = n - n % 8
    for k in range(0, m, 8):
        x0, x1, x2, x3 = x[k], x[k + 1], x[k + 2], x[k + 3]
        x4, x5, x6, x7 = x[k + 4], x[k + 5], x[k + 6], x[k + 7]
        s0, s1, s2, s3 = s0 + x0, s1 + x1, s2 + x2, s3 + x3
        s4, s5, s6, s7 = s4 + x4, s5 + x5, s6 + x6, s7 + x7
        q0, q1, q2, q3 = q0 + x0 * x0, q1 + x1 * x1, q2 + x2 * x2, q3 + x3 * x3
        q4, q5, q6, q7 = q4 + x4 * x4, q5 + x5 * x5, q6 + x6 * x6, q7 + x7 * x7
    sa[0], sa[1], sa[2], sa[3], sa[4], sa[5], sa[6], sa[7] = s0, s1, s2, s3, s4, s5, s6, s7
    qa[0], qa[1], qa[2], qa[3], qa[4], qa[5], qa[6], qa[7] = q0, q1, q2, q3, q4, q5, q6, q7
    for k in range(m, n):
        v = x[k]
        sa[k - m] += v
        qa[k - m] += v * v


@numba.njit(parallel=True, cache=True, nogil=True)
def simulate_blocks(item_point, item_persona, item_block, counts, j_first, lo, hi, stage_first,
            ev_int, ev_u64, ev_value, st_mode, st_u64, st_f64, baseline_dist, key_baseline,
            cond_op, cond_arg, cond_value, dist_kind, dist_param, dist_first, dist_count,
            discrete_value, discrete_cum, flag_words, out_counts, out_sums):
    """Simulate the blocks ``item_*[i]`` = (point, persona, block index) and write block i's
    tallies to row i of ``out_counts`` (int64: customers | hist[K] | reached[S] |
    advanced[S] | events[E] | stage hist[S·K], stage s's K counts at ``s·K``) and
    ``out_sums`` (float64: score sum | score² sum | stage score sums[S] | stage score²
    sums[S]). The packed tables are built by :func:`cxdsl.sim.engine.pack`. Point p's
    customers of persona q are ``j_first[p, q] … j_first[p, q] + counts[p, q] - 1`` (the
    worlds of a forecast each take their own customers; sweep points share them).

    A block runs LANES customers at a time. The customers still in the journey occupy
    positions ``0 … n_active - 1`` of the state arrays, in customer order; ``lane[k]`` is
    the customer (lane) at position k, ``final[lane]`` a customer's final score."""
    n_stages = stage_first.shape[0] - 1
    n_scores = hi - lo + 1
    col_reached = 1 + n_scores
    col_advanced = col_reached + n_stages
    col_event = col_advanced + n_stages
    col_stage_hist = out_counts.shape[1] - n_stages * n_scores  # after the E event counts
    col_stage_sq = 2 + n_stages
    flo = float(lo)
    fhi = float(hi)
    for it in numba.prange(item_point.shape[0]):
        pt = item_point[it]
        q = item_persona[it]
        j_start = j_first[pt, q] + item_block[it] * BLOCK_SIZE
        j_end = min(j_start + BLOCK_SIZE, j_first[pt, q] + counts[pt, q])
        cnt = out_counts[it]
        sums = out_sums[it]
        cnt[:] = 0
        sums[:] = 0.0
        # state per active position (lane numbers are unsigned: indexing with them skips
        # numba's negative-index fix-up); flags: row w (event bits 64w…) at w·LANES
        lane = np.empty(LANES, dtype=np.uint64)
        lane_hash = np.empty(LANES, dtype=np.uint64)
        score = np.empty(LANES)
        score0 = np.empty(LANES)
        flags = np.empty(flag_words * LANES, dtype=np.uint64)
        ok = np.empty(LANES, dtype=np.uint64)      # 0 or 1
        stack = np.empty(LANES, dtype=np.uint64)   # condition stacks
        hits = np.empty(LANES, dtype=np.int64)     # listed positions
        hh = np.empty(LANES, dtype=np.uint64)      # their hashes
        vals = np.empty(LANES)                     # draws
        tmp = np.empty(LANES, dtype=np.int64)
        final = np.empty(LANES)                    # per lane
        ev_i = ev_int[pt, q]
        ev_u = ev_u64[pt, q]
        ev_v = ev_value[pt, q]
        st_m = st_mode[pt, q]
        st_u = st_u64[pt, q]
        st_f = st_f64[pt, q]
        acc = np.zeros((sums.shape[0], SUM_LANES))  # the block's sums (SUM_LANES)
        for j0 in range(j_start, j_end, LANES):
            n = min(LANES, j_end - j0)
            for k in range(n):
                lane_hash[k] = customer_hash_nb(j0 + k)
                lane[k] = k
            flags[:] = _ZERO
            _draws(baseline_dist[pt, q], key_baseline[q], n, lane_hash, score0, tmp,
                   dist_kind, dist_param, dist_first, dist_count, discrete_value,
                   discrete_cum)
            for k in range(n):
                x = score0[k]
                x = fhi if x > fhi else (flo if x < flo else x)
                score0[k] = x
                score[k] = x
            n_active = n
            for s in range(n_stages):
                cnt[col_reached + s] += n_active
                for idx in range(stage_first[s], stage_first[s + 1]):
                    cnt[col_event + ev_i[idx, EV_EVENT]] += _event(
                        idx, n_active, ev_i, ev_u, ev_v, score, flags, lane_hash, ok, hits,
                        hh, vals, tmp, stack, cond_op, cond_arg, cond_value, dist_kind,
                        dist_param, dist_first, dist_count, discrete_value, discrete_cum)
                # clamp, continue the block's sums, count the answers of a survey here
                for k in range(n_active):
                    x = score[k]
                    score[k] = fhi if x > fhi else (flo if x < flo else x)
                _sum8(score, n_active, acc[2 + s], acc[col_stage_sq + s])
                hist = cnt[col_stage_hist + s * n_scores:]  # a view, indexed by r - lo >= 0
                for k in range(n_active):
                    hist[numba.uint64(math.floor(score[k] + 0.5) - flo)] += 1
                if s == n_stages - 1:
                    break
                mode = st_m[s]
                if mode == MODE_ALWAYS:
                    cnt[col_advanced + s] += n_active
                    continue
                _advance(mode, st_u[s, 1], st_u[s, 0], st_f[s, 0], st_f[s, 1], n_active,
                         score, score0, lane_hash, ok, tmp)
                for k in range(n_active):  # a customer who stays has it overwritten later
                    final[lane[k]] = score[k]
                if COMPRESS:
                    for k in range(n_active, min(n_active + 8, LANES)):
                        ok[k] = _ZERO
                    n_active = compact_compress(n_active, ok, lane, lane_hash, score,
                                                score0, flags, flag_words)
                else:
                    n_active = compact_portable(n_active, ok, lane, lane_hash, score,
                                                score0, flags, flag_words)
                cnt[col_advanced + s] += n_active
                if n_active == 0:
                    break  # everyone left: no further draws
            for k in range(n_active):
                final[lane[k]] = score[k]
            _sum8(final, n, acc[0], acc[1])  # in customer order
            for i in range(n):
                cnt[1 + int(math.floor(final[i] + 0.5)) - lo] += 1
        cnt[0] = j_end - j_start
        for c in range(sums.shape[0]):
            a = acc[c]
            sums[c] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
