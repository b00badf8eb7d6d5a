"""The kernel's lane primitives against plain NumPy: both compactions (the portable loop,
and packing whole groups) and the packing itself in each of its forms (AVX-512's compress
of 8 lanes, AVX2's permute of 4, LLVM's generic compress of 4), the lane masks, the
eight-accumulator sums and the normal's central region, the interleaved histograms, the
logistic advance's polynomial decision."""

from __future__ import annotations

import math
import statistics

import numba
import numpy as np
import pytest

from cxdsl.sim import kernel
from cxdsl.sim.kernel import LANES, SUM_LANES


@numba.njit
def _compact(packed, n, keep, lane, lane_hash, score, score0, flags, flag_words):
    if packed:
        return kernel.compact_packed(n, keep, lane, lane_hash, score, score0, flags,
                                     flag_words)
    return kernel.compact_portable(n, keep, lane, lane_hash, score, score0, flags, flag_words)


def _packing_shim():
    """A fresh shim of pack_lanes, pack_positions and lane_mask, compiled for the current
    ``kernel.GROUP`` and ``kernel.PERMUTE`` (the intrinsics choose their width and
    instructions as they are compiled)."""

    @numba.njit
    def pack(arr, src, dst, mask, out, start, at, flags):
        kernel.pack_lanes(arr, src, dst, mask)
        kernel.pack_positions(out, start, at, mask)
        got = kernel.lane_mask(flags, 0)
        return got, kernel.popcount(got)

    return pack


#: The forms packing can take (GROUP, PERMUTE), and whether this machine can run each.
PACKINGS = {"compress8": (8, False, True), "generic4": (4, False, True),
            "permute4": (4, True, "+avx2" in kernel._FEATURES.split(","))}


@numba.njit
def _listed(n, ok, hits):
    return kernel._listed(n, ok, hits)


@numba.njit
def _holds(c0, c1, n, score, flags, stack, ok, cond_op, cond_arg, cond_value):
    return kernel._holds(c0, c1, n, score, flags, stack, ok, cond_op, cond_arg, cond_value)


@numba.njit
def _sum8(x, n, sa, qa):
    kernel._sum8(x, n, sa, qa)


@numba.njit
def _tally(x, n, hist, first, flo, copies, stride, idx):
    kernel._tally(x, n, hist, first, flo, copies, stride, idx)


@numba.njit
def _exp_close(t):
    out = np.empty_like(t)
    for i in range(t.shape[0]):
        out[i] = kernel.exp_close(t[i])
    return out


@numba.njit
def _close_call(u, x):
    below = np.empty(u.shape[0], dtype=np.bool_)
    certain = np.empty(u.shape[0], dtype=np.bool_)
    for i in range(u.shape[0]):
        below[i], certain[i] = kernel.logistic_close_call(u[i], x[i])
    return below, certain


def test_exp_close_is_within_a_relative_1e_8_over_its_range():
    rng = np.random.default_rng(8)
    t = np.concatenate([np.linspace(-700, 700, 400_001), rng.uniform(-700, 700, 100_000),
                        np.arange(-1010, 1011) * math.log(2) / 1.5, [0.0, -0.0]])
    t = t[np.abs(t) <= 700]
    assert _exp_close(np.array([0.0, 1.0, -1.0, 700.0, -700.0]))[0] == 1.0
    want = np.array([math.exp(v) for v in t])
    assert np.max(np.abs(_exp_close(t) / want - 1.0)) < 1e-8


def test_the_logistic_is_certain_only_away_from_the_boundary_and_then_exact():
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.uniform(-40, 40, 50_000), rng.uniform(-700, 700, 50_000)])
    p = np.array([kernel.logistic(v) for v in x])
    rel = np.concatenate([rng.uniform(-3e-7, 3e-7, 50_000), rng.uniform(-0.5, 0.5, 50_000)])
    u = np.clip(p * (1.0 + rel), 2.0 ** -53, 1.0 - 2.0 ** -53)
    below, certain = _close_call(u, x)
    exact = u < p
    assert np.array_equal(below[certain], exact[certain])
    assert not certain[np.abs(u / p - 1.0) < 0.5e-7].any()  # too close to call
    assert certain[np.abs(u / p - 1.0) > 2e-7].all()  # and only there
    # beyond ±700 (x clamped there) the decision is still the plain formula's
    far = np.array([701.0, -701.0, 1e6, -1e6, 800.0, -800.0])
    u = np.array([0.5, 0.5, 1 - 2.0 ** -53, 2.0 ** -53, 0.99, 2.0 ** -53])
    below, certain = _close_call(u, far)
    assert certain.tolist() == [True, True, False, True, True, True]  # u within 1e-7 of 1
    exact = [bool(a < kernel.logistic(b)) for a, b in zip(u, far)]
    assert below[certain].tolist() == np.array(exact)[certain].tolist()


