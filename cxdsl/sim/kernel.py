"""The simulator's kernel: one table-driven numba function and everything it compiles in.

Compiled once (``cache=True``) for every journey: a journey is data
(:class:`cxdsl.sim.lower.Tables`), never code. It runs DESIGN.md "Meaning" in parallel over
*blocks* of :data:`BLOCK_SIZE` customers, each :data:`LANES` at a time, stage by stage and
event by event, those still in the journey kept contiguous: every step is a branch-free
loop over them (decisions become 0/1 values; rare cases — a logistic too close to call, a
normal's tails — get a pass of their own), which the compiler vectorises, with the plain
formula's decisions and values, checked bit for bit by
:func:`cxdsl.sim.reference.simulate_reference`.

Everything lives in this file because numba keys a cached compilation on the source file
of the function compiled, not on what it inlines: an edit to any constant or helper here
invalidates the cache (a test checks that cached functions compile in only their own
module's globals). The wrapper that validates, chunks and tallies is :mod:`cxdsl.sim.engine`.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import binding as llvm_binding
from llvmlite import ir as llir
from numba.core import cgutils, types
from numba.extending import intrinsic, register_jitable

from .jit import njit, numba

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
# Columns of the packed event table ``ev_int`` (int64[P,Q,E,6], events in processing order);
# EV_FLAGGED is 1 for an event a condition reads: only those are marked in the flags
EV_EVENT, EV_MODE, EV_COND_FIRST, EV_COND_END, EV_DIST, EV_FLAGGED = range(6)
# Columns of ``ev_u64`` (uint64[P,Q,E,3])
EV_THRESHOLD, EV_KEY_OCCURS, EV_KEY_IMPACT = range(3)

#: Customers per block: the unit of parallel work and of float summation. Part of the
#: determinism contract — changing it changes the last bits of the score sums.
BLOCK_SIZE = 4096
#: Customers a block works on together (lanes): each stage and event is a branch-free loop
#: over those still in the journey, kept contiguous. Part of the contract too (SUM_LANES).
LANES = 256

#: Accumulators of each float sum of a block: the value at position k of a loop over a
#: group of LANES customers goes to accumulator k mod SUM_LANES, and the block's total is
#: ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) — eight independent chains run as one
#: vector, where one running sum waits for each add. The reference engine sums alike.
SUM_LANES = 8

#: Interleaved copies of a block's histograms (position k counts into copy k mod 4), when
#: they have at most HIST_COPIED bins in all (S + 1 rows of K); a choice of speed only.
HIST_COPIES, HIST_COPIED = 4, 4096

#: How the kernel's helpers are compiled: cached, and without the wrappers that would let
#: Python call them (unboxing up to forty arrays), since only compiled code calls them; that
#: takes a fifth off the first run's compile time. Tests call them through njit shims.
#: NumPy's error model: a float division is the IEEE one, without Python's check for a zero
#: divisor, whose branch to raise ZeroDivisionError keeps any loop with a division scalar
#: (the normal's central region, a rational function, ran one lane at a time). No divisor
#: here can be zero: AS 241's denominators are positive polynomials, logistic's 1 + e^x >= 1.
_COMPILED_ONLY = dict(cache=True, nogil=True, no_cpython_wrapper=True, no_cfunc_wrapper=True,
                      error_model="numpy")

_ONE, _ZERO, _LOW6 = np.uint64(1), np.uint64(0), np.uint64(63)
_NOT_ONE = np.uint64(0xFFFFFFFFFFFFFFFE)


# ------------------------------------------------- random numbers (see cxdsl.sim.rng)

GAMMA = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, odd: SplitMix64's Weyl increment
MIX_M1 = 0xBF58476D1CE4E5B9
MIX_M2 = 0x94D049BB133111EB
TWO_POW_M52 = 2.0 ** -52

# uint64 constants for the jitted code: every intermediate stays unsigned (no float promotion)
_GAMMA_U, _M1_U, _M2_U = np.uint64(GAMMA), np.uint64(MIX_M1), np.uint64(MIX_M2)
_S30, _S27, _S31, _S12 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(12)
_ONE_EXPONENT = np.uint64(0x3FF0000000000000)  # the bits of 1.0
_ONE_LESS_HALF = 1.0 - 2.0 ** -53  # 1 - half of 2**-52
_TWO52_BITS = np.uint64(0x4330000000000000)  # the bits of 2.0**52


@njit(inline="always", cache=True)
def mix64_nb(z):
    """SplitMix64's output function (uint64 in, uint64 out; arithmetic wraps mod 2**64)."""
    z = numba.uint64(z)
    z = (z ^ (z >> _S30)) * _M1_U
    z = (z ^ (z >> _S27)) * _M2_U
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def customer_hash_nb(j):
    """The hash of customer index ``j`` (int64 ≥ 0) within its persona, as uint64."""
    return mix64_nb(numba.uint64(j + 1) * _GAMMA_U)


@njit(inline="always", cache=True)
def draw_u64_nb(key, h, sub):
    """64-bit draw ``sub`` (small int) of stream ``key`` for customer hash ``h``."""
    return mix64_nb((numba.uint64(key) ^ numba.uint64(h))
                    + numba.uint64(sub + 1) * _GAMMA_U)


@njit(inline="always", cache=True)
def unit_nb(x):
    """The uniform float64 strictly inside (0, 1) of a 64-bit word (its top 52 bits)."""
    # ((x >> 12) + 0.5)·2**-52 without an int-to-float conversion (AVX2 has none for
    # vectors: LLVM converts lane by lane): the top 52 bits as the fraction of a float in
    # [1, 2), 1 + (x >> 12)·2**-52, minus 1 - 2**-53. Exact (Sterbenz: the two are within a
    # factor of 2), so the same double as the formula.
    return f64_from_bits(numba.int64((x >> _S12) | _ONE_EXPONENT)) - _ONE_LESS_HALF


@njit(inline="always", cache=True)
def uniform_nb(key, h, sub):
    """A uniform float64 strictly inside (0, 1) from draw ``sub`` of stream ``key``."""
    return unit_nb(draw_u64_nb(key, h, sub))


# AS 241's coefficients, highest power first (central region |q| <= 0.425; tails with
# r = sqrt(-log(min(p, 1 - p))) <= 5, then beyond)
_CENTRAL_NUM = (2.5090809287301226727e+3, 3.3430575583588128105e+4, 6.7265770927008700853e+4,
                4.5921953931549871457e+4, 1.3731693765509461125e+4, 1.9715909503065514427e+3,
                1.3314166789178437745e+2, 3.3871328727963666080e+0)
_CENTRAL_DEN = (5.2264952788528545610e+3, 2.8729085735721942674e+4, 3.9307895800092710610e+4,
                2.1213794301586595867e+4, 5.3941960214247511077e+3, 6.8718700749205790830e+2,
                4.2313330701600911252e+1, 1.0)
_NEAR_NUM = (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
             1.27045825245236838258e+0, 3.64784832476320460504e+0, 5.76949722146069140550e+0,
             4.63033784615654529590e+0, 1.42343711074968357734e+0)
_NEAR_DEN = (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
             1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e+0,
             2.05319162663775882187e+0, 1.0)
