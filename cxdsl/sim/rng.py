"""Counter-based random numbers keyed by names.

Every random draw of a simulation is a pure function of (seed, stream, persona, j), where
the stream names a purpose and a declaration — (``baseline``, persona), (``occurs``, event),
(``impact``, event), (``advance``, stage) — and j is the customer's index within its
persona. Nothing depends on positions, thread counts or chunking, so

* the same seed gives bit-identical results however the work is split;
* adding, removing or reordering a declaration leaves the draws of the others unchanged;
* scenarios and sweep points share their random numbers (common random numbers).

Construction (version 1 — changing any of it changes every forecast, which the
known-answer vectors in ``tests/test_rng.py`` pin down):

``stream_key(seed, purpose, declaration, persona)``
    A 64-bit key: the first 8 bytes (little-endian) of BLAKE2b over a length-prefixed
    UTF-8 encoding of ``("cxdsl-rng-v1", str(seed), purpose, declaration, persona)``.
    Computed once in Python, at simulation start.
``customer_hash(j)``
    ``mix64((j + 1) * GAMMA)``: the j-th output of SplitMix64 seeded with 0 (j ≥ 0), so
    one customer's position is spread over all 64 bits before it meets any key.
``draw_u64(key, h, sub)``
    ``mix64(((key ^ h) + (sub + 1) * GAMMA) mod 2**64)`` for a customer hash ``h`` and a
    small sub-counter ``sub``: every stream needs one number per customer (sub 0); the
    sub-counter leaves room for forms that would need more.
``uniform(key, h, sub)``
    ``((draw_u64 >> 12) + 0.5) * 2**-52``: the top 52 bits, centred in their interval.
    Every step is exact in float64 (52 bits plus the half fit the 53-bit significand), so a
    uniform lies strictly inside (0, 1) — in [2**-53, 1 - 2**-53] — and ``log(u)`` is
    always finite. (With 53 bits, ``2**53 - 1 + 0.5`` would round up to exactly 1.0.)
``normal(key, h)``
    ``ppnd16(uniform(key, h, 0))``: the inverse normal CDF (Wichura's AS 241, as in
    ``statistics.NormalDist.inv_cdf``), one uniform per draw.
``below_threshold(p)``
    The integer T with ``uniform < p  ⇔  draw_u64 < T`` for every draw: the kernel decides
    "happens with probability p" with one integer comparison, bit-for-bit the same decision
    as comparing the float.

``mix64`` is the SplitMix64 output function (Steele, Lea & Flood 2014; the "Mix13"
finaliser of Stafford): ``z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
z *= 0x94D049BB133111EB; z ^= z >> 31``. It is a bijection of 64-bit words with full
avalanche, so two streams (keys differing in many bits) give unrelated numbers for the same
customer, and the key is mixed non-linearly with the customer: no two streams are the same
sequence shifted by a few customers, as they could be if keys only offset a Weyl sequence.

The functions come in two forms with identical results: numba-jittable ones used by the
kernel (``*_nb``, inlined) and plain Python ones (``*_py``) for the reference engine and
the tests.
"""

from __future__ import annotations

import hashlib
import math
from fractions import Fraction

import numba
import numpy as np

#: Version tag hashed into every key; bump it only with a documented change of forecasts.
KEY_DOMAIN = "cxdsl-rng-v1"

#: The stream purposes, in the words the keys hash.
PURPOSES = ("baseline", "occurs", "impact", "advance")

MASK64 = (1 << 64) - 1
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
_ONE_U = np.uint64(1)


# ------------------------------------------------------------------------------- keys


def _encode(parts: tuple[str, ...]) -> bytes:
    """Length-prefixed UTF-8: no two different tuples of strings share an encoding."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "little")
        out += raw
    return bytes(out)


def stream_key(seed: int, purpose: str, declaration: str, persona: str) -> int:
    """The 64-bit key of one stream: (seed, purpose, declaration name, persona name).

    ``seed`` is any Python int (negative and > 64-bit seeds are distinct keys; bools are
    refused). ``purpose`` is one of :data:`PURPOSES`; for the baseline stream the
    declaration is the persona itself."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, not {type(seed).__name__}")
    if purpose not in PURPOSES:
        raise ValueError(f"unknown stream purpose {purpose!r}")
    digest = hashlib.blake2b(_encode((KEY_DOMAIN, str(int(seed)), purpose, declaration,
                                      persona)), digest_size=8).digest()
    return int.from_bytes(digest, "little")


# ----------------------------------------------------------------- pure-Python forms