@pytest.mark.parametrize("form", PACKINGS)
def test_packing_puts_the_selected_lanes_first(form, monkeypatch):
    width, permute, runs_here = PACKINGS[form]
    if not runs_here:
        pytest.skip("AVX2's permute needs an AVX2 machine")
    monkeypatch.setattr(kernel, "GROUP", width)
    monkeypatch.setattr(kernel, "PERMUTE", permute)
    pack = _packing_shim()
    rng = np.random.default_rng(5)
    for dtype in (np.float64, np.uint64, np.int64):
        for mask in range(1 << width):
            src = int(rng.integers(0, width)) + width
            dst = int(rng.integers(0, src + 1))
            arr = rng.integers(1, 1 << 40, 3 * width).astype(dtype)
            want = arr.copy()
            chosen = [arr[src + w] for w in range(width) if mask >> w & 1]
            want[dst:dst + len(chosen)] = chosen
            out = np.full(width + 4, -1, dtype=np.int64)
            flags = np.array([(mask >> w & 1) * (w + 1) for w in range(width)] + [1, 2],
                             dtype=np.uint64)
            got, count = pack(arr, src, dst, mask | (3 << width), out, 17, 2, flags)
            # the bits past the group are ignored, nothing past the group is written
            assert np.array_equal(arr[:dst + len(chosen)], want[:dst + len(chosen)]), mask
            assert np.array_equal(arr[dst + width:], want[dst + width:]), mask
            positions = [17 + w for w in range(width) if mask >> w & 1]
            assert out[:2].tolist() == [-1, -1] and out[2 + width:].tolist() == [-1, -1]
            assert out[2:2 + len(positions)].tolist() == positions, mask
            assert (got, count) == (mask, bin(mask).count("1"))
    if permute:
        assert "vpermd" in next(iter(pack.inspect_asm().values()))


@pytest.mark.parametrize("packed", [False, True], ids=["portable", "packed"])
@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 100, LANES - 1, LANES])
@pytest.mark.parametrize("flag_words", [1, 3])
def test_both_compactions_keep_the_kept_in_order(packed, n, flag_words):
    rng = np.random.default_rng(n * 7 + flag_words)
    for p_keep in (0.0, 0.3, 0.9, 1.0):
        keep = np.zeros(LANES, dtype=np.uint64)
        keep[:n] = rng.random(n) < p_keep
        lane = rng.permutation(LANES).astype(np.uint64)
        lane_hash = rng.integers(0, 1 << 63, LANES).astype(np.uint64)
        score = rng.normal(size=LANES)
        score0 = rng.normal(size=LANES)
        flags = rng.integers(0, 1 << 63, flag_words * LANES).astype(np.uint64)
        sel = np.flatnonzero(keep[:n])
        want = [a[sel].copy() for a in (lane, lane_hash, score, score0)]
        want_flags = [flags[w * LANES:(w + 1) * LANES][sel].copy() for w in range(flag_words)]
        kept = _compact(packed, n, keep, lane, lane_hash, score, score0, flags, flag_words)
        assert kept == len(sel)
        for got, exp in zip((lane, lane_hash, score, score0), want):
            assert np.array_equal(got[:kept], exp)
        for w in range(flag_words):
            assert np.array_equal(flags[w * LANES:w * LANES + kept], want_flags[w])


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 100, LANES - 1, LANES])
def test_listing_gives_the_positions_that_hold_in_order(n):
    rng = np.random.default_rng(n)
    for p in (0.0, 0.1, 0.5, 1.0):
        ok = (rng.random(LANES) < p).astype(np.uint64)  # beyond n too: must be ignored
        hits = np.full(LANES, -1, dtype=np.int64)
        m = _listed(n, ok, hits)
        assert hits[:m].tolist() == np.flatnonzero(ok[:n]).tolist()


