"""The counter-based generator: known answers, the jitted and Python forms agreeing, and
statistical sanity of the numbers the kernel draws."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from cxdsl.sim import rng

# Reference SplitMix64 outputs (Steele, Lea & Flood's splitmix64.c; also Rosetta Code
# "Pseudo-random numbers/Splitmix64").
SPLITMIX_1234567 = [6457827717110365317, 3203168211198807973, 9817491932198370423,
                    4593380528125082431, 16408922859458223821]
SPLITMIX_0 = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F,
              0xF88BB8A8724C81EC, 0x1B39896A51A8749B]


def test_splitmix64_python_matches_published_outputs():
    assert rng.splitmix64_py(1234567, 5) == SPLITMIX_1234567
    assert rng.splitmix64_py(0, 5) == SPLITMIX_0


def test_splitmix64_jitted_matches_published_outputs():
    out = np.zeros(5, dtype=np.uint64)
    rng.splitmix64_nb(np.uint64(1234567), out)
    assert [int(x) for x in out] == SPLITMIX_1234567
    rng.splitmix64_nb(np.uint64(0), out)
    assert [int(x) for x in out] == SPLITMIX_0


def test_customer_hash_is_the_splitmix64_sequence_from_zero():
    assert [rng.customer_hash_py(j) for j in range(5)] == SPLITMIX_0


# Pinned values of version 1 of the construction: if one of these changes, every forecast
# of every journey changes with it. That needs a new KEY_DOMAIN and a changelog entry.
PINNED_KEYS = {
    (42, "occurs", "demo_glitch", "smb"): 8596524199948859280,
    (0, "baseline", "a", "a"): 13259907982020004375,
    (-7, "advance", "Close", "enterprise"): 11176374689989216057,
    (2 ** 70, "impact", "x", "y"): 18194113723918757191,
}


def test_stream_keys_are_pinned():
    for args, key in PINNED_KEYS.items():
        assert rng.stream_key(*args) == key


def test_draws_are_pinned():
    key = PINNED_KEYS[(42, "occurs", "demo_glitch", "smb")]
    hashes = [rng.customer_hash_py(j) for j in (0, 1, 10 ** 9)]
    assert [rng.draw_u64_py(key, h, 0) for h in hashes] == [
        17836027557633695283, 3154831021927795995, 5226835933041842672]
    assert [rng.uniform_py(key, h, 1) for h in hashes] == [
        0.8269353501097009, 0.40144226280908046, 0.7951631464101087]
    assert [rng.normal_py(key, h) for h in hashes] == [
        1.8369720789815853, -0.950127513189965, -0.5729261655228707]


def test_stream_keys_separate_every_part():
    keys = {rng.stream_key(s, p, d, q)
            for s in (0, 1, -1, 2 ** 64)
            for p in rng.PURPOSES
            for d in ("a", "b", "ab")
            for q in ("x", "y", "")}
    assert len(keys) == 4 * len(rng.PURPOSES) * 3 * 3
    # the encoding is length-prefixed: moving a character between parts is a new key
    assert rng.stream_key(1, "occurs", "ab", "c") != rng.stream_key(1, "occurs", "a", "bc")
    assert rng.stream_key(np.int64(5), "occurs", "e", "p") == rng.stream_key(5, "occurs",
                                                                           "e", "p")


def test_stream_key_rejects_bad_arguments():
    with pytest.raises(TypeError):
        rng.stream_key(True, "occurs", "e", "p")
    with pytest.raises(TypeError):
        rng.stream_key("42", "occurs", "e", "p")
    with pytest.raises(ValueError):
        rng.stream_key(1, "happens", "e", "p")


@numba.njit
def _jitted_u64(keys, js, subs, out):
    for i in range(keys.shape[0]):
        out[i] = rng.draw_u64_nb(keys[i], rng.customer_hash_nb(js[i]), subs[i])


def test_jitted_draws_equal_python_draws():
    gen = np.random.default_rng(7)
    n = 2000
    keys = gen.integers(0, 2 ** 64, size=n, dtype=np.uint64)
    keys[:3] = [0, 2 ** 64 - 1, 2 ** 63]
    js = gen.integers(0, 2 ** 40, size=n, dtype=np.int64)
    js[:3] = [0, 1, 2 ** 62]
    subs = gen.integers(0, 2, size=n, dtype=np.int64)
    out = np.zeros(n, dtype=np.uint64)
    _jitted_u64(keys, js, subs, out)
    for i in range(n):
        h = rng.customer_hash_py(int(js[i]))
        assert int(out[i]) == rng.draw_u64_py(int(keys[i]), h, int(subs[i]))
    key = int(keys[5])
    u = rng.uniforms(key, 123, 50, sub=1)
    z = rng.normals(key, 123, 50)
    for i in range(50):
        h = rng.customer_hash_py(123 + i)
        assert u[i] == rng.uniform_py(key, h, 1)
        assert z[i] == rng.normal_py(key, h)


def test_unit_floats_stay_strictly_inside_zero_one():
    # 52 bits plus a half: exact, so the extremes are 2**-53 and 1 - 2**-53, never 0 or 1
    assert rng.unit_py(0) == 2.0 ** -53
    assert rng.unit_py(2 ** 64 - 1) == 1.0 - 2.0 ** -53 < 1.0
    assert rng.unit_py(2 ** 63) == 0.5 + 2.0 ** -53
    assert rng.unit_py(4095) == rng.unit_py(0)  # the low 12 bits do not count


@pytest.mark.parametrize("p", [0.0, 1e-300, 2.0 ** -53, 2.0 ** -53 + 2.0 ** -60, 0.3, 0.5,
                               0.7, 0.123456789, 1 - 2.0 ** -53, 1 - 2.0 ** -52, 1.0])
def test_below_threshold_decides_exactly_like_the_float_comparison(p):
    t = rng.below_threshold(p)
    assert t % 4096 == 0 and 0 <= t <= 2 ** 64
    # at the threshold the decision flips, and nowhere else (unit is monotone in x)
    for x in {0, 1, 4095, 4096, t - 4097, t - 4096, t - 1, t, t + 1, t + 4095, t + 4096,
              2 ** 63, 2 ** 64 - 1}:
        if 0 <= x < 2 ** 64:
            assert (rng.unit_py(x) < p) == (x < t), (p, x)


def test_below_threshold_on_random_probabilities_and_words():
    gen = np.random.default_rng(3)
    for p in map(float, gen.random(200)):
        t = rng.below_threshold(p)
        for x in gen.integers(0, 2 ** 64, size=20, dtype=np.uint64):
            assert (rng.unit_py(int(x)) < p) == (int(x) < t)
        assert not rng.unit_py(t) < p and rng.unit_py(t - 1) < p
    with pytest.raises(ValueError):
        rng.below_threshold(1.5)
    with pytest.raises(ValueError):
        rng.below_threshold(float("nan"))


def test_ppnd16_reproduces_the_standard_library_bit_for_bit():
    import statistics

    inv_cdf = statistics.NormalDist().inv_cdf
    gen = np.random.default_rng(11)
    ps = list(gen.random(20_000)) + [2.0 ** -53, 1 - 2.0 ** -53, 0.5, 0.075, 0.925,
                                     0.07499999, 0.92500001, 1e-12, 1 - 1e-12, 1e-300]
    for p in ps:
        assert rng.ppnd16(float(p)) == inv_cdf(float(p))
    arr = np.array(ps)
    out = np.empty_like(arr)
    _jitted_ppnd16(arr, out)
    assert [float(x) for x in out] == [rng.ppnd16(float(p)) for p in ps]
    assert rng.ppnd16(0.5) == 0.0 and rng.ppnd16(0.975) == pytest.approx(1.959963984540054)


@numba.njit
def _jitted_ppnd16(ps, out):
    for i in range(ps.shape[0]):
        out[i] = rng.ppnd16_nb(ps[i])


# ------------------------------------------------------------------- statistics


N_DRAWS = 2_000_000


def _chi_square_uniform(u: np.ndarray, bins: int) -> float:
    counts = np.bincount((u * bins).astype(np.int64), minlength=bins)
    expected = len(u) / bins
    return float(((counts - expected) ** 2 / expected).sum())


def _chi_square_limit(df: int) -> float:
    # Wilson–Hilferty: the chi-square quantile at ~1 - 1e-6 (z = 4.75); a failure is a bug,
    # not bad luck
    z = 4.75
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


@pytest.mark.parametrize("stream", [("occurs", "demo"), ("advance", "Close"),
                                    ("baseline", "smb")])
def test_uniforms_pass_chi_square_and_moments(stream):
    key = rng.stream_key(42, stream[0], stream[1], "smb")
    u = rng.uniforms(key, 0, N_DRAWS)
    assert u.min() > 0.0 and u.max() < 1.0
    assert _chi_square_uniform(u, 1000) < _chi_square_limit(999)
    se = 1 / math.sqrt(12 * N_DRAWS)
    assert abs(u.mean() - 0.5) < 5 * se
    assert abs(u.var() - 1 / 12) < 5 * math.sqrt(1 / 180 / N_DRAWS)
    # pairs of consecutive customers fill the unit square evenly (serial test, 32 x 32)
    pair = (u[0::2] * 32).astype(np.int64) * 32 + (u[1::2] * 32).astype(np.int64)
    counts = np.bincount(pair, minlength=1024)
    expected = len(pair) / 1024
    assert ((counts - expected) ** 2 / expected).sum() < _chi_square_limit(1023)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_correlations_between_customers_streams_and_seeds_are_negligible():
    n = 1_000_000
    bound = 5 / math.sqrt(n)
    ka = rng.stream_key(42, "occurs", "a", "p")
    u = rng.uniforms(ka, 0, n + 1)
    assert abs(_corr(u[:-1], u[1:])) < bound           # adjacent customers
    others = [rng.stream_key(42, "occurs", "b", "p"),   # another declaration
              rng.stream_key(42, "impact", "a", "p"),   # another purpose
              rng.stream_key(42, "occurs", "a", "q"),   # another persona
              rng.stream_key(43, "occurs", "a", "p")]   # another seed
    for kb in others:
        assert abs(_corr(u[:n], rng.uniforms(kb, 0, n))) < bound
    # the two sub-counters of one stream (the normal's two uniforms)
    assert abs(_corr(u[:n], rng.uniforms(ka, 0, n, sub=1))) < bound
    # keys that differ in one bit still give unrelated streams
    assert abs(_corr(u[:n], rng.uniforms(ka ^ 1, 0, n))) < bound
    assert abs(_corr(u[:n], rng.uniforms(ka ^ (1 << 63), 0, n))) < bound


def test_output_bits_are_balanced():
    key = rng.stream_key(1, "occurs", "bits", "p")
    out = np.zeros(200_000, dtype=np.uint64)
    _jitted_u64(np.full(out.size, key, dtype=np.uint64), np.arange(out.size),
                np.zeros(out.size, dtype=np.int64), out)
    bits = (out[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    share = bits.mean(axis=0)
    assert np.all(np.abs(share - 0.5) < 5 * 0.5 / math.sqrt(out.size))


def test_normals_have_standard_moments():
    z = rng.normals(rng.stream_key(42, "impact", "n", "p"), 0, N_DRAWS)
    n = len(z)
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.var() - 1) < 5 * math.sqrt(2 / n)
    assert abs(((z - z.mean()) ** 3).mean()) < 5 * math.sqrt(15 / n)
    assert abs((z ** 4).mean() - 3) < 5 * math.sqrt(96 / n)
    tail = np.mean(np.abs(z) > 1.959963984540054)
    assert abs(tail - 0.05) < 5 * math.sqrt(0.05 * 0.95 / n)
    assert np.isfinite(z).all()


def test_array_uniforms_are_the_jitted_ones():
    """The NumPy forms the world draws use give the jitted helpers' doubles exactly."""
    key = rng.stream_key(3, "uncertain", "e.p", "")
    hashes = rng.customer_hashes_array(500)
    assert hashes.tolist() == [rng.customer_hash_py(j) for j in range(500)]
    for sub in (0, 1, 7):
        assert np.array_equal(rng.uniforms_array(key, hashes, sub), rng.uniforms(key, 0, 500, sub))