def mix64_py(z: int) -> int:
    """SplitMix64's output function on a 64-bit word."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * MIX_M1) & MASK64
    z = ((z ^ (z >> 27)) * MIX_M2) & MASK64
    return z ^ (z >> 31)


def splitmix64_py(seed: int, count: int) -> list[int]:
    """The first ``count`` outputs of the reference SplitMix64 generator (known answers:
    seed 1234567 starts 6457827717110365317, 3203168211198807973, …)."""
    state, out = seed & MASK64, []
    for _ in range(count):
        state = (state + GAMMA) & MASK64
        out.append(mix64_py(state))
    return out


def customer_hash_py(j: int) -> int:
    """The hash of customer index ``j`` (≥ 0) within its persona."""
    return mix64_py((j + 1) * GAMMA)


def draw_u64_py(key: int, h: int, sub: int) -> int:
    """The 64-bit draw number ``sub`` of stream ``key`` for the customer of hash ``h``."""
    return mix64_py(((key ^ h) + (sub + 1) * GAMMA) & MASK64)


def unit_py(x: int) -> float:
    """The double strictly inside (0, 1) a 64-bit word stands for: its top 52 bits,
    centred in their interval (0 -> 2**-53, 2**64 - 1 -> 1 - 2**-53), computed exactly."""
    return ((x >> 12) + 0.5) * TWO_POW_M52


def below_threshold(p: float) -> int:
    """The integer T in [0, 2**64] such that, for every 64-bit word x,
    ``unit_py(x) < p  ⇔  x < T``.

    ``unit(x) = (k + 1/2) / 2**52`` with ``k = x >> 12``, so ``unit(x) < p  ⇔
    k < p·2**52 - 1/2``: K = ceil(p·2**52 - 1/2) values of k qualify (clipped to
    [0, 2**52]), and ``k < K  ⇔  x < K·2**12``. Exact rational arithmetic: no rounding.
    T = 0 means never (p below every uniform), T = 2**64 always."""
    if not 0.0 <= p <= 1.0:  # also refuses NaN
        raise ValueError(f"not a probability: {p}")
    y = Fraction(p) * (1 << 52) - Fraction(1, 2)
    k = min(max(math.ceil(y), 0), 1 << 52)
    return k << 12


def uniform_py(key: int, h: int, sub: int = 0) -> float:
    """A uniform double strictly inside (0, 1)."""
    return unit_py(draw_u64_py(key, h, sub))


def normal_py(key: int, h: int) -> float:
    """A standard normal draw: the inverse normal CDF of uniform draw 0 (:func:`ppnd16`)."""
    return ppnd16(uniform_py(key, h, 0))


def ppnd16(p: float) -> float:
    """The standard normal quantile of p in (0, 1): Wichura's algorithm AS 241 (PPND16,
    relative accuracy about 1e-16), with the coefficients and the order of operations of
    Python's ``statistics.NormalDist.inv_cdf``, whose results it reproduces bit for bit.

    Written once and compiled twice (``ppnd16_nb`` is its numba form), so the kernel and the
    Python reference compute the same doubles: one uniform per normal, and in the central
    85% of draws no call to ``log``/``cos`` at all — rational functions pipeline well."""
    q = p - 0.5
    if abs(q) <= 0.425:
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


# ---------------------------------------------------------------------- jitted forms


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


ppnd16_nb = numba.njit(inline="always", cache=True)(ppnd16)


@numba.njit(inline="always", cache=True)
def normal_nb(key, h):
    """A standard normal draw: the inverse normal CDF of uniform draw 0."""
    return ppnd16_nb(uniform_nb(key, h, 0))


@numba.njit(cache=True)
def splitmix64_nb(seed, out):
    """Fill ``out`` (uint64[n]) with the reference SplitMix64 sequence from ``seed``; the
    known-answer check of :func:`mix64_nb` as the kernel compiles it."""
    state = numba.uint64(seed)
    for i in range(out.shape[0]):
        state = state + _GAMMA_U
        out[i] = mix64_nb(state)


@numba.njit(cache=True)
def uniforms_nb(key, j_start, count, sub, out):
    """Fill ``out`` (float64[count]) with stream ``key``'s uniforms for customers
    ``j_start … j_start + count - 1`` (tests and benchmarks)."""
    for i in range(count):
        out[i] = uniform_nb(key, customer_hash_nb(j_start + i), sub)


@numba.njit(cache=True)
def normals_nb(key, j_start, count, out):
    """Fill ``out`` (float64[count]) with stream ``key``'s standard normals."""
    for i in range(count):
        out[i] = normal_nb(key, customer_hash_nb(j_start + i))


def uniforms(key: int, j_start: int, count: int, sub: int = 0) -> np.ndarray:
    """Stream ``key``'s uniforms for ``count`` consecutive customers, float64[count]."""
    out = np.empty(count, dtype=np.float64)
    uniforms_nb(np.uint64(key), np.int64(j_start), np.int64(count), np.int64(sub), out)
    return out


def normals(key: int, j_start: int, count: int) -> np.ndarray:
    """Stream ``key``'s standard normals for ``count`` consecutive customers."""
    out = np.empty(count, dtype=np.float64)
    normals_nb(np.uint64(key), np.int64(j_start), np.int64(count), out)
    return out