@pytest.mark.parametrize("program", [
    [(kernel.OP_EVENT, 3, 0.0)], [(kernel.OP_EVENT, 70, 0.0)],
    [(kernel.OP_EVENT, 3, 0.0), (kernel.OP_NOT, 0, 0.0)],
    *[[(kernel.OP_SCORE, cmp, 5.0)] for cmp in range(6)],
    [(kernel.OP_EVENT, 3, 0.0), (kernel.OP_SCORE, kernel.CMP_LT, 5.0), (kernel.OP_AND, 0, 0.0)],
    [(kernel.OP_EVENT, 70, 0.0), (kernel.OP_NOT, 0, 0.0), (kernel.OP_EVENT, 3, 0.0),
     (kernel.OP_OR, 0, 0.0)],
], ids=["e", "e70", "not-e", "lt", "le", "gt", "ge", "eq", "ne", "e-and-lt", "not-e-or-e"])
def test_conditions_hold_where_their_program_says(program):
    rng = np.random.default_rng(len(program))
    n = LANES - 3
    score = rng.integers(0, 11, LANES).astype(np.float64)
    flags = rng.integers(0, 1 << 63, 2 * LANES, dtype=np.int64).astype(np.uint64)
    ops, args, values = (np.array(c, dtype=dt) for c, dt in
                         zip(zip(*program), (np.int64, np.int64, np.float64)))
    ok = np.full(LANES, 7, dtype=np.uint64)
    held = _holds(0, len(program), n, score, flags, np.zeros(LANES, dtype=np.uint64), ok,
                  ops, args, values)
    compare = [np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal]
    stack = []
    for op, arg, value in program:
        if op == kernel.OP_EVENT:
            word = flags[(arg >> 6) * LANES:][:n]
            stack.append((word >> np.uint64(arg & 63)) & np.uint64(1) == 1)
        elif op == kernel.OP_SCORE:
            stack.append(compare[arg](score[:n], value))
        elif op == kernel.OP_NOT:
            stack.append(~stack.pop())
        else:
            b, a = stack.pop(), stack.pop()
            stack.append(a & b if op == kernel.OP_AND else a | b)
    assert ok[:n].tolist() == stack[0].astype(np.uint64).tolist()
    assert held == int(stack[0].sum())


def test_packing_is_chosen_only_where_it_is_one_instruction():
    features = kernel._FEATURES.split(",")
    assert kernel.COMPRESS == ("+avx512f" in features)
    assert kernel.PERMUTE == (not kernel.COMPRESS and "+avx2" in features)
    assert kernel.PACKED == (kernel.COMPRESS or kernel.PERMUTE)
    assert kernel.GROUP == (8 if kernel.COMPRESS else 4)


@pytest.mark.parametrize("n", [0, 3, 8, 13, 256])
def test_eight_accumulators_each_sum_their_lanes_in_order(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=max(n, 1)) * 1e3
    sa = rng.normal(size=SUM_LANES)
    qa = rng.normal(size=SUM_LANES)
    want_s, want_q = sa.tolist(), qa.tolist()
    for k in range(n):  # plain Python floats: one rounding per add, in k order
        want_s[k % 8] += float(x[k])
        want_q[k % 8] += float(x[k]) * float(x[k])
    _sum8(x, n, sa, qa)
    assert sa.tolist() == want_s and qa.tolist() == want_q


def test_the_normals_central_region_is_ppnd16_there():
    ps = np.linspace(0.075, 0.925, 20001)
    for p in ps:
        q = p - 0.5
        if abs(q) <= 0.425:
            assert kernel.ppnd16_central(q) == kernel.ppnd16(p)
    assert kernel.ppnd16(0.3) == statistics.NormalDist().inv_cdf(0.3)
    assert math.isclose(kernel.ppnd16_central(0.0), 0.0, abs_tol=0)


@pytest.mark.parametrize("copies", [1, 2, 4])
@pytest.mark.parametrize("n", [0, 1, 5, LANES])
def test_tally_counts_each_rounded_score_in_its_copy(copies, n):
    lo, k, rows, first = -3, 11, 3 * 11, 11
    rng = np.random.default_rng(n + copies)
    x = np.zeros(LANES)
    x[:n] = rng.uniform(lo, lo + k - 1, n)
    x[:n:7] = np.round(x[:n:7]) + 0.5  # halves round up, as math.floor(x + 0.5)
    x[:n][np.round(x[:n]) > lo + k - 1] = lo + k - 1
    hist = np.zeros(copies * rows, dtype=np.int64)
    _tally(x, n, hist, first, float(lo), copies, rows, np.zeros(LANES, dtype=np.uint64))
    bins = np.floor(x[:n] + 0.5).astype(np.int64) - lo
    for c in range(copies):
        got = hist[c * rows:(c + 1) * rows]
        want = np.zeros(rows, dtype=np.int64)
        want[first:first + k] = np.bincount(bins[c::copies], minlength=k)
        assert np.array_equal(got, want), c
