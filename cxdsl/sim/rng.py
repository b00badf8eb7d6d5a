"""Counter-based random numbers keyed by names.

Every random draw of a simulation is a pure function of (seed, stream, persona, j), where
the stream names a purpose and a declaration — (``baseline``, persona), (``occurs``, event),
(``impact``, event), (``advance``, stage) — and j is the customer's index within its
persona. Nothing depends on positions, thread counts or chunking, so

* the same seed gives bit-identical results however the work is split;
* adding, removing or reordering a declaration leaves the draws of the others unchanged;
* scenarios and sweep points share their random numbers (common random numbers).

Construction (version 1 — changing any of it changes every forecast, which the
known-answer vectors in ``tests/sim/test_rng.py`` pin down):

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
the tests. The jitted forms the kernel compiles in, ``ppnd16`` and the construction's
constants are defined in :mod:`cxdsl.sim.kernel` — numba's cache of the kernel sees only
edits to that file, so they live there — and re-exported here. The array helpers below
(``splitmix64_nb``, ``uniforms_nb``, ``normals_nb``: known-answer tests and benchmarks) are
compiled without a disk cache for the same reason: each run compiles them from the current
kernel.py, so they test the code the kernel runs.
"""

from __future__ import annotations

import hashlib
import math
from fractions import Fraction

import numpy as np

from .jit import njit, numba
from .kernel import (
    GAMMA,
    MIX_M1,
    MIX_M2,
    TWO_POW_M52,
    customer_hash_nb,
    mix64_nb,
    ppnd16,
    ppnd16_nb,
    uniform_nb,
)
from .kernel import draw_u64_nb as draw_u64_nb
from .kernel import unit_nb as unit_nb

#: Version tag hashed into every key; bump it only with a documented change of forecasts.
KEY_DOMAIN = "cxdsl-rng-v1"

#: The stream purposes, in the words the keys hash (``respond``: the non-response draws
#: of ``cxdsl sample --respond``).
PURPOSES = ("baseline", "occurs", "impact", "advance", "uncertain", "respond")

MASK64 = (1 << 64) - 1
_GAMMA_U = np.uint64(GAMMA)  # for the array helpers (the kernel has its own)


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


# ---------------------------------------------------------------------- jitted forms


@njit(inline="always")
def normal_nb(key, h):
    """A standard normal draw: the inverse normal CDF of uniform draw 0."""
    return ppnd16_nb(uniform_nb(key, h, 0))


@njit
def splitmix64_nb(seed, out):
    """Fill ``out`` (uint64[n]) with the reference SplitMix64 sequence from ``seed``; the
    known-answer check of :func:`mix64_nb` as the kernel compiles it."""
    state = numba.uint64(seed)
    for i in range(out.shape[0]):
        state = state + _GAMMA_U
        out[i] = mix64_nb(state)


@njit
def uniforms_nb(key, j_start, count, sub, out):
    """Fill ``out`` (float64[count]) with stream ``key``'s uniforms for customers
    ``j_start … j_start + count - 1`` (tests and benchmarks)."""
    for i in range(count):
        out[i] = uniform_nb(key, customer_hash_nb(j_start + i), sub)


@njit
def normals_nb(key, j_start, count, out):
    """Fill ``out`` (float64[count]) with stream ``key``'s standard normals."""
    for i in range(count):
        out[i] = normal_nb(key, customer_hash_nb(j_start + i))


def mix64_array(z: np.ndarray) -> np.ndarray:
    """:func:`mix64_py` over uint64 arrays (NumPy's uint64 arithmetic wraps modulo 2**64,
    as the construction does). Plain NumPy: nothing to compile, so a forecast's world draws
    cost no start-up."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX_M1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX_M2)
        return z ^ (z >> np.uint64(31))


def customer_hashes_array(count: int) -> np.ndarray:
    """uint64[count]: :func:`customer_hash_py` of 0 … count − 1."""
    with np.errstate(over="ignore"):
        return mix64_array((np.arange(count, dtype=np.uint64) + np.uint64(1)) * _GAMMA_U)


def uniforms_array(key: int, hashes: np.ndarray, sub: int = 0) -> np.ndarray:
    """float64[n]: :func:`uniform_py` of stream ``key`` for each customer hash, the same
    doubles (the top 52 bits of a word and the half are exact in a double)."""
    with np.errstate(over="ignore"):
        x = mix64_array((np.uint64(key) ^ hashes) + np.uint64(sub + 1) * _GAMMA_U)
    return ((x >> np.uint64(12)).astype(np.float64) + 0.5) * TWO_POW_M52


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
