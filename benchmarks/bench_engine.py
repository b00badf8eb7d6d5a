"""Speed and memory of the numba engine against its baselines, in one run.

    python benchmarks/bench_engine.py            # the table (about a minute on 2 cores)
    python benchmarks/bench_engine.py --huge     # also peak RSS at 10^9 customers (slow)

See benchmarks/README.md for what each line measures and the targets.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

import cxdsl  # noqa: E402
from cxdsl.model import ir  # noqa: E402
from cxdsl.sim import engine, reference  # noqa: E402
from cxdsl.sim.kernel import customer_hash_nb, uniform_nb  # noqa: E402
from cxdsl.sim.lower import persona_counts  # noqa: E402
from cxdsl.sim.rng import stream_key  # noqa: E402

JOURNEY = HERE / "reference.cxj"
SEED = 2024


def load_model() -> ir.Model:
    return cxdsl.load(JOURNEY)


# ------------------------------------------------------------------------- RNG floor


# Not cached: numba's cache keys a function by its own source only, so a cached copy would
# keep calling the kernel's helpers as they were compiled, after they change.
@numba.njit(cache=False)
def rng_floor(keys, customers):
    """The least any engine with these random numbers can do: one keyed uniform per event
    per customer, summed (so the work cannot be optimised away)."""
    total = 0.0
    for j in range(customers):
        h = customer_hash_nb(j)
        for e in range(keys.shape[0]):
            total += uniform_nb(keys[e], h, 0)
    return total


# ------------------------------------------------------------------ NumPy baseline


def _numpy_draw(gen: np.random.Generator, d: ir.Dist, size: int):
    """``size`` draws of ``d`` (a scalar for a constant)."""
    if isinstance(d, ir.Const):
        return d.value
    if isinstance(d, ir.Normal):
        return gen.normal(d.mu, d.sd, size)
    if isinstance(d, ir.Uniform):
        return gen.uniform(d.lo, d.hi, size)
    if isinstance(d, ir.Triangular):
        return gen.triangular(d.lo, d.mode, d.hi, size)
    return gen.choice(np.asarray(d.values), size, p=np.asarray(d.weights))


def _numpy_condition(c: ir.Cond | None):
    """A function (score array, {event: bool array}) -> bool array, or None for always."""
    if c is None:
        return None
    if isinstance(c, ir.Ref):
        return lambda score, happened: happened[c.event]
    if isinstance(c, ir.ScoreCmp):
        op = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
              "==": np.equal, "!=": np.not_equal}[c.op]
        return lambda score, happened: op(score, c.value)
    if isinstance(c, ir.Not):
        inner = _numpy_condition(c.operand)
        return lambda score, happened: ~inner(score, happened)
    parts = [_numpy_condition(o) for o in c.operands]
    combine = np.logical_and if isinstance(c, ir.And) else np.logical_or

    def evaluate(score, happened):
        out = parts[0](score, happened)
        for f in parts[1:]:
            out = combine(out, f(score, happened))
        return out

    return evaluate


def simulate_numpy(model: ir.Model, customers: int, seed: int,
                   chunk: int = 1 << 20) -> dict[str, np.ndarray]:
    """The same meaning, vectorised over the customers of one persona at a time with NumPy
    (PCG64 random numbers, so not the engine's draws: it agrees in distribution, not bit
    for bit). Inside a stage every array keeps its length and events act through boolean
    masks (no fancy indexing in the event loop); between stages the customers who left are
    tallied and compressed away, so later stages only pay for those still in the journey.
    Returns per-persona sums of the final score and customer counts."""
    gen = np.random.default_rng(seed)
    lo, hi = model.scale
    counts = persona_counts([p.share for p in model.personas], customers,
                            [p.name for p in model.personas])
    by_stage = [[e for e in model.events if e.stage == s.name] for s in model.stages]
    conds = {e.name: _numpy_condition(e.when) for e in model.events}
    S = len(model.stages)
    out = {"n": counts.astype(float), "score_sum": np.zeros(len(counts)),
           "hist": np.zeros((len(counts), hi - lo + 1)),
           "reached": np.zeros((len(counts), S))}

    def tally(q, final):
        out["score_sum"][q] += final.sum()
        r = np.floor(final + 0.5).astype(np.int64) - lo
        out["hist"][q] += np.bincount(r, minlength=hi - lo + 1)

    for q, persona in enumerate(model.personas):
        for start in range(0, int(counts[q]), chunk):
            m = min(chunk, int(counts[q]) - start)
            score0 = np.clip(np.broadcast_to(_numpy_draw(gen, persona.baseline, m),
                                             (m,)).astype(float), lo, hi)
            score = score0.copy()
            happened: dict[str, np.ndarray] = {}
            for s, stage in enumerate(model.stages):
                out["reached"][q, s] += score.size
                for e in by_stage[s]:
                    p = e.p[q]
                    cond = conds[e.name]
                    occurs = (np.ones(score.size, bool) if cond is None
                              else cond(score, happened).copy())
                    if p < 1.0:
                        occurs &= gen.random(score.size) < p
                    happened[e.name] = occurs
                    np.add(score, _numpy_draw(gen, e.impact[q], score.size), out=score,
                           where=occurs)
                np.clip(score, lo, hi, out=score)
                if s == S - 1:
                    break
                a, k = stage.advance[q], stage.slope[q]
                if a >= 1.0:
                    continue
                if a <= 0.0 or k == 0.0:
                    prob = a
                else:
                    prob = 1.0 / (1.0 + np.exp(-(math.log(a / (1 - a)) + k * (score - score0))))
                stay = gen.random(score.size) < prob
                tally(q, score[~stay])
                score, score0 = score[stay], score0[stay]
                happened = {name: f[stay] for name, f in happened.items()}
            tally(q, score)
    return out


# -------------------------------------------------------------------------- timing


def best_time(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB.

    Linux: VmHWM from /proc/self/status, the high-water mark of this program's own memory.
    (getrusage's ru_maxrss survives fork + exec, so a child started by a big parent would
    report the parent's peak.) Elsewhere: ru_maxrss (KB on Linux and BSD, bytes on macOS)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def rss_child(customers: int) -> None:
    """Run in a fresh interpreter: simulate and print the peak RSS (MB) and the time."""
    model = load_model()
    t0 = time.perf_counter()
    t = engine.simulate_tallies(model, customers, SEED)
    seconds = time.perf_counter() - t0
    print(json.dumps({"customers": customers, "rss_mb": peak_rss_mb(), "seconds": seconds,
                      "mean": float(t.score_sum.sum() / t.n.sum())}))


def measure_rss(customers: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--rss-child", str(customers)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=20_000_000,
                    help="customers for the engine timings (default 2e7)")
    ap.add_argument("--numpy-customers", type=int, default=2_000_000)
    ap.add_argument("--python-customers", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--huge", action="store_true", help="also peak RSS at 1e9 customers")
    ap.add_argument("--no-rss", action="store_true", help="skip the memory measurements")
    ap.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return

    model = load_model()
    all_threads = numba.config.NUMBA_NUM_THREADS
    engine.warm_up()
    keys = np.array([stream_key(SEED, "occurs", e.name, model.personas[0].name)
                     for e in model.events], dtype=np.uint64)
    rng_floor(keys, 10)
    n, rep = args.customers, args.repeat

    print(f"cxdsl engine benchmark — {JOURNEY.name}: {len(model.personas)} personas, "
          f"{len(model.stages)} stages, {len(model.events)} events")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"numba {numba.__version__} ({numba.threading_layer()} layer, {all_threads} "
          f"threads), numpy {np.__version__}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()

    rows = []

    def row(name, customers, seconds, note=""):
        rows.append((name, customers, seconds, customers / seconds, note))
        print(f"  {name:<28} {customers:>13,} customers {seconds:9.3f} s "
              f"{customers / seconds / 1e6:10.2f} M customers/s  {note}", flush=True)

    t1 = best_time(lambda: engine.simulate_tallies(model, n, SEED, threads=1), rep)
    row("numba engine, 1 thread", n, t1)
    tall = best_time(lambda: engine.simulate_tallies(model, n, SEED, threads=all_threads),
                     rep)
    row(f"numba engine, {all_threads} threads", n, tall)
    tfloor = best_time(lambda: rng_floor(keys, n), rep)
    row("RNG floor, 1 thread", n, tfloor, f"({len(keys)} uniforms per customer)")
    nn = args.numpy_customers
    tnp = best_time(lambda: simulate_numpy(model, nn, SEED), max(1, rep - 1))
    row("NumPy (vectorised)", nn, tnp)
    npy = args.python_customers
    tpy = best_time(lambda: reference.simulate_reference(model, npy, SEED), 1)
    row("pure Python loop", npy, tpy)

    # the baselines compute the same thing: the mean score agrees within sampling error
    ref = engine.simulate_tallies(model, nn, SEED)
    alt = simulate_numpy(model, nn, SEED)
    m_engine = ref.score_sum.sum() / ref.n.sum()
    m_numpy = alt["score_sum"].sum() / alt["n"].sum()
    sd = math.sqrt(max(ref.score_sq.sum() / ref.n.sum() - m_engine ** 2, 0))
    z = (m_engine - m_numpy) / (sd * math.sqrt(2 / nn))
    print(f"\n  mean score: engine {m_engine:.4f}, NumPy {m_numpy:.4f} (z = {z:+.2f})")

    per = {r[0]: r[3] for r in rows}
    speed1 = per["numba engine, 1 thread"]
    print("\nratios (targets in brackets)")
    print(f"  engine (1 thread) vs NumPy            {speed1 / per['NumPy (vectorised)']:8.1f}x"
          "  [>= 5x]")
    print(f"  engine (1 thread) vs pure Python      {speed1 / per['pure Python loop']:8.0f}x")
    print(f"  engine time / RNG-floor time          {t1 / tfloor:8.2f}   [<= 2]")
    print(f"  {all_threads}-thread speedup                      {t1 / tall:8.2f}x  "
          f"[>= {0.9 * all_threads:.1f}x]")

    if not args.no_rss:
        print("\npeak RSS (fresh process: import, load, compile-or-cache, simulate)")
        sizes = [1_000, 1_000_000, 100_000_000] + ([1_000_000_000] if args.huge else [])
        peaks = {}
        for size in sizes:
            r = measure_rss(size)
            peaks[size] = r["rss_mb"]
            print(f"  {size:>13,} customers  {r['rss_mb']:8.1f} MB   ({r['seconds']:.1f} s, "
                  f"mean {r['mean']:.4f})", flush=True)
        top = max(peaks)
        print(f"  growth from 10^6 to {top:.0e} customers: "
              f"{peaks[top] - peaks[1_000_000]:+.1f} MB  [flat; < 300 MB in all]")


if __name__ == "__main__":
    main()