_FAR_NUM = (2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
            2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e+0,
            5.46378491116411436990e+0, 6.65790464350110377720e+0)
_FAR_DEN = (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
            7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
            5.99832206555887937690e-1, 1.0)


@register_jitable(inline="always")
def _horner(r: float, c: tuple) -> float:
    """``c[0]·r⁷ + … + c[7]`` by Horner's rule, in AS 241's order of operations."""
    return (((((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) * r
             + c[6]) * r + c[7])


@register_jitable(inline="always")
def ppnd16_central(q: float) -> float:
    """:func:`ppnd16` of ``p = q + 0.5`` for ``|q| <= 0.425`` (85% of draws): one rational
    function, no ``log``, no branch, so the kernel computes it for every lane."""
    r = 0.180625 - q * q
    return _horner(r, _CENTRAL_NUM) * q / _horner(r, _CENTRAL_DEN)


def ppnd16(p: float) -> float:
    """The standard normal quantile of p in (0, 1): Wichura's AS 241 (PPND16, relative
    accuracy ~1e-16) with the coefficients and order of operations of Python's
    ``statistics.NormalDist.inv_cdf``, whose results it reproduces bit for bit. Written once,
    compiled twice (``ppnd16_nb``): the kernel and the reference compute the same doubles."""
    q = p - 0.5
    if abs(q) <= 0.425:
        return ppnd16_central(q)
    x = ppnd16_tail(ppnd16_tail_r(p, q))
    return -x if q < 0.0 else x


@register_jitable(inline="always")
def ppnd16_tail_r(p: float, q: float) -> float:
    """``r = sqrt(-log(min(p, 1 - p)))`` of :func:`ppnd16`'s tails (``q = p - 0.5``)."""
    return math.sqrt(-math.log(p if q <= 0.0 else 1.0 - p))


@register_jitable(inline="always")
def ppnd16_tail(r: float) -> float:
    """:func:`ppnd16`'s |quantile| in the tails from ``r``: a rational function of r near
    (r <= 5), another beyond (in a loop over many r, LLVM computes both and selects)."""
    if r <= 5.0:
        return _horner(r - 1.6, _NEAR_NUM) / _horner(r - 1.6, _NEAR_DEN)
    return _horner(r - 5.0, _FAR_NUM) / _horner(r - 5.0, _FAR_DEN)


ppnd16_nb = njit(inline="always", cache=True)(ppnd16)


# ------------------------------------------------------------------- the logistic


@njit(inline="always", cache=True)
def logistic_nb(x):
    """1 / (1 + e^-x) without overflow; its ``py_func`` (``logistic``) serves Python."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


logistic = logistic_nb.py_func


# The logistic advance without a call to exp for almost every customer: u < logistic(x) =
# 1 / (1 + e^-x) is u·(1 + e^-x) < 1, with e^-x from a short polynomial (fdlibm's
# reduction e^t = 2^n·e^r, |r| <= ln2/2, then Taylor to r^7, evaluated by Estrin's scheme
# so the vector units are not waiting on one long chain) whose relative error, under 1e-8
# with the rounding of the product, is far below the margin of 1e-7: a product below
# 1 - margin or above 1 + margin decides as the plain formula ``u < logistic_nb(x)`` does
# (itself within 1e-15 of the exact value). Inside the band (a chance of about 2e-7 a
# draw) logistic_nb decides. x is clamped to ±700 (so 2^n fits a double): beyond, both
# decide alike anyway — u < 1 = logistic(x) for x > 700, and u >= 2^-53 > logistic(x) for
# x < -700, where the product is at least 2^-53·e^700. No table look-up, no division, no
# branch: every lane is a few dozen vector instructions.
_LOG2E = 1.4426950408889634
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # fdlibm's split
_EXP_RANGE, _DECIDE_MARGIN = 700.0, 1e-7
# n = round(t·log2(e)) by adding 1.5·2^52, whose last bits then hold n itself
_ROUNDING = 1.5 * 2.0 ** 52
_ROUNDING_BITS = int(np.float64(_ROUNDING).view(np.int64))
_EXP_BIAS, _EXP_SHIFT = np.int64(1023 - _ROUNDING_BITS), np.int64(52)
_F2, _F3, _F4, _F5, _F6, _F7 = (1.0 / math.factorial(i) for i in range(2, 8))


@intrinsic
def bits_of_f64(typingctx, x):
    """The IEEE-754 bits of float64 ``x`` as an int64 (a bit cast: no instruction)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llir.IntType(64))

    return types.int64(x), codegen


@intrinsic
def f64_from_bits(typingctx, bits):
    """The float64 whose IEEE-754 bits are int64 ``bits`` (a bit cast: no instruction)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llir.DoubleType())

    return types.float64(bits), codegen


@register_jitable(inline="always")
def exp_close(t: float) -> float:
    """e^t for |t| <= 700 within a relative 1e-8 (branch-free; not e^t's nearest double)."""
    rounded = t * _LOG2E + _ROUNDING
    n = rounded - _ROUNDING
    r = (t - n * _LN2_HI) - n * _LN2_LO
    r2 = r * r
    r4 = r2 * r2
    p = ((1.0 + r) + (0.5 + _F3 * r) * r2) + ((_F4 + _F5 * r) + (_F6 + _F7 * r) * r2) * r4
    return p * f64_from_bits((bits_of_f64(rounded) + _EXP_BIAS) << _EXP_SHIFT)


@register_jitable(inline="always")
def logistic_close_call(u: float, x: float):
    """(``u < logistic(x)``, whether that is certain) for a uniform u in [2^-53, 1): certain
    where ``u·(1 + e^-x)`` is farther than the margin from 1; elsewhere the caller asks
    logistic_nb. Branch-free."""
    product = u * (1.0 + exp_close(-min(max(x, -_EXP_RANGE), _EXP_RANGE)))
    below, above = product < 1.0 - _DECIDE_MARGIN, product > 1.0 + _DECIDE_MARGIN
    return below, below | above


# ------------------------------------------------------------- compaction of the lanes

# How the lanes are packed (those kept first, in order). AVX-512 has a vector compress:
# one instruction for eight 64-bit lanes. Where AVX2 is the widest set there is none, but
# four lanes pack with one variable permute (vpermd) whose indices a table of the 16 masks
# gives. Elsewhere LLVM expands its generic compress into scalar code, correct but slower
# than the portable loops, which run instead. A choice of speed only: every path gives the
# same arrays (tested), and no target's instruction reaches a machine without it.
_FEATURES = numba.config.CPU_FEATURES or llvm_binding.get_host_cpu_features().flatten()
COMPRESS = "+avx512f" in _FEATURES.split(",")
PERMUTE = not COMPRESS and "+avx2" in _FEATURES.split(",")
#: Whether compaction and listing pack whole groups of positions (else one at a time).
PACKED = COMPRESS or PERMUTE
#: Positions :func:`pack_lanes`, :func:`lane_mask` and :func:`pack_positions` take at a time.
GROUP = 8 if COMPRESS else 4


def _kept_first(mask: int, width: int) -> list[int]:
    """The lanes of ``mask`` lowest first, then lane 0 up to ``width`` lanes."""
    kept = [w for w in range(width) if mask >> w & 1]
    return kept + [0] * (width - len(kept))


#: For each 4-lane mask, the vpermd indices that bring its lanes first (64-bit lane w is
#: the 32-bit lanes 2w and 2w + 1).
_PERMUTE_INDICES = [[i for w in _kept_first(m, 4) for i in (2 * w, 2 * w + 1)]
                    for m in range(16)]


def _store_packed(builder, vec, mask, target):
    """Store at ``target`` (a pointer to ``vec``'s type, GROUP lanes of i64 or double) the
    lanes of ``vec`` that ``mask`` (i64) selects, first and in order; the lanes after them
    are zeros, or copies of lane 0 where the permute packs. LLVM's compress works on the
    bits as integers: LLVM 20 fails an assertion expanding it for doubles without AVX-512."""
    width = vec.type.count
    i32, i64 = llir.IntType(32), llir.IntType(64)
    m = builder.and_(mask, llir.Constant(i64, (1 << width) - 1))
    if PERMUTE and width == 4:
        i32x8 = llir.VectorType(i32, 8)
        table = cgutils.global_constant(builder, ".cxdsl.permute", llir.Constant(
            llir.ArrayType(i32x8, 16), [llir.Constant(i32x8, r) for r in _PERMUTE_INDICES]))
        indices = builder.load(builder.gep(table, [llir.Constant(i32, 0), m]), align=32)
        fn = cgutils.get_or_insert_function(
            builder.module, llir.FunctionType(i32x8, [i32x8, i32x8]), "llvm.x86.avx2.permd")
        packed = builder.call(fn, [builder.bitcast(vec, i32x8), indices])
    else:
        ints, bits = llir.VectorType(i64, width), llir.VectorType(llir.IntType(1), width)
        fn = cgutils.get_or_insert_function(
            builder.module, llir.FunctionType(ints, [ints, bits, ints]),
            f"llvm.experimental.vector.compress.v{width}i64")
        selected = builder.bitcast(builder.trunc(m, llir.IntType(width)), bits)
        packed = builder.call(fn, [builder.bitcast(vec, ints), selected,
                                   llir.Constant(ints, None)])
    builder.store(builder.bitcast(packed, vec.type), target, align=8)


def _is_lane_array(arr, dtypes) -> bool:
    return (isinstance(arr, types.Array) and arr.ndim == 1 and arr.layout == "C"
            and arr.dtype in dtypes)


def _int64_args(context, builder, signature, args):
    return [context.cast(builder, v, t, types.int64) for v, t in zip(args, signature)]


@intrinsic
def pack_lanes(typingctx, arr, src, dst, mask):
    """``arr[dst : dst + GROUP] = [arr[src + w] for w < GROUP if mask >> w & 1] + […]``
    for a 1-D contiguous float64/(u)int64 array, ``dst <= src``, ``arr`` reaching ``src +
    GROUP``; read before written, so in place; the lanes after those packed are
    unspecified. One instruction with AVX-512 (compress) or AVX2 (permute)."""
    if not _is_lane_array(arr, (types.float64, types.uint64, types.int64)):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        src, dst, mask = _int64_args(context, builder, signature.args[1:], args[1:])
        vec = llir.VectorType(context.get_value_type(signature.args[0].dtype), GROUP)

        def at(i):
            return builder.bitcast(builder.gep(ary.data, [i]), vec.as_pointer())

        _store_packed(builder, builder.load(at(src), align=8), mask, at(dst))
        return context.get_dummy_value()

    return types.void(arr, src, dst, mask), codegen


@intrinsic
def lane_mask(typingctx, arr, start):
    """The int64 whose bit w is ``arr[start + w] != 0`` for w < GROUP (a 1-D contiguous
    uint64 array reaching ``start + GROUP``): one vector load and compare, where reading
    the values one by one and shifting them in would cost a few dozen instructions."""
    if not _is_lane_array(arr, (types.uint64,)):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        (start,) = _int64_args(context, builder, signature.args[1:], args[1:])
        vec = llir.VectorType(llir.IntType(64), GROUP)
        ptr = builder.bitcast(builder.gep(ary.data, [start]), vec.as_pointer())
        nonzero = builder.icmp_unsigned("!=", builder.load(ptr, align=8),
                                        llir.Constant(vec, None))
        bits = builder.bitcast(nonzero, llir.IntType(GROUP))
        return builder.zext(bits, llir.IntType(64))

    return types.int64(arr, start), codegen


@intrinsic
def pack_positions(typingctx, out, start, dst, mask):
    """``out[dst : dst + GROUP] = [start + w for w < GROUP if mask >> w & 1] + […]`` for a
    1-D contiguous int64 array ``out`` reaching ``dst + GROUP`` (the rest unspecified)."""
    if not _is_lane_array(out, (types.int64,)):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        start, dst, mask = _int64_args(context, builder, signature.args[1:], args[1:])
        i64 = llir.IntType(64)
        vec = llir.VectorType(i64, GROUP)
        base = builder.insert_element(llir.Constant(vec, None), start, llir.Constant(i64, 0))
        splat = builder.shuffle_vector(
            base, base, llir.Constant(llir.VectorType(llir.IntType(32), GROUP), [0] * GROUP))
        positions = builder.add(splat, llir.Constant(vec, list(range(GROUP))))
        target = builder.bitcast(builder.gep(ary.data, [dst]), vec.as_pointer())
        _store_packed(builder, positions, mask, target)
        return context.get_dummy_value()

    return types.void(out, start, dst, mask), codegen


@intrinsic
def popcount(typingctx, x):
    """The number of bits set in int64 ``x`` (LLVM's ``ctpop``: one instruction)."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(
            builder.module, llir.FunctionType(llir.IntType(64), [llir.IntType(64)]),
            "llvm.ctpop.i64")
        return builder.call(fn, [args[0]])

    return types.int64(x), codegen


@njit(**_COMPILED_ONLY)
def compact_portable(n, keep, lane, lane_hash, score, score0, flags, flag_words):
    """Drop the positions ``k < n`` with ``keep[k] == 0`` from ``lane``, ``lane_hash``,
    ``score``, ``score0`` and the ``flag_words`` rows of ``flags`` (row w at ``w·LANES``),
    in order; returns how many stay. Branch-free: copy to ``kept <= k``, add keep[k]."""
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


@njit(**_COMPILED_ONLY)
def compact_packed(n, keep, lane, lane_hash, score, score0, flags, flag_words):
    """:func:`compact_portable`, GROUP positions at a time with :func:`pack_lanes` (``keep``
    must be 0 from ``n`` to the next multiple of GROUP; arrays hold LANES positions)."""
    kept = 0
    for g in range(0, n, GROUP):
        mask = lane_mask(keep, g)
        pack_lanes(lane, g, kept, mask)
        pack_lanes(lane_hash, g, kept, mask)
        pack_lanes(score, g, kept, mask)
        pack_lanes(score0, g, kept, mask)
        for w in range(flag_words):
            pack_lanes(flags, w * LANES + g, w * LANES + kept, mask)
        kept += popcount(mask)
    return kept


# ------------------------------------------------------------------- the kernel


# Which helpers numba inlines: _event (called for every event of every group of lanes,
# where a call that passes a score of arrays field by field would cost a tenth of the
# kernel's time) with its part for conditioned events and their _holds (a call per
# conditioned event and group, each passing ten arrays as some seventy values: 5% of the
# reference journey's time, for a second of compiling), and the scalar primitives; the
# others (_add_drawn, _draws, _leave …) are plain calls, made once per stage or per drawn
# event, which halves the kernel's compile time (numba copies and types an inlined body
# again at every call site).


@njit(**_COMPILED_ONLY)
def _draws(d, key, count, hh, vals, tmp, in_tail, dist_kind, dist_param, dist_first,
           dist_count, discrete_value, discrete_cum):
    """``vals[t]`` = a draw of pooled distribution ``d`` (forms: :mod:`cxdsl.sim.lower`)
    from stream ``key`` for hash ``hh[t]``, ``t < count`` (``tmp``: int64 and ``in_tail``:
    uint64 scratch of LANES), in straight-line loops over all ``t`` (rare cases listed and
    done in a pass of their own)."""
    kind, a, b = dist_kind[d], dist_param[d, 0], dist_param[d, 1]
    if kind == KIND_CONST:
        vals[:count] = a
    elif kind == KIND_UNIFORM:
        for t in range(count):
            vals[t] = a + (b - a) * uniform_nb(key, hh[t], 0)
    elif kind == KIND_NORMAL:
        tails = 0
        for t in range(count):  # the central region for everyone ...
            q = uniform_nb(key, hh[t], 0) - 0.5
            vals[t] = a + b * ppnd16_central(q)
            in_tail[t] = _ZERO if abs(q) <= 0.425 else _ONE
            tails += numba.int64(in_tail[t])
        if tails:  # ... then the 15% in the tails, listed: ppnd16's logarithm one by one
            # (it does not vectorise), its rational functions for all of them at once
            m = _listed(count, in_tail, tmp)
            signed_r = in_tail.view(np.float64)  # the flags are read: reuse their storage
            for i in range(m):
                p = uniform_nb(key, hh[tmp[i]], 0)
                q = p - 0.5
                r = ppnd16_tail_r(p, q)
                signed_r[i] = -r if q < 0.0 else r
            for i in range(m):
                r = signed_r[i]
                x = ppnd16_tail(abs(r))
                signed_r[i] = -x if r < 0.0 else x
            for i in range(m):
                vals[tmp[i]] = a + b * signed_r[i]
    elif kind == KIND_TRIANGULAR:
        hi, split = dist_param[d, 2], dist_param[d, 3]
        span = hi - a
        for t in range(count):
            u = uniform_nb(key, hh[t], 0)
            # the half of the inverse CDF chosen by a select on both halves, not a branch
            low = u < split
            root = math.sqrt(u * span * (b - a) if low else (1.0 - u) * span * (hi - b))
            vals[t] = a + root if low else hi - root
    else:
        # the first i with u < cum[i] (else the last): first + #{i < last: u >= cum[i]}
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


@njit(inline="always", cache=True)
def _holds(c0, c1, n, score, flags, stack, ok, cond_op, cond_arg, cond_value):
    """Evaluate the postfix condition program ``[c0, c1)`` for the first ``n`` positions:
    ``ok[k]`` = 1 where it holds for (``score[k]``, position k's flags), else 0; returns
    how many hold. Position k's boolean stack is the bits of ``stack[k]`` (top = bit 0);
    the program is the outer loop, so the inner loops have no data-dependent branches. The
    commonest programs — ``e``, ``not e``, ``score < v`` — are one loop without the stack."""
    length = c1 - c0
    if length <= 2 and cond_op[c0] == OP_EVENT and (length == 1 or cond_op[c0 + 1] == OP_NOT):
        e = cond_arg[c0]
        fw = flags[(e >> 6) * LANES:]
        bit, flip = numba.uint64(e) & _LOW6, _ONE if length == 2 else _ZERO
        held = 0
        for k in range(n):
            o = ((fw[k] >> bit) & _ONE) ^ flip
            ok[k] = o
            held += numba.int64(o)
        return held
    if length == 1 and cond_op[c0] == OP_SCORE:
        v, cmp = cond_value[c0], cond_arg[c0]
        below = (cmp == CMP_LT) | (cmp == CMP_LE) | (cmp == CMP_NE)
        equal = (cmp == CMP_LE) | (cmp == CMP_GE) | (cmp == CMP_EQ)
        above = (cmp == CMP_GT) | (cmp == CMP_GE) | (cmp == CMP_NE)
        held = 0
        for k in range(n):
            x = score[k]
            o = _ONE if (below & (x < v)) | (equal & (x == v)) | (above & (x > v)) else _ZERO
            ok[k] = o
            held += numba.int64(o)
        return held
    stack[:n] = _ZERO
    for i in range(c0, c1):
        op = cond_op[i]
        if op == OP_EVENT:
            e = cond_arg[i]
            fw = flags[(e >> 6) * LANES:]  # a view: indexing it by k >= 0 vectorises
            bit = numba.uint64(e) & _LOW6
            for k in range(n):
                stack[k] = (stack[k] << _ONE) | ((fw[k] >> bit) & _ONE)
        elif op == OP_SCORE:  # which of below / equal / above the comparison accepts
            v, cmp = cond_value[i], cond_arg[i]
            below = (cmp == CMP_LT) | (cmp == CMP_LE) | (cmp == CMP_NE)
            equal = (cmp == CMP_LE) | (cmp == CMP_GE) | (cmp == CMP_EQ)
            above = (cmp == CMP_GT) | (cmp == CMP_GE) | (cmp == CMP_NE)
            for k in range(n):
                x = score[k]
                b = (below & (x < v)) | (equal & (x == v)) | (above & (x > v))
                stack[k] = (stack[k] << _ONE) | (_ONE if b else _ZERO)
        elif op == OP_NOT:
            for k in range(n):
                stack[k] ^= _ONE
        elif op == OP_AND:  # pop b (bit 0), a (bit 1); push a and b: a where b is 1
            for k in range(n):
                x = stack[k]
                stack[k] = (x >> _ONE) & (x | _NOT_ONE)
        else:  # OP_OR
            for k in range(n):
                x = stack[k]
                stack[k] = (x >> _ONE) | (x & _ONE)
    held = 0
    for k in range(n):
        ok[k] = stack[k] & _ONE
        held += numba.int64(ok[k])
    return held


@njit(inline="always", cache=True)
def _added_where(x, y, o):
    """``x + y`` where ``o`` (a 0/1 uint64) is 1, else ``x``, always by one add: x + -0.0
    is x for every x, -0.0 included. Stored back where x came from, ``x + y if o else x``
    becomes a masked store, which AMD processors before Zen 4 take a dozen cycles for
    (the commonest event's loop ran 1.6 times as long on Zen 3)."""
    return x + (y if o != _ZERO else -0.0)


@njit(inline="always", cache=True)
def _listed(n, ok, hits):
    """List the positions ``k < n`` with ``ok[k] = 1`` (0/1 values) in ``hits``; returns
    how many. Both arrays hold LANES positions (``ok`` is read GROUP at a time, past n
    too, and masked): with :func:`pack_positions` where packing is one instruction, else
    branch-free (write k at ``m <= k``, add ok[k])."""
    if PACKED:
        m = 0
        for g in range(0, n, GROUP):
            mask = lane_mask(ok, g) & ((1 << min(n - g, GROUP)) - 1)
            pack_positions(hits, g, m, mask)
            m += popcount(mask)
        return m
    m = numba.uint64(0)  # unsigned: no negative-index fix-up per write
    for k in range(n):
        hits[m] = k
        m += ok[k]
    return numba.int64(m)


@njit(**_COMPILED_ONLY)
def _add_drawn(d, key, n, happened, score, lane_hash, ok, hits, hh, vals, tmp, stack,
               dist_kind, dist_param, dist_first, dist_count, discrete_value, discrete_cum):
    """Add a draw of distribution ``d`` (stream ``key``) to the score of each of the first
    ``n`` positions with ``ok`` 1 (``happened`` of them): drawn for all (added where it
    happened) when it happened to most, or when the draw is a uniform's, cheaper than
    listing those it happened to; else drawn for those listed."""
    dense = 2 * happened >= n or dist_kind[d] == KIND_UNIFORM
    m = n if dense else _listed(n, ok, hits)
    for t in range(0 if dense else m):
        hh[t] = lane_hash[hits[t]]
    _draws(d, key, m, lane_hash if dense else hh, vals, tmp, stack, dist_kind, dist_param,
           dist_first, dist_count, discrete_value, discrete_cum)
    if dense:
        for k in range(n):
            x = score[k]
            score[k] = _added_where(x, vals[k], ok[k])
    else:
        for t in range(m):
            k = hits[t]
            score[k] = score[k] + vals[t]


@njit(inline="always", cache=True)
def _conditioned(c0, c1, mode, key, threshold, v, n, fw, flag_bit, score, flags, lane_hash,
                 ok, hits, stack, cond_op, cond_arg, cond_value):
    """:func:`_event` for an event with a condition (program ``[c0, c1)``): ``ok[k]`` = 1
    where it holds and happened, ``flag_bit`` (0 for an event no condition reads) or-ed into
    ``fw`` there, the constant impact ``v`` added; returns how many it happened to. The
    occurrence is drawn only where the condition holds: for everyone when most hold, else
    for a list of those who do."""
    happened = 0
    held = _holds(c0, c1, n, score, flags, stack, ok, cond_op, cond_arg, cond_value)
    if held == 0:
        return 0
    decided = mode == MODE_ALWAYS
    if mode == MODE_THRESHOLD and 4 * held < n:  # few hold: draw for those listed first
        for t in range(_listed(n, ok, hits)):
            k = hits[t]
            ok[k] = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
        decided = True
    for k in range(n):  # (the rest of the) draw, flag, count and add in one loop
        o = ok[k] & (_ONE if decided or draw_u64_nb(key, lane_hash[k], 0) < threshold
                     else _ZERO)
        ok[k] = o
        fw[k] |= flag_bit if o != _ZERO else _ZERO
        happened += numba.int64(o)
        x = score[k]
        score[k] = _added_where(x, v, o)  # v is 0.0 for a drawn impact
    return happened


@njit(inline="always", cache=True)
def _event(idx, n, ev_i, ev_u, ev_v, score, flags, lane_hash, ok, hits, hh, vals, tmp,
           stack, cond_op, cond_arg, cond_value, dist_kind, dist_param, dist_first,
           dist_count, discrete_value, discrete_cum):
    """Run event row ``idx`` for the first ``n`` positions (condition, occurrence, flag,
    impact); returns how many it happened to. The occurrence is drawn only where the
    condition holds: for everyone when most hold, else for a list of those who do."""
    mode, e, d = ev_i[idx, EV_MODE], ev_i[idx, EV_EVENT], ev_i[idx, EV_DIST]
    if mode == MODE_NEVER:
        return 0
    c0, c1, v = ev_i[idx, EV_COND_FIRST], ev_i[idx, EV_COND_END], ev_v[idx]
    flagged = ev_i[idx, EV_FLAGGED] != 0
    # this event's row, as a view (row + k would not vectorise), and its bit, or-ed in where
    # it happened; an event no condition reads or-s 0 into the spare last row, so no loop
    # tests ``flagged`` per position (LLVM makes that test masked loads and stores)
    fw = flags[(e >> 6) * LANES:] if flagged else flags[flags.shape[0] - LANES:]
    flag_bit = _ONE << (numba.uint64(e) & _LOW6) if flagged else _ZERO
    key, threshold = ev_u[idx, EV_KEY_OCCURS], ev_u[idx, EV_THRESHOLD]
    happened = 0
    if c1 == c0 and mode == MODE_THRESHOLD and d < 0:
        # the commonest event in one loop: draw (uniform < p as an integer comparison,
        # rng.below_threshold), count, add the constant impact, and flag it if a condition
        # reads it; loops of their own (folded into the last one below, it measured 6%
        # slower on the plain journey; one loop testing ``flagged`` inside, 11% slower: LLVM
        # does not take the test out of the loop here)
        if not flagged:
            for k in range(n):
                o = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
                happened += numba.int64(o)
                x = score[k]
                score[k] = _added_where(x, v, o)
            return happened
        for k in range(n):
            o = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
            fw[k] |= flag_bit if o != _ZERO else _ZERO
            happened += numba.int64(o)
            x = score[k]
            score[k] = _added_where(x, v, o)
        return happened
    if c1 > c0:
        happened = _conditioned(c0, c1, mode, key, threshold, v, n, fw, flag_bit, score,
                                flags, lane_hash, ok, hits, stack, cond_op, cond_arg,
                                cond_value)
    elif d >= 0 and dist_kind[d] == KIND_UNIFORM:
        # a uniform impact without a condition: its draw for every lane, in the same loop
        a, b = dist_param[d, 0], dist_param[d, 1]
        key_impact, always = ev_u[idx, EV_KEY_IMPACT], mode == MODE_ALWAYS
        for k in range(n):
            h = lane_hash[k]
            o = _ONE if always or draw_u64_nb(key, h, 0) < threshold else _ZERO
            fw[k] |= flag_bit if o != _ZERO else _ZERO
            happened += numba.int64(o)
            x = score[k]
            y = a + (b - a) * uniform_nb(key_impact, h, 0)  # _draws' uniform
            score[k] = _added_where(x, y, o)
        return happened
    else:  # MODE_ALWAYS, or a drawn impact: occurrence, flag, count and add in one loop
        always = mode == MODE_ALWAYS
        for k in range(n):
            o = _ONE if always or draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
            ok[k] = o
            fw[k] |= flag_bit if o != _ZERO else _ZERO
            happened += numba.int64(o)
            x = score[k]
            score[k] = _added_where(x, v, o)
    if d >= 0 and happened:
        _add_drawn(d, ev_u[idx, EV_KEY_IMPACT], n, happened, score, lane_hash, ok, hits, hh,
                   vals, tmp, stack, dist_kind, dist_param, dist_first, dist_count,
                   discrete_value, discrete_cum)
    return happened


@njit(**_COMPILED_ONLY)
def _leave(mode, key, threshold, logit, slope, n, score, score0, lane, lane_hash, flags,
           flag_words, ok, tmp, undecided_at, final):
    """Decide who of the first ``n`` positions advance past a stage (``mode`` not
    MODE_ALWAYS; MODE_LOGISTIC's probability ``logistic(logit + slope·(score - score0))``,
    else ``draw < threshold``), write every score to ``final[lane]`` (overwritten later for
    one who stays) and compact the positions to those who stay; returns how many stay.
    ``ok``, ``undecided_at`` (uint64) and ``tmp`` (int64) are scratch of LANES positions."""
    if mode != MODE_LOGISTIC:  # MODE_NEVER's threshold is 0: no draw is below it
        for k in range(n):
            ok[k] = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold else _ZERO
    else:
        # every position decided by the product u·(1 + e^-x), flagged where too close to
        # call ...
        undecided = 0
        for k in range(n):
            x = logit + slope * (score[k] - score0[k])
            u = uniform_nb(key, lane_hash[k], 0)
            below, certain = logistic_close_call(u, x)
            ok[k] = _ONE if below else _ZERO
            flag = _ZERO if certain else _ONE
            undecided_at[k] = flag
            undecided += numba.int64(flag)
        # ... then those by logistic_nb, listed (about one decision in five million)
        if undecided:
            for t in range(_listed(n, undecided_at, tmp)):
                k = tmp[t]
                x = logit + slope * (score[k] - score0[k])
                u = uniform_nb(key, lane_hash[k], 0)
                ok[k] = _ONE if u < logistic_nb(x) else _ZERO
    for k in range(n):
        final[lane[k]] = score[k]
    if PACKED:
        for k in range(n, min(n + GROUP, LANES)):  # compact_packed reads keep in groups
            ok[k] = _ZERO
        return compact_packed(n, ok, lane, lane_hash, score, score0, flags, flag_words)
    return compact_portable(n, ok, lane, lane_hash, score, score0, flags, flag_words)


@intrinsic
def sum_squares8(typingctx, x, groups, sa, qa):
    """``sa[w] += x[8g + w]``, ``qa[w] += x[8g + w]²`` for g < ``groups``, w < 8, in g order:
    eight running sums as one 8-wide vector each (strict IEEE adds and multiplies, no fused
    multiply-add), where LLVM would keep them as eight scalar chains. ``x``, ``sa`` and
    ``qa`` are 1-D contiguous float64 arrays, ``sa`` and ``qa`` of at least 8."""
    f64_array = types.Array(types.float64, 1, "C")
    if not (x == f64_array and sa == f64_array and qa == f64_array
            and isinstance(groups, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        xs, ss, qs = (context.make_array(signature.args[i])(context, builder, args[i])
                      for i in (0, 2, 3))
        count = context.cast(builder, args[1], signature.args[1], types.intp)
        vec = llir.VectorType(llir.DoubleType(), 8)

        def at(ary, i):
            return builder.bitcast(builder.gep(ary.data, [i]), vec.as_pointer())

        zero = llir.Constant(llir.IntType(64), 0)
        s_acc = cgutils.alloca_once_value(builder, builder.load(at(ss, zero), align=8))
        q_acc = cgutils.alloca_once_value(builder, builder.load(at(qs, zero), align=8))
        with cgutils.for_range(builder, count) as loop:
            offset = builder.mul(loop.index, llir.Constant(loop.index.type, 8))
            v = builder.load(at(xs, offset), align=8)
            builder.store(builder.fadd(builder.load(s_acc), v), s_acc)
            builder.store(builder.fadd(builder.load(q_acc), builder.fmul(v, v)), q_acc)
        builder.store(builder.load(s_acc), at(ss, zero), align=8)
        builder.store(builder.load(q_acc), at(qs, zero), align=8)
        return context.get_dummy_value()

    return types.void(x, groups, sa, qa), codegen


@njit(**_COMPILED_ONLY)
def _sum8(x, n, sa, qa):
    """``sa[k % 8] += x[k]``, ``qa[k % 8] += x[k]²`` for ``k < n`` in k order (SUM_LANES)."""
    m = n - n % 8
    sum_squares8(x, m // 8, sa, qa)
    for k in range(m, n):
        sa[k - m] += x[k]
        qa[k - m] += x[k] * x[k]


@njit(**_COMPILED_ONLY)
def _tally(x, n, hist, first, flo, copies, stride, idx):
    """``hist[first + (k mod copies)·stride + round(x[k]) - lo] += 1`` for ``k < n`` (``x``
    within the scale, ``copies`` a power of two; ``idx``: uint64 scratch). Consecutive
    positions count into different copies: equal scores in a row, the common case, would
    otherwise wait each for the previous one's store."""
    mask, first_u, stride_u = numba.uint64(copies - 1), numba.uint64(first), numba.uint64(stride)
    shift = 2.0 ** 52 - flo
    for k in range(n):  # the bins, in a loop that vectorises ...
        # the bin round(x) - lo, a small whole number, read off the bits of itself plus
        # 2**52 (exact): AVX2 has no vector float-to-int conversion
        idx[k] = (numba.uint64(bits_of_f64(math.floor(x[k] + 0.5) + shift)) - _TWO52_BITS
                  + first_u + (numba.uint64(k) & mask) * stride_u)
    for k in range(n):  # ... then the counts
        hist[idx[k]] += 1


@njit(**_COMPILED_ONLY)
def _block(j_start, j_end, cnt, sums, lo, hi, stage_first, ev_i, ev_u, ev_v, st_m, st_u,
           st_f, base, key_base, cond_op, cond_arg, cond_value, dist_kind, dist_param,
           dist_first, dist_count, discrete_value, discrete_cum, flag_words, stage_surveyed):
    """Customers ``j_start … j_end - 1`` of one (point, persona) into a block's tallies
    ``cnt``, ``sums`` (rows of :func:`simulate_blocks`' outputs): allocates the block's
    scratch and runs :func:`_lanes` on it. Not inlined in the parallel loop, whose
    compilation then stays small."""
    # state per position (unsigned lane numbers skip numba's negative-index fix-up); flags:
    # row w (event bits 64w…) at w·LANES, then a spare row the events no condition reads
    # or their 0 into (:func:`_event`)
    lane, lane_hash = np.empty(LANES, dtype=np.uint64), np.empty(LANES, dtype=np.uint64)
    score, score0, vals = np.empty(LANES), np.empty(LANES), np.empty(LANES)  # vals: draws
    flags = np.empty((flag_words + 1) * LANES, dtype=np.uint64)
    ok, stack = np.empty(LANES, dtype=np.uint64), np.empty(LANES, dtype=np.uint64)
    hits, tmp = np.empty(LANES, dtype=np.int64), np.empty(LANES, dtype=np.int64)
    hh = np.empty(LANES, dtype=np.uint64)  # the hashes of listed positions (hits)
    final = np.empty(LANES)  # per lane: its final score
    acc = np.zeros((sums.shape[0], SUM_LANES))  # the block's sums (SUM_LANES)
    # the histograms (a row per stage, then the final scores') in HIST_COPIES copies
    n_stages, n_scores = stage_first.shape[0] - 1, hi - lo + 1
    rows = (n_stages + 1) * n_scores
    copies = HIST_COPIES if rows <= HIST_COPIED else 1
    hist = np.zeros(copies * rows, dtype=np.int64)
    _lanes(j_start, j_end, cnt, acc, lo, hi, stage_first, ev_i, ev_u, ev_v, st_m, st_u, st_f,
           base, key_base, cond_op, cond_arg, cond_value, dist_kind, dist_param, dist_first,
           dist_count, discrete_value, discrete_cum, flag_words, stage_surveyed, lane,
           lane_hash, score, score0, vals, flags, ok, stack, hits, tmp, hh, final, hist,
           copies)
    col_stage_hist = cnt.shape[0] - n_stages * n_scores  # after the E event counts
    for c in range(copies):
        for r in range(n_stages * n_scores):
            cnt[col_stage_hist + r] += hist[c * rows + r]
        for r in range(n_scores):
            cnt[1 + r] += hist[c * rows + n_stages * n_scores + r]
    for c in range(sums.shape[0]):
        a = acc[c]
        sums[c] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))


# Compiled without numba's reference counting (``_nrt=False``): every array here is owned
# by _block, which outlives the call, and the inlined helpers take arrays and views of
# them by the dozen per event and group of lanes — each an atomic increment and decrement
# with the counting on, a quarter of the kernel's time.
@njit(**_COMPILED_ONLY, _nrt=False)
def _lanes(j_start, j_end, cnt, acc, lo, hi, stage_first, ev_i, ev_u, ev_v, st_m, st_u, st_f,
           base, key_base, cond_op, cond_arg, cond_value, dist_kind, dist_param, dist_first,
           dist_count, discrete_value, discrete_cum, flag_words, stage_surveyed, lane,
           lane_hash, score, score0, vals, flags, ok, stack, hits, tmp, hh, final, hist,
           copies):
    """The work of :func:`_block` on its scratch: counts into ``cnt``, float sums into the
    SUM_LANES accumulators ``acc`` (float64[sums, SUM_LANES]), histograms into ``hist``
    (``copies`` copies of S + 1 rows of K: :func:`_tally`). Those still in the journey
    are positions ``0 … n_active - 1``, in customer order; ``lane[k]``: position k's lane
    (customer)."""
    n_stages, n_scores = stage_first.shape[0] - 1, hi - lo + 1
    col_reached, col_advanced = 1 + n_scores, 1 + n_scores + n_stages
    col_event, col_stage_sq = 1 + n_scores + 2 * n_stages, 2 + n_stages
    rows = (n_stages + 1) * n_scores
    cnt[:] = 0
    flo, fhi = float(lo), float(hi)
    for j0 in range(j_start, j_end, LANES):
        n = min(LANES, j_end - j0)
        for k in range(n):
            lane_hash[k] = customer_hash_nb(j0 + k)
            lane[k] = k
        flags[:] = _ZERO
        _draws(base, key_base, n, lane_hash, score0, tmp, stack, dist_kind, dist_param,
               dist_first, dist_count, discrete_value, discrete_cum)
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
            if stage_surveyed[s]:
                _tally(score, n_active, hist, s * n_scores, flo, copies, rows, stack)
            if s == n_stages - 1:
                break
            mode = st_m[s]
            if mode == MODE_ALWAYS:
                cnt[col_advanced + s] += n_active
                continue
            n_active = _leave(mode, st_u[s, 1], st_u[s, 0], st_f[s, 0], st_f[s, 1], n_active,
                              score, score0, lane, lane_hash, flags, flag_words, ok, tmp,
                              stack, final)
            cnt[col_advanced + s] += n_active
            if n_active == 0:
                break  # everyone left: no further draws
        for k in range(n_active):
            final[lane[k]] = score[k]
        _sum8(final, n, acc[0], acc[1])  # in customer order
        _tally(final, n, hist, n_stages * n_scores, flo, copies, rows, stack)
    cnt[0] = j_end - j_start


@njit(parallel=True, cache=True, nogil=True)
def simulate_blocks(item_point, item_persona, item_block, counts, j_first, lo, hi, stage_first,
            ev_int, ev_u64, ev_value, st_mode, st_u64, st_f64, baseline_dist, key_baseline,
            cond_op, cond_arg, cond_value, dist_kind, dist_param, dist_first, dist_count,
            discrete_value, discrete_cum, flag_words, stage_surveyed, out_counts, out_sums):
    """Simulate the blocks ``item_*[i]`` = (point, persona, block index) and write block i's
    tallies to row i of ``out_counts`` (int64: customers | hist[K] | reached[S] |
    advanced[S] | events[E] | stage hist[S·K], stage s's K counts at ``s·K``) and
    ``out_sums`` (float64: score sum | score² sum | stage score sums[S] | stage score²
    sums[S]); the packed tables are :func:`cxdsl.sim.engine.pack`'s. Point p's customers of
    persona q are ``j_first[p, q] … j_first[p, q] + counts[p, q] - 1`` (a forecast's worlds
    each take their own customers; sweep points share them)."""
    for it in numba.prange(item_point.shape[0]):
        pt, q = item_point[it], item_persona[it]
        j_start = j_first[pt, q] + item_block[it] * BLOCK_SIZE
        j_end = min(j_start + BLOCK_SIZE, j_first[pt, q] + counts[pt, q])
        _block(j_start, j_end, out_counts[it], out_sums[it], lo, hi, stage_first,
               ev_int[pt, q], ev_u64[pt, q], ev_value[pt, q], st_mode[pt, q], st_u64[pt, q],
               st_f64[pt, q], baseline_dist[pt, q], key_baseline[q], cond_op, cond_arg,
               cond_value, dist_kind, dist_param, dist_first, dist_count, discrete_value,
               discrete_cum, flag_words, stage_surveyed)


# ============================================================== per-customer recorder
# Everything below is the recorder of :mod:`cxdsl.sim.customers` (``cxdsl sample``): it
# reads the tables simulate_blocks reads and takes the same decisions from the same draws,
# one customer at a time, but writes down each customer's outcome — the last stage
# reached, the events that happened, each survey's answer — instead of tallying. It uses
# only the scalar primitives above (customer_hash_nb, draw_u64_nb, uniform_nb, ppnd16_nb,
# logistic_nb) and the table codes, so its decisions are the kernel's: the fixed
# probabilities compared as integers, the logistic advance as ``u < logistic(x)`` (the
# kernel's polynomial decides exactly that), every impact drawn with the kernel's arithmetic.


@njit(inline="always", cache=True)
def _draw_one(d, key, h, dist_kind, dist_param, dist_first, dist_count, discrete_value,
              discrete_cum):
    """One draw of pooled distribution ``d`` from stream ``key`` for customer hash ``h``:
    the value _draws gives that customer (the triangular's two halves chosen by a branch
    where _draws selects)."""
    kind = dist_kind[d]
    a = dist_param[d, 0]
    b = dist_param[d, 1]
    if kind == KIND_CONST:
        return a
    u = uniform_nb(key, h, 0)
    if kind == KIND_UNIFORM:
        return a + (b - a) * u
    if kind == KIND_NORMAL:
        return a + b * ppnd16_nb(u)
    if kind == KIND_TRIANGULAR:
        hi = dist_param[d, 2]
        span = hi - a
        if u < dist_param[d, 3]:
            return a + math.sqrt(u * span * (b - a))
        return hi - math.sqrt((1.0 - u) * span * (hi - b))
    i = dist_first[d]
    last = i + dist_count[d] - 1
    while i < last and not u < discrete_cum[i]:
        i += 1
    return discrete_value[i]


@njit(inline="always", cache=True)
def _holds_one(c0, c1, score, happened, cond_op, cond_arg, cond_value):
    """Whether the postfix condition program ``[c0, c1)`` holds for one customer with
    ``score`` and ``happened`` (int8[E], 1 where the event happened): _holds' bit stack,
    for a single customer."""
    stack = _ZERO
    for i in range(c0, c1):
        op = cond_op[i]
        if op == OP_EVENT:
            stack = (stack << _ONE) | (_ONE if happened[cond_arg[i]] == 1 else _ZERO)
        elif op == OP_SCORE:
            v = cond_value[i]
            cmp = cond_arg[i]
            if cmp == CMP_LT:
                b = score < v
            elif cmp == CMP_LE:
                b = score <= v
            elif cmp == CMP_GT:
                b = score > v
            elif cmp == CMP_GE:
                b = score >= v
            elif cmp == CMP_EQ:
                b = score == v
            else:
                b = score != v
            stack = (stack << _ONE) | (_ONE if b else _ZERO)
        elif op == OP_NOT:
            stack ^= _ONE
        elif op == OP_AND:
            stack = (stack >> _ONE) & (stack | _NOT_ONE)
        else:
            stack = (stack >> _ONE) | (stack & _ONE)
    return (stack & _ONE) != _ZERO


@njit(inline="always", cache=True)
def _answer(score, v, q, h, respond_mode, respond_threshold, respond_key, blank):
    """Survey ``v``'s answer of a customer of persona ``q`` (hash ``h``) whose score is
    ``score``: the rounded score, or ``blank`` when the respond draw says no answer."""
    if respond_mode == MODE_NEVER:
        return blank
    if respond_mode == MODE_THRESHOLD and not (
            draw_u64_nb(respond_key[q, v], h, 0) < respond_threshold):
        return blank
    return numba.int32(math.floor(score + 0.5))


@njit(inline="always", cache=True)
def _journey_one(h, q, score0, ev_i, ev_u, ev_v, st_m, st_u, st_f, stage_first, cond_op,
                 cond_arg, cond_value, dist_kind, dist_param, dist_first, dist_count,
                 discrete_value, discrete_cum, survey_stage, respond_mode,
                 respond_threshold, respond_key, blank, flo, fhi, happened, answer):
    """The stages of one customer (hash ``h``, persona ``q``, starting score ``score0``)
    with the rows of its point and persona: marks ``happened``, writes the answers of the
    surveys at a stage into ``answer``; returns (last stage reached, final score)."""
    n_stages = stage_first.shape[0] - 1
    score = score0
    last = 0
    for s in range(n_stages):
        last = s
        for idx in range(stage_first[s], stage_first[s + 1]):
            mode = ev_i[idx, EV_MODE]
            if mode == MODE_NEVER:
                continue
            c0 = ev_i[idx, EV_COND_FIRST]
            c1 = ev_i[idx, EV_COND_END]
            if c1 > c0 and not _holds_one(c0, c1, score, happened, cond_op, cond_arg,
                                          cond_value):
                continue
            if mode == MODE_THRESHOLD and not (
                    draw_u64_nb(ev_u[idx, EV_KEY_OCCURS], h, 0) < ev_u[idx, EV_THRESHOLD]):
                continue
            happened[ev_i[idx, EV_EVENT]] = 1
            d = ev_i[idx, EV_DIST]
            if d < 0:
                score = score + ev_v[idx]
            else:
                score = score + _draw_one(d, ev_u[idx, EV_KEY_IMPACT], h, dist_kind,
                                          dist_param, dist_first, dist_count, discrete_value,
                                          discrete_cum)
        score = fhi if score > fhi else (flo if score < flo else score)
        for v in range(survey_stage.shape[0]):
            if survey_stage[v] == s:
                answer[v] = _answer(score, v, q, h, respond_mode, respond_threshold,
                                    respond_key, blank)
        if s == n_stages - 1:
            break
        mode = st_m[s]
        if mode == MODE_ALWAYS:
            continue
        if mode == MODE_NEVER:
            break
        if mode == MODE_THRESHOLD:
            if not draw_u64_nb(st_u[s, 1], h, 0) < st_u[s, 0]:
                break
        elif not (uniform_nb(st_u[s, 1], h, 0)
                  < logistic_nb(st_f[s, 0] + st_f[s, 1] * (score - score0))):
            break
    return last, score


@njit(parallel=True, cache=True, nogil=True)
def record_customers(item_point, item_persona, item_j, item_count, item_row, lo, hi,
                     stage_first, ev_int, ev_u64, ev_value, st_mode, st_u64, st_f64,
                     baseline_dist, key_baseline, cond_op, cond_arg, cond_value, dist_kind,
                     dist_param, dist_first, dist_count, discrete_value, discrete_cum,
                     survey_stage, respond_mode, respond_threshold, respond_key, blank,
                     out_reached, out_happened, out_answer):
    """Simulate customers ``item_j[i] … item_j[i] + item_count[i] - 1`` of (point
    ``item_point[i]``, persona ``item_persona[i]``) and write customer c of item i to row
    ``item_row[i] + c``: ``out_reached`` int32[n] (index of the last stage reached),
    ``out_happened`` int8[n, E] (1 where the event happened, else 0, by declaration
    index), ``out_answer`` int32[n, V] (survey v's answer, or ``blank``: not asked, or
    no answer). The tables are simulate_blocks' (:func:`cxdsl.sim.engine.pack`).

    ``survey_stage`` int64[V]: the stage index survey v asks at, -1 for ``at end``.
    ``respond_mode`` (MODE_ALWAYS, MODE_THRESHOLD or MODE_NEVER) and
    ``respond_threshold`` (uint64): whether an asked customer answers, from the draw of
    stream ``respond_key[q, v]`` (uint64[Q, V])."""
    flo = float(lo)
    fhi = float(hi)
    for it in numba.prange(item_point.shape[0]):
        pt = item_point[it]
        q = item_persona[it]
        for c in range(item_count[it]):
            r = item_row[it] + c
            h = customer_hash_nb(item_j[it] + c)
            happened = out_happened[r]
            answer = out_answer[r]
            happened[:] = 0
            answer[:] = blank
            x = _draw_one(baseline_dist[pt, q], key_baseline[q], h, dist_kind, dist_param,
                          dist_first, dist_count, discrete_value, discrete_cum)
            score0 = fhi if x > fhi else (flo if x < flo else x)
            last, score = _journey_one(
                h, q, score0, ev_int[pt, q], ev_u64[pt, q], ev_value[pt, q], st_mode[pt, q],
                st_u64[pt, q], st_f64[pt, q], stage_first, cond_op, cond_arg, cond_value,
                dist_kind, dist_param, dist_first, dist_count, discrete_value, discrete_cum,
                survey_stage, respond_mode, respond_threshold, respond_key, blank, flo, fhi,
                happened, answer)
            out_reached[r] = last
            for v in range(survey_stage.shape[0]):
                if survey_stage[v] < 0:
                    answer[v] = _answer(score, v, q, h, respond_mode, respond_threshold,
                                        respond_key, blank)
