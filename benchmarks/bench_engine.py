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
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
from llvmlite import binding as llvm_binding

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
from timing import cpu_model, interleaved  # noqa: E402

import cxdsl  # noqa: E402
from cxdsl.model import ir  # noqa: E402
from cxdsl.sim import engine, reference  # noqa: E402

JOURNEY = HERE / "reference.cxj"
SEED = 2024


def load_model() -> ir.Model:
    return cxdsl.load(JOURNEY)


# -------------------------------------------------------------------------- timing


def vector_width() -> str:
    """The widest SIMD the compiler targets here (from LLVM's view of the host)."""
    features = set(llvm_binding.get_host_cpu_features().flatten().split(","))
    for flag, bits in (("+avx512f", 512), ("+avx2", 256), ("+avx", 256), ("+sse2", 128)):
        if flag in features:
            return f"{bits}-bit ({flag[1:]}, {llvm_binding.get_host_cpu_name()})"
    return "unknown"


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


def journey_figures(path: Path, args) -> dict:
    """Time the engine and its baselines on one journey; print and return the figures
    (nanoseconds of CPU time per customer, medians of interleaved rounds)."""
    model = cxdsl.load(path)
    n, nn = args.customers, args.numpy_customers
    keys_all, counts_all = baselines.floor_streams(model, n, SEED)
    tallies = engine.simulate_tallies(model, n, SEED, threads=1)
    keys_need, counts_need = baselines.floor_streams(model, n, SEED, tallies)
    baselines.draw_floor(keys_all[:1], counts_all[:1] * 0 + 10)  # compile outside timing
    baselines.simulate_numpy(model, 1000, SEED)
    med = interleaved({
        "engine": lambda: engine.simulate_tallies(model, n, SEED, threads=1),
        "all-draws floor": lambda: baselines.draw_floor(keys_all, counts_all),
        "needed-draws floor": lambda: baselines.draw_floor(keys_need, counts_need),
        "NumPy peer": lambda: baselines.simulate_numpy(model, nn, SEED),
    }, args.rounds)
    ns = {name: 1e9 * t / (nn if name == "NumPy peer" else n) for name, t in med.items()}
    print(f"\n{path.name}: {len(model.personas)} personas, {len(model.stages)} stages, "
          f"{len(model.events)} events; {counts_all.sum() / n:.1f} draws per customer at "
          f"most, {counts_need.sum() / n:.1f} needed")
    for name, v in ns.items():
        print(f"  {name:<20} {v:8.1f} ns per customer   "
              f"({nn if name == 'NumPy peer' else n:,} customers)")
    # the peer computes the same meaning: the mean score agrees within sampling error
    alt = baselines.simulate_numpy(model, nn, SEED)
    m_engine = tallies.score_sum.sum() / tallies.n.sum()
    m_numpy = alt["score_sum"].sum() / alt["n"].sum()
    sd = math.sqrt(max(tallies.score_sq.sum() / tallies.n.sum() - m_engine ** 2, 0))
    z = (m_engine - m_numpy) / (sd * math.sqrt(1 / n + 1 / nn))
    print(f"  mean score: engine {m_engine:.4f}, NumPy {m_numpy:.4f} (z = {z:+.2f})")
    print(f"  engine vs NumPy peer           {ns['NumPy peer'] / ns['engine']:6.1f}x")
    print(f"  engine / all-draws floor       {ns['engine'] / ns['all-draws floor']:6.2f}")
    print(f"  engine / needed-draws floor    {ns['engine'] / ns['needed-draws floor']:6.2f}")
    return ns


def thread_figures(model: ir.Model, n: int, rounds: int, threads: int) -> None:
    """Wall time of one thread against ``threads``, in pairs taken in turn (the order
    alternating), so each ratio compares runs a few seconds apart: the median of the
    paired ratios, their range, and the CPU time the threaded run spends beyond one
    thread's (waiting at the end of a chunk, starting the pool)."""
    ratios, extra = [], []
    for r in range(rounds):
        wall, cpu = {}, {}
        for t in ((1, threads) if r % 2 == 0 else (threads, 1)):
            w0, c0 = time.perf_counter(), time.process_time()
            engine.simulate_tallies(model, n, SEED, threads=t)
            wall[t], cpu[t] = time.perf_counter() - w0, time.process_time() - c0
        ratios.append(wall[1] / wall[threads])
        extra.append(cpu[threads] / cpu[1] - 1.0)
    print(f"{threads}-thread speedup (wall time, {JOURNEY.name}, {n:,} customers, median of "
          f"{rounds} paired rounds): {statistics.median(ratios):.2f}x (range "
          f"{min(ratios):.2f}-{max(ratios):.2f}); CPU time {100 * statistics.median(extra):+.0f}%"
          " over one thread")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=4_000_000,
                    help="customers for the engine and the floors (default 4e6)")
    ap.add_argument("--numpy-customers", type=int, default=1_000_000)
    ap.add_argument("--python-customers", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median)")
    ap.add_argument("--huge", action="store_true", help="also peak RSS at 1e9 customers")
    ap.add_argument("--no-rss", action="store_true", help="skip the memory measurements")
    ap.add_argument("--no-threads", action="store_true", help="skip the thread speedup")
    ap.add_argument("--thread-customers", type=int, default=20_000_000,
                    help="customers of each run of the thread speedup (default 2e7)")
    ap.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return

    all_threads = numba.config.NUMBA_NUM_THREADS
    engine.warm_up()
    print("cxdsl engine benchmark: CPU time of one thread per customer, medians of "
          f"{args.rounds} interleaved rounds")
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, vector width {vector_width()}; "
          f"Python {platform.python_version()}, numba {numba.__version__} "
          f"({numba.threading_layer()} layer), numpy {np.__version__}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for path in (HERE / "plain.cxj", JOURNEY):
        journey_figures(path, args)

    model = load_model()
    npy = args.python_customers
    t0 = time.process_time()
    reference.simulate_reference(model, npy, SEED)
    print(f"\npure Python reference: {1e9 * (time.process_time() - t0) / npy:,.0f} ns per "
          f"customer ({npy:,} customers)")

    if not args.no_threads and all_threads > 1:
        thread_figures(model, args.thread_customers, max(args.rounds, 7), all_threads)

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
              f"{peaks[top] - peaks[1_000_000]:+.1f} MB")


if __name__ == "__main__":
    main()
